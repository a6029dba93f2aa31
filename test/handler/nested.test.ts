/**
 * Nested resources against DynamoDB Local: `/projects/{projectId}/tasks/{id}` and one level deeper, numeric ids,
 * time-ordered ids, the parent check in the write's transaction, 409 on deleting a parent with children, and owner
 * scoping composed with nesting. Every answer DynamoDB decides (conditions, transactions, key partitions) is decided
 * by DynamoDB here.
 */
import { GetItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb';
import { createTestApi, ddb, TestApi } from './support/api';
import { apiEvent } from './support/events';
import { PARENT_KEY_ATTRIBUTE, scopeValue } from '../../src/shared/keys';

const RESOURCES = [
  { name: 'projects', pathParameter: 'projectId' },
  { name: 'tasks', parent: 'projects', pathParameter: 'taskId', idGenerator: 'uuid-v7' as const },
  { name: 'comments', parent: 'tasks', idType: 'N' as const },
];

describe('nested resources', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await createTestApi({ resources: RESOURCES });
  });
  afterAll(() => api.destroy());

  test('a child is created under its parent, keyed by it, and answers at its nested URL', async () => {
    expect((await api.call('PUT', '/projects/p1', { json: { title: 'P1' } })).status).toBe(201);
    const created = await api.call('POST', '/projects/p1/tasks', { json: { title: 'write tests' } });
    expect(created.status).toBe(201);
    const taskId = created.body.id;
    expect(created.headers.location).toBe(`/projects/p1/tasks/${taskId}`);
    // The parent's id is part of the item, server-managed, right after the id.
    expect(Object.keys(created.body).slice(0, 2)).toEqual(['id', 'projectId']);
    expect(created.body.projectId).toBe('p1');
    const read = await api.call('GET', `/projects/p1/tasks/${taskId}`);
    expect(read.status).toBe(200);
    expect(read.body).toEqual(created.body);
    // Stored in the parent's partition: the hidden partition key is the parent's full key.
    const stored = await ddb.send(new GetItemCommand({
      TableName: api.tables.tasks.tableName,
      Key: { [PARENT_KEY_ATTRIBUTE]: { S: scopeValue(undefined, ['p1']) }, id: { S: taskId } },
      ConsistentRead: true,
    }));
    expect(stored.Item?.title).toEqual({ S: 'write tests' });
    // Not shown: the hidden partition key.
    expect(read.body[PARENT_KEY_ATTRIBUTE]).toBeUndefined();
  });

  test('ids are per parent: the same task id under two projects names two items', async () => {
    await api.call('PUT', '/projects/pa', { json: {} });
    await api.call('PUT', '/projects/pb', { json: {} });
    expect((await api.call('PUT', '/projects/pa/tasks/same', { json: { n: 1 } })).status).toBe(201);
    expect((await api.call('PUT', '/projects/pb/tasks/same', { json: { n: 2 } })).status).toBe(201);
    expect((await api.call('GET', '/projects/pa/tasks/same')).body.n).toBe(1);
    expect((await api.call('GET', '/projects/pb/tasks/same')).body.n).toBe(2);
    expect((await api.call('GET', '/projects/pc/tasks/same')).status).toBe(404);
  });

  test('the parent id is managed by the server: a body cannot set or move it', async () => {
    await api.call('PUT', '/projects/pm', { json: {} });
    const r = await api.call('POST', '/projects/pm/tasks', { json: { projectId: 'elsewhere' } });
    expect(r.status).toBe(422);
    expect(r.body.errors).toEqual([{ path: '/projectId', message: "'projectId' is managed by the server and cannot be set" }]);
    await api.call('PUT', '/projects/pm/tasks/t', { json: {} });
    expect((await api.call('PATCH', '/projects/pm/tasks/t', { json: { projectId: 'x' }, contentType: 'application/merge-patch+json' })).status).toBe(422);
  });

  test('creating under a missing parent is a 404 parent-not-found, decided in the transaction, and writes nothing', async () => {
    const before = await api.snapshot();
    for (const [method, path] of [['POST', '/projects/ghost/tasks'], ['PUT', '/projects/ghost/tasks/t1']] as const) {
      const r = await api.call(method, path, { json: { title: 'orphan' } });
      expect(r.status).toBe(404);
      expect(r.headers['content-type']).toBe('application/problem+json');
      expect(r.body.type).toMatch(/\/parent-not-found$/);
      expect(r.body.detail).toMatch(/No projects item at \/projects\/ghost/);
    }
    // With an Idempotency-Key too (three items in the transaction).
    const r = await api.call('POST', '/projects/ghost/tasks', { json: { title: 'orphan' }, headers: { 'idempotency-key': 'k-ghost' } });
    expect(r.status).toBe(404);
    // Two levels down: the task is the parent, and it does not exist under this project.
    expect((await api.call('PUT', '/projects/p1/tasks/nope/comments/1', { json: {} })).body.type).toMatch(/\/parent-not-found$/);
    expect(await api.snapshot()).toBe(before);
  });

  test('a parent with children cannot be deleted (409 has-children); without them it can', async () => {
    await api.call('PUT', '/projects/pd', { json: {} });
    await api.call('PUT', '/projects/pd/tasks/t1', { json: {} });
    await api.call('PUT', '/projects/pd/tasks/t1/comments/7', { json: { text: 'hi' } });
    const before = await api.snapshot();
    const refused = await api.call('DELETE', '/projects/pd');
    expect(refused.status).toBe(409);
    expect(refused.body.type).toMatch(/\/has-children$/);
    expect(refused.body.detail).toBe('/projects/pd still has tasks; delete them first (an item is deleted only once it has no children).');
    expect((await api.call('DELETE', '/projects/pd/tasks/t1')).body.type).toMatch(/\/has-children$/);
    // Nothing changed, and the lease was given back: children can still be created.
    expect(await api.snapshot()).toBe(before);
    expect((await api.call('PUT', '/projects/pd/tasks/t2', { json: {} })).status).toBe(201);
    // Bottom up, every delete succeeds.
    expect((await api.call('DELETE', '/projects/pd/tasks/t1/comments/7')).status).toBe(204);
    expect((await api.call('DELETE', '/projects/pd/tasks/t1')).status).toBe(204);
    expect((await api.call('DELETE', '/projects/pd/tasks/t2')).status).toBe(204);
    expect((await api.call('DELETE', '/projects/pd')).status).toBe(204);
    expect((await api.call('GET', '/projects/pd')).status).toBe(404);
    expect((await api.call('DELETE', '/projects/pd')).status).toBe(404);
  });

  test("a parent's delete keeps its preconditions: 412 on a stale If-Match, nothing deleted", async () => {
    const p = await api.call('PUT', '/projects/pq', { json: {} });
    expect((await api.call('DELETE', '/projects/pq', { headers: { 'if-match': '"99.x"' } })).status).toBe(412);
    expect((await api.call('DELETE', '/projects/pq', { headers: { 'if-none-match': '*' } })).status).toBe(412);
    expect((await api.call('GET', '/projects/pq')).status).toBe(200);
    expect((await api.call('DELETE', '/projects/pq', { headers: { 'if-match': p.headers.etag } })).status).toBe(204);
  });

  test('a delete racing child creations never leaves an orphan: either the child exists and the parent stays, or neither', async () => {
    for (let round = 0; round < 12; round++) {
      const project = `race-${round}`;
      await api.call('PUT', `/projects/${project}`, { json: {} });
      const [del, child] = await Promise.all([
        api.call('DELETE', `/projects/${project}`),
        api.call('PUT', `/projects/${project}/tasks/t`, { json: {} }),
      ]);
      const parentExists = (await api.call('GET', `/projects/${project}`)).status === 200;
      const childExists = (await api.call('GET', `/projects/${project}/tasks/t`)).status === 200;
      expect([del.status, child.status]).toEqual(childExists ? [409, 201] : [204, 404]);
      expect(parentExists).toBe(childExists);
    }
  });

  test('a delete that stalls past its lease checks for children again under a new lease before deleting', async () => {
    await api.call('PUT', '/projects/stall', { json: {} });
    // The clock jumps 11 s (past the 10 s lease) once, between the children check and the delete.
    let calls = 0;
    const jumpy = () => new Date(Date.now() + (++calls >= 2 ? 11_000 : 0));
    const handler = api.handlerWith({}, { clock: jumpy });
    const res = await handler(apiEvent('DELETE', '/projects/stall', { routeKeys: ['DELETE /projects/{projectId}'] }));
    expect(res.statusCode).toBe(204);
    const line = api.logs.filter((l) => l.route === 'DELETE /projects/{projectId}').pop();
    expect(line.retries).toBe(1);
  });

  test('an Idempotency-Key is per parent: the same key under two projects creates two tasks', async () => {
    await api.call('PUT', '/projects/i1', { json: {} });
    await api.call('PUT', '/projects/i2', { json: {} });
    const opts = { json: { title: 't' }, headers: { 'idempotency-key': 'order-1' } };
    const a = await api.call('POST', '/projects/i1/tasks', opts);
    const b = await api.call('POST', '/projects/i2/tasks', opts);
    const again = await api.call('POST', '/projects/i1/tasks', opts);
    expect([a.status, b.status, again.status]).toEqual([201, 201, 201]);
    expect(b.body.id).not.toBe(a.body.id);
    expect(b.body.projectId).toBe('i2');
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.body).toEqual(a.body);
    expect(again.headers.location).toBe(`/projects/i1/tasks/${a.body.id}`);
  });

  test('time-ordered ids (UUID v7): one partition read in key order is creation order', async () => {
    await api.call('PUT', '/projects/order', { json: {} });
    const ids: string[] = [];
    for (let i = 0; i < 30; i++) ids.push((await api.call('POST', '/projects/order/tasks', { json: { i } })).body.id);
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    const out = await ddb.send(new QueryCommand({
      TableName: api.tables.tasks.tableName,
      KeyConditionExpression: '#p = :p',
      ExpressionAttributeNames: { '#p': PARENT_KEY_ATTRIBUTE },
      ExpressionAttributeValues: { ':p': { S: scopeValue(undefined, ['order']) } },
      ConsistentRead: true,
    }));
    expect(out.Items!.map((it) => it.id.S)).toEqual(ids);
  });

  test('numeric ids: stored and shown as numbers, parsed strictly from the path, chosen by the client', async () => {
    await api.call('PUT', '/projects/n', { json: {} });
    await api.call('PUT', '/projects/n/tasks/t', { json: {} });
    const base = '/projects/n/tasks/t/comments';
    const put = await api.call('PUT', `${base}/42`, { json: { text: 'a' } });
    expect(put.status).toBe(201);
    expect(put.body).toMatchObject({ id: 42, projectId: 'n', taskId: 't' });
    // The body may repeat the id, as the number it is.
    expect((await api.call('PUT', `${base}/42`, { json: { id: 42, text: 'a2' } })).status).toBe(200);
    const post = await api.call('POST', base, { json: { id: -7, text: 'b' } });
    expect(post.status).toBe(201);
    expect(post.headers.location).toBe(`${base}/-7`);
    expect((await api.call('GET', `${base}/-7`)).body.text).toBe('b');
    const stored = await ddb.send(new QueryCommand({
      TableName: api.tables.comments.tableName,
      KeyConditionExpression: '#p = :p',
      ExpressionAttributeNames: { '#p': PARENT_KEY_ATTRIBUTE },
      ExpressionAttributeValues: { ':p': { S: scopeValue(undefined, ['n', 't']) } },
      ConsistentRead: true,
    }));
    // Typed N: DynamoDB orders them numerically.
    expect(stored.Items!.map((it) => it.id)).toEqual([{ N: '-7' }, { N: '42' }]);

    const before = await api.snapshot();
    for (const bad of ['042', '+42', '42.0', '4.2e1', '-0', 'abc', '9007199254740993']) {
      const r = await api.call('GET', `${base}/${encodeURIComponent(bad)}`);
      expect([bad, r.status, r.body.type]).toEqual([bad, 400, expect.stringMatching(/\/invalid-id$/)]);
      expect(r.body.detail).toMatch(/Bad \{id\} in the path: the id must be an integer written plainly/);
    }
    const noId = await api.call('POST', base, { json: { text: 'c' } });
    expect(noId.status).toBe(422);
    expect(noId.body.errors[0].message).toMatch(/'id' is required: this resource's ids are chosen by the client/);
    const stringId = await api.call('POST', base, { json: { id: '5' } });
    expect(stringId.status).toBe(422);
    expect(stringId.body.errors).toEqual([{ path: '/id', message: expect.stringMatching(/must be an integer \(a JSON number\)/) }]);
    expect((await api.call('POST', base, { json: { id: 1.5 } })).status).toBe(422);
    expect((await api.call('PUT', `${base}/5`, { json: { id: 6 } })).status).toBe(400);
    expect((await api.call('PUT', `${base}/5`, { json: { id: '5' } })).status).toBe(400);
    expect(await api.snapshot()).toBe(before);
  });

  test('bad ancestor ids in the path answer 400 naming the parameter, and change nothing', async () => {
    const before = await api.snapshot();
    const r = await api.call('GET', '/projects/p1/tasks/t/comments/x1');
    expect(r.status).toBe(400);
    expect(r.body.detail).toMatch(/Bad \{id\}/);
    // A parent id with '/' (%2F) is decoded by API Gateway before routing, so it reaches no nested route.
    const slash = await api.call('GET', '/projects/a%2Fb/tasks', { viaDefaultRoute: true });
    expect(slash.status).toBe(404);
    expect(slash.body.type).toMatch(/\/route-not-found$/);
    const empty = await api.call('POST', '/projects//tasks', { viaDefaultRoute: true, json: {} });
    expect(empty.status).toBe(400);
    expect(empty.body.detail).toMatch(/Bad \{projectId\} in the path/);
    expect(await api.snapshot()).toBe(before);
  });

  test('the catch-all route resolves nested paths from rawPath exactly as the route keys do', async () => {
    await api.call('PUT', '/projects/ca', { json: {} });
    const viaKey = await api.call('PUT', '/projects/ca/tasks/x', { json: { v: 1 } });
    const viaDefault = await api.call('GET', '/projects/ca/tasks/x', { viaDefaultRoute: true });
    expect(viaDefault.status).toBe(200);
    expect(viaDefault.body).toEqual(viaKey.body);
    const wrong = await api.call('POST', '/projects/ca/tasks/x', { viaDefaultRoute: true, json: {} });
    expect(wrong.status).toBe(405);
    expect(wrong.headers.allow).toBe('GET, PUT, PATCH, DELETE');
  });
});

describe('nested and owner-scoped', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await createTestApi({
      resources: [
        { name: 'projects', pathParameter: 'projectId', ownerScoping: { attribute: 'owner' } },
        { name: 'tasks', parent: 'projects', ownerScoping: { attribute: 'owner' } },
      ],
    });
  });
  afterAll(() => api.destroy());

  test("a tenant cannot create, read or delete under another tenant's parent; the same ids are separate per tenant", async () => {
    expect((await api.call('PUT', '/projects/shared-name', { json: { v: 'alice' }, sub: 'alice' })).status).toBe(201);
    expect((await api.call('PUT', '/projects/shared-name/tasks/t', { json: { v: 'alice' }, sub: 'alice' })).status).toBe(201);
    const before = await api.snapshot();
    // Bob has no project of that name: his writes under it have no parent.
    const bob = await api.call('POST', '/projects/shared-name/tasks', { json: { v: 'bob' }, sub: 'bob' });
    expect(bob.status).toBe(404);
    expect(bob.body.type).toMatch(/\/parent-not-found$/);
    expect((await api.call('GET', '/projects/shared-name/tasks/t', { sub: 'bob' })).status).toBe(404);
    expect((await api.call('DELETE', '/projects/shared-name/tasks/t', { sub: 'bob' })).status).toBe(404);
    expect(await api.snapshot()).toBe(before);
    // Bob's own project of the same name is his, with his own tasks; alice's project still has children.
    expect((await api.call('PUT', '/projects/shared-name', { json: { v: 'bob' }, sub: 'bob' })).status).toBe(201);
    expect((await api.call('PUT', '/projects/shared-name/tasks/t', { json: { v: 'bob' }, sub: 'bob' })).status).toBe(201);
    expect((await api.call('GET', '/projects/shared-name/tasks/t', { sub: 'alice' })).body.v).toBe('alice');
    expect((await api.call('DELETE', '/projects/shared-name/tasks/t', { sub: 'bob' })).status).toBe(204);
    expect((await api.call('DELETE', '/projects/shared-name', { sub: 'bob' })).status).toBe(204);
    expect((await api.call('DELETE', '/projects/shared-name', { sub: 'alice' })).status).toBe(409);
    const task = await api.call('GET', '/projects/shared-name/tasks/t', { sub: 'alice' });
    expect(task.body).toMatchObject({ id: 't', projectId: 'shared-name', owner: 'alice' });
  });

  test('without a JWT subject nothing nested is served', async () => {
    expect((await api.call('GET', '/projects/shared-name/tasks/t')).status).toBe(401);
  });
});
