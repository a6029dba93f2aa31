/** `POST /items`: create, with an optional `Idempotency-Key`. */
import { header, HttpError, HttpResponse, jsonResponse, readJsonObject } from './http';
import { IdempotencyRecord, keyReused, parseIdempotencyKey, recordKey, requestHash } from './idempotency';
import { buildItem, checkAttributes, checkBodyIdValue, clientContent, idText, presentItem, tagOf } from './item';
import { alreadyExists, invalidItem, parentNotFound } from './item-errors';
import { checkBuilt, withoutId } from './item-writes';
import { escapePointer, JsonObject } from './json';
import { etagOf } from './preconditions';
import { parentCheckOf, parentPathOf } from './relations';
import { OperationRequest, placeOf, RETRY, Services, retrying } from './services';
import { PROBLEMS, ProblemViolation } from '../shared/problems';

/** `POST /items`. */
export async function createItem(s: Services, req: OperationRequest): Promise<HttpResponse> {
  const body = readJsonObject(req.event, 'document');
  const key = parseIdempotencyKey(header(req.event, 'idempotency-key'));
  if (key !== undefined && !s.idempotency) {
    throw new HttpError(PROBLEMS.IDEMPOTENCY_UNAVAILABLE, 'This deployment has no idempotency table; send the request without Idempotency-Key.');
  }
  const violations: ProblemViolation[] = [];
  let id: string | undefined;
  if (Object.prototype.hasOwnProperty.call(body, s.model.idAttribute)) {
    const checked = checkBodyIdValue(body[s.model.idAttribute], s.model.idType);
    if (checked.problem) violations.push({ path: '/' + escapePointer(s.model.idAttribute), message: checked.problem });
    else id = checked.id;
  } else if (!s.newId) {
    violations.push({ path: '', message: `'${s.model.idAttribute}' is required: this resource's ids are chosen by the client` });
  }
  const content = clientContent(s.model, body);
  violations.push(...checkAttributes(withoutId(body, s.model), s.model));
  if (s.validator) violations.push(...s.validator.check(content));
  if (violations.length) throw invalidItem(violations);

  const now = s.clock().toISOString();
  const generation = s.newGeneration();
  const itemId = id ?? s.newId!();
  const item = buildItem(s.model, content, itemId, { version: 1, createdAt: now, updatedAt: now, ...placeOf(req), generation });
  checkBuilt(s, item);
  req.note.itemId = itemId;

  if (key === undefined) {
    return retrying(req, async () => {
      switch (await s.store.create(item, parentCheckOf(s, req))) {
        case 'created':
          return created(s, req, item);
        case 'exists':
          throw alreadyExists(itemId);
        case 'no-parent':
          throw parentNotFound(s, req);
        case 'conflict':
          return RETRY;
      }
    });
  }

  const hash = requestHash(body);
  const pk = recordKey(s.config.name, req.principal, key, req.ancestors.length ? parentPathOf(req) : undefined);
  return retrying(req, async () => {
    const nowSeconds = Math.floor(s.clock().getTime() / 1000);
    const record: IdempotencyRecord = {
      pk, requestHash: hash, itemId, createdAt: now, generation, expiresAt: nowSeconds + s.config.idempotencyTtlSeconds,
    };
    const result = await s.store.createIdempotent(item, record, nowSeconds, parentCheckOf(s, req));
    switch (result.kind) {
      case 'created':
        return created(s, req, item);
      case 'item-exists':
        throw alreadyExists(itemId);
      case 'no-parent':
        throw parentNotFound(s, req);
      case 'conflict':
        return RETRY;
      case 'record-exists': {
        const r = result.record;
        if (r.expiresAt < nowSeconds) return RETRY; // expired between the condition and the read
        if (r.requestHash !== hash) throw keyReused();
        // The original response, rebuilt: same body (the hash says so), the original id and creation time.
        req.note.itemId = r.itemId;
        req.note.idempotentReplay = true;
        const original = buildItem(s.model, content, r.itemId, {
          version: 1, createdAt: r.createdAt, updatedAt: r.createdAt, ...placeOf(req), generation: r.generation,
        });
        return created(s, req, original, { 'idempotent-replayed': 'true' });
      }
    }
  });
}

export function created(s: Services, req: OperationRequest, item: JsonObject, extra: Record<string, string> = {}): HttpResponse {
  return jsonResponse(201, presentItem(s.model, item), {
    location: itemLocation(s, req, idText(s.model, item)),
    etag: etagOf(tagOf(item)),
    ...extra,
  });
}

/**
 * The item's URL path as the client reached the API: under the custom domain's mapping key when the request came
 * through it (API Gateway keeps the key in `rawPath`), under a named stage's segment through the execute-api endpoint.
 */
export function itemLocation(s: Services, req: OperationRequest, id: string): string {
  const rawPath = req.event.rawPath ?? '';
  const base = s.basePath;
  const stage = req.event.requestContext?.stage;
  let prefix = '';
  if (base !== undefined && (rawPath === `/${base}` || rawPath.startsWith(`/${base}/`))) prefix = `/${base}`;
  else if (stage && stage !== '$default') prefix = `/${stage}`;
  return `${prefix}${req.ancestors.length ? parentPathOf(req) : ''}/${s.config.name}/${encodeURIComponent(id)}`;
}
