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

const minimal = { version: 2 };
const full: HandlerConfig = {
  version: 2,
  resourceName: 'todos',
  idAttribute: 'todoId',
  operations: ['read', 'list'],
  indexes: [{ indexName: 'byStatus', partitionKey: 'status', sortKey: 'due' }],
  defaultPageSize: 10,
  maxPageSize: 50,
  idempotencyTtlSeconds: 3600,
  ownerScoping: { attribute: 'owner' },
  schema: { type: 'object' },
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
    fs.writeFileSync(other, JSON.stringify({ ...minimal, resourceName: 'other' }));
    expect(loadConfig(dir, { CRUD_CONFIG_FILE: other, CRUD_CONFIG: JSON.stringify(minimal) })).toEqual(full);
  });

  test('then CRUD_CONFIG_FILE, then CRUD_CONFIG; defaults fill what is absent', () => {
    const other = path.join(dir, 'other.json');
    fs.writeFileSync(other, JSON.stringify({ ...minimal, resourceName: 'other' }));
    expect(loadConfig(dir, { CRUD_CONFIG_FILE: other, CRUD_CONFIG: JSON.stringify(minimal) }).resourceName).toBe('other');
    expect(loadConfig(dir, { CRUD_CONFIG: JSON.stringify(minimal) })).toEqual({
      version: 2,
      resourceName: 'items',
      idAttribute: 'id',
      operations: ['create', 'read', 'list', 'update', 'delete'],
      indexes: [],
      defaultPageSize: 25,
      maxPageSize: 100,
      idempotencyTtlSeconds: 86400,
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
    [{ version: 1 }, /understands version 2 only/],
    [{ ...minimal, resourcename: 'x' }, /unknown field 'resourcename'/],
    [{ ...minimal, resourceName: 'a/b' }, /'resourceName' must be one URL path segment/],
    [{ ...minimal, idAttribute: '' }, /'idAttribute' must be an attribute name/],
    [{ ...minimal, idAttribute: 'version' }, /server-managed/],
    [{ ...minimal, operations: ['create', 'fly'] }, /'operations' must be an array of/],
    [{ ...minimal, indexes: [{ indexName: 'ix', partitionKey: 'a' }] }, /'indexes\[0\].indexName' must be a DynamoDB index name/],
    [{ ...minimal, indexes: [{ indexName: 'byId', partitionKey: 'id' }] }, /must not be the id attribute/],
    [{ ...minimal, indexes: [{ indexName: 'byLimit', partitionKey: 'limit' }] }, /reserved query parameter/],
    [{ ...minimal, indexes: [{ indexName: 'one', partitionKey: 'a' }, { indexName: 'two', partitionKey: 'a' }] }, /would be ambiguous/],
    [{ ...minimal, indexes: [{ indexName: 'byVersion', partitionKey: 'k', sortKey: 'version' }] }, /cannot use 'version'/],
    [{ ...minimal, ownerScoping: { attribute: 'id' } }, /must differ from the id attribute/],
    [{ ...minimal, ownerScoping: { attribute: 'owner', indexName: 'byOwner' } }, /unknown field 'ownerScoping.indexName'/],
    [{ ...minimal, ownerScoping: { attribute: 'owner' }, indexes: [{ indexName: 'byOwner', partitionKey: 'owner' }] }, /must not be the owner attribute/],
    [{ ...minimal, indexes: [{ indexName: 'byGen', partitionKey: '_generation' }] }, /hidden server-managed attribute/],
    [{ ...minimal, basePath: '/v1' }, /'basePath' must be an API mapping key/],
    [{ ...minimal, schema: 'string' }, /'schema' must be a JSON Schema/],
    [{ ...minimal, maxPageSize: 5000 }, /'maxPageSize' must be an integer from 1 to 1000/],
    [{ ...minimal, defaultPageSize: 200 }, /'defaultPageSize' must be an integer from 1 to 100/],
    [{ ...minimal, idempotencyTtlSeconds: 0 }, /'idempotencyTtlSeconds'/],
  ])('%j', (raw, message) => {
    expect(() => parseConfig(raw, 'test')).toThrow(message);
  });

  test('the environment needs the table name', () => {
    const key = { CRUD_CURSOR_SECRET: 'k'.repeat(32) };
    expect(() => parseEnvironment(full, {})).toThrow(/CRUD_TABLE_NAME is not set/);
    expect(parseEnvironment(full, { CRUD_TABLE_NAME: 't', ...key }).operations).toEqual(new Set(['read', 'list']));
    expect(parseEnvironment(full, { CRUD_TABLE_NAME: 't', CRUD_OPERATIONS: ' list ', ...key }).operations).toEqual(new Set(['list']));
  });

  test('a function that lists needs a cursor key: there is no default or derived one', () => {
    expect(() => parseEnvironment(full, { CRUD_TABLE_NAME: 't' })).toThrow(/Neither CRUD_CURSOR_SECRET_ARN nor CRUD_CURSOR_SECRET is set/);
    expect(() => parseEnvironment(full, { CRUD_TABLE_NAME: 't', CRUD_CURSOR_SECRET: 'short' })).toThrow(/shorter than 16 bytes/);
    expect(parseEnvironment(full, { CRUD_TABLE_NAME: 't', CRUD_OPERATIONS: 'read' }).cursorSecretArn).toBeUndefined();
    const env = parseEnvironment(full, { CRUD_TABLE_NAME: 't', CRUD_CURSOR_SECRET_ARN: 'arn:aws:secretsmanager:eu-west-1:1:secret:k' });
    expect(env.cursorSecretArn).toBe('arn:aws:secretsmanager:eu-west-1:1:secret:k');
    expect(parseEnvironment(full, { CRUD_TABLE_NAME: 't', CRUD_CURSOR_SECRET: `${'a'.repeat(32)} ${'b'.repeat(32)}` }).cursorSecrets)
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
      process.env.CRUD_TABLE_NAME = api.tableName;
      process.env.CRUD_CONFIG = JSON.stringify(api.config);
      process.env.CRUD_OPERATIONS = 'read';
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
    process.env.CRUD_TABLE_NAME = 't';
    jest.isolateModules(() => {
      expect(() => jest.requireActual('../../src/handler/crud.lambda')).toThrow(/No handler config/);
    });
  });
});
