/**
 * The stateful core: create, replay, read, replace, patch, delete and list, each answered exactly as the model
 * predicts, the model moving on a 2xx only.
 */
import { isHidden } from './acceptance';
import { fillPath, ResourceSpec } from './contract';
import { ApiModel, Attrs, canonical, compareKeys, Id, inRange, Json, ModelItem, sortValue } from './model';
import {
  badKey, bodyOf, checkItem, documentType, evaluateConditions, expectStatus, fail, fieldsRefused, itemFrom, itemPath,
  pathIdProblem, Place, placeOf, recordKey, refusedPathId, remember, resolveTarget, written,
} from './step-support';
import { ListQuery, Step, Tenant, World } from './steps';

export async function create(step: Extract<Step, { kind: 'create' }>, r: ResourceSpec, model: ApiModel, world: World): Promise<void> {
  const place = placeOf(world, model, r, step.tenant, step.parent);
  const chosen = step.id === 'none' ? undefined : resolveTarget(world, model, r, place, step.id, step.tenant);
  const sent: Record<string, Json> = { ...step.body };
  if (chosen) sent[r.idAttribute] = step.extra === 'id-as-string' ? String(chosen.id) : chosen.id;
  if (step.extra === 'managed') sent[r.managed[0]] = 3;
  const headers: Record<string, string> = { ...place.headers, 'content-type': step.ct };
  if (step.idem !== undefined) headers['idempotency-key'] = step.idem;
  const res = await world.wire.send({ method: 'POST', path: place.basePath, headers, body: JSON.stringify(sent) });

  if (!documentType(step.ct)) return void expectStatus(step, res, [415]);
  let verdict = world.acceptance.judge(r, step.body);
  if (step.extra === 'managed' || (step.extra === 'id-as-string' && r.idNumeric) || (!chosen && !r.serverIds)) verdict = 'invalid';
  if (chosen && pathIdProblem(r, chosen.id)) verdict = 'invalid';
  if (verdict === 'invalid' || badKey(step.idem)) return void expectStatus(step, res, [400, 422]);
  const record = step.idem !== undefined ? model.idempotency.get(r.name)!.get(recordKey(r, world, step.tenant, step.idem, place)) : undefined;
  const allowed: number[] = [];
  if (!place.parentExists) allowed.push(404);
  else if (record) allowed.push(canonical(sent) === record.bodyHash ? 201 : 422);
  else if (chosen?.item) allowed.push(409);
  else allowed.push(201);
  if (record && (!place.parentExists || chosen?.item)) allowed.push(201, 409, 422); // which condition DynamoDB reports first
  if (verdict === 'unsure') allowed.push(400, 413, 422);
  const got = expectStatus(step, res, allowed);
  if (got.status !== 201) return;
  if (record && canonical(sent) === record.bodyHash) {
    // A replay: the original answer, nothing written.
    if (got.headers['idempotent-replayed'] !== 'true') fail(step, 'a replay without Idempotent-Replayed: true', got);
    if (got.headers.etag !== record.item.etag) fail(step, `replayed ETag ${got.headers.etag}, original ${record.item.etag}`, got);
    checkItem(step, got, r, { ...record.item, version: 1 }, place);
    return;
  }
  if (got.headers['idempotent-replayed'] !== undefined) fail(step, 'a first request answered as a replay', got);
  const id: Id = got.json[r.idAttribute];
  if (chosen && id !== chosen.id) fail(step, `created under id ${JSON.stringify(id)}, asked for ${JSON.stringify(chosen.id)}`, got);
  if (model.get(r, place.scope, id)) fail(step, `created over an existing item ${JSON.stringify(id)}`, got);
  checkItem(step, got, r, { id, attrs: step.body, version: 1 }, place);
  if (got.headers.location !== `${place.basePath}/${encodeURIComponent(String(id))}`) fail(step, `Location ${got.headers.location}`, got);
  const item = itemFrom(got, id, step.body, 1, place.ancestors);
  if (!model.noteEtag(r, place.scope, id, item.etag)) fail(step, `ETag ${item.etag} answered before for this id`, got);
  model.put(r, place.scope, item);
  if (step.idem !== undefined) {
    remember(model, r, world, step.tenant, step.idem, place, sent, item);
  }
}

export async function replay(step: Extract<Step, { kind: 'replay' }>, r: ResourceSpec, model: ApiModel, world: World, tenant: Tenant): Promise<void> {
  const records = [...model.idempotency.get(r.name)!.entries()].filter(([, x]) => x.tenant === tenant);
  if (!records.length) return;
  const [key, rec] = records[step.record % records.length];
  const idem: string = JSON.parse(key)[1];
  const sent = step.mutate ? { ...JSON.parse(rec.sent), replayed: 'differently' } : JSON.parse(rec.sent);
  // Member order must not matter: the same document reordered is the same request.
  const reordered = Object.fromEntries(Object.entries<Json>(sent).reverse());
  const place: Place = rec.place;
  const res = await world.wire.send({
    method: 'POST',
    path: place.basePath,
    headers: { ...place.headers, 'content-type': 'application/json', 'idempotency-key': step.quoted ? `"${idem}"` : idem },
    body: JSON.stringify(reordered),
  });
  if (step.mutate) {
    const verdict = world.acceptance.judge(r, Object.fromEntries(Object.entries<Json>(sent).filter(([k]) => k !== r.idAttribute)));
    if (verdict === 'invalid') return void expectStatus(step, res, [400, 422]);
    return void expectStatus(step, res, [422, 404]);
  }
  const got = expectStatus(step, res, [201, 404]);
  if (got.status === 404) {
    // Only when the parent is gone (DynamoDB may report the parent check before the record).
    if (!r.ancestors.length) fail(step, 'a replay answered 404', got);
    return;
  }
  if (got.headers['idempotent-replayed'] !== 'true') fail(step, 'a replay without Idempotent-Replayed: true', got);
  if (got.headers.etag !== rec.item.etag) fail(step, `replayed ETag ${got.headers.etag}, original ${rec.item.etag}`, got);
  checkItem(step, got, r, { ...rec.item, version: 1 }, place);
}

export async function read(step: Extract<Step, { kind: 'read' }>, r: ResourceSpec, model: ApiModel, world: World): Promise<void> {
  const place = placeOf(world, model, r, step.tenant, step.parent);
  const { id, item } = resolveTarget(world, model, r, place, step.target, step.tenant);
  const headers = { ...place.headers };
  const outcome = evaluateConditions(step.cond, model, r, place.scope, id, item, headers);
  const query = step.fields ? `?fields=${step.fields.map(encodeURIComponent).join(',')}` : '';
  const res = await world.wire.send({ method: 'GET', path: `${fillPath(r.item, { ...place.ancestors, [r.item.split('/').pop()!.slice(1, -1)]: id })}${query}`, headers });
  if (refusedPathId(step, r, id, res)) return;
  if (outcome === 'malformed' || fieldsRefused(r, step.fields)) return void expectStatus(step, res, [400]);
  if (!item) return void expectStatus(step, res, [404]);
  const etag = step.fields ? `W/${item.etag}` : item.etag;
  if (outcome === 'failed') return void expectStatus(step, res, [412]);
  if (outcome === 'not-modified') {
    const got = expectStatus(step, res, [304]);
    if (got.headers.etag !== etag) fail(step, `304 with ETag ${got.headers.etag}, model ${etag}`, got);
    return;
  }
  const got = expectStatus(step, res, [200]);
  if (got.headers.etag !== etag) fail(step, `ETag ${got.headers.etag}, model ${etag} (no write in between)`, got);
  checkItem(step, got, r, item, place, step.fields && [...step.fields, ...r.managed.filter((m) => step.fields!.includes(m))]);
}

export async function put(step: Extract<Step, { kind: 'put' }>, r: ResourceSpec, model: ApiModel, world: World): Promise<void> {
  const place = placeOf(world, model, r, step.tenant, step.parent);
  const { id, item } = resolveTarget(world, model, r, place, step.target, step.tenant);
  const headers: Record<string, string> = { ...place.headers, 'content-type': step.ct };
  const outcome = evaluateConditions(step.cond, model, r, place.scope, id, item, headers);
  const bodyId = step.bodyId === 'same' ? id : step.bodyId === 'other' ? (r.idNumeric ? Number(id) + 1 : `${String(id)}-other`) : undefined;
  const res = await world.wire.send({ method: 'PUT', path: itemPath(r, place, id), headers, body: bodyOf(step.body, bodyId, r.idAttribute) });
  if (refusedPathId(step, r, id, res)) return;
  if (!documentType(step.ct)) return void expectStatus(step, res, [415]);
  const verdict = world.acceptance.judge(r, step.body);
  // Each refusal the request has earned; which one the API reports first is its business, that it refuses is not.
  const refusals = [
    ...(step.bodyId === 'other' || (!r.idNumeric && Buffer.byteLength(String(id)) > 1024) || outcome === 'malformed' ? [400] : []),
    ...(verdict === 'invalid' ? [400, 422] : []),
  ];
  if (refusals.length) return void expectStatus(step, res, verdict === 'unsure' ? [...refusals, 413, 422] : refusals);
  const allowed = outcome !== 'pass' ? [412] : !item && !place.parentExists ? [404] : item ? [200] : [201];
  if (verdict === 'unsure') allowed.push(400, 413, 422);
  const got = expectStatus(step, res, allowed);
  if (got.status >= 300) return;
  const next = { ...itemFrom(got, id, step.body, (item?.version ?? 0) + 1, place.ancestors), createdAt: item?.createdAt ?? got.json.createdAt };
  written(step, got, r, model, place, next, item);
}

export async function patchStep(step: Extract<Step, { kind: 'patch' }>, r: ResourceSpec, model: ApiModel, world: World): Promise<void> {
  const place = placeOf(world, model, r, step.tenant, step.parent);
  const { id, item } = resolveTarget(world, model, r, place, step.target, step.tenant);
  const headers: Record<string, string> = { ...place.headers, 'content-type': step.ct };
  const outcome = evaluateConditions(step.cond, model, r, place.scope, id, item, headers);
  const res = await world.wire.send({ method: 'PATCH', path: itemPath(r, place, id), headers, body: JSON.stringify(step.patch) });
  if (refusedPathId(step, r, id, res)) return;
  const ctOk = /^application\/(merge-patch\+json|json)\s*(;\s*charset="?utf-?8"?)?$/i.test(step.ct);
  if (!ctOk) return void expectStatus(step, res, [415]);
  // The patch's own values, and no member naming a server-managed attribute (not even to remove it).
  const touchesManaged = Object.keys(step.patch).some((k) => r.managed.includes(k) || isHidden(k));
  const ownVerdict = touchesManaged ? 'invalid' : world.acceptance.judge(r, mergePatch({}, step.patch) as Attrs, false);
  if ((!r.idNumeric && Buffer.byteLength(String(id)) > 1024) || outcome === 'malformed') {
    return void expectStatus(step, res, ownVerdict === 'valid' ? [400] : [400, 422]);
  }
  if (!item) return void expectStatus(step, res, ownVerdict === 'valid' ? [404] : [404, 400, 422]);
  if (outcome !== 'pass') return void expectStatus(step, res, ownVerdict === 'valid' ? [412] : [412, 400, 422]);
  const merged = mergePatch(item.attrs, step.patch) as Attrs;
  const verdict = ownVerdict === 'invalid' ? 'invalid' : world.acceptance.judge(r, merged);
  if (verdict === 'invalid') return void expectStatus(step, res, [400, 422]);
  const got = expectStatus(step, res, verdict === 'unsure' ? [200, 400, 413, 422] : [200]);
  if (got.status !== 200) return;
  written(step, got, r, model, place, { ...itemFrom(got, id, merged, item.version + 1, item.ancestors), createdAt: item.createdAt }, item);
}

/** RFC 7396. */
export function mergePatch(into: Json, patchDoc: Json): Json {
  if (patchDoc === null || typeof patchDoc !== 'object' || Array.isArray(patchDoc)) return patchDoc;
  const out: { [k: string]: Json } = {};
  const set = (k: string, value: Json) => Object.defineProperty(out, k, { value, enumerable: true, writable: true, configurable: true });
  if (into !== null && typeof into === 'object' && !Array.isArray(into)) {
    for (const [k, v] of Object.entries(into)) set(k, v);
  }
  for (const [k, v] of Object.entries(patchDoc)) {
    // defineProperty: a member named __proto__ is a member, not the prototype.
    if (v === null) delete out[k];
    else set(k, mergePatch(Object.prototype.hasOwnProperty.call(out, k) ? out[k] : null, v));
  }
  return out;
}

export async function remove(step: Extract<Step, { kind: 'delete' }>, r: ResourceSpec, model: ApiModel, world: World): Promise<void> {
  const place = placeOf(world, model, r, step.tenant, step.parent);
  const { id, item } = resolveTarget(world, model, r, place, step.target, step.tenant);
  const headers = { ...place.headers };
  const outcome = evaluateConditions(step.cond, model, r, place.scope, id, item, headers);
  const res = await world.wire.send({ method: 'DELETE', path: itemPath(r, place, id), headers });
  if (refusedPathId(step, r, id, res)) return;
  if (outcome === 'malformed') return void expectStatus(step, res, [400]);
  if (!item) return void expectStatus(step, res, [404]);
  if (outcome !== 'pass') return void expectStatus(step, res, [412]);
  if (model.hasChildren(r, place.scope, id)) return void expectStatus(step, res, [409]);
  expectStatus(step, res, [204]);
  model.delete(r, place.scope, id);
}

/** The listing's expected items in order (`ordered` false: any order), or a 400 the query must get. */
export function expectedListing(r: ResourceSpec, model: ApiModel, place: Place, q: ListQuery): { items: ModelItem[]; ordered: boolean; sortBy?: string } | 'invalid' {
  if (fieldsRefused(r, q.fields)) return 'invalid';
  let items = r.scans ? model.all(r).map((x) => x.item) : model.list(r, place.scope);
  const partition = q.partition && r.partitions.find((p) => p.name === q.partition!.name);
  const range = q.range && r.ranges.find((x) => x.name === q.range!.name);
  if (range) {
    if (range.needs && range.needs !== partition?.name) return 'invalid';
    if (!range.needs && partition && partition.sortedBy !== range.name) return 'invalid';
    const [lo, hi] = q.range!.bounds;
    if (hi) {
      const c = range.numeric ? Number(lo.value) - Number(hi.value) : compareKeys(lo.value, hi.value);
      if (c > 0) return 'invalid';
    }
  }
  if (partition) {
    items = items.filter((i) => i.attrs[partition.name] === q.partition!.value);
    const sortBy = partition.sortedBy;
    const sortRange = sortBy ? r.ranges.find((x) => x.name === sortBy) : undefined;
    if (sortRange) items = items.filter((i) => inRange(sortValue(i, sortRange.name, r.idAttribute), sortRange, []));
    if (range) items = items.filter((i) => inRange(sortValue(i, range.name, r.idAttribute), range, q.range!.bounds));
    if (!sortBy && q.order) return 'invalid';
    return { items, ordered: sortBy !== undefined, sortBy };
  }
  if (range) {
    if (range.isId) {
      items = items.filter((i) => inRange(i.id, range, q.range!.bounds));
      return { items, ordered: true, sortBy: r.idAttribute };
    }
    items = items.filter((i) => inRange(sortValue(i, range.name, r.idAttribute), range, q.range!.bounds));
    return { items, ordered: true, sortBy: range.name };
  }
  if (r.scans && q.order) return 'invalid';
  return { items, ordered: !r.scans, sortBy: r.scans ? undefined : r.idAttribute };
}

export async function list(step: Extract<Step, { kind: 'list' }>, r: ResourceSpec, model: ApiModel, world: World): Promise<void> {
  const place = placeOf(world, model, r, step.tenant, step.parent);
  const q = step.query;
  const params: string[] = [];
  if (q.limit !== undefined) params.push(`limit=${q.limit}`);
  if (q.partition) params.push(`${q.partition.name}=${encodeURIComponent(q.partition.value)}`);
  if (q.range) for (const b of q.range.bounds) params.push(`${q.range.name}=${b.op}.${encodeURIComponent(b.value)}`);
  if (q.order) params.push(`order=${q.order}`);
  if (q.fields) params.push(`fields=${q.fields.map(encodeURIComponent).join(',')}`);
  const expected = expectedListing(r, model, place, q);
  const seen: any[] = [];
  let cursor: string | undefined;
  const maxPages = Math.ceil((expected === 'invalid' ? 1 : expected.items.length) / (q.limit ?? r.defaultPageSize)) + 3;
  for (let page = 0; ; page++) {
    const query = [...params, ...(cursor ? [`cursor=${cursor}`] : [])].join('&');
    const res = await world.wire.send({ method: 'GET', path: `${place.basePath}${query ? `?${query}` : ''}`, headers: place.headers });
    if (expected === 'invalid') return void expectStatus(step, res, [400]);
    if (!place.parentExists && r.ancestors.length) {
      // A listing under a parent that does not exist is an empty page (no parent read), never an error.
      const got = expectStatus(step, res, [200, 404]);
      if (got.status === 200 && got.json.items.length) fail(step, 'items under a missing parent', got);
      return;
    }
    const got = expectStatus(step, res, [200]);
    if (got.json.items.length > (q.limit ?? r.defaultPageSize)) fail(step, `a page of ${got.json.items.length} past the limit`, got);
    seen.push(...got.json.items);
    cursor = got.json.nextCursor ?? undefined;
    if (!cursor) break;
    if (page >= maxPages) fail(step, `more than ${maxPages} pages for ${expected.items.length} items`, got);
  }
  const key = (id: Id) => String(id);
  const gotIds = seen.map((i) => i[r.idAttribute]);
  if (new Set(gotIds.map(key)).size !== gotIds.length) fail(step, `an item listed twice: ${JSON.stringify(gotIds)}`);
  const wantIds = expected.items.map((i) => i.id);
  if (canonical([...gotIds].map(key).sort()) !== canonical([...wantIds].map(key).sort())) {
    fail(step, `listed ${JSON.stringify(gotIds).slice(0, 400)}, model ${JSON.stringify(wantIds).slice(0, 400)}`);
  }
  for (const i of seen) {
    const m = expected.items.find((x) => key(x.id) === key(i[r.idAttribute]))!;
    const asRead = { status: 200, headers: {}, body: JSON.stringify(i), json: i };
    checkItem(step, asRead, r, m, { ...place, ancestors: m.ancestors }, q.fields && [...q.fields]);
  }
  if (expected.ordered && expected.sortBy) {
    const sortValues = seen.map((i) => {
      const m = expected.items.find((x) => key(x.id) === key(i[r.idAttribute]))!;
      return sortValue(m, expected.sortBy!, r.idAttribute) as Id;
    });
    for (let i = 1; i < sortValues.length; i++) {
      const c = compareKeys(sortValues[i - 1], sortValues[i]);
      if (q.order === 'desc' ? c < 0 : c > 0) fail(step, `out of ${expected.sortBy} order: ${JSON.stringify(sortValues).slice(0, 300)}`);
    }
  }
}
