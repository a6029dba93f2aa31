/**
 * Several resources in one API: each route reaches its own resource's table, an id in one resource never answers in
 * another, a function serves exactly the resource operations CRUD_ROUTES names, and cursors stay in their resource.
 */
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { createTestApi, ddb, problemType, TestApi } from './support/api';
import { apiEvent } from './support/events';

describe('several resources in one API', () => {
  let api: TestApi;
  const alice = { sub: 'alice' };
  beforeAll(async () => {
    api = await createTestApi({
      resources: [
        { name: 'projects', indexes: [{ indexName: 'byStatus', partitionKey: 'status' }] },
        { name: 'tags', idAttribute: 'tag', operations: ['create', 'read', 'list'], schema: { type: 'object', required: ['label'] } },
        { name: 'notes', ownerScoping: { attribute: 'owner' } },
      ],
    });
  });
  afterAll(() => api.destroy());

  test('every route of every resource, each on its own table', async () => {
    const p = await api.call('POST', '/projects', { json: { id: 'p1', status: 'open' } });
    expect([p.status, p.headers.location]).toEqual([201, '/projects/p1']);
    expect((await api.call('PUT', '/projects/p2', { json: { status: 'done' } })).status).toBe(201);
    expect((await api.call('PATCH', '/projects/p2', { json: { status: 'open' } })).status).toBe(200);
    expect((await api.call('GET', '/projects', { query: { status: 'open' } })).body.items.map((i: any) => i.id).sort()).toEqual(['p1', 'p2']);
    expect((await api.call('DELETE', '/projects/p2')).status).toBe(204);

    const t = await api.call('POST', '/tags', { json: { tag: 'urgent', label: 'Urgent' } });
    expect([t.status, t.headers.location, t.body.tag]).toEqual([201, '/tags/urgent', 'urgent']);
    expect((await api.call('POST', '/tags', { json: { tag: 'x' } })).status).toBe(422); // the tags schema, not the projects'
    expect((await api.call('POST', '/projects', { json: { tag: 'x' } })).status).toBe(201);
    // tags has no DELETE: not an operation of the resource, so not served (API Gateway would have no such route).
    expect((await api.call('DELETE', '/tags/urgent')).body.type).toBe(problemType('route-not-found'));
    expect((await api.call('GET', '/tags/urgent')).status).toBe(200);

    const n = await api.call('POST', '/notes', { json: { id: 'n1', text: 'mine' }, ...alice });
    expect([n.status, n.body.owner]).toEqual([201, 'alice']);
    expect((await api.call('GET', '/notes/n1', { sub: 'bob' })).status).toBe(404);
    expect((await api.call('GET', '/notes/n1')).status).toBe(401); // owner-scoped: needs a JWT subject

    const scans = await Promise.all(Object.values(api.tables).map((names) => scanCount(names.tableName)));
    expect(scans).toEqual([2, 1, 1]);
  });

  test('an id of one resource never answers in another', async () => {
    await api.call('PUT', '/projects/shared-id', { json: { a: 1 } });
    expect((await api.call('GET', '/tags/shared-id')).status).toBe(404);
    expect((await api.call('GET', '/notes/shared-id', alice)).status).toBe(404);
    expect((await api.call('GET', '/projects/shared-id')).status).toBe(200);
  });

  test('a cursor of one resource is refused by another', async () => {
    for (let i = 0; i < 3; i++) await api.call('POST', '/tags', { json: { tag: `t${i}`, label: 'x' } });
    for (let i = 0; i < 3; i++) await api.call('POST', '/projects', { json: { id: `c${i}` } });
    const cursor = (await api.call('GET', '/tags', { query: { limit: 1 } })).body.nextCursor;
    expect(typeof cursor).toBe('string');
    expect((await api.call('GET', '/projects', { query: { limit: 1, cursor } })).status).toBe(400);
    expect((await api.call('GET', '/tags', { query: { limit: 1, cursor } })).status).toBe(200);
  });

  test('a path outside every resource is 404 route-not-found', async () => {
    const r = await api.send({ ...apiEvent('GET', '/unknown'), routeKey: '$default' });
    expect([r.status, r.body.type]).toEqual([404, problemType('route-not-found')]);
  });

  test('a function serves exactly the resource operations of CRUD_ROUTES, and needs only their tables', async () => {
    // Only the tags table is in this function's environment, as the construct sets it.
    const h = api.handlerWith({
      CRUD_ROUTES: 'tags:read,tags:create',
      CRUD_TABLES: `,${api.tables.tags.tableName}`,
      CRUD_IDEMPOTENCY_TABLES: `,${api.tables.tags.idempotencyTableName}`,
    });
    const status = async (method: string, path: string, json?: unknown) => (await h(apiEvent(method, path, json ? { json } : {}))).statusCode;
    expect(await status('POST', '/tags', { tag: 'served', label: 'yes' })).toBe(201);
    expect(await status('GET', '/tags/served')).toBe(200);
    expect(await status('GET', '/tags')).toBe(404);
    expect(await status('GET', '/projects/p1')).toBe(404);
    expect(await status('POST', '/projects', { a: 1 })).toBe(404);
  });
});

async function scanCount(tableName: string): Promise<number> {
  return (await ddb.send(new ScanCommand({ TableName: tableName, Select: 'COUNT' }))).Count ?? 0;
}
