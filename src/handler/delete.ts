/** `DELETE /items/{id}`. */
import { emptyResponse, HttpResponse } from './http';
import { tagOf } from './item';
import { hasChildren, notFound, preconditionFailed } from './item-errors';
import { preconditions, stateOf } from './item-writes';
import { evaluate, Preconditions, strongTags } from './preconditions';
import { childPartitionOf, leaseExpiry, newDeleteLease } from './relations';
import { OperationRequest, RETRY, Services, retrying } from './services';
import type { DeleteConditions } from './store';

/**
 * `DELETE /items/{id}`: one conditional DeleteItem, its condition built from the request's entity tags. When it fails,
 * the item DynamoDB returns with the failure is evaluated exactly as GET, PUT and PATCH evaluate it: no item is a 404,
 * failing preconditions a 412. When they pass on that item (a stored shape the condition expression could not name,
 * such as a version that is not a number), the delete is tried again conditioned on the item being exactly as read.
 *
 * A resource with children deletes in three steps (see {@link deleteParent}).
 */
export async function deleteItem(s: Services, req: OperationRequest, id: string): Promise<HttpResponse> {
  const pre = preconditions(req.event);
  if (s.children.length > 0) return deleteParent(s, req, id, pre);
  // If-None-Match with tags is decided on the item itself: a negated condition would let through stored shapes it
  // cannot name (a version another tool wrote as a string reads as "0"). The first attempt then cannot delete (the
  // item must not exist) and returns the item, which is evaluated below like everywhere else.
  let result = await s.store.delete(id, req.scope, firstConditions(pre));
  return retrying(req, async () => {
    if (result.deleted) return emptyResponse(204);
    if (!result.current) throw notFound(id);
    if (evaluate(pre, tagOf(result.current)) !== 'pass') throw preconditionFailed();
    result = await s.store.delete(id, req.scope, { asRead: stateOf(result.current) });
    return result.deleted ? emptyResponse(204) : RETRY;
  });
}

/** The conditions of the first attempt: the request's entity tags. */
function firstConditions(pre: Preconditions): DeleteConditions {
  return {
    ...(pre.ifMatch && !pre.ifMatch.any ? { tags: strongTags(pre.ifMatch) } : {}),
    ...(pre.ifNoneMatch ? { mustNotExist: true } : {}),
  };
}

/**
 * Deletes an item that may have children, 409 `has-children` when it has any:
 * 1. take a delete lease on the item (an UpdateItem under the request's conditions), after which no child can be
 *    created under it: every child's creation checks, in its transaction, that the parent holds no unexpired lease;
 * 2. check each child resource's partition of this item (one consistent Query of one key each): any child → give the
 *    lease back, 409;
 * 3. delete the item on the condition that it still holds this lease (a PUT in between replaced it: start again).
 * A delete that crashes after step 1 leaves a lease that expires by itself (DELETE_LEASE_MS); children cannot be
 * created under the item until then. There is no cascading delete: a child holds data its parent's client may not
 * know about, and a bounded, resumable cascade over many child partitions does not fit in one request.
 */
async function deleteParent(s: Services, req: OperationRequest, id: string, pre: Preconditions): Promise<HttpResponse> {
  let conditions = firstConditions(pre);
  return retrying(req, async () => {
    const nowMs = s.clock().getTime();
    const lease = newDeleteLease(nowMs);
    const taken = await s.store.takeDeleteLease(id, req.scope, conditions, lease, nowMs);
    if (!taken.leased) {
      if (!taken.current) throw notFound(id);
      if (evaluate(pre, tagOf(taken.current)) !== 'pass') throw preconditionFailed();
      // The preconditions hold on the item as it is: another delete's lease, or a shape the condition could not name.
      // Retry conditioned on the item exactly as read (and, as always, on no other unexpired lease).
      conditions = { asRead: stateOf(taken.current) };
      return RETRY;
    }
    const partition = childPartitionOf(req, id);
    const found: string[] = [];
    for (const child of s.children) {
      if (await s.store.hasChildren(child.tableName, partition)) found.push(child.name);
    }
    if (found.length > 0) {
      await s.store.releaseDeleteLease(id, req.scope, lease);
      throw hasChildren(s, req, id, found);
    }
    // A lease that ran out while this request stalled no longer keeps children out: check again under a new one.
    if (s.clock().getTime() >= leaseExpiry(lease)) return RETRY;
    const result = await s.store.delete(id, req.scope, { lease });
    if (result.deleted) return emptyResponse(204);
    conditions = result.current ? { asRead: stateOf(result.current) } : {};
    return RETRY;
  });
}
