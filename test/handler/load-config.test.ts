/**
 * The config loader and the Lambda entry's wiring.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { createTestApi } from './support/api';
import { apiEvent } from './support/events';
import { ConfigError, loadConfig, parseConfig, parseEnvironment } from '../../src/handler/load-config';
import { CONFIG_FILE_NAME, HandlerConfig } from '../../src/shared/config';

/** A config of one resource (`items` unless named). */
const one = (resource: Record<string, unknown> = {}, top: Record<string, unknown> = {}) => ({ version: 4, resources: [{ name: 'items', ...resource }], ...top });
const minimal = one();
const full: HandlerConfig = {
  version: 4,
  resources: [{
    name: 'todos',
    idAttribute: 'todoId',
    idType: 'S',
    idGenerator: 'uuid-v7',
    pathParameter: 'todoId',
    operations: ['read', 'list'],
    indexes: [{ indexName: 'byStatus', partitionKey: 'status', sortKey: 'due' }],
    defaultPageSize: 10,
    maxPageSize: 50,
    idempotencyTtlSeconds: 3600,
    ownerScoping: { attribute: 'owner' },
    schema: { type: 'object' },
  }],
};

describe('loadConfig', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'crud-config-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('the file beside the handler wins over CRUD_CONFIG_FILE and CRUD_CONFIG', () => {
    fs.writeFileSync(path.join(dir, CONFIG_FILE_NAME), JSON.stringify(full));
    const other = path.join(dir, 'other.json');
    fs.writeFileSync(other, JSON.stringify(one({ name: 'other' })));
    expect(loadConfig(dir, { CRUD_CONFIG_FILE: other, CRUD_CONFIG: JSON.stringify(minimal) })).toEqual(full);
  });

  test('then CRUD_CONFIG_FILE, then CRUD_CONFIG; defaults fill what is absent', () => {
    const other = path.join(dir, 'other.json');
    fs.writeFileSync(other, JSON.stringify(one({ name: 'other' })));
    expect(loadConfig(dir, { CRUD_CONFIG_FILE: other, CRUD_CONFIG: JSON.stringify(minimal) }).resources[0].name).toBe('other');
    expect(loadConfig(dir, { CRUD_CONFIG: JSON.stringify(minimal) })).toEqual({
      version: 4,
      resources: [{
        name: 'items',
        idAttribute: 'id',
        idType: 'S',
        idGenerator: 'uuid-v4',
        pathParameter: 'id',
        operations: ['create', 'read', 'list', 'update', 'delete'],
        indexes: [],
        defaultPageSize: 25,
        maxPageSize: 100,
        idempotencyTtlSeconds: 86400,
      }],
    });
  });

  test('a missing or unreadable config is a clear error', () => {
    expect(() => loadConfig(dir, {})).toThrow(/No handler config: expected .*crud-config.json, or a file named by CRUD_CONFIG_FILE, or JSON in CRUD_CONFIG/);
    expect(() => loadConfig(dir, { CRUD_CONFIG_FILE: path.join(dir, 'nope.json') })).toThrow(/nope.json', which does not exist/);
    expect(() => loadConfig(dir, { CRUD_CONFIG: '{' })).toThrow(/CRUD_CONFIG is not valid JSON/);
    fs.writeFileSync(path.join(dir, CONFIG_FILE_NAME), 'not json');
    expect(() => loadConfig(dir, {})).toThrow(ConfigError);
  });
});

describe('parseConfig refuses what the handler cannot serve', () => {
  test.each([
    [[], /expected a JSON object/],
    [{ version: 2, resourceName: 'items' }, /understands version 4 only/],
    [{ version: 4, resources: [] }, /'resources' must be a non-empty array/],
    [{ version: 4, resources: [{ name: 'a' }, { name: 'a' }] }, /two resources are named 'a'/],
    [{ version: 4, resources: [{ name: 'a' }], resourceName: 'a' }, /unknown field 'resourceName'/],
    [one({ resourcename: 'x' }), /resources\[0\]: unknown field 'resourcename'/],
    [one({ name: 'a/b' }), /resources\[0\]: 'name' must be one URL path segment/],
    [one({ idAttribute: '' }), /'idAttribute' must be an attribute name/],
    [one({ idAttribute: 'version' }), /server-managed/],
    [one({ operations: ['create', 'fly'] }), /'operations' must be an array of/],
    [one({ indexes: [{ indexName: 'ix', partitionKey: 'a' }] }), /'indexes\[0\].indexName' must be a DynamoDB index name/],
    [one({ indexes: [{ indexName: 'byId', partitionKey: 'id' }] }), /must not be the id attribute/],
    [one({ indexes: [{ indexName: 'byLimit', partitionKey: 'limit' }] }), /reserved query parameter/],
    [one({ indexes: [{ indexName: 'one', partitionKey: 'a' }, { indexName: 'two', partitionKey: 'a' }] }), /a query could not tell them apart/],
    [one({ indexes: [{ indexName: 'one', partitionKey: 'a', sortKey: 'b' }, { indexName: 'two', partitionKey: 'a', sortKey: 'b' }] }), /a query could not tell them apart/],
    [one({ indexes: [{ indexName: 'byVersion', partitionKey: 'k', sortKey: 'version' }] }), /cannot use 'version'/],
    [one({ ownerScoping: { attribute: 'id' } }), /must differ from the id attribute/],
    [one({ ownerScoping: { attribute: 'owner', indexName: 'byOwner' } }), /unknown field 'ownerScoping.indexName'/],
    [one({ ownerScoping: { attribute: 'owner' }, indexes: [{ indexName: 'byOwner', partitionKey: 'owner' }] }), /must not be the owner attribute/],
    [one({ indexes: [{ indexName: 'byGen', partitionKey: '_generation' }] }), /hidden server-managed attribute/],
    [one({}, { basePath: '/v1' }), /'basePath' must be an API mapping key/],
    [one({ schema: 'string' }), /'schema' must be a JSON Schema/],
    [one({ maxPageSize: 5000 }), /'maxPageSize' must be an integer from 1 to 1000/],
    // Keys and relations
    [one({ idType: 'B' }), /'idType' must be 'S' or 'N'/],
    [one({ idGenerator: 'snowflake' }), /'idGenerator' must be one of uuid-v4, uuid-v7, ulid, none/],
    [one({ idType: 'N', idGenerator: 'uuid-v7' }), /'idGenerator' must be 'none' for numeric ids/],
    [one({ pathParameter: 'item-id' }), /'pathParameter' must be letters, digits and underscores/],
    [one({ idAttribute: '_parent' }), /server-managed/],
    [one({ indexes: [{ indexName: 'byScope', partitionKey: '_scopeKey#x' }] }), /hidden server-managed attribute/],
    [one({ indexes: [{ indexName: 'byDue', sortKey: 'due' }] }), /only an owner-scoped or nested resource can partition an index by its scope/],
    [one({ ownerScoping: { attribute: 'owner' }, indexes: [{ indexName: 'nothing' }] }), /needs a partitionKey, a sortKey, or both/],
    [one({ indexes: [{ indexName: 'byDue', partitionKey: 'a', sortKeyType: 'N' }] }), /'indexes\[0\].sortKeyType' needs a sortKey/],
    [one({ indexes: [{ indexName: 'byDue', partitionKey: 'a', sortKey: 'due', sortKeyType: 'X' }] }), /sortKeyType' must be 'S' or 'N'/],
    [one({ indexes: [{ indexName: 'byFields', partitionKey: 'fields' }] }), /reserved query parameter/],
    [{ version: 4, resources: [{ name: 'tasks', parent: 'projekts' }] }, /'parent' names 'projekts', which is not a resource of this config \(tasks\)/],
    [{ version: 4, resources: [{ name: 'a', parent: 'b', pathParameter: 'aId' }, { name: 'b', parent: 'a', pathParameter: 'bId' }] }, /its own ancestor/],
    [{ version: 4, resources: [{ name: 'a', parent: 'a' }] }, /'parent' must name another resource/],
    [{ version: 4, resources: [{ name: 'p' }, { name: 'c', parent: 'p' }] }, /the path parameter 'id' is used twice/],
    [{ version: 4, resources: [{ name: 'p', pathParameter: 'pid' }, { name: 'c', parent: 'p', idAttribute: 'pid' }] }, /'pid' is stored on 'c' items, so it cannot also be its id/],
    [{ version: 4, resources: [{ name: 'p', pathParameter: 'pid', ownerScoping: { attribute: 'owner' } }, { name: 'c', parent: 'p' }] }, /must have the same owner scoping/],
    [{
      version: 4,
      resources: [
        { name: 'a', pathParameter: 'aId' }, { name: 'b', parent: 'a', pathParameter: 'bId' }, { name: 'c', parent: 'b', pathParameter: 'cId' },
        { name: 'd', parent: 'c', pathParameter: 'dId' }, { name: 'e', parent: 'd' },
      ],
    }, /nested 5 levels deep; at most 4/],
    [one({ defaultPageSize: 200 }), /'defaultPageSize' must be an integer from 1 to 100/],
    [one({ idempotencyTtlSeconds: 0 }), /'idempotencyTtlSeconds'/],
  ])('%j', (raw, message) => {
    expect(() => parseConfig(raw, 'test')).toThrow(message);
  });

  const two: HandlerConfig = { version: 4, resources: [...full.resources, { ...full.resources[0], name: 'tags', operations: ['create', 'read'] }] };
  const key = { CRUD_CURSOR_SECRET: 'k'.repeat(32) };

  test('the environment needs the tables of the resources the function serves, and only those', () => {
    expect(() => parseEnvironment(full, key)).toThrow(/CRUD_TABLES has no table at position 0: the handler needs the table of resource 'todos'/);
    const all = parseEnvironment(two, { CRUD_TABLES: 't0,t1', ...key });
    expect([...all.resources.keys()]).toEqual(['todos', 'tags']);
    expect(all.resources.get('todos')!.operations).toEqual(new Set(['read', 'list']));
    const some = parseEnvironment(two, { CRUD_TABLES: ',t1', CRUD_IDEMPOTENCY_TABLES: ',i1', CRUD_ROUTES: ' tags:create ' });
    expect([...some.resources.keys()]).toEqual(['tags']);
    expect(some.resources.get('tags')).toMatchObject({ tableName: 't1', idempotencyTableName: 'i1', operations: new Set(['create']) });
  });

  test("a nested resource's writes need the parent's table, a parent's delete its children's tables", () => {
    const nested = parseConfig({ version: 4, resources: [{ name: 'projects', pathParameter: 'projectId' }, { name: 'tasks', parent: 'projects' }] }, 'test');
    expect(() => parseEnvironment(nested, { CRUD_TABLES: ',t1', CRUD_ROUTES: 'tasks:create' }))
      .toThrow(/CRUD_TABLES has no table at position 0: the handler needs the table of resource 'projects' \(a parent or child of a resource it serves\)/);
    expect(parseEnvironment(nested, { CRUD_TABLES: 't0,t1', CRUD_ROUTES: 'tasks:update' }).relatedTables).toEqual(new Map([['projects', 't0']]));
    // Reading or listing a child needs no other table; deleting a parent needs its children's.
    expect(parseEnvironment(nested, { CRUD_TABLES: ',t1', CRUD_ROUTES: 'tasks:read' }).relatedTables.size).toBe(0);
    expect(() => parseEnvironment(nested, { CRUD_TABLES: 't0', CRUD_ROUTES: 'projects:delete' })).toThrow(/CRUD_TABLES has no table at position 1/);
    expect(parseEnvironment(nested, { CRUD_TABLES: 't0', CRUD_ROUTES: 'projects:read' }).relatedTables.size).toBe(0);
  });

  test('CRUD_ROUTES names served operations of resources of the config', () => {
    const env = { CRUD_TABLES: 't0,t1', ...key };
    expect(() => parseEnvironment(two, { ...env, CRUD_ROUTES: 'nope:read' })).toThrow(/'nope:read', which names no resource of the config \(todos, tags\)/);
    expect(() => parseEnvironment(two, { ...env, CRUD_ROUTES: 'tags:fly' })).toThrow(/'fly' is not an operation/);
    expect(() => parseEnvironment(two, { ...env, CRUD_ROUTES: 'tags:delete' })).toThrow(/'tags:delete', which the config does not enable \(create, read\)/);
    expect(() => parseEnvironment(two, { ...env, CRUD_ROUTES: 'read' })).toThrow(/names no resource/);
  });

  test('a function that lists needs a cursor key: there is no default or derived one', () => {
    const t = { CRUD_TABLES: 't' };
    expect(() => parseEnvironment(full, t)).toThrow(/Neither CRUD_CURSOR_SECRET_ARN nor CRUD_CURSOR_SECRET is set/);
    expect(() => parseEnvironment(full, { ...t, CRUD_CURSOR_SECRET: 'short' })).toThrow(/shorter than 16 bytes/);
    expect(parseEnvironment(full, { ...t, CRUD_ROUTES: 'todos:read' }).cursorSecretArn).toBeUndefined();
    const env = parseEnvironment(full, { ...t, CRUD_CURSOR_SECRET_ARN: 'arn:aws:secretsmanager:eu-west-1:1:secret:k' });
    expect(env.cursorSecretArn).toBe('arn:aws:secretsmanager:eu-west-1:1:secret:k');
    expect(parseEnvironment(full, { ...t, CRUD_CURSOR_SECRET: `${'a'.repeat(32)} ${'b'.repeat(32)}` }).cursorSecrets)
      .toEqual(['a'.repeat(32), 'b'.repeat(32)]);
  });
});

describe('the Lambda entry (crud.lambda.ts)', () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
  });

  test('reads the config from the environment once and serves requests', async () => {
    const api = await createTestApi();
    try {
      await api.call('PUT', '/items/entry', { json: { a: 1 } });
      process.env.CRUD_TABLES = api.tableName;
      process.env.CRUD_CONFIG = JSON.stringify(api.config);
      process.env.CRUD_ROUTES = 'items:read';
      let entry: typeof import('../../src/handler/crud.lambda') | undefined;
      jest.isolateModules(() => {
        entry = jest.requireActual<typeof import('../../src/handler/crud.lambda')>('../../src/handler/crud.lambda');
      });
      const write = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
      try {
        const r = await entry!.handler(apiEvent('GET', '/items/entry'));
        expect(r.statusCode).toBe(200);
        expect(JSON.parse(r.body as string).a).toBe(1);
        expect((await entry!.handler(apiEvent('DELETE', '/items/entry'))).statusCode).toBe(404);
        const lines = write.mock.calls.map((c) => JSON.parse(String(c[0])));
        expect(lines.map((l) => l.status)).toEqual([200, 404]);
      } finally {
        write.mockRestore();
      }
    } finally {
      await api.destroy();
    }
  });

  test('fails at import with a ConfigError when there is no config', () => {
    delete process.env.CRUD_CONFIG;
    delete process.env.CRUD_CONFIG_FILE;
    process.env.CRUD_TABLES = 't';
    jest.isolateModules(() => {
      expect(() => jest.requireActual('../../src/handler/crud.lambda')).toThrow(/No handler config/);
    });
  });
});
