/**
 * Model-based property test: random sequences of create / get / put / patch / delete / list against the handler on
 * DynamoDB Local and against an in-memory model; every response must agree with the model. Listings include range
 * queries (on the id, the caller's partition's sort key, and on `due`, an index sort key, with and without the index's
 * partition parameter) in both orders: a listing returns exactly the items of its partition that satisfy the condition,
 * in key order, each once across its pages.
 *
 * Owner-scoped runs use two owners, and the model keeps each owner's items apart (keyed by owner and id): what one
 * owner observes is computed from that owner's items only, so any response that depended on another owner's data
 * (an id, a tag, a listing, a cursor) would disagree with it. Preconditions include another owner's tag for the same
 * id, and entity tags are checked never to repeat across generations of an id.
 */
import * as fc from 'fast-check';
import { createTestApi, problemType, TestApi, TestResponse } from './support/api';
import { RequestOptions } from './support/events';

/** RFC 7396 section 2, written independently of the handler's implementation so the model can disagree with it. */
function referenceMergePatch(target: unknown, patch: unknown): unknown {
  const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  if (!isObj(patch)) return patch;
  const result: Record<string, unknown> = isObj(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete result[k];
    else result[k] = referenceMergePatch(result[k], v);
  }
  return result;
}

interface ModelItem {
  id: string;
  content: Record<string, unknown>;
  version: number;
  createdAt: string;
  owner?: string;
  /** The current entity tag, as the API answered it. */
  etag: string;
}
interface Model {
  /** Items by owner and id ({@link key}). */
  items: Map<string, ModelItem>;
  /** Every tag ever answered, per owner and id: a new generation must never reuse one. */
  tags: Map<string, Set<string>>;
}

/** The model's key of an item: its owner's namespace and its id. */
function key(owner: string | undefined, id: string): string {
  return `${owner ?? ''}\u0000${id}`;
}
interface Real {
  api: TestApi;
  owned: boolean;
}

// No '/': API Gateway cannot route %2F, so such ids are refused on create (see routes.test.ts).
const IDS = ['a', 'b%c', 'd e'];
const OWNERS = ['alice', 'bob'];

const scalar = fc.oneof(
  fc.integer({ min: -1000, max: 1000 }),
  fc.string({ maxLength: 4 }),
  fc.boolean(),
  // DynamoDB stores magnitudes from 1e-130; smaller values are a 422 (covered in bad-input.test.ts).
  fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e6, max: 1e6 }).filter((x) => x === 0 || Math.abs(x) >= 1e-100),
);
const value: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: scalar },
  { weight: 1, arbitrary: fc.constant(null) },
  { weight: 1, arbitrary: fc.array(scalar, { maxLength: 3 }) },
  { weight: 2, arbitrary: fc.dictionary(fc.constantFrom('x', 'y', 'z'), scalar, { maxKeys: 3 }) },
);
const statusArb = fc.constantFrom('open', 'done');
/** Values of `due`, the sort key of two indexes: few, so that ranges and ties are common. */
const dueArb = fc.constantFrom('2025-01', '2025-02', '2025-02-15', '2025-03');
/** A document body: arbitrary attributes, `status` (an index key) and `due` (an index sort key) always valid strings. */
const bodyArb = fc.tuple(fc.dictionary(fc.constantFrom('a', 'b', 'c', 'm'), value, { maxKeys: 4 }), fc.option(statusArb), fc.option(dueArb)).map(([d, s, due]) => {
  const out: Record<string, unknown> = { ...d };
  if (s !== null) out.status = s;
  if (due !== null) out.due = due;
  return out;
});
/** A merge patch: nulls remove; nested objects merge. */
const patchValue: fc.Arbitrary<unknown> = fc.oneof(value, fc.dictionary(fc.constantFrom('x', 'y', 'z'), fc.oneof(scalar, fc.constant(null)), { maxKeys: 3 }));
const patchArb = fc.tuple(fc.dictionary(fc.constantFrom('a', 'b', 'c', 'm'), fc.oneof({ weight: 1, arbitrary: fc.constant(null) }, { weight: 3, arbitrary: patchValue }), { maxKeys: 4 }), fc.option(fc.oneof(statusArb, fc.constant(null))))
  .map(([d, s]) => {
    const out: Record<string, unknown> = { ...d };
    if (s !== null) out.status = s;
    return out;
  });
/** `foreign`: the current tag of another owner's item with the same id (or a made-up tag when there is none). */
type Precondition = 'none' | 'current' | 'stale' | 'foreign';
const precondition = fc.constantFrom<Precondition>('none', 'none', 'current', 'stale', 'foreign');

function visible(m: Model, id: string, owner: string | undefined): ModelItem | undefined {
  return m.items.get(key(owner, id));
}

/** Checks a tag the API answered and records it: a new generation's tag was never answered before for that id. */
function recordTag(m: Model, owner: string | undefined, id: string, etag: string, newGeneration: boolean, previous?: ModelItem) {
  expect(etag).toMatch(/^"[0-9]+\.[A-Za-z0-9_-]{11}"$/);
  const seen = m.tags.get(key(owner, id)) ?? new Set<string>();
  if (newGeneration) {
    expect(seen.has(etag)).toBe(false);
  } else {
    // Same generation: only the version part moves.
    expect(etag.split('.')[1]).toBe(previous!.etag.split('.')[1]);
  }
  seen.add(etag);
  m.tags.set(key(owner, id), seen);
}

function expected(id: string, it: ModelItem) {
  return {
    id,
    ...it.content,
    version: it.version,
    createdAt: it.createdAt,
    updatedAt: expect.any(String),
    ...(it.owner !== undefined ? { owner: it.owner } : {}),
  };
}

function ifMatch(m: Model, p: Precondition, it: ModelItem | undefined, owner: string | undefined, id: string): Record<string, string> {
  if (p === 'none') return {};
  if (p === 'current' && it) return { 'if-match': it.etag };
  if (p === 'foreign') {
    const other = [...m.items.values()].find((x) => x.id === id && x.owner !== owner);
    return { 'if-match': other?.etag ?? '"1.AAAAAAAAAAA"' };
  }
  return { 'if-match': `"${(it?.version ?? 0) + 100}"` };
}

/** Whether a precondition passes on the caller's own item (`foreign` tags name another owner's item: never). */
function passes(p: Precondition, it: ModelItem | undefined): boolean {
  return p === 'none' || (p === 'current' && it !== undefined);
}

function expectStatus(r: TestResponse, status: number, slug?: string) {
  expect({ status: r.status, type: r.body?.type }).toEqual({ status, type: slug ? problemType(slug) : undefined });
}

abstract class Command implements fc.AsyncCommand<Model, Real> {
  constructor(protected readonly owner: string | undefined) {}
  check(): boolean {
    return true;
  }
  abstract run(m: Model, r: Real): Promise<void>;
  abstract toString(): string;
  protected opts(r: Real, o: RequestOptions = {}): RequestOptions {
    return r.owned ? { ...o, sub: this.owner } : o;
  }
}

class Create extends Command {
  constructor(owner: string | undefined, private readonly id: string | null, private readonly body: Record<string, unknown>) {
    super(owner);
  }
  async run(m: Model, r: Real) {
    const json = this.id === null ? this.body : { ...this.body, id: this.id };
    const res = await r.api.call('POST', '/items', this.opts(r, { json }));
    const owner = r.owned ? this.owner : undefined;
    if (this.id !== null && visible(m, this.id, owner)) return expectStatus(res, 409, 'already-exists');
    expectStatus(res, 201);
    const id = res.body.id as string;
    const it: ModelItem = {
      id, content: this.body, version: 1, createdAt: res.body.createdAt, etag: res.headers.etag, ...(owner !== undefined ? { owner } : {}),
    };
    expect(res.body).toEqual(expected(id, it));
    expect(res.headers.etag).toMatch(/^"1\./);
    recordTag(m, owner, id, res.headers.etag, true);
    m.items.set(key(owner, id), it);
  }
  toString() {
    return `Create(${this.owner},${this.id},${JSON.stringify(this.body)})`;
  }
}

class Get extends Command {
  constructor(owner: string | undefined, private readonly id: string) {
    super(owner);
  }
  async run(m: Model, r: Real) {
    const res = await r.api.call('GET', `/items/${encodeURIComponent(this.id)}`, this.opts(r));
    const it = visible(m, this.id, r.owned ? this.owner : undefined);
    if (!it) return expectStatus(res, 404, 'not-found');
    expectStatus(res, 200);
    expect(res.body).toEqual(expected(this.id, it));
    expect(res.headers.etag).toBe(it.etag);
  }
  toString() {
    return `Get(${this.owner},${this.id})`;
  }
}

class Put extends Command {
  constructor(
    owner: string | undefined,
    private readonly id: string,
    private readonly body: Record<string, unknown>,
    private readonly pre: Precondition,
  ) {
    super(owner);
  }
  async run(m: Model, r: Real) {
    const owner = r.owned ? this.owner : undefined;
    const it = visible(m, this.id, owner);
    const headers = ifMatch(m, this.pre, it, owner, this.id);
    const res = await r.api.call('PUT', `/items/${encodeURIComponent(this.id)}`, this.opts(r, { json: this.body, headers }));
    if (!passes(this.pre, it)) return expectStatus(res, 412, 'precondition-failed');
    const next: ModelItem = it
      ? { ...it, content: this.body, version: it.version + 1, etag: res.headers.etag }
      : {
        id: this.id,
        content: this.body,
        version: 1,
        createdAt: res.body?.createdAt,
        etag: res.headers.etag,
        ...(owner !== undefined ? { owner } : {}),
      };
    expectStatus(res, it ? 200 : 201);
    expect(res.body).toEqual(expected(this.id, next));
    expect(res.headers.etag).toMatch(new RegExp(`^"${next.version}\\.`));
    recordTag(m, owner, this.id, res.headers.etag, !it, it);
    m.items.set(key(owner, this.id), next);
  }
  toString() {
    return `Put(${this.owner},${this.id},${JSON.stringify(this.body)},${this.pre})`;
  }
}

class Patch extends Command {
  constructor(
    owner: string | undefined,
    private readonly id: string,
    private readonly patch: Record<string, unknown>,
    private readonly pre: Precondition,
  ) {
    super(owner);
  }
  async run(m: Model, r: Real) {
    const owner = r.owned ? this.owner : undefined;
    const it = visible(m, this.id, owner);
    const headers = ifMatch(m, this.pre, it, owner, this.id);
    const res = await r.api.call('PATCH', `/items/${encodeURIComponent(this.id)}`, this.opts(r, { json: this.patch, headers }));
    if (!it) return expectStatus(res, 404, 'not-found');
    if (!passes(this.pre, it)) return expectStatus(res, 412, 'precondition-failed');
    const next: ModelItem = {
      ...it, content: referenceMergePatch(it.content, this.patch) as Record<string, unknown>, version: it.version + 1, etag: res.headers.etag,
    };
    expectStatus(res, 200);
    expect(res.body).toEqual(expected(this.id, next));
    recordTag(m, owner, this.id, res.headers.etag, false, it);
    m.items.set(key(owner, this.id), next);
  }
  toString() {
    return `Patch(${this.owner},${this.id},${JSON.stringify(this.patch)},${this.pre})`;
  }
}

class Delete extends Command {
  constructor(owner: string | undefined, private readonly id: string, private readonly pre: Precondition) {
    super(owner);
  }
  async run(m: Model, r: Real) {
    const owner = r.owned ? this.owner : undefined;
    const it = visible(m, this.id, owner);
    const res = await r.api.call('DELETE', `/items/${encodeURIComponent(this.id)}`, this.opts(r, { headers: ifMatch(m, this.pre, it, owner, this.id) }));
    if (!it) return expectStatus(res, 404, 'not-found');
    if (!passes(this.pre, it)) return expectStatus(res, 412, 'precondition-failed');
    expectStatus(res, 204);
    m.items.delete(key(owner, this.id));
  }
  toString() {
    return `Delete(${this.owner},${this.id},${this.pre})`;
  }
}

/** The operators of a range query; `between` is `gte` and `lte` together. */
const RANGE_OPS = ['eq', 'gt', 'gte', 'lt', 'lte', 'begins', 'between'] as const;
type RangeOp = (typeof RANGE_OPS)[number];

/** A range condition of a listing: on the id (the table's sort key, owner-scoped) or on `due` (an index's sort key). */
interface Range {
  readonly on: 'id' | 'due';
  readonly op: RangeOp;
  readonly a: string;
  /** The upper bound of `between` (at least `a`). */
  readonly b: string;
}

/** Whether a key value satisfies a range, written independently of the handler (ASCII values: code unit order is byte order). */
function satisfies(v: unknown, r: Range): boolean {
  if (typeof v !== 'string') return false;
  switch (r.op) {
    case 'eq': return v === r.a;
    case 'gt': return v > r.a;
    case 'gte': return v >= r.a;
    case 'lt': return v < r.a;
    case 'lte': return v <= r.a;
    case 'begins': return v.startsWith(r.a);
    case 'between': return v >= r.a && v <= r.b;
  }
}

class List extends Command {
  constructor(
    owner: string | undefined,
    private readonly limit: number,
    private readonly byStatus: string | null,
    private readonly range: Range | null = null,
    private readonly order: 'asc' | 'desc' | null = null,
  ) {
    super(owner);
  }
  async run(m: Model, r: Real) {
    const seen: any[] = [];
    let cursor: string | null = null;
    const fixed: string[] = [`limit=${this.limit}`];
    if (this.byStatus) fixed.push(`status=${this.byStatus}`);
    if (this.order) fixed.push(`order=${this.order}`);
    if (this.range) {
      const { on, op, a, b } = this.range;
      fixed.push(op === 'between' ? `${on}=gte.${encodeURIComponent(a)}&${on}=lte.${encodeURIComponent(b)}` : `${on}=${op}.${encodeURIComponent(a)}`);
    }
    for (let pages = 0; pages < 100; pages++) {
      const query = [...fixed, ...(cursor ? [`cursor=${encodeURIComponent(cursor)}`] : [])].join('&');
      const res = await r.api.call('GET', '/items', this.opts(r, { query }));
      expectStatus(res, 200);
      expect(res.body.items.length).toBeLessThanOrEqual(this.limit);
      seen.push(...res.body.items);
      cursor = res.body.nextCursor;
      if (cursor === null) break;
    }
    expect(cursor).toBeNull();
    const owner = r.owned ? this.owner : undefined;
    const range = this.range;
    const want = [...m.items.values()]
      .filter((it) => it.owner === owner || !r.owned)
      .filter((it) => !this.byStatus || it.content.status === this.byStatus)
      .filter((it) => !range || satisfies(range.on === 'id' ? it.id : it.content.due, range))
      .map((it) => expected(it.id, it));
    const byId = (a: any, b: any) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
    // The key order of the read: `due` for a range on it (ties in any order), the id in the caller's partition.
    const sortKey = range?.on === 'due' ? 'due' : r.owned && !this.byStatus ? 'id' : undefined;
    if (sortKey !== undefined) {
      const keys = seen.map((it) => it[sortKey]);
      const sorted = [...keys].sort();
      expect(keys).toEqual(this.order === 'desc' ? sorted.reverse() : sorted);
    }
    expect([...seen].sort(byId)).toEqual(want.sort(byId));
  }
  toString() {
    return `List(${this.owner},${this.limit},${this.byStatus},${JSON.stringify(this.range)},${this.order})`;
  }
}

/**
 * Listings with a range: on the id (owner-scoped: the caller's partition of the table) or on `due` (owner-scoped: the
 * index partitioned by the owner; shared: the index partitioned by `status`, which then must be given).
 */
function rangeList(owned: boolean, owner: fc.Arbitrary<string | undefined>): fc.Arbitrary<List> {
  const idBound = fc.constantFrom('0', 'a', 'b', 'b%c', 'c', 'd', 'd e', 'e', 'f');
  const dueBound = fc.constantFrom('2025', '2025-01', '2025-02', '2025-02-15', '2025-03', '2026');
  const rangeOf = (on: 'id' | 'due') => fc.tuple(fc.constantFrom(...RANGE_OPS), on === 'id' ? idBound : dueBound, on === 'id' ? idBound : dueBound)
    .map(([op, x, y]): Range => ({ on, op, a: x <= y ? x : y, b: x <= y ? y : x }));
  const order = fc.option(fc.constantFrom('asc' as const, 'desc' as const));
  const limit = fc.integer({ min: 1, max: 4 });
  const byDue = fc.tuple(owner, limit, owned ? fc.option(statusArb) : statusArb, rangeOf('due'), order)
    .map(([o, l, s, rg, ord]) => new List(o, l, s, rg, ord));
  if (!owned) return byDue;
  const byId = fc.tuple(owner, limit, rangeOf('id'), order).map(([o, l, rg, ord]) => new List(o, l, null, rg, ord));
  const ordered = fc.tuple(owner, limit, fc.constantFrom('asc' as const, 'desc' as const)).map(([o, l, ord]) => new List(o, l, null, null, ord));
  return fc.oneof(byDue, byId, ordered);
}

function commands(owned: boolean) {
  const owner = owned ? fc.constantFrom(...OWNERS) : fc.constant(undefined);
  const id = fc.constantFrom(...IDS);
  return [
    fc.tuple(owner, fc.option(id, { freq: 3 }), bodyArb).map(([o, i, b]) => new Create(o, i, b)),
    fc.tuple(owner, id).map(([o, i]) => new Get(o, i)),
    fc.tuple(owner, id, bodyArb, precondition).map(([o, i, b, p]) => new Put(o, i, b, p)),
    fc.tuple(owner, id, patchArb, precondition).map(([o, i, p, pre]) => new Patch(o, i, p, pre)),
    fc.tuple(owner, id, precondition).map(([o, i, p]) => new Delete(o, i, p)),
    fc.tuple(owner, fc.integer({ min: 1, max: 4 }), fc.option(statusArb, { freq: 2 })).map(([o, l, s]) => new List(o, l, s)),
    rangeList(owned, owner),
  ];
}

describe.each([
  ['scan listing, attribute-wise patches', false, undefined],
  ['owner partition listing, GSI listing, schema (snapshot patches)', true, { type: 'object', properties: { a: {} } }],
])('model: %s', (_name, owned, schema) => {
  let api: TestApi;
  beforeAll(async () => {
    api = await createTestApi({
      config: {
        // Two indexes share `status`: without a range the first (every item with a status), with a range on `due`
        // the one sorted by it. Owner-scoped, `byDue` is partitioned by the owner.
        indexes: [
          { indexName: 'byStatus', partitionKey: 'status' },
          { indexName: 'byStatusDue', partitionKey: 'status', sortKey: 'due' },
          ...(owned ? [{ indexName: 'byDue', sortKey: 'due' }] : []),
        ],
        ...(owned ? { ownerScoping: { attribute: 'owner' } } : {}),
        ...(schema ? { schema } : {}),
      },
    });
  });
  afterAll(() => api.destroy());

  test('every response agrees with the in-memory model', async () => {
    await fc.assert(
      fc.asyncProperty(fc.commands(commands(owned), { maxCommands: 40, size: '+1' }), async (cmds) => {
        await api.clear();
        await fc.asyncModelRun(() => ({ model: { items: new Map(), tags: new Map() }, real: { api, owned } }), cmds);
      }),
      { numRuns: 40, endOnFailure: true },
    );
  });
});
