/**
 * Pagination to the end over 1,000+ items in every listing mode: every item exactly once, in order where the mode
 * has one. Items are seeded with BatchWriteItem in the shape the handler writes them.
 */
import { createTestApi, handlerLikeItem, TestApi } from './support/api';
import { RequestOptions } from './support/events';

const COUNT = 1100;

/** Follows nextCursor to the end; returns every item in page order. */
async function listAll(api: TestApi, query: Record<string, string | number>, opts: RequestOptions = {}): Promise<any[]> {
  const all: any[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const r = await api.call('GET', '/items', { ...opts, query: { ...query, ...(cursor ? { cursor } : {}) } });
    expect(r.status).toBe(200);
    expect(r.body.items.length).toBeLessThanOrEqual(Number(query.limit));
    all.push(...r.body.items);
    cursor = r.body.nextCursor;
    expect(++pages).toBeLessThan(1000);
  } while (cursor !== null);
  return all;
}

function expectEachOnce(items: any[], ids: string[]) {
  const seen = items.map((i) => i.id);
  expect(seen.length).toBe(ids.length);
  expect(new Set(seen).size).toBe(seen.length);
  expect([...seen].sort()).toEqual([...ids].sort());
}

const pad = (n: number) => String(n).padStart(5, '0');

describe('pagination: scan', () => {
  let api: TestApi;
  const ids = Array.from({ length: COUNT }, (_, i) => `scan-${pad(i)}`);
  beforeAll(async () => {
    api = await createTestApi();
    await api.seed(ids.map((id, i) => handlerLikeItem(id, { n: i })));
  });
  afterAll(() => api.destroy());

  test.each([37, 100])('limit %i: every item exactly once', async (limit) => {
    const items = await listAll(api, { limit });
    expectEachOnce(items, ids);
    expect(items.find((i) => i.id === 'scan-00042')).toEqual(expect.objectContaining({ n: 42, version: 1 }));
  });
});

describe('pagination: GSI query', () => {
  let api: TestApi;
  const open: string[] = [];
  beforeAll(async () => {
    api = await createTestApi({ config: { indexes: [{ indexName: 'byStatus', partitionKey: 'status', sortKey: 'due' }] } });
    const items = Array.from({ length: COUNT }, (_, i) => {
      const id = `gsi-${pad(i)}`;
      const status = i % 20 === 0 ? 'done' : 'open';
      if (status === 'open') open.push(id);
      // Few distinct sort values: many ties, which pagination must still walk exactly once.
      return handlerLikeItem(id, { status, due: `2024-${String(i % 12 + 1).padStart(2, '0')}` });
    });
    await api.seed(items);
  });
  afterAll(() => api.destroy());

  test.each(['asc', 'desc'])('order %s: every matching item exactly once, sorted by the sort key', async (order) => {
    const items = await listAll(api, { status: 'open', order, limit: 41 });
    expectEachOnce(items, open);
    const dues = items.map((i) => i.due);
    const sorted = [...dues].sort();
    expect(dues).toEqual(order === 'asc' ? sorted : sorted.reverse());
    expect(items.every((i) => i.status === 'open')).toBe(true);
  });
});

describe('pagination: owner partition', () => {
  let api: TestApi;
  const alice: string[] = [];
  const bob: string[] = [];
  beforeAll(async () => {
    api = await createTestApi({
      config: {
        ownerScoping: { attribute: 'owner' },
        indexes: [{ indexName: 'byStatus', partitionKey: 'status' }],
      },
    });
    const items = Array.from({ length: COUNT + 300 }, (_, i) => {
      const owner = i < COUNT ? 'alice' : 'bob';
      const id = `own-${pad((i * 7919) % (COUNT + 300))}`;
      (owner === 'alice' ? alice : bob).push(id);
      return handlerLikeItem(id, { owner, status: i % 3 === 0 ? 'open' : 'done' });
    });
    await api.seed(items);
  });
  afterAll(() => api.destroy());

  test('each owner lists exactly their items, in id order', async () => {
    const a = await listAll(api, { limit: 50 }, { sub: 'alice' });
    expectEachOnce(a, alice);
    expect(a.map((i) => i.id)).toEqual([...alice].sort());
    expect(a.every((i) => i.owner === 'alice')).toBe(true);
    const b = await listAll(api, { limit: 33 }, { sub: 'bob' });
    expectEachOnce(b, bob);
  });

  test('a GSI query on an owner-scoped table returns only the caller’s matching items, each once', async () => {
    const openIds = (await api.scanItems()).filter((i) => i.owner === 'alice' && i.status === 'open').map((i) => i.id);
    expect(openIds.length).toBeGreaterThan(300);
    const items = await listAll(api, { status: 'open', limit: 25 }, { sub: 'alice' });
    expectEachOnce(items, openIds);
    expect(items.every((i) => i.owner === 'alice')).toBe(true);
  });

  test('a caller with no items gets an empty list', async () => {
    expect(await listAll(api, { limit: 10 }, { sub: 'carol' })).toEqual([]);
  });
});
