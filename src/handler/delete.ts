/** `DELETE /items/{id}`. */
import { emptyResponse, HttpResponse } from './http';
import { tagOf } from './item';
import { notFound, preconditionFailed } from './item-errors';
import { preconditions, stateOf } from './item-writes';
import { evaluate, strongTags } from './preconditions';
import { OperationRequest, RETRY, Services, retrying } from './services';

/**
 * `DELETE /items/{id}`: one conditional DeleteItem, its condition built from the request's entity tags. When it fails,
 * the item DynamoDB returns with the failure is evaluated exactly as GET, PUT and PATCH evaluate it: no item is a 404,
 * failing preconditions a 412. When they pass on that item (a stored shape the condition expression could not name,
 * such as a version that is not a number), the delete is tried again conditioned on the item being exactly as read.
 */
export async function deleteItem(s: Services, req: OperationRequest, id: string): Promise<HttpResponse> {
  const pre = preconditions(req.event);
  // If-None-Match with tags is decided on the item itself: a negated condition would let through stored shapes it
  // cannot name (a version another tool wrote as a string reads as "0"). The first attempt then cannot delete (the
  // item must not exist) and returns the item, which is evaluated below like everywhere else.
  let result = await s.store.delete(id, req.owner, {
    ...(pre.ifMatch && !pre.ifMatch.any ? { tags: strongTags(pre.ifMatch) } : {}),
    ...(pre.ifNoneMatch ? { mustNotExist: true } : {}),
  });
  return retrying(req, async () => {
    if (result.deleted) return emptyResponse(204);
    if (!result.current) throw notFound(id);
    if (evaluate(pre, tagOf(result.current)) !== 'pass') throw preconditionFailed();
    result = await s.store.delete(id, req.owner, { asRead: stateOf(result.current) });
    return result.deleted ? emptyResponse(204) : RETRY;
  });
}
