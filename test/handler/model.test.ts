/**
 * Model-based property test: random sequences of create / get / put / patch / delete / list against the handler on
 * DynamoDB Local and against an in-memory model; every response must agree with the model.
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
  content: Record<string, unknown>;
  version: number;
  createdAt: string;
  owner?: string;
}
interface Model {
  items: Map<string, ModelItem>;
}
interface Real {
  api: TestApi;
  owned: boolean;
}

const IDS = ['a', 'b/c', 'd e'];
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
/** A document body: arbitrary attributes, `status` (an index key) always a valid string. */
const bodyArb = fc.tuple(fc.dictionary(fc.constantFrom('a', 'b', 'c', 'm'), value, { maxKeys: 4 }), fc.option(statusArb)).map(([d, s]) => {
  const out: Record<string, unknown> = { ...d };
  if (s !== null) out.status = s;
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
type Precondition = 'none' | 'current' | 'stale';
const precondition = fc.constantFrom<Precondition>('none', 'none', 'current', 'stale');

function visible(m: Model, id: string, owner: string | undefined): ModelItem | undefined {
  const it = m.items.get(id);
  return it && it.owner === owner ? it : undefined;
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

function ifMatch(p: Precondition, it: ModelItem | undefined): Record<string, string> {
  if (p === 'none') return {};
  return { 'if-match': p === 'current' && it ? `"${it.version}"` : `"${(it?.version ?? 0) + 100}"` };
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
    if (this.id !== null && m.items.has(this.id)) return expectStatus(res, 409, 'already-exists');
    expectStatus(res, 201);
    const id = res.body.id as string;
    const it: ModelItem = { content: this.body, version: 1, createdAt: res.body.createdAt, ...(r.owned ? { owner: this.owner } : {}) };
    expect(res.body).toEqual(expected(id, it));
    expect(res.headers.etag).toBe('"1"');
    m.items.set(id, it);
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
    expect(res.headers.etag).toBe(`"${it.version}"`);
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
    const stored = m.items.get(this.id);
    const it = visible(m, this.id, owner);
    const res = await r.api.call('PUT', `/items/${encodeURIComponent(this.id)}`, this.opts(r, { json: this.body, headers: ifMatch(this.pre, it) }));
    if (stored && !it) return expectStatus(res, 409, 'already-exists');
    if (this.pre !== 'none' && (!it || this.pre === 'stale')) return expectStatus(res, 412, 'precondition-failed');
    const next: ModelItem = it
      ? { ...it, content: this.body, version: it.version + 1 }
      : { content: this.body, version: 1, createdAt: res.body?.createdAt, ...(owner !== undefined ? { owner } : {}) };
    expectStatus(res, it ? 200 : 201);
    expect(res.body).toEqual(expected(this.id, next));
    expect(res.headers.etag).toBe(`"${next.version}"`);
    m.items.set(this.id, next);
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
    const it = visible(m, this.id, r.owned ? this.owner : undefined);
    const res = await r.api.call('PATCH', `/items/${encodeURIComponent(this.id)}`, this.opts(r, { json: this.patch, headers: ifMatch(this.pre, it) }));
    if (!it) return expectStatus(res, 404, 'not-found');
    if (this.pre === 'stale') return expectStatus(res, 412, 'precondition-failed');
    const next: ModelItem = { ...it, content: referenceMergePatch(it.content, this.patch) as Record<string, unknown>, version: it.version + 1 };
    expectStatus(res, 200);
    expect(res.body).toEqual(expected(this.id, next));
    expect(res.headers.etag).toBe(`"${next.version}"`);
    m.items.set(this.id, next);
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
    const it = visible(m, this.id, r.owned ? this.owner : undefined);
    const res = await r.api.call('DELETE', `/items/${encodeURIComponent(this.id)}`, this.opts(r, { headers: ifMatch(this.pre, it) }));
    if (!it) return expectStatus(res, 404, 'not-found');
    if (this.pre === 'stale') return expectStatus(res, 412, 'precondition-failed');
    expectStatus(res, 204);
    m.items.delete(this.id);
  }
  toString() {
    return `Delete(${this.owner},${this.id},${this.pre})`;
  }
}

class List extends Command {
  constructor(owner: string | undefined, private readonly limit: number, private readonly byStatus: string | null) {
    super(owner);
  }
  async run(m: Model, r: Real) {
    const seen: any[] = [];
    let cursor: string | null = null;
    for (let pages = 0; pages < 100; pages++) {
      const query: Record<string, string | number> = { limit: this.limit };
      if (this.byStatus) query.status = this.byStatus;
      if (cursor) query.cursor = cursor;
      const res = await r.api.call('GET', '/items', this.opts(r, { query }));
      expectStatus(res, 200);
      expect(res.body.items.length).toBeLessThanOrEqual(this.limit);
      seen.push(...res.body.items);
      cursor = res.body.nextCursor;
      if (cursor === null) break;
    }
    expect(cursor).toBeNull();
    const owner = r.owned ? this.owner : undefined;
    const want = [...m.items.entries()]
      .filter(([, it]) => it.owner === owner || !r.owned)
      .filter(([, it]) => !this.byStatus || it.content.status === this.byStatus)
      .map(([id, it]) => expected(id, it));
    const byId = (a: any, b: any) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
    expect(seen.sort(byId)).toEqual(want.sort(byId));
  }
  toString() {
    return `List(${this.owner},${this.limit},${this.byStatus})`;
  }
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
        indexes: [{ indexName: 'byStatus', partitionKey: 'status' }],
        ...(owned ? { ownerScoping: { attribute: 'owner', indexName: 'byOwner' } } : {}),
        ...(schema ? { schema } : {}),
      },
    });
  });
  afterAll(() => api.destroy());

  test('every response agrees with the in-memory model', async () => {
    await fc.assert(
      fc.asyncProperty(fc.commands(commands(owned), { maxCommands: 40, size: '+1' }), async (cmds) => {
        await api.clear();
        await fc.asyncModelRun(() => ({ model: { items: new Map() }, real: { api, owned } }), cmds);
      }),
      { numRuns: 40, endOnFailure: true },
    );
  });
});
