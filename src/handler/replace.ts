/** `PUT /items/{id}`: replace, or create when absent. */
import { created } from './create';
import { HttpResponse, jsonResponse, readJsonObject } from './http';
import { buildItem, checkAttributes, clientContent, presentItem, tagOf, versionOf } from './item';
import { invalidItem, parentNotFound, preconditionFailed } from './item-errors';
import { ItemReader, asRead, checkBodyId, checkBuilt, createdAtOf, keptGeneration, preconditions, withoutId } from './item-writes';
import { etagOf, evaluate } from './preconditions';
import { parentCheckOf } from './relations';
import { OperationRequest, placeOf, Services, retrying } from './services';

/** `PUT /items/{id}`: full replacement; creates when absent. */
export async function replaceItem(s: Services, req: OperationRequest, id: string): Promise<HttpResponse> {
  const body = readJsonObject(req.event, 'document');
  checkBodyId(s, body, id);
  const pre = preconditions(req.event);
  const content = clientContent(s.model, body);
  const violations = [...checkAttributes(withoutId(body, s.model), s.model), ...(s.validator ? s.validator.check(content) : [])];
  if (violations.length) throw invalidItem(violations);

  const reader = new ItemReader(s, id, req.scope);
  return retrying(req, async () => {
    const current = await reader.read();
    if (evaluate(pre, current ? tagOf(current) : undefined) !== 'pass') throw preconditionFailed();
    const now = s.clock().toISOString();
    const version = current ? versionOf(current) : 0;
    const item = buildItem(s.model, content, id, {
      version: version + 1, createdAt: createdAtOf(current, now), updatedAt: now, ...placeOf(req), generation: keptGeneration(s, current),
    });
    checkBuilt(s, item);
    const written = await s.store.replace(item, current ? asRead(current) : { kind: 'absent' }, current ? undefined : parentCheckOf(s, req));
    if (written.kind === 'no-parent') throw parentNotFound(s, req);
    if (written.kind === 'conflict') return reader.retryWith(written);
    if (current) return jsonResponse(200, presentItem(s.model, item), { etag: etagOf(tagOf(item)) });
    return created(s, req, item);
  });
}
