/**
 * Least privilege that works: the DynamoDB actions each operation's function really calls (recorded from the SDK
 * while the handler serves that operation's requests against DynamoDB Local) must be exactly the actions the
 * construct grants that function — none missing (it would fail in AWS with AccessDenied), none unused.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  IDEMPOTENCY_ACTIONS, INDEX_ACTIONS, OWNER_SCOPED_TABLE_ACTIONS, RELATED_TABLE_ACTIONS, TABLE_ACTIONS, tableActionsOf,
} from '../../src/construct/iam-actions';
import { recordKey } from '../../src/handler/idempotency';
import { OperationName } from '../../src/shared/config';
import { ownerIndexKeyAttribute, ownerIndexValue, PARENT_KEY_ATTRIBUTE, scopeValue } from '../../src/shared/keys';
import { routePath, ROUTES } from '../../src/shared/routes';
import { createTestApi, TestApi } from '../handler/support/api';
import { apiEvent } from '../handler/support/events';
import { TableCall, tableRecordingClient } from '../handler/support/recording-client';

type Call = { action: string; resource: 'table' | 'index' | 'idempotency'; input?: any };

/** An SDK client that records every DynamoDB action (transactions expanded) and the resource it touches. */
function recordingClient(calls: Call[], names: () => { table: string; idempotency?: string }): DynamoDBClient {
  const client = new DynamoDBClient({});
  client.middlewareStack.add((next, context) => async (args: any) => {
    const input = args.input ?? {};
    const where = (tableName: string, indexName?: string): Call['resource'] =>
      tableName === names().idempotency ? 'idempotency' : indexName ? 'index' : 'table';
    const command = String(context.commandName).replace(/Command$/, '');
    if (command === 'TransactWriteItems') {
      for (const item of input.TransactItems ?? []) {
        const [kind, body] = Object.entries(item)[0] as [string, any];
        const action = { Put: 'PutItem', Update: 'UpdateItem', Delete: 'DeleteItem', ConditionCheck: 'ConditionCheckItem' }[kind]!;
        calls.push({ action: `dynamodb:${action}`, resource: where(body.TableName), input: body });
      }
    } else if (command === 'TransactGetItems') {
      for (const item of input.TransactItems ?? []) calls.push({ action: 'dynamodb:GetItem', resource: where(item.Get.TableName) });
    } else {
      calls.push({ action: `dynamodb:${command}`, resource: where(input.TableName, input.IndexName), input });
    }
    return next(args);
  }, { step: 'initialize', name: 'recordActions' });
  return client;
}

/** What the construct grants one operation's function, in the same terms. */
function granted(op: OperationName, ownerScoped = false): Call[] {
  return [
    ...(ownerScoped ? OWNER_SCOPED_TABLE_ACTIONS : TABLE_ACTIONS)[op].map((action) => ({ action, resource: 'table' as const })),
    ...(INDEX_ACTIONS[op] ?? []).map((action) => ({ action, resource: 'index' as const })),
    ...(op === 'create' ? IDEMPOTENCY_ACTIONS.map((action) => ({ action, resource: 'idempotency' as const })) : []),
  ];
}

const key = (c: Call) => `${c.action} on ${c.resource}`;
const patch = 'application/merge-patch+json';

const ALL_OPERATIONS = ['create', 'read', 'list', 'update', 'delete'] as OperationName[];

/** The function groups of each handler mode for these resources: per operation, per resource, one for all. */
function handlerModes(names: readonly string[]): [string, [string, OperationName][][]][] {
  return [
    ['PER_OPERATION', names.flatMap((r) => ALL_OPERATIONS.map((op) => [[r, op]] as [string, OperationName][]))],
    ['PER_RESOURCE', names.map((r) => ALL_OPERATIONS.map((op) => [r, op] as [string, OperationName]))],
    ['SINGLE', [names.flatMap((r) => ALL_OPERATIONS.map((op) => [r, op] as [string, OperationName]))]],
  ];
}

describe('the handler uses exactly the DynamoDB actions the construct grants each operation', () => {
  let api: TestApi;
  let calls: Call[] = [];
  const handlers: Partial<Record<OperationName, TestApi['handler']>> = {};

  beforeAll(async () => {
    let names = { table: '', idempotency: undefined as string | undefined };
    const client = recordingClient(calls, () => names);
    api = await createTestApi({
      config: { indexes: [{ indexName: 'byStatus', partitionKey: 'status', sortKey: 'updatedAt' }] },
      dynamodb: client,
    });
    names = { table: api.tableName, idempotency: api.idempotencyTableName };
    for (const op of ['create', 'read', 'list', 'update', 'delete'] as OperationName[]) {
      handlers[op] = api.handlerWith({ CRUD_ROUTES: `items:${op}` }, { dynamodb: client });
    }
  });
  afterAll(async () => api?.destroy());

  /** Runs requests through the one-operation function and returns the distinct actions it used. */
  async function used(op: OperationName, requests: [string, string, any?][]): Promise<string[]> {
    calls.length = 0;
    for (const [method, path, opts] of requests) {
      const res = await handlers[op]!(apiEvent(method, path, opts));
      expect([method, path, res.statusCode < 500]).toEqual([method, path, true]);
    }
    return [...new Set(calls.map(key))].sort();
  }

  test.each([
    ['create', [
      ['POST', '/items', { json: { title: 'a' } }],
      ['POST', '/items', { json: { id: 'fixed', title: 'b' } }],
      ['POST', '/items', { json: { id: 'fixed', title: 'b' } }], // 409
      ['POST', '/items', { json: { title: 'c' }, headers: { 'idempotency-key': 'k1' } }],
      ['POST', '/items', { json: { title: 'c' }, headers: { 'idempotency-key': 'k1' } }], // replay
      ['POST', '/items', { json: { title: 'other' }, headers: { 'idempotency-key': 'k1' } }], // 422
    ]],
    ['read', [['GET', '/items/fixed'], ['GET', '/items/missing'], ['GET', '/items/fixed', { headers: { 'if-none-match': '"1"' } }]]],
    ['list', [['GET', '/items', { query: 'limit=1' }], ['GET', '/items', { query: 'status=open&order=desc' }], ['GET', '/items']]],
    ['update', [
      ['PUT', '/items/fixed', { json: { title: 'put', status: 'open' } }],
      ['PUT', '/items/new-one', { json: { title: 'created by put' } }],
      ['PATCH', '/items/fixed', { json: { title: 'patched', extra: null }, contentType: patch }],
      ['PATCH', '/items/fixed', { json: { title: 'stale' }, contentType: patch, headers: { 'if-match': '"1"' } }],
      ['PUT', '/items/fixed', { json: { title: 'stale' }, headers: { 'if-match': '"99"' } }],
      ['PATCH', '/items/missing', { json: { a: 1 }, contentType: patch }],
    ]],
    ['delete', [['DELETE', '/items/new-one', { headers: { 'if-match': '"1"' } }], ['DELETE', '/items/fixed'], ['DELETE', '/items/missing']]],
  ] as [OperationName, [string, string, any?][]][])('%s', async (op, requests) => {
    const actions = await used(op, requests);
    expect(actions).toEqual(granted(op).map(key).sort());
  });

  test('an unconditional PATCH is one round trip: a single UpdateItem, no read first', async () => {
    await used('create', [['POST', '/items', { json: { id: 'one-trip', title: 'a', tags: { x: 1 } } }]]);
    calls.length = 0;
    const res = await handlers.update!(apiEvent('PATCH', '/items/one-trip', { json: { title: 'b', gone: null }, contentType: patch }));
    expect(res.statusCode).toBe(200);
    expect(calls.map(key)).toEqual(['dynamodb:UpdateItem on table']);
    // Merging into an existing map needs the item: the write's failed condition returns it, still without a GetItem.
    calls.length = 0;
    const merged = await handlers.update!(apiEvent('PATCH', '/items/one-trip', { json: { tags: { y: 2 } }, contentType: patch }));
    expect(JSON.parse(merged.body!)).toMatchObject({ title: 'b', tags: { x: 1, y: 2 }, version: 3 });
    expect(calls.map(key)).toEqual(['dynamodb:UpdateItem on table', 'dynamodb:UpdateItem on table']);
  });
});

describe('owner-scoped: exactly the granted actions, and every request names the caller’s partition in its key', () => {
  let api: TestApi;
  const calls: Call[] = [];
  const handlers: Partial<Record<OperationName, TestApi['handler']>> = {};
  const OWNER = 'alice|tenant-a';

  beforeAll(async () => {
    let names = { table: '', idempotency: undefined as string | undefined };
    const client = recordingClient(calls, () => names);
    api = await createTestApi({
      config: { ownerScoping: { attribute: 'owner' }, indexes: [{ indexName: 'byStatus', partitionKey: 'status', sortKey: 'due' }] },
      dynamodb: client,
    });
    names = { table: api.tableName, idempotency: api.idempotencyTableName };
    for (const op of ['create', 'read', 'list', 'update', 'delete'] as OperationName[]) {
      handlers[op] = api.handlerWith({ CRUD_ROUTES: `items:${op}` }, { dynamodb: client });
    }
    // Another tenant's data in the same table: nothing of it may be touched.
    for (let i = 0; i < 5; i++) {
      await handlers.create!(apiEvent('POST', '/items', { json: { id: `shared-${i}`, status: 'open', due: `d${i}` }, sub: 'bob' }));
    }
  });
  afterAll(async () => api?.destroy());

  /** Checks that one recorded request touches only the owner's partition, through its key or key condition. */
  function expectOwnersPartitionOnly(c: Call) {
    const i = c.input;
    const where = `${c.action} on ${c.resource}: ${JSON.stringify(i).slice(0, 300)}`;
    expect({ where, filter: i.FilterExpression }).toEqual({ where, filter: undefined });
    switch (c.action) {
      case 'dynamodb:GetItem':
      case 'dynamodb:DeleteItem':
      case 'dynamodb:UpdateItem':
        expect({ where, owner: i.Key.owner }).toEqual({ where, owner: { S: OWNER } });
        break;
      case 'dynamodb:PutItem':
        if (c.resource === 'idempotency') {
          // The record belongs to the caller: its key is derived from the caller's principal.
          expect([recordKey('items', `jwt:${OWNER}`, 'k1'), recordKey('items', `jwt:${OWNER}`, 'k2')]).toContain(i.Item.pk.S);
        } else {
          expect({ where, owner: i.Item.owner }).toEqual({ where, owner: { S: OWNER } });
        }
        break;
      case 'dynamodb:Query': {
        // The only condition is the partition key, and it is the caller's (the table's owner, or an index's (owner, value)).
        expect({ where, condition: i.KeyConditionExpression }).toEqual({ where, condition: '#n0 = :v0' });
        const attribute = i.ExpressionAttributeNames['#n0'];
        const value = i.ExpressionAttributeValues[':v0'].S;
        if (c.resource === 'table') expect({ where, attribute, value }).toEqual({ where, attribute: 'owner', value: OWNER });
        else expect({ where, attribute, value }).toEqual({ where, attribute: ownerIndexKeyAttribute('byStatus'), value: ownerIndexValue(OWNER, 'open') });
        if (i.ExclusiveStartKey) expect({ where, owner: i.ExclusiveStartKey.owner }).toEqual({ where, owner: { S: OWNER } });
        break;
      }
      default:
        throw new Error(`unexpected ${where}`);
    }
  }

  test.each([
    ['create', [
      ['POST', '/items', { json: { title: 'a', status: 'open', due: 'x' } }],
      ['POST', '/items', { json: { id: 'shared-1', title: 'b' } }], // bob's id: Alice's own, new
      ['POST', '/items', { json: { id: 'shared-1', title: 'b' } }], // 409 in Alice's namespace
      ['POST', '/items', { json: { title: 'c' }, headers: { 'idempotency-key': 'k1' } }],
      ['POST', '/items', { json: { title: 'c' }, headers: { 'idempotency-key': 'k1' } }], // replay
      ['POST', '/items', { json: { title: 'other' }, headers: { 'idempotency-key': 'k1' } }], // 422
    ]],
    ['read', [['GET', '/items/shared-1'], ['GET', '/items/shared-2'], ['GET', '/items/shared-1', { headers: { 'if-none-match': '"1"' } }]]],
    ['list', [
      ['GET', '/items', { query: 'limit=1' }], ['GET', '/items', { query: 'status=open&order=desc&limit=1' }], ['GET', '/items'],
      ['GET', '/items', { query: 'status=open' }],
    ]],
    ['update', [
      ['PUT', '/items/shared-1', { json: { title: 'put', status: 'open', due: 'y' } }],
      ['PUT', '/items/shared-3', { json: { title: 'created by put' } }],
      ['PATCH', '/items/shared-1', { json: { title: 'patched', status: 'done' }, contentType: patch }],
      ['PATCH', '/items/shared-1', { json: { title: 'stale' }, contentType: patch, headers: { 'if-match': '"1"' } }],
      ['PATCH', '/items/shared-4', { json: { a: 1 }, contentType: patch }],
    ]],
    ['delete', [['DELETE', '/items/shared-3', { headers: { 'if-match': '"1"' } }], ['DELETE', '/items/shared-3'], ['DELETE', '/items/shared-4']]],
  ] as [OperationName, [string, string, any?][]][])('%s', async (op, requests) => {
    calls.length = 0;
    for (const [method, path, opts] of requests) {
      // Follow a listing's cursor once, so ExclusiveStartKey is recorded too.
      const res = await handlers[op]!(apiEvent(method, path, { ...opts, sub: OWNER }));
      expect([method, path, res.statusCode < 500]).toEqual([method, path, true]);
      const next = op === 'list' ? JSON.parse(res.body!).nextCursor : null;
      if (next) {
        const query = `${opts?.query ? `${opts.query}&` : ''}cursor=${next}`;
        expect((await handlers.list!(apiEvent('GET', '/items', { query, sub: OWNER }))).statusCode).toBe(200);
      }
    }
    expect(calls.length).toBeGreaterThan(0);
    expect([...new Set(calls.map(key))].sort()).toEqual(granted(op, true).map(key).sort());
    for (const c of calls) expectOwnersPartitionOnly(c);
    if (op === 'list') expect(calls.some((c) => c.input.ExclusiveStartKey)).toBe(true);
  });

  test('the other tenant’s items are untouched', async () => {
    for (let i = 0; i < 5; i++) {
      const r = await handlers.read!(apiEvent('GET', `/items/shared-${i}`, { sub: 'bob' }));
      expect(JSON.parse(r.body!)).toMatchObject({ id: `shared-${i}`, status: 'open', due: `d${i}`, version: 1, owner: 'bob' });
    }
  });
});

describe('several resources: in every handler mode, a function uses exactly the union of its routes’ grants', () => {
  let api: TestApi;
  const calls: TableCall[] = [];
  const RESOURCES = ['projects', 'notes'] as const;
  beforeAll(async () => {
    const client = tableRecordingClient(calls);
    api = await createTestApi({
      resources: [
        { name: 'projects', indexes: [{ indexName: 'byStatus', partitionKey: 'status' }] },
        { name: 'notes', ownerScoping: { attribute: 'owner' } },
      ],
      dynamodb: client,
    });
  });
  afterAll(async () => api?.destroy());

  /** The requests that exercise one operation of one resource. */
  const requests = (r: string, op: OperationName): [string, string, any?][] => {
    const sub = r === 'notes' ? { sub: 'ann' } : {};
    return {
      create: [['POST', `/${r}`, { json: { id: 'x', status: 'open' }, ...sub }], ['POST', `/${r}`, { json: { a: 1 }, headers: { 'idempotency-key': 'k' }, ...sub }]],
      read: [['GET', `/${r}/x`, sub]],
      list: [['GET', `/${r}`, { query: 'limit=1', ...sub }], ...(r === 'projects' ? [['GET', `/${r}`, { query: 'status=open' }]] : [])],
      update: [['PUT', `/${r}/x`, { json: { status: 'open' }, ...sub }], ['PATCH', `/${r}/x`, { json: { b: 2 }, ...sub }]],
      delete: [['DELETE', `/${r}/x`, sub]],
    }[op] as [string, string, any?][];
  };
  /** What the construct grants for one (resource, operation), in terms of this API's tables. */
  const grants = (r: string, op: OperationName): string[] => {
    const t = api.tables[r];
    const owner = r === 'notes';
    return [
      ...(owner ? OWNER_SCOPED_TABLE_ACTIONS : TABLE_ACTIONS)[op].map((a) => `${a} ${t.tableName}`),
      ...(r === 'projects' ? (INDEX_ACTIONS[op] ?? []).map((a) => `${a} ${t.tableName}/index/byStatus`) : []),
      ...(op === 'create' ? IDEMPOTENCY_ACTIONS.map((a) => `${a} ${t.idempotencyTableName}`) : []),
    ];
  };
  const modes = handlerModes(RESOURCES);

  test.each(modes)('%s', async (_mode, groups) => {
    for (const group of groups) {
      const handler = api.handlerWith({ CRUD_ROUTES: group.map(([r, op]) => `${r}:${op}`).join(',') });
      calls.length = 0;
      for (const [r, op] of group) {
        for (const [method, path, opts] of requests(r, op)) {
          const res = await handler(apiEvent(method, path, opts));
          expect([method, path, res.statusCode < 500]).toEqual([method, path, true]);
        }
      }
      const used = [...new Set(calls.map((c) => `${c.action} ${c.table}${c.index ? `/index/${c.index}` : ''}`))].sort();
      const allowed = [...new Set(group.flatMap(([r, op]) => grants(r, op)))].sort();
      expect({ group: group.map(([r, op]) => `${r}:${op}`), used }).toEqual({ group: group.map(([r, op]) => `${r}:${op}`), used: allowed });
    }
  });
});

describe('nested, sorted and owner-scoped resources: in every handler mode, exactly the grants, and every key names its parent', () => {
  const calls: TableCall[] = [];
  let shared: TestApi;
  let owned: TestApi;

  const recorder = () => tableRecordingClient(calls);

  beforeAll(async () => {
    shared = await createTestApi({
      resources: [
        { name: 'projects', pathParameter: 'projectId', indexes: [{ indexName: 'byStatus', partitionKey: 'status' }] },
        { name: 'tasks', parent: 'projects', pathParameter: 'taskId', idGenerator: 'ulid', indexes: [{ indexName: 'byDue', sortKey: 'due' }] },
        { name: 'comments', parent: 'tasks', idType: 'N', indexes: [{ indexName: 'byScore', partitionKey: 'kind', sortKey: 'score', sortKeyType: 'N' }] },
      ],
      dynamodb: recorder(),
    });
    owned = await createTestApi({
      resources: [
        { name: 'projects', pathParameter: 'projectId', ownerScoping: { attribute: 'owner' } },
        { name: 'tasks', parent: 'projects', ownerScoping: { attribute: 'owner' }, indexes: [{ indexName: 'byDue', sortKey: 'due' }] },
      ],
      dynamodb: recorder(),
    });
  });
  afterAll(async () => {
    await shared?.destroy();
    await owned?.destroy();
  });

  /** The requests that exercise one operation of one resource (path prefixes of its ancestors included). */
  function requests(r: string, op: OperationName, sub?: string): [string, string, any?][] {
    const base = { projects: '/projects', tasks: '/projects/p/tasks', comments: '/projects/p/tasks/t/comments' }[r]!;
    const id = r === 'comments' ? '5' : r === 'tasks' ? 't' : 'p';
    const body = r === 'comments' ? { id: 5, kind: 'k', score: 3 } : { id, status: 'open', due: '2026-01-02' };
    const s = sub ? { sub } : {};
    const query = { projects: 'status=open', tasks: 'due=gte.2026-01-01&order=desc', comments: 'kind=k&score=between.1,9' }[r]!;
    return {
      create: [['POST', base, { json: body, ...s }], ['POST', base, { json: body, ...s }], // 201, then 409
        ['POST', base, { json: { ...body, id: r === 'comments' ? 6 : `${id}2` }, headers: { 'idempotency-key': 'k' }, ...s }],
        ['POST', base.replace('/projects/p', '/projects/ghost'), { json: body, ...s }]], // 404 (no parent), or 201 for projects
      read: [['GET', `${base}/${id}`, s], ['GET', `${base}/${r === 'comments' ? 404 : 'missing'}`, s]],
      list: [['GET', base, { query: 'limit=1', ...s }],
        ...(r === 'comments' ? [['GET', base, { query: 'kind=k&score=gte.1&score=lte.9', ...s }]] : [['GET', base, { query, ...s }]])] as [string, string, any?][],
      update: [['PUT', `${base}/${id}`, { json: body, ...s }], ['PATCH', `${base}/${id}`, { json: { note: 'x' }, contentType: patch, ...s }],
        ['PUT', `${base.replace('/projects/p', '/projects/ghost')}/${id}`, { json: body, ...s }]],
      // A parent with children answers 409; one without (`lonely`, `7`) is deleted.
      delete: [['DELETE', `${base}/${id}`, s], ['DELETE', `${base}/${r === 'comments' ? 7 : 'lonely'}`, s],
        ['DELETE', `${base}/${r === 'comments' ? 404 : 'missing'}`, s]],
    }[op] as [string, string, any?][];
  }

  /** What the construct grants for one (resource, operation), in terms of the API's tables. */
  function grants(api: TestApi, r: string, op: OperationName): string[] {
    const config = api.config.resources.find((x) => x.name === r)!;
    const t = api.tables[r];
    const children = api.config.resources.filter((x) => x.parent === r);
    const scoped = config.parent !== undefined || config.ownerScoping !== undefined;
    return [
      ...tableActionsOf(op, { scoped, hasChildren: children.length > 0 }).map((a) => `${a} ${t.tableName}`),
      ...config.indexes.flatMap((ix) => (INDEX_ACTIONS[op] ?? []).map((a) => `${a} ${t.tableName}/index/${ix.indexName}`)),
      ...(op === 'create' ? IDEMPOTENCY_ACTIONS.map((a) => `${a} ${t.idempotencyTableName}`) : []),
      ...(config.parent !== undefined && (op === 'create' || op === 'update')
        ? [`${RELATED_TABLE_ACTIONS.parentCheck} ${api.tables[config.parent].tableName}`] : []),
      ...(op === 'delete' ? children.map((c) => `${RELATED_TABLE_ACTIONS.childrenQuery} ${api.tables[c.name].tableName}`) : []),
    ];
  }

  /** A nested table's requests all name one parent's partition, in the key or the key condition; never a filter. */
  function expectParentPartition(api: TestApi, c: TableCall, sub: string | undefined) {
    const where = `${c.action} ${JSON.stringify(c.input).slice(0, 240)}`;
    expect({ where, filter: c.input.FilterExpression }).toEqual({ where, filter: undefined });
    const resource = Object.entries(api.tables).find(([, t]) => t.tableName === c.table)?.[0];
    const config = api.config.resources.find((x) => x.name === resource);
    if (!config?.parent) return;
    const ancestors = { tasks: [['p'], ['ghost'], ['lonely']], comments: [['p', 't'], ['ghost', 't'], ['p', 'lonely']] }[config.name as 'tasks' | 'comments'];
    const allowed = ancestors.map((a) => scopeValue(sub, a));
    const part = c.input.Key?.[PARENT_KEY_ATTRIBUTE]?.S ?? c.input.Item?.[PARENT_KEY_ATTRIBUTE]?.S
      ?? (c.action === 'dynamodb:Query' ? Object.values(c.input.ExpressionAttributeValues ?? {}).map((v: any) => v.S)
        .find((v) => typeof v === 'string' && allowed.some((a) => v.startsWith(`${a.length}:${a}`) || v === a)) : undefined);
    if (c.action === 'dynamodb:Query' && c.index) {
      expect({ where, ok: part !== undefined }).toEqual({ where, ok: true });
    } else {
      expect({ where, partition: allowed.includes(part) }).toEqual({ where, partition: true });
    }
  }

  /** A project with a task with a comment, and childless items to delete. */
  async function seedData(api: TestApi, s: { sub?: string }) {
    for (const path of ['/projects/p', '/projects/lonely', '/projects/p/tasks/t', '/projects/p/tasks/lonely']) {
      expect((await api.call('PUT', path, { json: {}, ...s })).status).toBeLessThan(300);
    }
    if (api === shared) {
      for (const path of ['/projects/p/tasks/t/comments/9', '/projects/p/tasks/t/comments/7']) {
        expect((await api.call('PUT', path, { json: {}, ...s })).status).toBeLessThan(300);
      }
    }
  }


  test.each([
    ...handlerModes(['projects', 'tasks', 'comments']).map(([m, g]) => [`shared ${m}`, g] as const),
    ...handlerModes(['projects', 'tasks']).map(([m, g]) => [`owner-scoped ${m}`, g] as const),
  ])('%s', async (name, groups) => {
    const api = name.startsWith('shared') ? shared : owned;
    const sub = name.startsWith('shared') ? undefined : 'ann';
    // The data every group works on: a project with a task with a comment.
    const s = sub ? { sub } : {};
    await seedData(api, s);
    for (const group of groups) {
      const handler = api.handlerWith({ CRUD_ROUTES: group.map(([r, op]) => `${r}:${op}`).join(',') });
      calls.length = 0;
      const statuses: number[] = [];
      for (const [r, op] of group) {
        for (const [method, path, opts] of requests(r, op, sub)) {
          const res = await handler(apiEvent(method, path, { ...opts, routeKeys: routeKeysOf(api) }));
          expect([method, path, res.statusCode < 500]).toEqual([method, path, true]);
          statuses.push(res.statusCode);
        }
      }
      const used = [...new Set(calls.map((c) => `${c.action} ${c.table}${c.index ? `/index/${c.index}` : ''}`))].sort();
      const allowed = [...new Set(group.flatMap(([r, op]) => grants(api, r, op)))].sort();
      const label = group.map(([r, op]) => `${r}:${op}`);
      expect({ label, used }).toEqual({ label, used: allowed });
      for (const c of calls) expectParentPartition(api, c, sub);
      // Put the data back for the next group (a delete group removed it).
      await seedData(api, s);
    }
  });
});

/** The route keys of a test API, as the construct creates them. */
function routeKeysOf(api: TestApi): string[] {
  return api.config.resources.flatMap((r) => ROUTES.filter((x) => r.operations.includes(x.operation))
    .map((x) => `${x.method} ${routePath(api.config.resources, r.name, x.target)}`));
}
