/**
 * Entity tags across generations of an id, preconditions on items of other tools, and idempotency keys per caller.
 */
import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { createTestApi, ddb, TestApi } from './support/api';
import { apiEvent } from './support/events';

describe('entity tags are unique across generations of an id', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await createTestApi();
  });
  afterAll(() => api.destroy());

  test('PUT, DELETE, PUT: the second generation never answers to the first one’s tag', async () => {
    const first = await api.call('PUT', '/items/x', { json: { v: 'first' } });
    expect((await api.call('DELETE', '/items/x')).status).toBe(204);
    const second = await api.call('PUT', '/items/x', { json: { v: 'second' } });
    expect([first.status, second.status]).toEqual([201, 201]);
    expect(second.body.version).toBe(1);
    expect(second.headers.etag).not.toBe(first.headers.etag);
    // A client holding the first generation's tag gets the new content, not a 304 …
    const read = await api.call('GET', '/items/x', { headers: { 'if-none-match': first.headers.etag } });
    expect(read.status).toBe(200);
    expect(read.body.v).toBe('second');
    // … and cannot overwrite or delete what it never saw.
    expect((await api.call('PUT', '/items/x', { json: { v: 'lost update' }, headers: { 'if-match': first.headers.etag } })).status).toBe(412);
    expect((await api.call('PATCH', '/items/x', { json: { v: 'lost update' }, headers: { 'if-match': first.headers.etag } })).status).toBe(412);
    expect((await api.call('DELETE', '/items/x', { headers: { 'if-match': first.headers.etag } })).status).toBe(412);
    expect((await api.call('GET', '/items/x')).body.v).toBe('second');
    expect((await api.call('DELETE', '/items/x', { headers: { 'if-match': second.headers.etag } })).status).toBe(204);
  });

  test('updates keep the generation; the version part counts writes', async () => {
    const created = await api.call('POST', '/items', { json: { n: 0 } });
    const id = created.body.id;
    const patched = await api.call('PATCH', `/items/${id}`, { json: { n: 1 } });
    const replaced = await api.call('PUT', `/items/${id}`, { json: { n: 2 } });
    const generation = (tag: string) => tag.slice(1, -1).split('.')[1];
    expect(created.headers.etag).toMatch(/^"1\./);
    expect(patched.headers.etag).toMatch(/^"2\./);
    expect(replaced.headers.etag).toMatch(/^"3\./);
    expect(new Set([created, patched, replaced].map((r) => generation(r.headers.etag))).size).toBe(1);
  });

  test('an idempotent replay answers the original tag', async () => {
    const opts = { json: { n: 'once' }, headers: { 'idempotency-key': 'gen-replay' } };
    const first = await api.call('POST', '/items', opts);
    const replay = await api.call('POST', '/items', opts);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(replay.headers.etag).toBe(first.headers.etag);
  });
});

describe('preconditions on items written by other tools (no version attribute)', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await createTestApi();
  });
  afterAll(() => api.destroy());

  const seedLegacy = (id: string, extra: Record<string, any> = {}) => ddb.send(new PutItemCommand({
    TableName: api.tableName,
    Item: { id: { S: id }, name: { S: 'legacy' }, ...extra },
  }));

  test('DELETE agrees with GET: If-Match "0" deletes, If-None-Match "0" is 412', async () => {
    await seedLegacy('l1');
    expect((await api.call('GET', '/items/l1')).headers.etag).toBe('"0"');
    expect((await api.call('DELETE', '/items/l1', { headers: { 'if-none-match': '"0"' } })).status).toBe(412);
    expect((await api.call('GET', '/items/l1')).status).toBe(200);
    expect((await api.call('DELETE', '/items/l1', { headers: { 'if-match': '"1"' } })).status).toBe(412);
    expect((await api.call('DELETE', '/items/l1', { headers: { 'if-match': '"0"' } })).status).toBe(204);
    expect((await api.call('GET', '/items/l1')).status).toBe(404);
  });

  test('a version attribute another tool wrote as a string reads as "0", and DELETE honours that tag too', async () => {
    await seedLegacy('l2', { version: { S: 'v7' } });
    expect((await api.call('GET', '/items/l2')).headers.etag).toBe('"0"');
    expect((await api.call('DELETE', '/items/l2', { headers: { 'if-none-match': '"0"' } })).status).toBe(412);
    expect((await api.call('DELETE', '/items/l2', { headers: { 'if-match': '"0"' } })).status).toBe(204);
  });

  test('PUT and PATCH agree on the same tag, and the first write gives the item a generation', async () => {
    await seedLegacy('l3');
    expect((await api.call('PATCH', '/items/l3', { json: { a: 1 }, headers: { 'if-match': '"1"' } })).status).toBe(412);
    const patched = await api.call('PATCH', '/items/l3', { json: { a: 1 }, headers: { 'if-match': '"0"' } });
    expect(patched.status).toBe(200);
    expect(patched.headers.etag).toMatch(/^"1\.[A-Za-z0-9_-]{11}"$/);
    await seedLegacy('l4');
    expect((await api.call('PUT', '/items/l4', { json: { a: 1 }, headers: { 'if-match': '"0"' } })).status).toBe(200);
  });
});

describe('Idempotency-Key belongs to the caller', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await createTestApi();
  });
  afterAll(() => api.destroy());

  const iamEvent = (arn: string, body: unknown) => {
    const e = apiEvent('POST', '/items', { json: body, headers: { 'idempotency-key': 'order-1' } });
    return { ...e, requestContext: { ...e.requestContext, authorizer: { iam: { userArn: arn, accountId: '123456789012' } } } } as typeof e;
  };

  test('two IAM callers with the same key each get their own item', async () => {
    const a = await api.send(iamEvent('arn:aws:iam::123456789012:user/alice', { order: 'alice' }));
    const b = await api.send(iamEvent('arn:aws:iam::123456789012:user/bob', { order: 'bob' }));
    expect([a.status, b.status]).toEqual([201, 201]);
    expect(b.headers['idempotent-replayed']).toBeUndefined();
    expect(b.body.order).toBe('bob');
    expect(b.body.id).not.toBe(a.body.id);
    // The same caller again is a replay.
    const again = await api.send(iamEvent('arn:aws:iam::123456789012:user/alice', { order: 'alice' }));
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.body.id).toBe(a.body.id);
  });

  test('two JWT callers of an API without owner scoping each get their own item', async () => {
    const a = await api.call('POST', '/items', { json: { n: 1 }, sub: 'alice', headers: { 'idempotency-key': 'jwt-1' } });
    const b = await api.call('POST', '/items', { json: { n: 2 }, sub: 'bob', headers: { 'idempotency-key': 'jwt-1' } });
    expect([a.status, b.status]).toEqual([201, 201]);
    expect(b.body.n).toBe(2);
  });

  test('without authorization every caller shares one namespace (documented)', async () => {
    const a = await api.call('POST', '/items', { json: { n: 1 }, headers: { 'idempotency-key': 'anon-1' } });
    const b = await api.call('POST', '/items', { json: { n: 1 }, headers: { 'idempotency-key': 'anon-1' } });
    expect(b.headers['idempotent-replayed']).toBe('true');
    expect(b.body.id).toBe(a.body.id);
  });
});
