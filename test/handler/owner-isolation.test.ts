/**
 * Owner isolation, route by route: another owner's item is indistinguishable from a missing one, never listed and
 * never writable.
 */
import { createTestApi, problemType, TestApi, TestResponse } from './support/api';

const strip = (r: TestResponse) => ({ status: r.status, type: r.body?.type, title: r.body?.title });

describe('owner isolation', () => {
  let api: TestApi;
  let bobsItem: any;
  beforeAll(async () => {
    api = await createTestApi({
      config: {
        ownerScoping: { attribute: 'owner', indexName: 'byOwner' },
        indexes: [{ indexName: 'byStatus', partitionKey: 'status' }],
      },
    });
    bobsItem = (await api.call('POST', '/items', { json: { id: 'bobs', status: 'open', secret: 's3cr3t' }, sub: 'bob' })).body;
    await api.call('POST', '/items', { json: { id: 'alices', status: 'open' }, sub: 'alice' });
  });
  afterAll(() => api.destroy());

  /** Alice's answer for Bob's item must equal her answer for an id that does not exist. */
  test.each([
    ['GET', {}],
    ['GET', { headers: { 'if-none-match': '"1"' } }],
    ['PATCH', { json: { secret: 'stolen' } }],
    ['PATCH', { json: { a: 1 }, headers: { 'if-match': '"1"' } }],
    ['DELETE', {}],
    ['DELETE', { headers: { 'if-match': '"1"' } }],
  ])('%s %j on another owner’s item answers exactly like a missing item', async (method, opts) => {
    const before = await api.snapshot();
    const foreign = await api.call(method, '/items/bobs', { ...opts, sub: 'alice' });
    const missing = await api.call(method, '/items/nobody-has-this', { ...opts, sub: 'alice' });
    expect(strip(foreign)).toEqual({ status: 404, type: problemType('not-found'), title: 'Item not found' });
    expect(strip(foreign)).toEqual(strip(missing));
    expect(JSON.stringify(foreign.body)).not.toContain('s3cr3t');
    expect(await api.snapshot()).toBe(before);
  });

  test('PUT onto another owner’s id cannot replace it (409; an id is one namespace, so this is the one visible trace)', async () => {
    const before = await api.snapshot();
    const r = await api.call('PUT', '/items/bobs', { json: { secret: 'mine now' }, sub: 'alice' });
    expect(strip(r)).toEqual({ status: 409, type: problemType('already-exists'), title: 'Item already exists' });
    expect(JSON.stringify(r.body)).not.toContain('s3cr3t');
    expect(await api.snapshot()).toBe(before);
    expect((await api.call('PUT', '/items/bobs', { json: { a: 1 }, sub: 'alice', headers: { 'if-match': '"1"' } })).status).toBe(409);
  });

  test('POST with another owner’s id is 409, like any taken id, and changes nothing', async () => {
    const before = await api.snapshot();
    const r = await api.call('POST', '/items', { json: { id: 'bobs' }, sub: 'alice' });
    expect(r.status).toBe(409);
    expect(await api.snapshot()).toBe(before);
  });

  test('listing (owner partition and GSI) never shows another owner’s items', async () => {
    const all = await api.call('GET', '/items', { sub: 'alice' });
    expect(all.body.items.map((i: any) => i.id)).toEqual(['alices']);
    const open = await api.call('GET', '/items', { sub: 'alice', query: { status: 'open' } });
    expect(open.body.items.map((i: any) => i.id)).toEqual(['alices']);
    const bobs = await api.call('GET', '/items', { sub: 'bob', query: { status: 'open' } });
    expect(bobs.body.items.map((i: any) => i.id)).toEqual(['bobs']);
  });

  test('Idempotency-Keys are per owner: the same key from two owners creates two items', async () => {
    const a = await api.call('POST', '/items', { json: { n: 1 }, sub: 'alice', headers: { 'idempotency-key': 'same-key' } });
    const b = await api.call('POST', '/items', { json: { n: 1 }, sub: 'bob', headers: { 'idempotency-key': 'same-key' } });
    expect([a.status, b.status]).toEqual([201, 201]);
    expect(a.body.id).not.toBe(b.body.id);
    expect(a.body.owner).toBe('alice');
    expect(b.body.owner).toBe('bob');
    // And a different body from Bob with Alice's key is no conflict for Bob.
    const c = await api.call('POST', '/items', { json: { n: 2 }, sub: 'carol', headers: { 'idempotency-key': 'same-key' } });
    expect(c.status).toBe(201);
  });

  test('the owner’s own routes all work, and Bob’s item is intact after Alice’s attempts', async () => {
    expect((await api.call('GET', '/items/bobs', { sub: 'bob' })).body).toEqual(bobsItem);
    expect((await api.call('PATCH', '/items/bobs', { json: { x: 1 }, sub: 'bob' })).status).toBe(200);
    expect((await api.call('PUT', '/items/bobs', { json: { y: 2 }, sub: 'bob' })).status).toBe(200);
    expect((await api.call('DELETE', '/items/bobs', { sub: 'bob', headers: { 'if-match': '"3"' } })).status).toBe(204);
  });

  test('a deleted-then-recreated id belongs to its new owner', async () => {
    await api.call('PUT', '/items/passed-on', { json: { a: 1 }, sub: 'bob' });
    await api.call('DELETE', '/items/passed-on', { sub: 'bob' });
    const r = await api.call('PUT', '/items/passed-on', { json: { a: 2 }, sub: 'alice' });
    expect(r.status).toBe(201);
    expect(r.body.owner).toBe('alice');
    expect((await api.call('GET', '/items/passed-on', { sub: 'bob' })).status).toBe(404);
  });
});
