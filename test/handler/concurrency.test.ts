/**
 * Concurrency against DynamoDB Local: optimistic locking, lost-update freedom without If-Match, exactly-once creates
 * with Idempotency-Key. All requests of a burst run in parallel against one handler instance (as concurrent Lambda
 * invocations would, minus the process boundary, which DynamoDB's conditions do not care about).
 */
import { createTestApi, problemType, TestApi } from './support/api';

const N = 50;

describe.each([
  ['attribute-wise patches (no schema)', undefined],
  ['snapshot patches with retries (schema configured)', { type: 'object' }],
])('concurrency: %s', (_name, schema) => {
  let api: TestApi;
  beforeAll(async () => {
    api = await createTestApi({ config: schema ? { schema } : {} });
  });
  afterAll(() => api.destroy());

  test(`${N} parallel PATCHes with the same If-Match: exactly one 200, the rest 412`, async () => {
    await api.call('PUT', '/items/locked', { json: { counter: 0 } });
    const results = await Promise.all(Array.from({ length: N }, (_, i) =>
      api.call('PATCH', '/items/locked', { json: { counter: i + 1 }, headers: { 'if-match': '"1"' } })));
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    expect(statuses.filter((s) => s === 412)).toHaveLength(N - 1);
    expect(results.filter((r) => r.status === 412).every((r) => r.body.type === problemType('precondition-failed'))).toBe(true);
    const winner = results.find((r) => r.status === 200)!;
    const final = await api.call('GET', '/items/locked');
    expect(final.body).toEqual(winner.body);
    expect(final.body.version).toBe(2);
  });

  test(`${N} parallel PATCHes without If-Match, each its own attribute: all applied, version +${N}`, async () => {
    await api.call('PUT', '/items/shared', { json: { base: true } });
    const results = await Promise.all(Array.from({ length: N }, (_, i) =>
      api.call('PATCH', '/items/shared', { json: { [`attr${i}`]: i } })));
    expect(results.map((r) => r.status)).toEqual(Array(N).fill(200));
    const final = (await api.call('GET', '/items/shared')).body;
    for (let i = 0; i < N; i++) expect(final[`attr${i}`]).toBe(i);
    expect(final.base).toBe(true);
    expect(final.version).toBe(1 + N);
    // Every response is a state the item really passed through: versions are distinct.
    expect(new Set(results.map((r) => r.body.version)).size).toBe(N);
  });

  test(`${N} parallel nested merges into one map attribute: no member lost`, async () => {
    await api.call('PUT', '/items/nested', { json: { map: { start: 0 } } });
    const results = await Promise.all(Array.from({ length: N }, (_, i) =>
      api.call('PATCH', '/items/nested', { json: { map: { [`k${i}`]: i } } })));
    expect(results.map((r) => r.status)).toEqual(Array(N).fill(200));
    const final = (await api.call('GET', '/items/nested')).body;
    expect(Object.keys(final.map)).toHaveLength(N + 1);
    expect(final.version).toBe(1 + N);
  });

  test('parallel PUTs without If-Match: all succeed, versions are consecutive', async () => {
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => api.call('PUT', '/items/replaced', { json: { writer: i } })));
    expect(results.filter((r) => r.status === 201)).toHaveLength(1);
    expect(results.filter((r) => r.status === 200)).toHaveLength(19);
    expect(results.map((r) => r.body.version).sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    const final = (await api.call('GET', '/items/replaced')).body;
    expect(final.version).toBe(20);
    expect(results.find((r) => r.body.version === 20)!.body).toEqual(final);
  });

  test('parallel DELETEs: exactly one 204', async () => {
    await api.call('PUT', '/items/doomed', { json: { a: 1 } });
    const results = await Promise.all(Array.from({ length: 10 }, () => api.call('DELETE', '/items/doomed')));
    expect(results.filter((r) => r.status === 204)).toHaveLength(1);
    expect(results.filter((r) => r.status === 404)).toHaveLength(9);
  });
});

describe('concurrent idempotent creates', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await createTestApi();
  });
  afterAll(() => api.destroy());

  test('20 parallel POSTs with one Idempotency-Key create exactly one item; all answer with it', async () => {
    const results = await Promise.all(Array.from({ length: 20 }, () =>
      api.call('POST', '/items', { json: { title: 'exactly once' }, headers: { 'idempotency-key': 'burst-1' } })));
    expect(results.map((r) => r.status)).toEqual(Array(20).fill(201));
    const ids = new Set(results.map((r) => r.body.id));
    expect(ids.size).toBe(1);
    expect(new Set(results.map((r) => r.rawBody)).size).toBe(1);
    const items = await api.scanItems();
    expect(items).toHaveLength(1);
    expect(items[0].id).toBe([...ids][0]);
    expect(results.filter((r) => r.headers['idempotent-replayed'] === 'true')).toHaveLength(19);
  });

  test('20 parallel POSTs with one key but different bodies: one 201, the rest 422', async () => {
    const before = (await api.scanItems()).length;
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) =>
      api.call('POST', '/items', { json: { n: i }, headers: { 'idempotency-key': 'burst-2' } })));
    expect(results.filter((r) => r.status === 201)).toHaveLength(1);
    expect(results.filter((r) => r.status === 422 && r.body.type === problemType('idempotency-key-reused'))).toHaveLength(19);
    expect((await api.scanItems()).length).toBe(before + 1);
  });

  test('parallel POSTs with distinct keys each create one item', async () => {
    const before = (await api.scanItems()).length;
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) =>
      api.call('POST', '/items', { json: { n: i }, headers: { 'idempotency-key': `distinct-${i}` } })));
    expect(results.map((r) => r.status)).toEqual(Array(20).fill(201));
    expect((await api.scanItems()).length).toBe(before + 20);
  });
});
