/**
 * The fuzzer's steps: each a request (or a short walk of requests) generated from the document, with what the model
 * says must come back. A step is data — so fast-check can shrink a failing sequence to its few essential steps and
 * print them — and {@link runStep} is its interpreter: it resolves the step against the model (which item, which
 * ETag), sends it, checks the answer, and moves the model on a 2xx only.
 */
import { gzipSync } from 'zlib';
import fc from 'fast-check';
import { Acceptance, isHidden } from './acceptance';
import { fillPath, RangeParam, ResourceSpec } from './contract';
import { ApiModel, Attrs, Bound, canonical, compareKeys, Id, inRange, Json, ModelItem, sortValue } from './model';
import { anyString, breakBody, BREAKS, freeAttrs, fromSchema, nested } from './values';
import { Lie, Wire, WireResponse } from './wire';

export type Tenant = 'a' | 'b';
/** Which item a step aims at: one the model holds (by position), one that does not exist, or another tenant's. */
export interface Target { readonly pick: number; readonly kind: 'existing' | 'absent' | 'foreign' }
/** How a conditional header is written, relative to the target's current ETag. */
export const TAG_FORMS = [
  'current', 'weak-current', 'stale', 'star', 'list-current', 'list-stale', 'other-generation', 'fifty-with-current', 'garbage', 'empty', 'unquoted', 'too-many',
] as const;
export type TagForm = typeof TAG_FORMS[number];
export interface Conditions { readonly ifMatch?: TagForm; readonly ifNoneMatch?: TagForm }

export type Step =
  | { kind: 'create'; r: string; tenant: Tenant; parent: Target; id: Target | 'none'; body: Attrs; idem?: string; ct: string; extra?: 'managed' | 'id-as-string' }
  | { kind: 'replay'; r: string; tenant: Tenant; record: number; mutate: boolean; quoted: boolean }
  | { kind: 'read'; r: string; tenant: Tenant; parent: Target; target: Target; cond: Conditions; fields?: string[] }
  | { kind: 'put'; r: string; tenant: Tenant; parent: Target; target: Target; cond: Conditions; body: Attrs; ct: string; bodyId?: 'same' | 'other' }
  | { kind: 'patch'; r: string; tenant: Tenant; parent: Target; target: Target; cond: Conditions; patch: Attrs; ct: string }
  | { kind: 'delete'; r: string; tenant: Tenant; parent: Target; target: Target; cond: Conditions }
  | { kind: 'list'; r: string; tenant: Tenant; parent: Target; query: ListQuery }
  | { kind: 'bad'; r: string; tenant: Tenant; parent: Target; target: Target; what: BadRequest }
  | { kind: 'race'; r: string; tenant: Tenant; parent: Target; target: Target; what: Race; body: Attrs }
  | { kind: 'check' };

/** Requests sent at once, whose outcome the model still decides exactly. */
export const RACES = ['idempotent-posts', 'if-match-puts', 'disjoint-patches', 'same-id-posts', 'deletes', 'child-vs-parent-delete'] as const;
export type Race = typeof RACES[number];

export interface ListQuery {
  readonly limit?: number;
  readonly partition?: { name: string; value: string };
  readonly range?: { name: string; bounds: Bound[] };
  readonly order?: 'asc' | 'desc';
  readonly fields?: string[];
}

export const BAD_REQUESTS = [
  'limit-zero', 'limit-over', 'limit-text', 'limit-twice', 'cursor-garbage', 'cursor-long', 'cursor-forged', 'unknown-param',
  'range-bad-op', 'range-bad-number', 'range-empty-value', 'range-begins-number', 'range-inverted', 'order-sideways',
  'fields-hidden', 'fields-too-many', 'fields-empty', 'two-partitions', 'id-noncanonical', 'id-too-long', 'json-broken',
  'json-array', 'json-trailing-comma', 'json-empty', 'utf8-invalid', 'body-huge', 'item-too-large', 'gzip-body',
  'type-text', 'type-latin1', 'type-missing', 'type-patch-on-post', 'idem-empty', 'idem-non-ascii', 'idem-long',
  'lie-short', 'lie-long', 'lie-two', 'lie-chunked', 'method-undeclared', 'path-undeclared', 'path-bad-escape',
  'query-bad-escape', 'body-deep', 'body-null-proto', 'json-duplicate-keys', 'id-unsafe-number', 'id-negative-zero', 'id-plus',
  'method-head', 'method-put-collection', 'method-options', 'param-twice', 'cursor-other-tenant', 'cursor-other-order',
  'patch-past-item-limit',
] as const;
export type BadRequest = typeof BAD_REQUESTS[number];

/** What the step interpreter needs besides the model. */
export interface World {
  readonly wire: Wire;
  readonly resources: readonly ResourceSpec[];
  readonly acceptance: Acceptance;
  /** Authorization header per tenant (bearer APIs). */
  readonly auth: Record<Tenant, string>;
  /** The JWT `sub` of each tenant. */
  readonly subs: Record<Tenant, string>;
  /** Steps run, by kind (and race or bad request). */
  readonly stats: Map<string, number>;
  /** Compares every table of the API with the model (the scan diff); a list of differences. */
  scanDiff(model: ApiModel): Promise<string[]>;
}

// ---------------------------------------------------------------- generation

const STRING_IDS = ['x1', 'x2', 'é', 'e\u0301', '🦄', 'a b', 'a+b', '%25', '..', '.', '\u202etxt', '\u0000', 'a'.repeat(1024)];
const NUMBER_IDS = [1, 2, 3, 7, 42, 0, -5, 2 ** 53 - 1, -(2 ** 53 - 1), 0.5, -1.25];
const CONTENT_TYPES = ['application/json', 'application/json; charset=utf-8', 'Application/JSON;charset="UTF-8"', 'application/vnd.fuzz+json'];
const PATCH_TYPES = ['application/merge-patch+json', 'application/json', 'application/merge-patch+json; charset=utf8'];
const IDEM_KEYS = ['k1', 'k2', ' k3 ', '"k1"', 'k'.repeat(255), `"${'k'.repeat(255)}"`, 'k'.repeat(256),
  // UTF-8 on the wire (a header value is bytes; Node sends latin1 strings byte for byte).
  Buffer.from('ключ', 'utf8').toString('latin1')];

const target = (foreign: boolean): fc.Arbitrary<Target> => fc.record({
  pick: fc.nat({ max: 20 }),
  kind: fc.oneof({ weight: 8, arbitrary: fc.constant('existing' as const) }, { weight: 2, arbitrary: fc.constant('absent' as const) },
    { weight: foreign ? 2 : 0, arbitrary: fc.constant('foreign' as const) }),
});
const tagForm = (): fc.Arbitrary<TagForm | undefined> => fc.oneof(
  { weight: 6, arbitrary: fc.constant(undefined) },
  { weight: 4, arbitrary: fc.constantFrom(...TAG_FORMS) },
);
const conditions = (): fc.Arbitrary<Conditions> => fc.record({ ifMatch: tagForm(), ifNoneMatch: tagForm() }, { requiredKeys: [] })
  .map((c) => Object.fromEntries(Object.entries(c).filter(([, v]) => v !== undefined)) as Conditions);

/** A body for a resource: from its schema when it has one (valid or broken one way), else free attributes. */
function body(r: ResourceSpec): fc.Arbitrary<Attrs> {
  const hasSchema = Object.keys(r.input.properties ?? {}).some((k) => k !== r.idAttribute);
  if (!hasSchema) return freeAttrs(r);
  const properties = Object.fromEntries(Object.entries(r.input.properties).filter(([k]) => k !== r.idAttribute));
  const valid = fromSchema({ ...r.input, properties }) as fc.Arbitrary<Attrs>;
  return fc.oneof(
    { weight: 6, arbitrary: valid },
    { weight: 3, arbitrary: fc.tuple(valid, fc.constantFrom(...BREAKS)).map(([b, how]) => breakBody(b, how, r.input)) },
    { weight: 1, arbitrary: fc.tuple(valid, fc.constantFrom('\ud800', '\u0000', '🦄'.repeat(20), 'e\u0301')).map(([b, s]) => ({ ...b, name: s })) },
  );
}

/** Members of nested merge patches: few names, so patches overlap what is stored and each other. */
const mergeValue: fc.Arbitrary<Json> = fc.letrec<{ v: Json }>((tie) => ({
  v: fc.oneof({ depthSize: 'small', maxDepth: 3 },
    fc.constant(null), fc.constantFrom(1, 'x', true, [1], [] as Json[]),
    fc.dictionary(fc.constantFrom('a', 'b', 'c'), tie('v'), { maxKeys: 3 })),
})).v;

/** A merge patch: some attributes set (from a body), some removed (null), some merged into nested objects. */
function patch(r: ResourceSpec): fc.Arbitrary<Attrs> {
  const nestedPatch = fc.dictionary(fc.constantFrom('meta', 'note', 'dims', 'tags'), mergeValue, { maxKeys: 2 });
  return fc.oneof({ weight: 1, arbitrary: nestedPatch }, { weight: 2, arbitrary: flatPatch(r) });
}

function flatPatch(r: ResourceSpec): fc.Arbitrary<Attrs> {
  return fc.tuple(body(r), fc.subarray(['title', 'note', 'tags', 'meta', 'email', 'dims', 'status', 'rank', 'due', 'points', 'sku'], { maxLength: 2 }), fc.nat({ max: 3 }))
    .map(([b, removed, keep]) => {
      const out: Attrs = Object.fromEntries(Object.entries(b).slice(0, keep));
      for (const k of removed) out[k] = null;
      return out;
    });
}

function listQuery(r: ResourceSpec): fc.Arbitrary<ListQuery> {
  const boundValue = (range: RangeParam) => (range.numeric
    ? fc.constantFrom('-2', '0', '1', '2.5', '3', '10', '42', '9007199254740991')
    : fc.constantFrom('2026', '2026-06-30', '2026-12-31', 'x', 'é', '🦄', 'a'));
  const ops = (range: RangeParam) => fc.constantFrom(...range.operators);
  const ranges = r.ranges.map((range) => fc.oneof(
    fc.tuple(ops(range), boundValue(range)).map(([op, value]) => ({ name: range.name, bounds: [{ op, value }] })),
    fc.tuple(boundValue(range), boundValue(range)).map(([lo, hi]) => ({ name: range.name, bounds: [{ op: 'gte', value: lo }, { op: 'lte', value: hi }] })),
  ));
  return fc.record({
    limit: fc.option(fc.integer({ min: 1, max: r.maxPageSize }), { nil: undefined }),
    partition: r.partitions.length ? fc.option(fc.record({ name: fc.constantFrom(...r.partitions.map((p) => p.name)), value: fc.constantFrom('open', 'done', 'é', '🦄') }), { nil: undefined }) : fc.constant(undefined),
    range: ranges.length ? fc.option(fc.oneof(...ranges), { nil: undefined }) : fc.constant(undefined),
    order: fc.option(fc.constantFrom('asc' as const, 'desc' as const), { nil: undefined }),
    fields: fc.option(fc.oneof(
      { weight: 9, arbitrary: fc.subarray(['title', 'note', 'status', 'rank', 'due', 'name', 'kind', 'price', 'version', 'a.b', '🦄'], { minLength: 1, maxLength: 3 }) },
      // The most names `fields` takes (100).
      { weight: 1, arbitrary: fc.constant(['name', 'title', ...Array.from({ length: 98 }, (_, i) => (i < 3 ? ['kind', 'price', 'status'][i] : `f${i}`))]) },
    ), { nil: undefined, freq: 5 }),
  }, { requiredKeys: [] }).map((q) => Object.fromEntries(Object.entries(q).filter(([, v]) => v !== undefined)) as ListQuery);
}

/** Every step kind for one resource, weighted towards the stateful core (create, read, update, list, delete). */
export function stepsFor(r: ResourceSpec, tenants: readonly Tenant[]): fc.Arbitrary<Step>[] {
  const tenant = fc.constantFrom(...tenants);
  const foreign = r.ownerAttribute !== undefined;
  const common = { r: fc.constant(r.name), tenant, parent: target(false) };
  const ct = (types: readonly string[]) => fc.oneof({ weight: 8, arbitrary: fc.constantFrom(...types) }, { weight: 1, arbitrary: fc.constantFrom('text/plain', 'application/json; charset=latin1') });
  const out: fc.Arbitrary<Step>[] = [];
  const w = (weight: number, arb: fc.Arbitrary<Step>) => {
    for (let i = 0; i < weight; i++) out.push(arb);
  };
  w(4, fc.record({
    kind: fc.constant('create' as const),
    ...common,
    id: r.serverIds ? fc.oneof({ weight: 5, arbitrary: fc.constant('none' as const) }, { weight: 1, arbitrary: target(false) }) : fc.oneof({ weight: 12, arbitrary: target(false) }, { weight: 1, arbitrary: fc.constant('none' as const) }),
    body: body(r),
    idem: fc.option(fc.constantFrom(...IDEM_KEYS), { nil: undefined, freq: 2 }),
    ct: ct(CONTENT_TYPES),
    extra: fc.option(fc.constantFrom('managed' as const, 'id-as-string' as const), { nil: undefined, freq: 12 }),
  }, { requiredKeys: ['kind', 'r', 'tenant', 'parent', 'id', 'body', 'ct'] }));
  w(1, fc.record({ kind: fc.constant('replay' as const), r: fc.constant(r.name), tenant, record: fc.nat({ max: 10 }), mutate: fc.boolean(), quoted: fc.boolean() }));
  w(3, fc.record({
    kind: fc.constant('read' as const),
    ...common,
    target: target(foreign),
    cond: conditions(),
    fields: fc.option(fc.subarray(['title', 'note', 'status', 'name', 'price', 'version', 'updatedAt', 'a.b'], { minLength: 1, maxLength: 3 }), { nil: undefined, freq: 4 }),
  }, { requiredKeys: ['kind', 'r', 'tenant', 'parent', 'target', 'cond'] }));
  w(3, fc.record({
    kind: fc.constant('put' as const),
    ...common,
    target: target(foreign),
    cond: conditions(),
    body: body(r),
    ct: ct(CONTENT_TYPES),
    bodyId: fc.option(fc.constantFrom('same' as const, 'other' as const), { nil: undefined, freq: 4 }),
  }, { requiredKeys: ['kind', 'r', 'tenant', 'parent', 'target', 'cond', 'body', 'ct'] }));
  w(3, fc.record({ kind: fc.constant('patch' as const), ...common, target: target(foreign), cond: conditions(), patch: patch(r), ct: ct(PATCH_TYPES) }));
  w(2, fc.record({ kind: fc.constant('delete' as const), ...common, target: target(foreign), cond: conditions() }));
  w(3, fc.record({ kind: fc.constant('list' as const), ...common, query: listQuery(r) }));
  w(3, fc.record({ kind: fc.constant('bad' as const), ...common, target: target(false), what: fc.constantFrom(...BAD_REQUESTS) }));
  w(1, fc.record({ kind: fc.constant('race' as const), ...common, target: target(false), what: fc.constantFrom(...RACES), body: body(r) }));
  return out;
}

// ---------------------------------------------------------------- interpretation

class Failure extends Error {}

/** Fails the step with what was sent and what came back. */
function fail(step: Step, what: string, res?: WireResponse): never {
  throw new Failure(`${describe(step)}: ${what}${res ? `\n    got ${res.status} ${JSON.stringify(res.headers.etag ?? '')} ${res.body.slice(0, 400)}` : ''}`);
}

export function describe(step: Step): string {
  return JSON.stringify(step, (_k, v) => (typeof v === 'string' && v.length > 40 ? `${v.slice(0, 20)}…(${v.length})` : v));
}

function expectStatus(step: Step, res: WireResponse | undefined, allowed: readonly number[]): WireResponse {
  if (!res) return fail(step, `no response (expected ${allowed.join('|')})`);
  if (!allowed.includes(res.status)) fail(step, `expected ${allowed.join('|')}`, res);
  return res;
}

interface Place {
  readonly owner?: string;
  readonly ancestors: Record<string, Id>;
  readonly parentExists: boolean;
  readonly scope: string;
  readonly basePath: string;
  readonly headers: Record<string, string>;
}

/** Where a step acts: the caller, its scope and the collection path (its parent chosen from the model). */
function placeOf(world: World, model: ApiModel, r: ResourceSpec, tenant: Tenant, parent: Target): Place {
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
function resolveTarget(world: World, model: ApiModel, r: ResourceSpec, place: Place, t: Target, tenant: Tenant): { id: Id; item?: ModelItem } {
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
interface TagHeader {
  readonly value: string;
  readonly malformed: boolean;
  readonly star: boolean;
  readonly strong: string[];
  readonly weak: string[];
}

function tagHeader(form: TagForm, model: ApiModel, r: ResourceSpec, scope: string, id: Id, current?: ModelItem): TagHeader {
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
function evaluateConditions(c: Conditions, model: ApiModel, r: ResourceSpec, scope: string, id: Id, current: ModelItem | undefined, headers: Record<string, string>): 'pass' | 'failed' | 'not-modified' | 'malformed' {
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
function checkItem(
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

function bodyOf(attrs: Attrs, id?: Id, idAttribute = 'id'): string {
  return JSON.stringify(id === undefined ? attrs : { [idAttribute]: id, ...attrs });
}

/** A media type a document write takes: JSON or any `+json` but the patch formats, UTF-8 if a charset is named. */
function documentType(ct: string): boolean {
  return /^application\/(json|[a-z.]+\+json)\s*(;\s*charset="?utf-?8"?)?$/i.test(ct) && !/patch\+json/i.test(ct);
}

/** An Idempotency-Key the API must refuse (1-255 printable ASCII, optionally quoted). */
function badKey(key?: string): boolean {
  if (key === undefined) return false;
  const k = key.trim().replace(/^"(.*)"$/, '$1');
  return k.length === 0 || k.length > 255 || !/^[\x20-\x7e]+$/.test(k);
}

/** `fields` names a closed schema (additionalProperties: false) cannot have: the API refuses them (400). */
function fieldsRefused(r: ResourceSpec, fields?: readonly string[]): boolean {
  if (!fields) return false;
  if (fields.some((f) => f === '' || isHidden(f))) return true;
  if (r.input.additionalProperties !== false) return false;
  return fields.some((f) => !(f in (r.input.properties ?? {})) && !r.managed.includes(f) && f !== r.idAttribute);
}

/**
 * Why a path cannot reach an item with this id: `dot` for `.` and `..` (every URL client removes dot segments, so
 * the request reaches another route), `bad` for an id the API refuses (400), undefined when it can.
 */
function pathIdProblem(r: ResourceSpec, id: Id): 'dot' | 'bad' | undefined {
  if (id === '.' || id === '..') return 'dot';
  if (r.idNumeric) return Number.isSafeInteger(id) ? undefined : 'bad';
  return Buffer.byteLength(String(id)) > 1024 ? 'bad' : undefined;
}

/** Answers a step whose path id cannot reach an item; true when it did. */
function refusedPathId(step: Step, r: ResourceSpec, id: Id, res: WireResponse | undefined): boolean {
  const problem = pathIdProblem(r, id);
  if (problem) expectStatus(step, res, problem === 'dot' ? [404] : [400]);
  return problem !== undefined;
}

/** The model's item as a write answered it. */
function itemFrom(res: WireResponse, id: Id, attrs: Attrs, version: number, ancestors: Record<string, Id>): ModelItem {
  return { id, attrs, version, etag: res.headers.etag, createdAt: res.json.createdAt, updatedAt: res.json.updatedAt, ancestors };
}

/** Records an Idempotency-Key's first use (what a replay must answer, and how to replay it). */
function remember(model: ApiModel, r: ResourceSpec, world: World, tenant: Tenant, key: string, place: Place, sent: Attrs, item: ModelItem): void {
  const record = { bodyHash: canonical(sent), item, sent: JSON.stringify(sent), place, tenant };
  model.idempotency.get(r.name)!.set(recordKey(r, world, tenant, key, place), record);
}

/** Runs one step against the API and the model. */
export async function runStep(step: Step, model: ApiModel, world: World): Promise<void> {
  const label = step.kind === 'race' || step.kind === 'bad' ? `${step.kind} ${step.what}` : step.kind;
  world.stats.set(label, (world.stats.get(label) ?? 0) + 1);
  if (step.kind === 'check') {
    const diff = await world.scanDiff(model);
    if (diff.length) fail(step, `the tables differ from the model:\n      ${diff.slice(0, 10).join('\n      ')}`);
    return;
  }
  const r = world.resources.find((x) => x.name === step.r)!;
  const tenant = step.tenant;
  switch (step.kind) {
    case 'create': return create(step, r, model, world);
    case 'replay': return replay(step, r, model, world, tenant);
    case 'read': return read(step, r, model, world);
    case 'put': return put(step, r, model, world);
    case 'patch': return patchStep(step, r, model, world);
    case 'delete': return remove(step, r, model, world);
    case 'list': return list(step, r, model, world);
    case 'bad': return bad(step, r, model, world);
    case 'race': return race(step, r, model, world);
  }
}

function recordKey(r: ResourceSpec, world: World, tenant: Tenant, key: string, place: Place): string {
  return JSON.stringify([r.bearer ? world.subs[tenant] : null, key.trim().replace(/^"(.*)"$/, '$1'), place.ancestors]);
}

async function create(step: Extract<Step, { kind: 'create' }>, r: ResourceSpec, model: ApiModel, world: World): Promise<void> {
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

async function replay(step: Extract<Step, { kind: 'replay' }>, r: ResourceSpec, model: ApiModel, world: World, tenant: Tenant): Promise<void> {
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

async function read(step: Extract<Step, { kind: 'read' }>, r: ResourceSpec, model: ApiModel, world: World): Promise<void> {
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

function itemPath(r: ResourceSpec, place: Place, id: Id): string {
  return fillPath(r.item, { ...place.ancestors, [r.item.split('/').pop()!.slice(1, -1)]: id });
}

async function put(step: Extract<Step, { kind: 'put' }>, r: ResourceSpec, model: ApiModel, world: World): Promise<void> {
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

/** After a 2xx write: the answer is the new item; its ETag is new; the model moves. */
function written(step: Step, got: WireResponse, r: ResourceSpec, model: ApiModel, place: Place, next: ModelItem, before?: ModelItem): void {
  checkItem(step, got, r, next, place);
  if (before && got.json.createdAt !== before.createdAt) fail(step, `createdAt changed from ${before.createdAt}`, got);
  if (!model.noteEtag(r, place.scope, next.id, next.etag)) fail(step, `ETag ${next.etag} did not change on a write`, got);
  model.put(r, place.scope, next);
}

async function patchStep(step: Extract<Step, { kind: 'patch' }>, r: ResourceSpec, model: ApiModel, world: World): Promise<void> {
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

async function remove(step: Extract<Step, { kind: 'delete' }>, r: ResourceSpec, model: ApiModel, world: World): Promise<void> {
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
function expectedListing(r: ResourceSpec, model: ApiModel, place: Place, q: ListQuery): { items: ModelItem[]; ordered: boolean; sortBy?: string } | 'invalid' {
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

async function list(step: Extract<Step, { kind: 'list' }>, r: ResourceSpec, model: ApiModel, world: World): Promise<void> {
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

/** Requests that must be refused (4xx, nothing changed), each built from the resource's routes. */
async function bad(step: Extract<Step, { kind: 'bad' }>, r: ResourceSpec, model: ApiModel, world: World): Promise<void> {
  const place = placeOf(world, model, r, step.tenant, step.parent);
  const { id } = resolveTarget(world, model, r, place, step.target, step.tenant);
  const listing = (query: string) => ({ method: 'GET', path: `${place.basePath}?${query}`, headers: place.headers });
  const json = { ...place.headers, 'content-type': 'application/json' };
  const post = (payload: string | Buffer, headers: Record<string, string> = json, lie?: Lie) => ({ method: 'POST', path: place.basePath, headers, body: payload, lie });
  const valid = bodyOf(r.serverIds ? {} : {}, r.serverIds ? undefined : id, r.idAttribute);
  const rangeOf = (pred: (x: RangeParam) => boolean) => r.ranges.find(pred);
  const s = r.ranges.find((x) => !x.numeric);
  const n = r.ranges.find((x) => x.numeric);
  const needs = (x?: RangeParam) => (x?.needs ? `${x.needs}=open&` : '');
  let req: { method: string; path: string; headers?: Record<string, string>; body?: string | Buffer; lie?: Lie };
  let allowed = [400];
  switch (step.what) {
    case 'limit-zero': req = listing('limit=0'); break;
    case 'limit-over': req = listing(`limit=${r.maxPageSize + 1}`); break;
    case 'limit-text': req = listing('limit=1e1'); break;
    case 'limit-twice': req = listing('limit=1&limit=2'); break;
    case 'cursor-garbage': req = listing('cursor=!!not-a-cursor'); break;
    // Under API Gateway's 10 KB request line and headers (a longer one never reaches the function).
    case 'cursor-long': req = listing(`cursor=${'A'.repeat(9 * 1024)}`); break;
    case 'cursor-forged': req = listing(`cursor=${Buffer.from(JSON.stringify({ v: 1, k: { id: 'x' } })).toString('base64url')}`); break;
    case 'unknown-param': req = listing('nope=1'); break;
    case 'range-bad-op': req = s ? listing(`${needs(s)}${s.name}=after.2026`) : listing('title=gte.a'); break;
    case 'range-bad-number': req = n ? listing(`${needs(n)}${n.name}=gte.01`) : listing('x=1'); break;
    case 'range-empty-value': req = s ? listing(`${needs(s)}${s.name}=gte.`) : listing('x=1'); break;
    case 'range-begins-number': req = n ? listing(`${needs(n)}${n.name}=begins.1`) : listing('x=1'); break;
    case 'range-inverted': req = n ? listing(`${needs(n)}${n.name}=gte.5&${n.name}=lte.1`) : listing('x=1'); break;
    case 'order-sideways': req = listing('order=sideways'); break;
    case 'fields-hidden': req = listing('fields=_generation'); break;
    case 'fields-too-many': req = listing(`fields=${Array.from({ length: 101 }, (_, i) => `f${i}`).join(',')}`); break;
    case 'fields-empty': req = listing('fields=a,,b'); break;
    case 'two-partitions': req = r.partitions.length ? listing(`${r.partitions[0].name}=a&${r.partitions[0].name}=b`) : listing('x=1'); break;
    case 'id-noncanonical': req = { method: 'GET', path: itemPath(r, place, r.idNumeric ? '07' : 'a'.repeat(1025)), headers: place.headers }; break;
    case 'id-too-long': req = { method: 'DELETE', path: itemPath(r, place, r.idNumeric ? '1.0' : '🦄'.repeat(257)), headers: place.headers }; break;
    case 'json-broken': req = post('{"a":'); break;
    case 'json-array': req = post('[{"a":1}]'); break;
    case 'json-trailing-comma': req = post('{"a":1,}'); break;
    case 'json-empty': req = post(''); break;
    case 'utf8-invalid': req = post(Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xc3, 0x28, 0x22, 0x7d])); break;
    case 'body-huge': req = post(`{"a":"${'x'.repeat(1024 * 1024 + 1)}"}`); allowed = [413]; break;
    case 'item-too-large': req = post(bodyOf({ big: 'x'.repeat(410 * 1024) }, r.serverIds ? undefined : id, r.idAttribute)); allowed = [413, 422]; break;
    case 'gzip-body': req = post(gzipSync(valid), { ...json, 'content-encoding': 'gzip' }); allowed = [400, 415]; break;
    case 'type-text': req = post(valid, { ...place.headers, 'content-type': 'text/plain' }); allowed = [415]; break;
    case 'type-latin1': req = post(valid, { ...place.headers, 'content-type': 'application/json; charset=iso-8859-1' }); allowed = [415]; break;
    case 'type-missing': req = post(valid, place.headers); allowed = [415]; break;
    case 'type-patch-on-post': req = post(valid, { ...place.headers, 'content-type': 'application/merge-patch+json' }); allowed = [415]; break;
    case 'idem-empty': req = post(valid, { ...json, 'idempotency-key': '""' }); break;
    case 'idem-non-ascii': req = post(valid, { ...json, 'idempotency-key': 'clé' }); break;
    case 'idem-long': req = post(valid, { ...json, 'idempotency-key': 'k'.repeat(256) }); break;
    case 'lie-short': req = post(`{"bad":"${'x'.repeat(10)}"}`, json, 'short-length'); break;
    case 'lie-long': req = post('{"a":1}', json, 'long-length'); break;
    case 'lie-two': req = post(valid, json, 'two-lengths'); break;
    case 'lie-chunked': req = post(valid, json, 'length-and-chunked'); break;
    case 'method-undeclared': req = { method: 'POST', path: itemPath(r, place, id), headers: json, body: valid }; allowed = [404]; break;
    case 'path-undeclared': req = { method: 'GET', path: `${place.basePath}/${encodeURIComponent(String(id))}/extra`, headers: place.headers }; allowed = [404]; break;
    case 'path-bad-escape': req = { method: 'DELETE', path: `${place.basePath}/%E0%A4%A`, headers: place.headers }; allowed = [404]; break;
    case 'query-bad-escape': req = listing('limit=%ZZ'); break;
    case 'body-deep': req = post(bodyOf({ deep: nested(200) }, r.serverIds ? undefined : id, r.idAttribute)); allowed = [400, 422]; break;
    case 'json-duplicate-keys': req = post(`{"dup":1,"dup":2${r.serverIds ? '' : `,"${r.idAttribute}":${JSON.stringify(id)}`}}`); allowed = [400, 422]; break;
    case 'id-unsafe-number': req = { method: 'GET', path: r.idNumeric ? itemPath(r, place, '9007199254740993') : `${place.basePath}/%ED%A0%80`, headers: place.headers }; allowed = r.idNumeric ? [400] : [404]; break;
    case 'id-negative-zero': req = { method: 'PUT', path: itemPath(r, place, r.idNumeric ? '-0' : 'a'.repeat(1025)), headers: json, body: '{}' }; break;
    case 'id-plus': req = { method: 'DELETE', path: itemPath(r, place, r.idNumeric ? '+1' : 'x'.repeat(2000)), headers: place.headers }; break;
    case 'method-head': req = { method: 'HEAD', path: place.basePath, headers: place.headers }; allowed = [404]; break;
    case 'method-put-collection': req = { method: 'PUT', path: place.basePath, headers: json, body: valid }; allowed = [404]; break;
    case 'method-options': req = { method: 'OPTIONS', path: itemPath(r, place, id), headers: place.headers }; allowed = [404]; break;
    case 'param-twice': req = listing('order=asc&order=desc'); break;
    case 'patch-past-item-limit': {
      // An item near DynamoDB's 400 KB, then a patch that would take it past: 413, and the item as it was.
      if (r.input.additionalProperties === false || pathIdProblem(r, id)) return;
      const big = { big: 'b'.repeat(300 * 1024) };
      const made = await world.wire.send(post(bodyOf(big, r.serverIds ? undefined : id, r.idAttribute)));
      if (made?.status !== 201) {
        expectStatus(step, made, [409, 404]);
        return;
      }
      const newId: Id = made.json[r.idAttribute];
      const item = itemFrom(made, newId, big, 1, place.ancestors);
      checkItem(step, made, r, item, place);
      model.noteEtag(r, place.scope, newId, item.etag);
      model.put(r, place.scope, item);
      req = { method: 'PATCH', path: itemPath(r, place, newId), headers: { ...place.headers, 'content-type': 'application/merge-patch+json' }, body: JSON.stringify({ more: 'm'.repeat(120 * 1024) }) };
      allowed = [413];
      break;
    }
    case 'cursor-other-tenant': case 'cursor-other-order': {
      // A real cursor of this listing, replayed by the other tenant (or under another parent), or with another order.
      const first = await world.wire.send(listing('limit=1'));
      const cursor = first?.status === 200 ? first.json.nextCursor : undefined;
      if (!cursor) return;
      if (step.what === 'cursor-other-order') {
        if (r.scans) return;
        req = listing(`limit=1&order=desc&cursor=${cursor}`);
      } else {
        const other = placeOf(world, model, r, step.tenant === 'a' ? 'b' : 'a', { pick: step.parent.pick + 1, kind: 'existing' });
        if (other.scope === place.scope) return;
        req = { method: 'GET', path: `${other.basePath}?limit=1&cursor=${cursor}`, headers: other.headers };
      }
      break;
    }
    case 'body-null-proto': req = post(`{"__proto__":{"admin":true}${r.serverIds ? '' : `,"${r.idAttribute}":${JSON.stringify(id)}`}}`); allowed = [400, 422]; break;
  }
  void rangeOf;
  const res = await world.wire.send(req);
  if (req.lie && (res === undefined || (res.status === 400 && res.body === ''))) return;
  expectStatus(step, res, req.lie ? [400, 413] : allowed);
}

/** A string arbitrary exported for the command-level generators' tests. */
export const fuzzString = anyString;

/** Three (or two) requests at once: exactly one wins where one must, none is lost where all must land. */
async function race(step: Extract<Step, { kind: 'race' }>, r: ResourceSpec, model: ApiModel, world: World): Promise<void> {
  const place = placeOf(world, model, r, step.tenant, step.parent);
  if (!place.parentExists) return;
  if (world.acceptance.judge(r, step.body) !== 'valid') return;
  const { id, item } = resolveTarget(world, model, r, place, step.target, step.tenant);
  if (pathIdProblem(r, id)) return;
  const json = { ...place.headers, 'content-type': 'application/json' };
  const all = (n: number, make: (i: number) => Parameters<Wire['send']>[0]) => Promise.all(Array.from({ length: n }, (_, i) => world.wire.send(make(i))));
  const statuses = (rs: (WireResponse | undefined)[]) => rs.map((x) => x?.status ?? 0).sort((a, b) => a - b);
  // Racers write different content: an attribute of their own, or (a closed schema) a different name.
  const closed = r.input.additionalProperties === false;
  const racer = (i: number): Attrs => (closed ? { ...step.body, name: `racer ${i}` } : { ...step.body, racer: i });
  const racerOf = (res: WireResponse): Attrs => (closed ? { ...step.body, name: res.json.name } : { ...step.body, racer: res.json.racer });
  switch (step.what) {
    case 'idempotent-posts': {
      const key = `race-${model.all(r).length}-${model.idempotency.get(r.name)!.size}`;
      const sent = r.serverIds ? step.body : { [r.idAttribute]: id, ...step.body };
      if (!r.serverIds && item) return;
      const rs = await all(3, () => ({ method: 'POST', path: place.basePath, headers: { ...json, 'idempotency-key': key }, body: JSON.stringify(sent) }));
      if (statuses(rs).join() !== '201,201,201') fail(step, `statuses ${statuses(rs).join()} (one key, one body: all 201)`);
      const ids = new Set(rs.map((x) => String(x!.json[r.idAttribute])));
      if (ids.size !== 1) fail(step, `one key answered ${ids.size} different items`);
      if (new Set(rs.map((x) => x!.headers.etag)).size !== 1) fail(step, 'one key answered different ETags');
      if (rs.filter((x) => x!.headers['idempotent-replayed'] !== 'true').length !== 1) fail(step, 'not exactly one original among the answers');
      const got = rs.find((x) => x!.headers['idempotent-replayed'] !== 'true')!;
      const newId: Id = got.json[r.idAttribute];
      const created = itemFrom(got, newId, step.body, 1, place.ancestors);
      model.noteEtag(r, place.scope, newId, created.etag);
      model.put(r, place.scope, created);
      remember(model, r, world, step.tenant, key, place, sent, created);
      return;
    }
    case 'same-id-posts': {
      if (r.serverIds || item) return;
      const rs = await all(3, (i) => ({ method: 'POST', path: place.basePath, headers: json, body: JSON.stringify({ [r.idAttribute]: id, ...racer(i) }) }));
      if (statuses(rs).join() !== '201,409,409') fail(step, `statuses ${statuses(rs).join()} (one id: one 201, two 409)`);
      const won = rs.find((x) => x!.status === 201)!;
      const created = itemFrom(won, id, racerOf(won), 1, place.ancestors);
      written(step, won, r, model, place, created);
      return;
    }
    case 'if-match-puts': {
      if (!item) return;
      const rs = await all(3, (i) => ({ method: 'PUT', path: itemPath(r, place, id), headers: { ...json, 'if-match': item.etag }, body: JSON.stringify(racer(i)) }));
      if (statuses(rs).join() !== '200,412,412') fail(step, `statuses ${statuses(rs).join()} (one If-Match: one 200, two 412)`);
      const won = rs.find((x) => x!.status === 200)!;
      written(step, won, r, model, place, { ...itemFrom(won, id, racerOf(won), item.version + 1, item.ancestors), createdAt: item.createdAt }, item);
      return;
    }
    case 'disjoint-patches': {
      if (!item || r.input.additionalProperties === false) return;
      const rs = await all(3, (i) => ({ method: 'PATCH', path: itemPath(r, place, id), headers: { ...place.headers, 'content-type': 'application/merge-patch+json' }, body: JSON.stringify({ [`race${i}`]: i }) }));
      if (statuses(rs).join() !== '200,200,200') fail(step, `statuses ${statuses(rs).join()} (patches of different attributes: all 200)`);
      const versions = rs.map((x) => x!.json.version).sort((a, b) => a - b);
      if (versions.join() !== [1, 2, 3].map((d) => item.version + d).join()) fail(step, `versions ${versions.join()} after ${item.version}`);
      const last = rs.find((x) => x!.json.version === item.version + 3)!;
      const attrs = { ...item.attrs, race0: 0, race1: 1, race2: 2 };
      for (const x of rs) model.noteEtag(r, place.scope, id, x!.headers.etag);
      checkItem(step, last, r, { id, attrs, version: item.version + 3 }, place);
      model.put(r, place.scope, { ...item, attrs, version: item.version + 3, etag: last.headers.etag, updatedAt: last.json.updatedAt });
      return;
    }
    case 'deletes': {
      if (!item || model.hasChildren(r, place.scope, id)) return;
      const rs = await all(2, () => ({ method: 'DELETE', path: itemPath(r, place, id), headers: place.headers }));
      if (statuses(rs).join() !== '204,404') fail(step, `statuses ${statuses(rs).join()} (two deletes: one 204, one 404)`);
      model.delete(r, place.scope, id);
      return;
    }
    case 'child-vs-parent-delete': {
      // A parent's delete against a child's creation: never both (an orphan), never neither.
      const child = world.resources.find((c) => c.ancestors.length === r.ancestors.length + 1 && c.ancestors[c.ancestors.length - 1].name === r.item.split('/').pop()!.slice(1, -1));
      if (!child || !item || model.hasChildren(r, place.scope, id)) return;
      const childPlace = { ...place, ancestors: { ...place.ancestors, [child.ancestors[child.ancestors.length - 1].name]: id } };
      const childScope = model.scopeOf(child, place.owner, childPlace.ancestors);
      const childId: Id = child.idNumeric ? 1 : 'x1';
      const [del, made] = await Promise.all([
        world.wire.send({ method: 'DELETE', path: itemPath(r, place, id), headers: place.headers }),
        world.wire.send({ method: 'POST', path: fillPath(child.collection, childPlace.ancestors), headers: json, body: JSON.stringify(child.serverIds ? {} : { [child.idAttribute]: childId }) }),
      ]);
      const pair = `${del?.status},${made?.status}`;
      if (pair === '204,404') {
        model.delete(r, place.scope, id);
      } else if (pair === '409,201') {
        const newId: Id = made!.json[child.idAttribute];
        model.noteEtag(child, childScope, newId, made!.headers.etag);
        model.put(child, childScope, itemFrom(made!, newId, {}, 1, childPlace.ancestors));
      } else {
        fail(step, `parent DELETE ${del?.status} and child POST ${made?.status}: expected 204 and 404, or 409 and 201`);
      }
      return;
    }
  }
}
