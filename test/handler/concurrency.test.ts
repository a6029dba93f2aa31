/**
 * Concurrency against DynamoDB Local: optimistic locking, lost-update freedom without If-Match, exactly-once creates
 * with Idempotency-Key. All requests of a burst run in parallel against one handler instance (as concurrent Lambda
 * invocations would, minus the process boundary, which DynamoDB's conditions do not care about).
 */
import { createTestApi, problemType, TestApi } from './support/api';

/** RFC 7396, independent of the handler's implementation. */
function mergePatch(target: unknown, patch: unknown): unknown {
  const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  if (!isObj(patch)) return patch;
  const out: Record<string, unknown> = isObj(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

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
    const etag = (await api.call('PUT', '/items/locked', { json: { counter: 0 } })).headers.etag;
    const results = await Promise.all(Array.from({ length: N }, (_, i) =>
      api.call('PATCH', '/items/locked', { json: { counter: i + 1 }, headers: { 'if-match': etag } })));
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    expect(statuses.filter((s) => s === 412)).toHaveLength(N - 1);
    expect(results.filter((r) => r.status === 412).every((r) => r.body.type === problemType('precondition-failed'))).toBe(true);
    const winner = results.find((r) => r.status === 200)!;
    const final = await api.call('GET', '/items/locked');
    expect(final.body).toEqual(winner.body);
    expect(final.body.version).toBe(2);
  });

  /**
   * Without If-Match no update may be lost: every 200 is in the final item, every refusal (409 write-conflict, only
   * possible under extreme contention with the version-conditioned writes of a schema) changed nothing, the version
   * advanced once per 200, and replaying the successful patches in version order reproduces the final item.
   */
  async function expectNoLostUpdate(id: string, initial: Record<string, unknown>, patches: Record<string, unknown>[]) {
    const start = (await api.call('PUT', `/items/${id}`, { json: initial })).body;
    const results = await Promise.all(patches.map((json) => api.call('PATCH', `/items/${id}`, { json })));
    const ok = results.map((r, i) => ({ r, patch: patches[i] })).filter(({ r }) => r.status === 200);
    for (const r of results.filter((x) => x.status !== 200)) {
      expect({ status: r.status, type: r.body.type }).toEqual({ status: 409, type: problemType('write-conflict') });
      expect(r.headers['retry-after']).toBe('1');
    }
    if (!schema) expect(ok).toHaveLength(patches.length); // path-wise patches of distinct paths never conflict
    expect(ok.length).toBeGreaterThan(0);
    const final = (await api.call('GET', `/items/${id}`)).body;
    expect(final.version).toBe(start.version + ok.length);
    expect(new Set(ok.map(({ r }) => r.body.version)).size).toBe(ok.length);
    let replayed: unknown = initial;
    for (const { patch } of ok.sort((a, b) => a.r.body.version - b.r.body.version)) replayed = mergePatch(replayed, patch);
    const { id: _id, version: _v, createdAt: _c, updatedAt: _u, ...content } = final;
    expect(content).toEqual(replayed);
    return { ok: ok.length, final };
  }

  test(`${N} parallel PATCHes without If-Match, each its own attribute: no update lost`, async () => {
    const { ok, final } = await expectNoLostUpdate('shared', { base: true }, Array.from({ length: N }, (_, i) => ({ [`attr${i}`]: i })));
    if (!schema) for (let i = 0; i < N; i++) expect(final[`attr${i}`]).toBe(i);
    expect(Object.keys(final).filter((k) => k.startsWith('attr'))).toHaveLength(ok);
  });

  test(`${N} parallel merges into members of one map attribute: no member lost`, async () => {
    const { ok, final } = await expectNoLostUpdate('nested', { map: { start: 0 } }, Array.from({ length: N }, (_, i) => ({ map: { [`k${i}`]: i } })));
    expect(Object.keys(final.map)).toHaveLength(ok + 1);
  });

  test('parallel patches that replace, remove and merge one map stay linearizable', async () => {
    const patches: Record<string, unknown>[] = Array.from({ length: 30 }, (_, i) => (
      i % 10 === 3 ? { map: 'replaced by a string' } : i % 10 === 7 ? { map: null } : { map: { [`k${i}`]: { deep: i } } }));
    await expectNoLostUpdate('contested', { map: { start: { deep: -1 } } }, patches);
  });

  test('parallel PUTs without If-Match: one creates, the others replace in turn, versions are consecutive', async () => {
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => api.call('PUT', '/items/replaced', { json: { writer: i } })));
    const ok = results.filter((r) => r.status === 200 || r.status === 201);
    // Only extreme contention (a loaded machine) may exhaust the retries; such a request changed nothing.
    expect(results.filter((r) => !ok.includes(r)).every((r) => r.status === 409 && r.body.type === problemType('write-conflict'))).toBe(true);
    expect(results.filter((r) => r.status === 201)).toHaveLength(1);
    expect(ok.map((r) => r.body.version).sort((a, b) => a - b)).toEqual(Array.from({ length: ok.length }, (_, i) => i + 1));
    const final = (await api.call('GET', '/items/replaced')).body;
    expect(final.version).toBe(ok.length);
    expect(ok.find((r) => r.body.version === ok.length)!.body).toEqual(final);
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
