/**
 * The fuzzer's steps and their generators: each a request (or a short walk of requests) generated from the document.
 * A step is data — so fast-check can shrink a failing sequence to its few essential steps and print them — and
 * run-step.ts is its interpreter: it resolves the step against the model (which item, which ETag), sends it, checks
 * the answer, and moves the model on a 2xx only.
 */
import fc from 'fast-check';
import { Acceptance } from './acceptance';
import { RangeParam, ResourceSpec } from './contract';
import { ApiModel, Attrs, Bound, Json } from './model';
import { breakBody, BREAKS, freeAttrs, fromSchema } from './values';
import { Wire } from './wire';

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

export const STRING_IDS = ['x1', 'x2', 'é', 'e\u0301', '🦄', 'a b', 'a+b', '%25', '..', '.', '\u202etxt', '\u0000', 'a'.repeat(1024)];
export const NUMBER_IDS = [1, 2, 3, 7, 42, 0, -5, 2 ** 53 - 1, -(2 ** 53 - 1), 0.5, -1.25];
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
