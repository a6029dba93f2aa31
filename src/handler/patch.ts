/** `PATCH /items/{id}`: JSON Merge Patch (RFC 7396), path-wise when it can be. */
import { HttpResponse, jsonResponse, readJsonObject } from './http';
import { buildItem, checkAttributes, checkName, clientContent, oversizedScopedIndexKeys, presentItem, tagOf, versionOf } from './item';
import { invalidItem, notFound, preconditionFailed } from './item-errors';
import { ItemReader, asRead, checkBodyId, checkBuilt, createdAtOf, keptGeneration, preconditions, withoutId } from './item-writes';
import { escapePointer, JsonObject, JsonValue } from './json';
import { isObject, mergePatch } from './merge-patch';
import { etagOf, evaluate, hasPreconditions } from './preconditions';
import { OperationRequest, placeOf, Services, retrying } from './services';
import { ItemStore, UpdatePlan } from './store';
import { MANAGED_ATTRIBUTES } from '../shared/config';
import { scopedIndexValue } from '../shared/keys';

/**
 * `PATCH /items/{id}` (RFC 7396). Without conditions and schema, the write is path-wise: one UpdateItem setting and
 * removing exactly the patched document paths, each merge into a nested map conditioned only on that map still being
 * a map, so concurrent patches of different attributes, or of different members of one map, never conflict. With
 * `If-Match`/`If-None-Match` or a schema (which may relate attributes to each other), the whole merged item is
 * written conditioned on the version it was computed from. Either way a lost race is retried from the item DynamoDB
 * returns with the failed condition, so no update is ever lost.
 */
export async function patchItem(s: Services, req: OperationRequest, id: string): Promise<HttpResponse> {
  const patch = readJsonObject(req.event, 'merge-patch');
  checkBodyId(s, patch, id);
  const patchContent = withoutId(patch, s.model);
  const managed = Object.keys(patchContent).filter((k) => s.model.managed.has(k));
  if (managed.length) {
    throw invalidItem(managed.map((k) => ({ path: '/' + escapePointer(k), message: `'${k}' is managed by the server and cannot be set` })));
  }
  const pre = preconditions(req.event);
  const conditional = hasPreconditions(pre) || s.validator !== undefined;

  const reader = new ItemReader(s, id, req.scope);
  if (!conditional) {
    // One round trip for the common case: apply the patch path-wise without reading first. Whatever the write cannot
    // decide alone (a map to merge into, a missing or foreign item, a version of another type, an item growing past
    // 400 KB) fails its condition or validation and falls through to the read-then-write path below, which decides
    // exactly as before — with the item the failed condition returned, when there is one.
    const fast = await patchWithoutRead(s, req, id, patchContent, reader);
    if (fast) return fast;
  }
  return retrying(req, async () => {
    const current = await reader.read();
    if (!current) throw notFound(id);
    if (evaluate(pre, tagOf(current)) !== 'pass') throw preconditionFailed();
    const before = clientContent(s.model, current);
    const merged = mergePatch(before, patchContent) as JsonObject;
    const violations = [...checkAttributes(merged, s.model), ...(s.validator ? s.validator.check(merged) : [])];
    if (violations.length) throw invalidItem(violations);
    const now = s.clock().toISOString();
    const version = versionOf(current);
    const item = buildItem(s.model, merged, id, {
      version: version + 1, createdAt: createdAtOf(current, now), updatedAt: now, ...placeOf(req), generation: keptGeneration(s, current),
    });
    checkBuilt(s, item);

    // A path-wise write increments the stored version in place, which needs it to be a number (or absent).
    const rawVersion = current[MANAGED_ATTRIBUTES.VERSION];
    if (!conditional && (rawVersion === undefined || typeof rawVersion === 'number')) {
      const plan = pathPlan(s, req, patchContent, before, now);
      const updated = await s.store.update(id, req.scope, plan);
      if (updated.kind === 'conflict') return reader.retryWith(updated);
      if (updated.kind === 'updated') return jsonResponse(200, presentItem(s.model, updated.item), { etag: etagOf(tagOf(updated.item)) });
    }
    const written = await s.store.replace(item, asRead(current));
    if (written.kind === 'conflict') return reader.retryWith(written);
    return jsonResponse(200, presentItem(s.model, item), { etag: etagOf(tagOf(item)) });
  });
}

/**
 * The read-less attempt of an unconditional PATCH: the plan is made against an empty item, so every patched
 * object is written as a whole under the condition that no map is there to merge into. Returns the response when
 * the write decided the request, undefined to continue with the read-then-write path (`reader` then holds the item
 * a failed condition returned).
 */
export async function patchWithoutRead(
  s: Services, req: OperationRequest, id: string, patch: JsonObject, reader: ItemReader,
): Promise<HttpResponse | undefined> {
  // The patch's own values must be storable; what is already stored was checked when it was written.
  const violations = checkAttributes(mergePatch({}, patch) as JsonObject, s.model);
  if (violations.length) throw invalidItem(violations);
  const plan = pathPlan(s, req, patch, {}, s.clock().toISOString());
  let result: Awaited<ReturnType<ItemStore['update']>>;
  try {
    result = await s.store.update(id, req.scope, plan);
  } catch (e) {
    // Item size over 400 KB or a stored version that is not a number: the slow path answers those precisely.
    if ((e as Error).name === 'ValidationException') return undefined;
    throw e;
  }
  if (result.kind === 'updated') return jsonResponse(200, presentItem(s.model, result.item), { etag: etagOf(tagOf(result.item)) });
  if (result.kind === 'conflict') reader.retryWith(result);
  return undefined;
}

/**
 * The path-wise plan of a patch, with what the server keeps beside the patched paths: in scoped resources, the
 * hidden index key of every indexed attribute the patch sets or removes; 422 when such a key would be too long.
 */
export function pathPlan(s: Services, req: OperationRequest, patch: JsonObject, before: JsonObject, now: string): UpdatePlan {
  const plan = updatePlan(patch, before);
  const set = [...plan.set];
  const remove = [...plan.remove];
  if (req.scope !== undefined) {
    for (const [attribute, keyAttribute] of s.model.scopedIndexKeys) {
      if (!Object.prototype.hasOwnProperty.call(patch, attribute)) continue;
      const value = patch[attribute];
      if (typeof value === 'string') set.push({ path: [keyAttribute], value: scopedIndexValue(req.scope.value, value) });
      else remove.push([keyAttribute]);
    }
    const keys: JsonObject = {};
    for (const x of set) if (x.path.length === 1 && s.model.hidden.has(x.path[0])) keys[x.path[0]] = x.value;
    const tooLong = oversizedScopedIndexKeys(s.model, keys);
    if (tooLong.length) throw invalidItem(tooLong);
  }
  return { set, remove, maps: plan.maps, now, generation: s.newGeneration() };
}

/**
 * The document-path form of a merge patch (RFC 7396 section 2, unrolled): `null` removes the path; an object merges
 * into the map at the path when there is one (required to still be a map) and replaces anything else (required to
 * still not be a map); any other value replaces. Only the patched paths are touched.
 */
export function updatePlan(patch: JsonObject, before: JsonObject): Pick<UpdatePlan, 'set' | 'remove' | 'maps'> {
  const set: { path: string[]; value: JsonValue }[] = [];
  const remove: string[][] = [];
  const maps: { path: string[]; isMap: boolean }[] = [];
  const walk = (p: JsonObject, target: JsonObject, parent: string[]) => {
    for (const key of Object.keys(p)) {
      const value = p[key];
      const path = [...parent, key];
      const old = Object.prototype.hasOwnProperty.call(target, key) ? target[key] : undefined;
      if (value === null) {
        // No stored attribute has a name the API refuses (''; DynamoDB refuses to even name it): nothing to remove.
        if (checkName(key) === undefined) remove.push(path);
      } else if (isObject(value) && isObject(old)) {
        maps.push({ path, isMap: true });
        walk(value, old, path);
      } else if (isObject(value)) {
        maps.push({ path, isMap: false });
        set.push({ path, value: mergePatch(undefined, value) });
      } else {
        set.push({ path, value });
      }
    }
  };
  walk(patch, before, []);
  return { set, remove, maps };
}
