/** `GET /items/{id}`. */
import { emptyResponse, HttpResponse, jsonResponse } from './http';
import { presentItem, tagOf } from './item';
import { notFound, preconditionFailed } from './item-errors';
import { preconditions } from './item-writes';
import { etagOf, evaluate } from './preconditions';
import { OperationRequest, Services } from './services';

/** `GET /items/{id}`. */
export async function readItem(s: Services, req: OperationRequest, id: string): Promise<HttpResponse> {
  const pre = preconditions(req.event);
  const item = await s.store.get(id, req.scope);
  if (!item) throw notFound(id);
  const tag = tagOf(item);
  const outcome = evaluate(pre, tag);
  if (outcome === 'not-modified') return emptyResponse(304, { etag: etagOf(tag) });
  if (outcome === 'precondition-failed') throw preconditionFailed();
  return jsonResponse(200, presentItem(s.model, item), { etag: etagOf(tag) });
}
