/**
 * What every step's interpretation shares: where a step acts (caller, scope, parent, path), which item it aims at,
 * the conditional headers it sends and what RFC 9110 makes of them, how an answered item is checked against the
 * model, and how a step fails (with what was sent and what came back).
 */
import { isHidden } from './acceptance';
import { fillPath, ResourceSpec } from './contract';
import { ApiModel, Attrs, canonical, compareKeys, Id, Json, ModelItem } from './model';
import { Conditions, NUMBER_IDS, Step, STRING_IDS, TagForm, Target, Tenant, World } from './steps';
import { WireResponse } from './wire';

export class Failure extends Error {}

/** Fails the step with what was sent and what came back. */
export function fail(step: Step, what: string, res?: WireResponse): never {
  throw new Failure(`${describe(step)}: ${what}${res ? `\n    got ${res.status} ${JSON.stringify(res.headers.etag ?? '')} ${res.body.slice(0, 400)}` : ''}`);
}

export function describe(step: Step): string {
  return JSON.stringify(step, (_k, v) => (typeof v === 'string' && v.length > 40 ? `${v.slice(0, 20)}…(${v.length})` : v));
}

export function expectStatus(step: Step, res: WireResponse | undefined, allowed: readonly number[]): WireResponse {
  if (!res) return fail(step, `no response (expected ${allowed.join('|')})`);
  if (!allowed.includes(res.status)) fail(step, `expected ${allowed.join('|')}`, res);
  return res;
}

export interface Place {
  readonly owner?: string;
  readonly ancestors: Record<string, Id>;
  readonly parentExists: boolean;
  readonly scope: string;
  readonly basePath: string;
  readonly headers: Record<string, string>;
}

/** Where a step acts: the caller, its scope and the collection path (its parent chosen from the model). */
export function placeOf(world: World, model: ApiModel, r: ResourceSpec, tenant: Tenant, parent: Target): Place {
  const owner = r.ownerAttribute ? world.subs[tenant] : undefined;
  const ancestors: Record<string, Id> = {};
  let parentExists = true;
  if (r.ancestors.length) {
    // One level of nesting in the test app: the parent is the resource whose item path ends in the last ancestor.
    const last = r.ancestors[r.ancestors.length - 1];
    const p = world.resources.find((x) => x.item.endsWith(`{${last.name}}`))!;
    const pScope = model.scopeOf(p, owner, {});
    const candidates = model.list(p, pScope).map((i) => i.id).sort(compareKeys);
    if (parent.kind === 'existing' && candidates.length) {
      ancestors[last.name] = candidates[parent.pick % candidates.length];
    } else {
      parentExists = false;
      const free = (last.numeric ? NUMBER_IDS : STRING_IDS).filter((x) => !candidates.includes(x) && !pathIdProblem(p, x));
      ancestors[last.name] = free.length ? free[parent.pick % free.length] : (last.numeric ? 900 + parent.pick : `none${parent.pick}`);
    }
  }
  const headers: Record<string, string> = r.bearer ? { authorization: world.auth[tenant] } : {};
  return { owner, ancestors, parentExists, scope: model.scopeOf(r, owner, ancestors), basePath: fillPath(r.collection, ancestors), headers };
}

/** The id a step aims at, and the model's item there (undefined: none). */
export function resolveTarget(world: World, model: ApiModel, r: ResourceSpec, place: Place, t: Target, tenant: Tenant): { id: Id; item?: ModelItem } {
  const mine = model.list(r, place.scope).sort((a, b) => compareKeys(a.id, b.id));
  if (t.kind === 'existing' && mine.length) {
    const item = mine[t.pick % mine.length];
    return { id: item.id, item };
  }
  if (t.kind === 'foreign' && r.ownerAttribute) {
    const other = model.list(r, model.scopeOf(r, world.subs[tenant === 'a' ? 'b' : 'a'], place.ancestors)).sort((a, b) => compareKeys(a.id, b.id));
    if (other.length) {
      const id = other[t.pick % other.length].id;
      return { id, item: model.get(r, place.scope, id) };
    }
  }
  const taken = new Set(mine.map((i) => String(i.id)));
  const free = (r.idNumeric ? NUMBER_IDS : STRING_IDS).filter((x) => !taken.has(String(x)));
  const id = free.length ? free[t.pick % free.length] : (r.idNumeric ? 1000 + t.pick : `free${t.pick}`);
  return { id, item: model.get(r, place.scope, id) };
}

/** The header value a tag form stands for, and what it matches. */
export interface TagHeader {
  readonly value: string;
  readonly malformed: boolean;
  readonly star: boolean;
  readonly strong: string[];
  readonly weak: string[];
}

export function tagHeader(form: TagForm, model: ApiModel, r: ResourceSpec, scope: string, id: Id, current?: ModelItem): TagHeader {
  const cur = current?.etag ?? '"1.AAAAAAAAAAA"';
  const stale = [...(model.etagsSeen.get(`${r.name} ${scope} ${String(id)}`) ?? [])].find((e) => e !== current?.etag) ?? '"7.staleStale1"';
  const base = { malformed: false, star: false, strong: [] as string[], weak: [] as string[] };
  switch (form) {
    case 'current': return { ...base, value: cur, strong: [cur] };
    case 'weak-current': return { ...base, value: `W/${cur}`, weak: [cur] };
    case 'stale': return { ...base, value: stale, strong: [stale] };
    case 'star': return { ...base, value: '*', star: true };
    case 'list-current': return { ...base, value: `"nope", ${stale},${cur}`, strong: ['"nope"', stale, cur] };
    case 'list-stale': return { ...base, value: `${stale}, W/"x"`, strong: [stale], weak: ['"x"'] };
    case 'other-generation': { const other = cur.replace(/\.[^"]*"/, '.BBBBBBBBBBB"'); return { ...base, value: other, strong: [other] }; }
    case 'fifty-with-current': {
      // The most tags a header may list (50), the current one last.
      const tags = [...Array.from({ length: 49 }, (_, i) => `"${i}.x"`), cur];
      return { ...base, value: tags.join(', '), strong: tags };
    }
    case 'garbage': return { ...base, value: 'abc', malformed: true };
    case 'empty': return { ...base, value: '', malformed: true };
    case 'unquoted': return { ...base, value: cur.replace(/"/g, ''), malformed: true };
    case 'too-many': return { ...base, value: Array.from({ length: 51 }, (_, i) => `"${i}"`).join(','), malformed: true };
  }
}

/** RFC 9110's evaluation, from the headers as sent: pass, 412 (failed If-Match or, on writes, If-None-Match) or 304. */
export function evaluateConditions(c: Conditions, model: ApiModel, r: ResourceSpec, scope: string, id: Id, current: ModelItem | undefined, headers: Record<string, string>): 'pass' | 'failed' | 'not-modified' | 'malformed' {
  const im = c.ifMatch && tagHeader(c.ifMatch, model, r, scope, id, current);
  const inm = c.ifNoneMatch && tagHeader(c.ifNoneMatch, model, r, scope, id, current);
  if (im) headers['if-match'] = im.value;
  if (inm) headers['if-none-match'] = inm.value;
  if (im?.malformed || inm?.malformed) return 'malformed';
  if (im && !(current && (im.star || im.strong.includes(current.etag)))) return 'failed';
  if (inm && current && (inm.star || inm.strong.includes(current.etag) || inm.weak.includes(current.etag))) return 'not-modified';
  return 'pass';
}

/** An item as the API answers it must be the model's: same id, attributes and version, with the server's fields. */
export function checkItem(
  step: Step, res: WireResponse, r: ResourceSpec, expected: { id: Id; attrs: Attrs; version: number }, place: Place, fields?: string[],
): void {
  const got = res.json;
  if (got?.[r.idAttribute] !== expected.id) fail(step, `id ${JSON.stringify(got?.[r.idAttribute])}, model ${JSON.stringify(expected.id)}`, res);
  const attrs: Attrs = {};
  for (const [k, v] of Object.entries<Json>(got)) {
    if (k === r.idAttribute || r.managed.includes(k)) continue;
    attrs[k] = v;
  }
  const want = fields ? Object.fromEntries(Object.entries(expected.attrs).filter(([k]) => fields.includes(k))) : expected.attrs;
  if (canonical(attrs) !== canonical(want)) fail(step, `attributes ${canonical(attrs).slice(0, 300)}, model ${canonical(want).slice(0, 300)}`, res);
  if (!fields || fields.includes('version')) {
    if (got.version !== expected.version) fail(step, `version ${got.version}, model ${expected.version}`, res);
  }
  if (place.owner !== undefined && r.ownerAttribute && (!fields || fields.includes(r.ownerAttribute)) && got[r.ownerAttribute] !== place.owner) {
    fail(step, `owner ${JSON.stringify(got[r.ownerAttribute])}, caller ${JSON.stringify(place.owner)}`, res);
  }
  for (const [name, value] of Object.entries(place.ancestors)) {
    if (got[name] !== value) fail(step, `ancestor ${name} ${JSON.stringify(got[name])}, path ${JSON.stringify(value)}`, res);
  }
}

export function bodyOf(attrs: Attrs, id?: Id, idAttribute = 'id'): string {
  return JSON.stringify(id === undefined ? attrs : { [idAttribute]: id, ...attrs });
}

/** A media type a document write takes: JSON or any `+json` but the patch formats, UTF-8 if a charset is named. */
export function documentType(ct: string): boolean {
  return /^application\/(json|[a-z.]+\+json)\s*(;\s*charset="?utf-?8"?)?$/i.test(ct) && !/patch\+json/i.test(ct);
}

/** An Idempotency-Key the API must refuse (1-255 printable ASCII, optionally quoted). */
export function badKey(key?: string): boolean {
  if (key === undefined) return false;
  const k = key.trim().replace(/^"(.*)"$/, '$1');
  return k.length === 0 || k.length > 255 || !/^[\x20-\x7e]+$/.test(k);
}

/** `fields` names a closed schema (additionalProperties: false) cannot have: the API refuses them (400). */
export function fieldsRefused(r: ResourceSpec, fields?: readonly string[]): boolean {
  if (!fields) return false;
  if (fields.some((f) => f === '' || isHidden(f))) return true;
  if (r.input.additionalProperties !== false) return false;
  return fields.some((f) => !(f in (r.input.properties ?? {})) && !r.managed.includes(f) && f !== r.idAttribute);
}

/**
 * Why a path cannot reach an item with this id: `dot` for `.` and `..` (every URL client removes dot segments, so
 * the request reaches another route), `bad` for an id the API refuses (400), undefined when it can.
 */
export function pathIdProblem(r: ResourceSpec, id: Id): 'dot' | 'bad' | undefined {
  if (id === '.' || id === '..') return 'dot';
  if (r.idNumeric) return Number.isSafeInteger(id) ? undefined : 'bad';
  return Buffer.byteLength(String(id)) > 1024 ? 'bad' : undefined;
}

/** Answers a step whose path id cannot reach an item; true when it did. */
export function refusedPathId(step: Step, r: ResourceSpec, id: Id, res: WireResponse | undefined): boolean {
  const problem = pathIdProblem(r, id);
  if (problem) expectStatus(step, res, problem === 'dot' ? [404] : [400]);
  return problem !== undefined;
}

/** The model's item as a write answered it. */
export function itemFrom(res: WireResponse, id: Id, attrs: Attrs, version: number, ancestors: Record<string, Id>): ModelItem {
  return { id, attrs, version, etag: res.headers.etag, createdAt: res.json.createdAt, updatedAt: res.json.updatedAt, ancestors };
}

/** Records an Idempotency-Key's first use (what a replay must answer, and how to replay it). */
export function remember(
  model: ApiModel, r: ResourceSpec, world: World, tenant: Tenant, key: string, place: Place, sent: Attrs, item: ModelItem,
): void {
  const record = { bodyHash: canonical(sent), item, sent: JSON.stringify(sent), place, tenant };
  model.idempotency.get(r.name)!.set(recordKey(r, world, tenant, key, place), record);
}

export function recordKey(r: ResourceSpec, world: World, tenant: Tenant, key: string, place: Place): string {
  return JSON.stringify([r.bearer ? world.subs[tenant] : null, key.trim().replace(/^"(.*)"$/, '$1'), place.ancestors]);
}

export function itemPath(r: ResourceSpec, place: Place, id: Id): string {
  return fillPath(r.item, { ...place.ancestors, [r.item.split('/').pop()!.slice(1, -1)]: id });
}

/** After a 2xx write: the answer is the new item; its ETag is new; the model moves. */
export function written(step: Step, got: WireResponse, r: ResourceSpec, model: ApiModel, place: Place, next: ModelItem, before?: ModelItem): void {
  checkItem(step, got, r, next, place);
  if (before && got.json.createdAt !== before.createdAt) fail(step, `createdAt changed from ${before.createdAt}`, got);
  if (!model.noteEtag(r, place.scope, next.id, next.etag)) fail(step, `ETag ${next.etag} did not change on a write`, got);
  model.put(r, place.scope, next);
}
