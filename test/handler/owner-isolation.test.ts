/**
 * Owner isolation by keys: each owner has its own id namespace, so another owner's id is exactly an unused id for
 * every method and every precondition (same status, problem type, title and header names), listings and cursors never
 * reflect another owner's data, and nothing one owner does changes another's items.
 */
import { createTestApi, TestApi, TestResponse } from './support/api';
import { RequestOptions } from './support/events';

/** What a client can observe of a response, without what is unique per request (ids, request ids, random tags). */
function observable(r: TestResponse) {
  const body = r.body && typeof r.body === 'object' ? r.body : undefined;
  return {
    status: r.status,
    type: body?.type,
    title: body?.title,
    headers: Object.keys(r.headers).filter((h) => h !== 'x-request-id').sort(),
    bodyKeys: body ? Object.keys(body).filter((k) => k !== 'requestId').sort() : [],
  };
}

describe('owner isolation', () => {
  let api: TestApi;
  let bobsTag: string;
  beforeAll(async () => {
    api = await createTestApi({
      config: {
        ownerScoping: { attribute: 'owner' },
        indexes: [{ indexName: 'byStatus', partitionKey: 'status', sortKey: 'due' }],
      },
    });
    await api.call('POST', '/items', { json: { id: 'alices', status: 'open', due: '2026-01-01' }, sub: 'alice' });
  });
  afterAll(() => api.destroy());

  /** Gives Bob a fresh item `id` and returns what he sees of it. */
  async function bobCreates(id: string): Promise<TestResponse> {
    const r = await api.call('PUT', `/items/${id}`, { json: { status: 'open', due: '2026-02-02', secret: 's3cr3t' }, sub: 'bob' });
    expect(r.status).toBe(201);
    bobsTag = r.headers.etag;
    return r;
  }

  const preconditions: [string, (tag: () => string) => Record<string, string>][] = [
    ['no precondition', () => ({})],
    ['If-Match with the owner’s tag', (tag) => ({ 'if-match': tag() })],
    ['If-Match "999999"', () => ({ 'if-match': '"999999"' })],
    ['If-Match *', () => ({ 'if-match': '*' })],
    ['If-None-Match *', () => ({ 'if-none-match': '*' })],
    ['If-None-Match with the owner’s tag', (tag) => ({ 'if-none-match': tag() })],
  ];
  const methods: [string, RequestOptions][] = [
    ['GET', {}],
    ['PUT', { json: { secret: 'mine now', status: 'open', due: '2026-03-03' } }],
    ['PATCH', { json: { secret: 'stolen' } }],
    ['DELETE', {}],
  ];
  const cases = methods.flatMap(([method, opts]) => preconditions.map(([name, headers]) => [method, name, opts, headers] as const));

  test.each(cases)('%s with %s: another owner’s id answers exactly like an unused one, and Bob’s item is untouched', async (method, _name, opts, headers) => {
    const n = `${method}-${cases.findIndex((c) => c[0] === method && c[1] === _name)}`;
    const bobs = await bobCreates(`x-${n}`);
    const foreign = await api.call(method, `/items/x-${n}`, { ...opts, headers: headers(() => bobsTag), sub: 'alice' });
    const unused = await api.call(method, `/items/y-${n}`, { ...opts, headers: headers(() => bobsTag), sub: 'alice' });
    expect(observable(foreign)).toEqual(observable(unused));
    expect(JSON.stringify(foreign.body ?? '')).not.toContain('s3cr3t');
    // Bob's item is exactly as he left it.
    const after = await api.call('GET', `/items/x-${n}`, { sub: 'bob' });
    expect(after.body).toEqual(bobs.body);
    expect(after.headers.etag).toBe(bobs.headers.etag);
  });

  test('POST with another owner’s id creates the caller’s own item, exactly as with an unused id', async () => {
    const bobs = await bobCreates('post-x');
    const foreign = await api.call('POST', '/items', { json: { id: 'post-x', a: 1 }, sub: 'alice' });
    const unused = await api.call('POST', '/items', { json: { id: 'post-y', a: 1 }, sub: 'alice' });
    expect(observable(foreign)).toEqual(observable(unused));
    expect(foreign.status).toBe(201);
    expect(foreign.body.owner).toBe('alice');
    expect((await api.call('GET', '/items/post-x', { sub: 'bob' })).body).toEqual(bobs.body);
    // And the id is taken only within Alice's namespace now.
    expect((await api.call('POST', '/items', { json: { id: 'post-x' }, sub: 'alice' })).status).toBe(409);
  });

  test('nobody can squat an id: every owner may use any id', async () => {
    for (const sub of ['alice', 'bob', 'carol']) {
      expect((await api.call('POST', '/items', { json: { id: 'popular', by: sub }, sub })).status).toBe(201);
    }
    for (const sub of ['alice', 'bob', 'carol']) {
      expect((await api.call('GET', '/items/popular', { sub })).body.by).toBe(sub);
    }
  });

  test('an index listing reads only the caller’s partition: no foreign key in a cursor, no cursor on an empty result', async () => {
    // The repro: B has 12 open items, A lists ?status=open&limit=1 and has none of B's.
    const iso = await createTestApi({
      config: { ownerScoping: { attribute: 'owner' }, indexes: [{ indexName: 'byStatus', partitionKey: 'status', sortKey: 'due' }] },
    });
    try {
      for (let n = 0; n < 12; n++) {
        const r = await iso.call('POST', '/items', { json: { id: `b-${n}-secret-id`, status: 'open', due: `2026-01-${10 + n}` }, sub: 'B' });
        expect(r.status).toBe(201);
      }
      const a = await iso.call('GET', '/items', { query: { status: 'open', limit: 1 }, sub: 'A' });
      expect(a.body).toEqual({ items: [], nextCursor: null });
      const plain = await iso.call('GET', '/items', { query: { limit: 1 }, sub: 'A' });
      expect(plain.body).toEqual({ items: [], nextCursor: null });
      // B's own cursors are opaque: the key of the item they stop at is not in them.
      const b = await iso.call('GET', '/items', { query: { status: 'open', limit: 1 }, sub: 'B' });
      expect(b.body.items).toHaveLength(1);
      const raw = Buffer.from(b.body.nextCursor, 'base64url').toString('latin1');
      expect(raw).not.toMatch(/secret-id|2026-01|"B"/);
      // B's cursor is refused for A, and says nothing about B.
      const stolen = await iso.call('GET', '/items', { query: { status: 'open', limit: 1, cursor: b.body.nextCursor }, sub: 'A' });
      expect(stolen.status).toBe(400);
      expect(JSON.stringify(stolen.body)).not.toMatch(/secret-id|"B"/);
    } finally {
      await iso.destroy();
    }
  });

  test('listing (owner partition and index) never shows another owner’s items', async () => {
    const all = await api.call('GET', '/items', { sub: 'alice', query: { limit: 100 } });
    expect(all.body.items.every((i: any) => i.owner === 'alice')).toBe(true);
    const open = await api.call('GET', '/items', { sub: 'alice', query: { status: 'open', limit: 100 } });
    expect(open.body.items.every((i: any) => i.owner === 'alice')).toBe(true);
    expect(open.body.items.map((i: any) => i.id)).toContain('alices');
    const bobs = await api.call('GET', '/items', { sub: 'bob', query: { status: 'open', limit: 100 } });
    expect(bobs.body.items.length).toBeGreaterThan(0);
    expect(bobs.body.items.every((i: any) => i.owner === 'bob')).toBe(true);
  });

  test('hidden key attributes are never shown and cannot be written', async () => {
    const r = await api.call('GET', '/items/alices', { sub: 'alice' });
    expect(Object.keys(r.body).filter((k) => k.startsWith('_'))).toEqual([]);
    const w = await api.call('PATCH', '/items/alices', { json: { '_ownerKey#byStatus': '5:bobbyopen' }, sub: 'alice' });
    expect(w.status).toBe(422);
    expect((await api.call('PUT', '/items/alices', { json: { _generation: 'x' }, sub: 'alice' })).status).toBe(422);
  });

  test('Idempotency-Keys are per owner: the same key from two owners creates two items', async () => {
    const a = await api.call('POST', '/items', { json: { n: 1 }, sub: 'alice', headers: { 'idempotency-key': 'same-key' } });
    const b = await api.call('POST', '/items', { json: { n: 1 }, sub: 'bob', headers: { 'idempotency-key': 'same-key' } });
    expect([a.status, b.status]).toEqual([201, 201]);
    expect(a.body.id).not.toBe(b.body.id);
    expect(a.body.owner).toBe('alice');
    expect(b.body.owner).toBe('bob');
    const c = await api.call('POST', '/items', { json: { n: 2 }, sub: 'carol', headers: { 'idempotency-key': 'same-key' } });
    expect(c.status).toBe(201);
  });

  test('a PATCH of an indexed attribute moves the item between the caller’s index partitions only', async () => {
    await api.call('PUT', '/items/mover', { json: { status: 'open', due: '2026-05-05' }, sub: 'alice' });
    await api.call('PUT', '/items/mover', { json: { status: 'open', due: '2026-05-05' }, sub: 'bob' });
    expect((await api.call('PATCH', '/items/mover', { json: { status: 'done' }, sub: 'alice' })).status).toBe(200);
    const ids = async (sub: string, status: string) => (await api.call('GET', '/items', { sub, query: { status, limit: 100 } })).body.items
      .map((i: any) => i.id);
    expect(await ids('alice', 'done')).toContain('mover');
    expect(await ids('alice', 'open')).not.toContain('mover');
    expect(await ids('bob', 'open')).toContain('mover');
    expect(await ids('bob', 'done')).not.toContain('mover');
    expect((await api.call('PATCH', '/items/mover', { json: { status: null }, sub: 'alice' })).status).toBe(200);
    expect(await ids('alice', 'done')).not.toContain('mover');
  });
});
