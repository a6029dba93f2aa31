/**
 * Range queries, order and sparse fieldsets against DynamoDB Local: every operator on string and number sort keys of
 * the table (owner-scoped: the id) and of indexes with and without a partition key; order; pagination over 1,000+
 * items of one partition and of a range (every item exactly once, in order); cursors bound to their condition; bad
 * input answered 400 with nothing changed.
 *
 * Expected results come from a reference written here (strings by UTF-8 bytes, numbers by value), not from the
 * handler's planner.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createTestApi, handlerLikeItem, problemType, TestApi, TestResponse } from './support/api';
import { RequestOptions } from './support/events';

type Op = 'eq' | 'gt' | 'gte' | 'lt' | 'lte' | 'begins';

/** DynamoDB's order of key values: numbers by value, strings by UTF-8 bytes. */
function compare(a: string | number, b: string | number): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return Buffer.compare(Buffer.from(String(a), 'utf8'), Buffer.from(String(b), 'utf8'));
}

function holds(v: string | number | undefined, op: Op, bound: string | number): boolean {
  if (v === undefined) return false;
  const c = compare(v, bound);
  switch (op) {
    case 'eq': return c === 0;
    case 'gt': return c > 0;
    case 'gte': return c >= 0;
    case 'lt': return c < 0;
    case 'lte': return c <= 0;
    case 'begins': return Buffer.from(String(v), 'utf8').subarray(0, Buffer.byteLength(String(bound), 'utf8')).equals(Buffer.from(String(bound), 'utf8'));
  }
}

/** Follows nextCursor to the end; every page a 200 within the limit. */
async function listAll(api: TestApi, query: string, opts: RequestOptions = {}, path = '/items'): Promise<any[]> {
  const all: any[] = [];
  let cursor: string | null = null;
  for (let pages = 0; ; pages++) {
    expect(pages).toBeLessThan(500);
    const r: TestResponse = await api.call('GET', path, { ...opts, query: `${query}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}` });
    expect({ status: r.status, body: r.status === 200 ? undefined : r.body }).toEqual({ status: 200, body: undefined });
    all.push(...r.body.items);
    cursor = r.body.nextCursor;
    if (cursor === null) return all;
  }
}

/** Items in key order (then id, for the ties of an index sort key that the test compares as sets). */
function inOrder(items: any[], attribute: string, order: 'asc' | 'desc'): any[] {
  const sorted = [...items].sort((a, b) => compare(a[attribute], b[attribute]));
  return order === 'asc' ? sorted : sorted.reverse();
}

/** The listed items are exactly `want`, each once, in `attribute` order. */
function expectExactly(got: any[], want: any[], attribute: string, order: 'asc' | 'desc' = 'asc') {
  const ids = got.map((i) => i.id);
  expect(new Set(ids).size).toBe(ids.length);
  expect([...ids].sort()).toEqual(want.map((i) => i.id).sort());
  expect(got.map((i) => i[attribute])).toEqual(inOrder(want, attribute, order).map((i) => i[attribute]));
}

function expectProblem(r: TestResponse, message: RegExp) {
  expect(r.status).toBe(400);
  expect(r.headers['content-type']).toBe('application/problem+json');
  expect(r.body.type).toBe(problemType('invalid-query'));
  expect(r.body.detail).toMatch(message);
}

const pad = (n: number) => String(n).padStart(4, '0');

/** Strings whose UTF-8 order differs from UTF-16 order, prefixes of one another, and dates. */
const DUES = ['2025-01-01', '2025-01-15', '2025-02-01', '2025-02-28', '2025-03', '2025-12-31', '2026', 'a', 'ab', 'abc', 'b', '\uff5e', '\u{1f600}', 'Z'];
const RANKS = [-1000, -7.5, -1, 0, 0.25, 1, 2, 10, 10.5, 99, 1e6];

describe('owner-scoped: ranges on the id and on indexes with and without partition key', () => {
  let api: TestApi;
  const alice: any[] = [];
  const bob: any[] = [];
  beforeAll(async () => {
    api = await createTestApi({
      config: {
        ownerScoping: { attribute: 'owner' },
        indexes: [
          { indexName: 'byDue', sortKey: 'due' },
          { indexName: 'byRank', sortKey: 'rank', sortKeyType: 'N' },
          { indexName: 'byStatusDue', partitionKey: 'status', sortKey: 'due' },
          { indexName: 'byStatusRank', partitionKey: 'status', sortKey: 'rank', sortKeyType: 'N' },
        ],
      },
    });
    const items: any[] = [];
    for (let i = 0; i < 120; i++) {
      const owner = i % 4 === 3 ? 'bob' : 'alice';
      const item = handlerLikeItem(`t-${pad((i * 37) % 120)}`, {
        owner,
        title: `task ${i}`,
        status: i % 3 === 0 ? 'open' : 'done',
        // Some items lack a sort attribute: they are not in that index.
        ...(i % 11 === 5 ? {} : { due: DUES[i % DUES.length] }),
        ...(i % 13 === 6 ? {} : { rank: RANKS[i % RANKS.length] }),
      });
      items.push(item);
      (owner === 'alice' ? alice : bob).push(item);
    }
    await api.seed(items);
  });
  afterAll(() => api.destroy());

  const OPS: Op[] = ['eq', 'gt', 'gte', 'lt', 'lte', 'begins'];
  const stringBounds = ['2025-02', '2025-02-01', 'ab', '\uff5e', 'a', '0'];

  test.each(OPS)('%s on a string sort key of an index without partition key (the caller’s partition)', async (op) => {
    for (const bound of stringBounds) {
      const got = await listAll(api, `due=${op}.${encodeURIComponent(bound)}&limit=7`, { sub: 'alice' });
      expectExactly(got, alice.filter((i) => holds(i.due, op, bound)), 'due');
    }
  });

  test.each(OPS.filter((op) => op !== 'begins'))('%s on a number sort key of an index without partition key', async (op) => {
    for (const bound of ['-7.5', '0', '0.3', '10', '1000000', '-5000']) {
      const got = await listAll(api, `rank=${op}.${bound}&limit=6`, { sub: 'alice' });
      expectExactly(got, alice.filter((i) => holds(i.rank, op, Number(bound))), 'rank');
    }
  });

  test.each(OPS)('%s on a string sort key of an index with partition key', async (op) => {
    for (const bound of stringBounds) {
      const got = await listAll(api, `status=open&due=${op}.${encodeURIComponent(bound)}&limit=5`, { sub: 'alice' });
      expectExactly(got, alice.filter((i) => i.status === 'open' && holds(i.due, op, bound)), 'due');
    }
  });

  test.each(OPS.filter((op) => op !== 'begins'))('%s on a number sort key of an index with partition key', async (op) => {
    for (const bound of ['-1', '0.25', '10.5']) {
      const got = await listAll(api, `status=done&rank=${op}.${bound}&limit=4`, { sub: 'alice' });
      expectExactly(got, alice.filter((i) => i.status === 'done' && holds(i.rank, op, Number(bound))), 'rank');
    }
  });

  test.each(OPS)('%s on the id (the table’s sort key)', async (op) => {
    for (const bound of ['t-0050', 't-00', 't-0119', 't-1']) {
      const got = await listAll(api, `id=${op}.${bound}&limit=9`, { sub: 'alice' });
      expectExactly(got, alice.filter((i) => holds(i.id, op, bound)), 'id');
    }
  });

  test('between: gte and lte, inclusive, on strings, numbers and the id; equal bounds', async () => {
    expectExactly(await listAll(api, 'due=gte.2025-01-15&due=lte.2025-12-31', { sub: 'alice' }),
      alice.filter((i) => holds(i.due, 'gte', '2025-01-15') && holds(i.due, 'lte', '2025-12-31')), 'due');
    expectExactly(await listAll(api, 'rank=lte.10&rank=gte.-1&limit=3', { sub: 'alice' }),
      alice.filter((i) => i.rank !== undefined && i.rank >= -1 && i.rank <= 10), 'rank');
    expectExactly(await listAll(api, 'status=open&rank=gte.0&rank=lte.99', { sub: 'alice' }),
      alice.filter((i) => i.status === 'open' && i.rank !== undefined && i.rank >= 0 && i.rank <= 99), 'rank');
    expectExactly(await listAll(api, 'id=gte.t-0010&id=lte.t-0040&limit=4', { sub: 'alice' }),
      alice.filter((i) => i.id >= 't-0010' && i.id <= 't-0040'), 'id');
    expectExactly(await listAll(api, 'due=gte.ab&due=lte.ab', { sub: 'alice' }), alice.filter((i) => i.due === 'ab'), 'due');
  });

  test('order=desc on every kind of key-ordered read', async () => {
    expectExactly(await listAll(api, 'order=desc&limit=8', { sub: 'alice' }), alice, 'id', 'desc');
    expectExactly(await listAll(api, 'id=lt.t-0060&order=desc&limit=8', { sub: 'alice' }), alice.filter((i) => i.id < 't-0060'), 'id', 'desc');
    expectExactly(await listAll(api, 'due=gte.a&order=desc&limit=5', { sub: 'alice' }), alice.filter((i) => holds(i.due, 'gte', 'a')), 'due', 'desc');
    expectExactly(await listAll(api, 'rank=gt.0&order=desc', { sub: 'alice' }), alice.filter((i) => i.rank > 0), 'rank', 'desc');
    expectExactly(await listAll(api, 'status=open&order=desc&limit=3', { sub: 'alice' }), alice.filter((i) => i.status === 'open' && i.due !== undefined), 'due', 'desc');
    expectExactly(await listAll(api, 'order=asc', { sub: 'alice' }), alice, 'id', 'asc');
  });

  test('DynamoDB takes the extreme number bounds the planner lets through', async () => {
    const tiny = `0.${'0'.repeat(129)}1`;
    expectExactly(await listAll(api, `rank=gte.-${tiny}&rank=lte.${tiny}`, { sub: 'alice' }), alice.filter((i) => i.rank === 0), 'rank');
    expectExactly(await listAll(api, `rank=lt.${'9'.repeat(38)}`, { sub: 'alice' }), alice.filter((i) => i.rank !== undefined), 'rank');
    // And the longest string bounds (1,024 bytes, DynamoDB's sort key limit), on an index and on the table.
    const long = '\u00e9'.repeat(512);
    expectExactly(await listAll(api, `due=gte.${encodeURIComponent(long)}`, { sub: 'alice' }), alice.filter((i) => holds(i.due, 'gte', long)), 'due');
    expect(await listAll(api, `status=open&due=begins.${encodeURIComponent(long)}`, { sub: 'alice' })).toEqual([]);
    expect(await listAll(api, `id=gte.t-0000&id=lte.${'z'.repeat(1024)}`, { sub: 'alice' })).toHaveLength(alice.length);
  });

  test('a range reads only the caller’s partition', async () => {
    const got = await listAll(api, 'due=gte.0', { sub: 'bob' });
    expectExactly(got, bob.filter((i) => i.due !== undefined), 'due');
    expect(got.every((i) => i.owner === 'bob')).toBe(true);
    expect(await listAll(api, 'rank=gte.-1000000', { sub: 'carol' })).toEqual([]);
  });

  test('items come back whole, as a plain listing shows them', async () => {
    const [one] = (await api.call('GET', '/items', { query: 'id=eq.t-0000', sub: 'alice' })).body.items;
    const direct = await api.call('GET', '/items/t-0000', { sub: 'alice' });
    expect(one).toEqual(direct.body);
  });

  test('a cursor is bound to its condition, its order and its index', async () => {
    const first = await api.call('GET', '/items', { query: 'due=gte.2025&limit=2', sub: 'alice' });
    const cursor = encodeURIComponent(first.body.nextCursor);
    expect(first.body.nextCursor).toEqual(expect.any(String));
    expect((await api.call('GET', '/items', { query: `due=gte.2025&limit=2&cursor=${cursor}`, sub: 'alice' })).status).toBe(200);
    for (const other of ['due=gte.2024', 'due=gt.2025', 'due=gte.2025&due=lte.2026', 'due=gte.2025&order=desc', 'status=open&due=gte.2025', '']) {
      const r = await api.call('GET', '/items', { query: `${other}&limit=2&cursor=${cursor}`, sub: 'alice' });
      expect({ other, status: r.status, type: r.body.type }).toEqual({ other, status: 400, type: problemType('invalid-cursor') });
    }
    const bobs = await api.call('GET', '/items', { query: `due=gte.2025&limit=2&cursor=${cursor}`, sub: 'bob' });
    expect(bobs.body.type).toBe(problemType('invalid-cursor'));
  });

  describe('bad input: 400 problem+json naming what is allowed, nothing changed', () => {
    test.each([
      ['unknown operator', 'due=after.2025', /'due' is a sort key: its value is <op>.<value> with op one of eq, gt, gte, lt, lte, begins/],
      ['no operator', 'rank=5', /'rank' is a sort key/],
      ['range on a non-key attribute', 'title=gte.a', /Unknown query parameter "title"; this resource takes limit, cursor, order=asc\|desc, fields=a,b, status=<value>, id=<op>.<string>.*due=<op>.<string> with op eq\|gt\|gte\|lt\|lte\|begins, rank=<op>.<number> with op eq\|gt\|gte\|lt\|lte/],
      ['string for a numeric sort key', 'rank=gte.abc', /'rank' is a number sort key: "abc" is not a number/],
      ['non-canonical number', 'rank=gte.1e3', /'rank' is a number sort key: "1e3"/],
      ['a number DynamoDB cannot hold', `rank=gte.0.${'0'.repeat(140)}1`, /magnitude from 1e-130/],
      ['empty range', 'due=gte.b&due=lte.a', /Empty range/],
      ['empty numeric range', 'rank=gte.10&rank=lte.9.99', /Empty range/],
      ['empty value', 'due=gte.', /empty value/],
      ['empty partition value', 'status=&due=gte.a', /'status' must be a non-empty value/],
      ['two lower bounds', 'due=gte.a&due=gte.b', /two bounds on 'due' uses gte and lte/],
      ['gt with lt', 'rank=gt.1&rank=lt.5', /uses gte and lte/],
      ['begins on a number', 'rank=begins.1', /'begins' applies only to string sort keys; 'rank' is a number/],
      ['two sort keys', 'due=gte.a&rank=gte.1', /one sort key at a time/],
      ['bad order', 'order=sideways', /'order' must be 'asc' or 'desc'/],
      ['repeated order', 'order=asc&order=desc', /'order' is repeated/],
    ])('%s', async (_name, query, message) => {
      const before = await api.snapshot();
      expectProblem(await api.call('GET', '/items', { query, sub: 'alice' }), message);
      expect(await api.snapshot()).toBe(before);
    });
  });
});

describe('shared resource: ranges need their index partition; order needs a key order', () => {
  let api: TestApi;
  const items = Array.from({ length: 60 }, (_, i) => handlerLikeItem(`s-${pad(i)}`, {
    status: ['open', 'done', 'blocked'][i % 3],
    due: `2025-${String((i % 12) + 1).padStart(2, '0')}-${String((i % 28) + 1).padStart(2, '0')}`,
    size: (i * 7) % 23 - 11,
  }));
  beforeAll(async () => {
    api = await createTestApi({
      config: {
        indexes: [
          { indexName: 'byStatusDue', partitionKey: 'status', sortKey: 'due' },
          { indexName: 'byStatusSize', partitionKey: 'status', sortKey: 'size', sortKeyType: 'N' },
        ],
      },
    });
    await api.seed(items);
  });
  afterAll(() => api.destroy());

  test('a partition and a range on either of its indexes', async () => {
    expectExactly(await listAll(api, 'status=open&due=gte.2025-03&due=lte.2025-08&limit=3'),
      items.filter((i) => i.status === 'open' && i.due >= '2025-03' && i.due <= '2025-08'), 'due');
    expectExactly(await listAll(api, 'status=done&size=lt.0&order=desc&limit=2'),
      items.filter((i) => i.status === 'done' && i.size < 0), 'size', 'desc');
    expectExactly(await listAll(api, 'status=blocked&due=begins.2025-1'), items.filter((i) => i.status === 'blocked' && i.due.startsWith('2025-1')), 'due');
  });

  test.each([
    ['a range without its partition', 'due=gte.2025', /A range on 'due' needs its index partition: add 'status=<value>' to the query/],
    ['a range on the id of an unscoped resource', 'id=gte.s-0010', /Unknown query parameter "id"/],
    ['order on a scan', 'order=desc', /'order' applies only to a listing in key order/],
    ['unknown parameter', 'colour=red', /Unknown query parameter "colour"; this resource takes limit, cursor, order=asc\|desc, fields=a,b, status=<value>, due=<op>.<string> with op eq\|gt\|gte\|lt\|lte\|begins \(with status\), size=<op>.<number> with op eq\|gt\|gte\|lt\|lte \(with status\)/],
  ])('%s', async (_name, query, message) => {
    const before = await api.snapshot();
    expectProblem(await api.call('GET', '/items', { query }), message);
    expect(await api.snapshot()).toBe(before);
  });
});

describe('numeric ids: ranges on a number table sort key', () => {
  let api: TestApi;
  const ids = [-40, -3, 0, 1, 2, 9, 10, 11, 100, 1001, 123456789];
  beforeAll(async () => {
    api = await createTestApi({ config: { ownerScoping: { attribute: 'owner' }, idType: 'N', idGenerator: 'none' } });
    await api.seed(ids.map((id) => ({ ...handlerLikeItem('x', { owner: 'alice' }), id })));
  });
  afterAll(() => api.destroy());

  test('numbers compare by value, not as text', async () => {
    const list = async (q: string) => (await listAll(api, q, { sub: 'alice' })).map((i) => i.id);
    expect(await list('id=gte.2&limit=3')).toEqual([2, 9, 10, 11, 100, 1001, 123456789]);
    expect(await list('id=lt.10&order=desc')).toEqual([9, 2, 1, 0, -3, -40]);
    expect(await list('id=gte.-3&id=lte.10.5')).toEqual([-3, 0, 1, 2, 9, 10]);
    expect(await list('id=eq.1001')).toEqual([1001]);
  });

  test('a number bound must be canonical; begins does not apply', async () => {
    expectProblem(await api.call('GET', '/items', { query: 'id=gte.010', sub: 'alice' }), /'id' is a number sort key: "010"/);
    expectProblem(await api.call('GET', '/items', { query: 'id=begins.1', sub: 'alice' }), /'begins' applies only to string sort keys; 'id' is a number/);
    expectProblem(await api.call('GET', '/items', { query: 'id=gte.abc', sub: 'alice' }), /'id' is a number sort key: "abc"/);
    expectProblem(await api.call('GET', '/items', { query: 'id=gt.1.5&id=lte.2', sub: 'alice' }), /uses gte and lte/);
  });
});

describe('pagination over 1,000+ items of one partition and of a range', () => {
  let api: TestApi;
  const COUNT = 1100;
  const mine: any[] = [];
  beforeAll(async () => {
    api = await createTestApi({
      config: {
        ownerScoping: { attribute: 'owner' },
        maxPageSize: 1000,
        indexes: [{ indexName: 'byDue', sortKey: 'due' }, { indexName: 'byRank', sortKey: 'rank', sortKeyType: 'N' }],
      },
    });
    const items = Array.from({ length: COUNT + 200 }, (_, i) => {
      const owner = i < COUNT ? 'alice' : 'bob';
      // Few distinct due dates: many ties in the index, which pagination still walks exactly once.
      const item = handlerLikeItem(`p-${pad((i * 7919) % (COUNT + 200))}`, { owner, due: `2025-${String((i % 12) + 1).padStart(2, '0')}`, rank: (i * 31) % 1000 - 500 });
      if (owner === 'alice') mine.push(item);
      return item;
    });
    await api.seed(items);
  });
  afterAll(() => api.destroy());

  test.each([['asc', 37], ['desc', 100]] as const)('the whole partition, %s, limit %i', async (order, limit) => {
    expectExactly(await listAll(api, `order=${order}&limit=${limit}`, { sub: 'alice' }), mine, 'id', order);
  });

  test.each([['asc', 41], ['desc', 1000]] as const)('a range of the id, %s, limit %i', async (order, limit) => {
    expectExactly(await listAll(api, `id=gte.p-0100&id=lte.p-1000&order=${order}&limit=${limit}`, { sub: 'alice' }),
      mine.filter((i) => i.id >= 'p-0100' && i.id <= 'p-1000'), 'id', order);
  });

  test.each([['asc', 23], ['desc', 90]] as const)('a range of an index sort key with ties, %s, limit %i', async (order, limit) => {
    const got = await listAll(api, `due=gt.2025-02&order=${order}&limit=${limit}`, { sub: 'alice' });
    const want = mine.filter((i) => i.due > '2025-02');
    expect(want.length).toBeGreaterThan(800);
    expectExactly(got, want, 'due', order);
  });

  test('a range of a number index sort key', async () => {
    expectExactly(await listAll(api, 'rank=gte.-250&rank=lte.250&limit=77', { sub: 'alice' }), mine.filter((i) => i.rank >= -250 && i.rank <= 250), 'rank');
  });
});

describe('sparse fieldsets on listings', () => {
  let api: TestApi;
  const items = Array.from({ length: 30 }, (_, i) => handlerLikeItem(`f-${pad(i)}`, {
    'owner': 'alice', 'title': `t${i}`, 'due': `2025-01-${String(i + 1).padStart(2, '0')}`, 'body': 'x'.repeat(200), 'a.b': i, 'nested': { n: i },
  }));
  beforeAll(async () => {
    api = await createTestApi({ config: { ownerScoping: { attribute: 'owner' }, indexes: [{ indexName: 'byDue', sortKey: 'due' }] } });
    await api.seed(items);
  });
  afterAll(() => api.destroy());

  test('only the named attributes and the id; pages still resume (the keys are read, not shown)', async () => {
    const got = await listAll(api, 'fields=title&limit=4', { sub: 'alice' });
    expect(got).toEqual(items.map((i) => ({ id: i.id, title: i.title })));
    const byDue = await listAll(api, 'due=gte.2025-01-10&order=desc&fields=title,version&limit=3', { sub: 'alice' });
    expect(byDue).toEqual(items.filter((i) => i.due >= '2025-01-10').reverse().map((i) => ({ id: i.id, title: i.title, version: 1 })));
  });

  test('names are top-level names, taken literally; the owner and managed attributes when asked; absent ones are left out', async () => {
    const [first] = (await api.call('GET', '/items', { query: 'fields=a.b,owner,createdAt,nested,missing&limit=1', sub: 'alice' })).body.items;
    expect(first).toEqual({ 'id': 'f-0000', 'a.b': 0, 'nested': { n: 0 }, 'createdAt': items[0].createdAt, 'owner': 'alice' });
  });

  test.each([
    ['an empty list', 'fields=', /comma-separated list of top-level attribute names/],
    ['an empty name', 'fields=title,,due', /without empty names/],
    ['a hidden attribute', 'fields=title,_generation', /attributes the server keeps to itself: "_generation"/],
    ['a hidden key attribute', 'fields=_ownerKey%23x', /keeps to itself: "_ownerKey#x"/],
    ['too many names', `fields=${Array.from({ length: 101 }, (_, i) => `a${i}`).join(',')}`, /at most 100 attributes \(got 101\)/],
    ['a repeated fields', 'fields=a&fields=b', /'fields' is repeated/],
  ])('%s: 400', async (_name, query, message) => {
    expectProblem(await api.call('GET', '/items', { query, sub: 'alice' }), message);
  });
});

describe('sparse fieldsets with a closed schema', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await createTestApi({ config: { schema: { type: 'object', properties: { title: { type: 'string' }, due: { type: 'string' } }, additionalProperties: false } } });
    await api.call('POST', '/items', { json: { id: 'one', title: 'T', due: 'D' } });
  });
  afterAll(() => api.destroy());

  test('unknown names are refused, naming the known ones', async () => {
    expectProblem(await api.call('GET', '/items', { query: 'fields=title,colour' }), /items of 'items' do not have: "colour"; they have "id", "title", "due", "version", "createdAt", "updatedAt"/);
    expect((await api.call('GET', '/items', { query: 'fields=due' })).body.items).toEqual([{ id: 'one', due: 'D' }]);
  });
});

describe('nested: a parent’s children by id range, by index ranges with and without partition key, paginated', () => {
  let api: TestApi;
  const COUNT = 1050;
  const p1: any[] = [];
  const p2: any[] = [];
  beforeAll(async () => {
    api = await createTestApi({
      resources: [
        { name: 'projects', pathParameter: 'projectId' },
        {
          name: 'tasks',
          parent: 'projects',
          pathParameter: 'taskId',
          indexes: [
            { indexName: 'byDue', sortKey: 'due' },
            { indexName: 'byStatusPriority', partitionKey: 'status', sortKey: 'priority', sortKeyType: 'N' },
          ],
        },
        { name: 'comments', parent: 'tasks', idType: 'N', idGenerator: 'none' },
      ],
    });
    for (const p of ['p1', 'p2']) expect((await api.call('PUT', `/projects/${p}`, { json: {} })).status).toBe(201);
    const puts: [string, any][] = [];
    for (let i = 0; i < COUNT; i++) {
      const body = { due: `2025-${String((i % 12) + 1).padStart(2, '0')}-${String((i % 28) + 1).padStart(2, '0')}`, status: i % 4 === 0 ? 'open' : 'done', priority: (i * 17) % 41 - 20 };
      puts.push([`/projects/p1/tasks/t-${pad((i * 389) % COUNT)}`, body]);
      if (i % 10 === 0) puts.push([`/projects/p2/tasks/t-${pad(i)}`, body]);
    }
    for (let i = 0; i < puts.length; i += 16) {
      const results = await Promise.all(puts.slice(i, i + 16).map(([path, json]) => api.call('PUT', path, { json })));
      for (const r of results) {
        expect(r.status).toBe(201);
        (r.body.projectId === 'p1' ? p1 : p2).push(r.body);
      }
    }
    for (const id of [3, -1, 20, 100, 7]) expect((await api.call('PUT', `/projects/p1/tasks/t-0001/comments/${id}`, { json: { n: id } })).status).toBe(201);
  }, 120_000);
  afterAll(() => api.destroy());

  test('the children of one parent, in id order both ways, every one exactly once', async () => {
    expectExactly(await listAll(api, 'limit=97', {}, '/projects/p1/tasks'), p1, 'id');
    expectExactly(await listAll(api, 'order=desc&limit=100', {}, '/projects/p1/tasks'), p1, 'id', 'desc');
    expectExactly(await listAll(api, 'limit=100', {}, '/projects/p2/tasks'), p2, 'id');
    expect(await listAll(api, '', {}, '/projects/p3/tasks')).toEqual([]);
  });

  test('a range of the children’s ids', async () => {
    expectExactly(await listAll(api, 'id=gte.t-0100&id=lte.t-0500&limit=50', {}, '/projects/p1/tasks'),
      p1.filter((i) => i.id >= 't-0100' && i.id <= 't-0500'), 'id');
    expectExactly(await listAll(api, 'id=begins.t-09&order=desc', {}, '/projects/p1/tasks'), p1.filter((i) => i.id.startsWith('t-09')), 'id', 'desc');
    expectExactly(await listAll(api, 'id=gt.t-1000', {}, '/projects/p2/tasks'), p2.filter((i) => i.id > 't-1000'), 'id');
  });

  test('a range of an index without partition key reads only this parent’s children', async () => {
    const want = p1.filter((i) => i.due >= '2025-03' && i.due <= '2025-06-30');
    expect(want.length).toBeGreaterThan(300);
    expectExactly(await listAll(api, 'due=gte.2025-03&due=lte.2025-06-30&limit=61', {}, '/projects/p1/tasks'), want, 'due');
    expectExactly(await listAll(api, 'due=lt.2025-02&order=desc', {}, '/projects/p2/tasks'), p2.filter((i) => i.due < '2025-02'), 'due', 'desc');
  });

  test('a partition and a number range of an index with partition key, within the parent', async () => {
    expectExactly(await listAll(api, 'status=open&priority=gte.-5&priority=lte.5&limit=13', {}, '/projects/p1/tasks'),
      p1.filter((i) => i.status === 'open' && i.priority >= -5 && i.priority <= 5), 'priority');
    expectExactly(await listAll(api, 'status=done&priority=gt.10&order=desc', {}, '/projects/p2/tasks'),
      p2.filter((i) => i.status === 'done' && i.priority > 10), 'priority', 'desc');
  });

  test('numeric ids two levels down, by value', async () => {
    const ids = async (q: string) => (await listAll(api, q, {}, '/projects/p1/tasks/t-0001/comments')).map((c) => c.id);
    expect(await ids('')).toEqual([-1, 3, 7, 20, 100]);
    expect(await ids('id=gte.7&order=desc')).toEqual([100, 20, 7]);
    const [c] = (await api.call('GET', '/projects/p1/tasks/t-0001/comments', { query: 'fields=id&limit=1' })).body.items;
    // The ancestors' ids always come back with fields.
    expect(c).toEqual({ id: -1, projectId: 'p1', taskId: 't-0001' });
  });

  test('a cursor of one parent is refused under another', async () => {
    const first = await api.call('GET', '/projects/p1/tasks', { query: 'due=gte.2025&limit=2' });
    const r = await api.call('GET', '/projects/p2/tasks', { query: `due=gte.2025&limit=2&cursor=${encodeURIComponent(first.body.nextCursor)}` });
    expect({ status: r.status, type: r.body.type }).toEqual({ status: 400, type: problemType('invalid-cursor') });
  });

  test('a number sort key of an index takes numbers only (422 otherwise, nothing written)', async () => {
    const before = await api.snapshot();
    const r = await api.call('PUT', '/projects/p1/tasks/t-bad', { json: { priority: 'high' } });
    expect(r.status).toBe(422);
    expect(r.body.errors).toEqual([{ path: '/priority', message: "must be a number: it is the sort key of the index 'byStatusPriority'" }]);
    expect(await api.snapshot()).toBe(before);
  });

  test('bad input under a parent: 400, nothing changed', async () => {
    const before = await api.snapshot();
    expectProblem(await api.call('GET', '/projects/p1/tasks', { query: 'priority=gte.1' }), /A range on 'priority' needs its index partition: add 'status=<value>'/);
    expectProblem(await api.call('GET', '/projects/p1/tasks', { query: 'status=open&priority=gte.high' }), /'priority' is a number sort key: "high"/);
    expectProblem(await api.call('GET', '/projects/p1/tasks', { query: 'title=eq.x' }), /Unknown query parameter "title"; this resource takes .*id=<op>.<string>.*due=<op>.<string>/);
    expectProblem(await api.call('GET', '/projects/p1/tasks/t-0001/comments', { query: 'id=gte.3&id=lte.-3' }), /Empty range/);
    expect(await api.snapshot()).toBe(before);
  });
});

describe('sparse fieldsets on a read: a weak ETag', () => {
  let api: TestApi;
  let strong: string;
  beforeAll(async () => {
    api = await createTestApi({
      resources: [{ name: 'projects', pathParameter: 'projectId' }, { name: 'tasks', parent: 'projects' }],
    });
    await api.call('PUT', '/projects/p', { json: { title: 'P', body: 'long', meta: { a: 1 } } });
    strong = (await api.call('GET', '/projects/p')).headers.etag;
    await api.call('PUT', '/projects/p/tasks/t', { json: { title: 'T', body: 'long' } });
  });
  afterAll(() => api.destroy());

  test('only the named attributes and the id, with the weak form of the item’s tag', async () => {
    const r = await api.call('GET', '/projects/p', { query: 'fields=title,meta' });
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ id: 'p', title: 'P', meta: { a: 1 } });
    expect(strong).toMatch(/^"1\.[A-Za-z0-9_-]{11}"$/);
    expect(r.headers.etag).toBe(`W/${strong}`);
    const all = await api.call('GET', '/projects/p', { query: 'fields=version,updatedAt' });
    expect(Object.keys(all.body)).toEqual(['id', 'version', 'updatedAt']);
  });

  test('a child keeps its ancestors’ ids', async () => {
    const r = await api.call('GET', '/projects/p/tasks/t', { query: 'fields=title' });
    expect(r.body).toEqual({ id: 't', projectId: 'p', title: 'T' });
    expect(r.headers.etag).toMatch(/^W\/"1\./);
  });

  test('If-None-Match compares weakly: 304 with either form, on the partial and on the whole item', async () => {
    for (const [query, tag] of [['fields=title', strong], ['fields=title', `W/${strong}`], ['', `W/${strong}`]]) {
      const r = await api.call('GET', '/projects/p', { query, headers: { 'if-none-match': tag } });
      expect(r.status).toBe(304);
      expect(r.headers.etag).toBe(query ? `W/${strong}` : strong);
    }
  });

  test('If-Match compares strongly: a weak tag never matches (412), so a partial read cannot guard a write', async () => {
    expect((await api.call('GET', '/projects/p', { query: 'fields=title', headers: { 'if-match': `W/${strong}` } })).status).toBe(412);
    expect((await api.call('GET', '/projects/p', { query: 'fields=title', headers: { 'if-match': strong } })).status).toBe(200);
    const before = await api.snapshot();
    const put = await api.call('PUT', '/projects/p', { json: { title: 'X' }, headers: { 'if-match': `W/${strong}` } });
    expect(put.status).toBe(412);
    expect(await api.snapshot()).toBe(before);
  });

  test('bad fields: 400 naming them', async () => {
    expectProblem(await api.call('GET', '/projects/p', { query: 'fields=title,_deleting' }), /keeps to itself: "_deleting"/);
    expectProblem(await api.call('GET', '/projects/p/tasks/t', { query: 'fields=_parent' }), /keeps to itself: "_parent"/);
    expectProblem(await api.call('GET', '/projects/p', { query: 'fields=a&fields=b' }), /'fields' is repeated/);
    expectProblem(await api.call('GET', '/projects/p', { query: 'fields=' }), /comma-separated list/);
  });
});

describe('a partition too long to exist is not queried', () => {
  let api: TestApi;
  const sent: string[] = [];
  beforeAll(async () => {
    const real = new DynamoDBClient({});
    const counting = Object.assign(Object.create(real), {
      send: (command: any) => {
        sent.push(command.constructor.name);
        return real.send(command);
      },
    });
    api = await createTestApi({ config: { ownerScoping: { attribute: 'owner' }, indexes: [{ indexName: 'byStatus', partitionKey: 'status' }] }, dynamodb: counting });
  });
  afterAll(() => api.destroy());

  test('with the owner, a 2,048-byte value exceeds DynamoDB’s partition key limit: an empty page, no request', async () => {
    const r = await api.call('GET', '/items', { query: `status=${'s'.repeat(2048)}`, sub: 'alice' });
    expect({ status: r.status, body: r.body }).toEqual({ status: 200, body: { items: [], nextCursor: null } });
    expect(sent).toEqual([]);
    expect((await api.call('GET', '/items', { query: `status=${'s'.repeat(2000)}`, sub: 'alice' })).status).toBe(200);
    expect(sent).toEqual(['QueryCommand']);
  });
});
