/**
 * A CRUD API under test: its own uniquely named tables on DynamoDB Local, a handler built for its config, and helpers
 * to call it and to look at the tables directly.
 */
import {
  AttributeDefinition, BatchWriteItemCommand, CreateTableCommand, DeleteTableCommand, DynamoDBClient, GlobalSecondaryIndex,
} from '@aws-sdk/client-dynamodb';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { apiEvent, RequestOptions } from './events';
import { resourceConfig } from './resource-config';
import { testValidators } from './validators';
import { createHandler, CrudHandler, HandlerDependencies } from '../../../src/handler/handler';
import { parseConfig } from '../../../src/handler/load-config';
import { DynamoItem, fromItem, toItem } from '../../../src/handler/marshal';
import {
  CONFIG_VERSION, ENV, HandlerConfig, joinTableNames, ResourceConfig,
} from '../../../src/shared/config';
import { KeyAttribute, ownerIndexKeyAttribute, ownerIndexValue, tableKeySchema } from '../../../src/shared/keys';
import { routePath, ROUTES } from '../../../src/shared/routes';
import { scanTable } from '../../dynamodb-local/scan';

/** The cursor key of every test API (the runner and AWS use a secret per deployment). */
export const TEST_CURSOR_SECRET = 'test-cursor-key-0123456789abcdef0123456789abcdef';

/** One shared client for table setup and direct reads. */
export const ddb = new DynamoDBClient({});

let tableCounter = 0;

/** A response as tests look at it. */
export interface TestResponse {
  readonly status: number;
  readonly headers: Record<string, string>;
  /** Parsed JSON body (undefined when there is none). */
  readonly body: any;
  readonly rawBody?: string;
}

/** A resource of a test API: overrides of the default (`items`, id `id`, every operation, no index, no schema). */
export type TestResourceConfig = Partial<ResourceConfig>;

/** Options for {@link createTestApi}. */
export interface TestApiOptions {
  /** The one resource of the API (and the API's `basePath`). */
  readonly config?: TestResourceConfig & { readonly basePath?: string };
  /** Several resources instead (each with a `name`); the first is the one `tableName`, `scanItems` etc. refer to. */
  readonly resources?: TestResourceConfig[];
  /** Extra environment (e.g. CRUD_ROUTES). */
  readonly env?: Record<string, string>;
  /** Create the idempotency table and pass its name. @default true */
  readonly idempotencyTable?: boolean;
  /** Replace the handler's DynamoDB client (fault injection). */
  readonly dynamodb?: DynamoDBClient;
  readonly deps?: Partial<HandlerDependencies>;
}

/** A running API under test. */
export interface TestApi {
  readonly config: HandlerConfig;
  /** The first resource's tables. */
  readonly tableName: string;
  readonly idempotencyTableName?: string;
  /** Every resource's tables, by resource name. */
  readonly tables: Record<string, { tableName: string; idempotencyTableName?: string }>;
  readonly handler: CrudHandler;
  /** Log lines the handler wrote, parsed. */
  readonly logs: any[];
  /** Calls the handler with an event built by {@link apiEvent}. */
  call(method: string, path: string, opts?: RequestOptions): Promise<TestResponse>;
  /** Calls the handler with a ready event. */
  send(event: APIGatewayProxyEventV2): Promise<TestResponse>;
  /** Every item in the items table (unmarshalled), sorted by id. */
  scanItems(): Promise<any[]>;
  /** Every raw item of both tables, for "unchanged" assertions. */
  snapshot(): Promise<string>;
  /** Writes items directly (BatchWriteItem, 25 at a time). */
  seed(items: any[]): Promise<void>;
  /** Deletes every item of the items table. */
  clear(): Promise<void>;
  /** Builds another handler on the same tables (other env or deps). */
  handlerWith(env: Record<string, string>, deps?: Partial<HandlerDependencies>): CrudHandler;
  destroy(): Promise<void>;
}

/** Creates the tables for a config and a handler on them. */
export async function createTestApi(options: TestApiOptions = {}): Promise<TestApi> {
  const { basePath, ...single } = options.config ?? {};
  // Checked and completed exactly as the handler loads a config (defaults filled, nesting rules applied).
  const config: HandlerConfig = parseConfig({
    version: CONFIG_VERSION,
    resources: (options.resources ?? [single]).map((r) => resourceConfig(r)),
    ...(basePath !== undefined ? { basePath } : {}),
  }, 'test');
  const nested = config.resources.some((r) => r.parent !== undefined);
  // Route keys as the construct creates them, so nested paths reach the handler as API Gateway sends them.
  const routeKeys = nested
    ? config.resources.flatMap((r) => ROUTES.filter((x) => r.operations.includes(x.operation))
      .map((x) => `${x.method} ${routePath(config.resources, r.name, x.target)}`))
    : undefined;
  const tables: TestApi['tables'] = {};
  const baseEnv: Record<string, string> = { [ENV.CURSOR_SECRET]: TEST_CURSOR_SECRET };
  const tableNames = new Map<number, string>();
  const idempotencyTableNames = new Map<number, string>();
  for (const [index, resource] of config.resources.entries()) {
    const suffix = `${process.pid}-${Date.now()}-${++tableCounter}`;
    const names = {
      tableName: `crud-${suffix}`,
      ...(options.idempotencyTable === false ? {} : { idempotencyTableName: `crud-idem-${suffix}` }),
    };
    await createTables(resource, names.tableName, names.idempotencyTableName);
    tables[resource.name] = names;
    tableNames.set(index, names.tableName);
    if (names.idempotencyTableName) idempotencyTableNames.set(index, names.idempotencyTableName);
  }
  // As the construct sets them (src/construct/api-routes.ts): the names by resource position, in one variable each.
  baseEnv[ENV.TABLES] = joinTableNames(tableNames);
  if (idempotencyTableNames.size > 0) baseEnv[ENV.IDEMPOTENCY_TABLES] = joinTableNames(idempotencyTableNames);
  const first = config.resources[0];
  const { tableName, idempotencyTableName } = tables[first.name];

  const logs: any[] = [];
  const validators = testValidators(config);
  const build = (env: Record<string, string>, deps: Partial<HandlerDependencies> = {}) => createHandler(config, { ...baseEnv, ...env }, {
    dynamodb: options.dynamodb ?? ddb,
    validators,
    log: (line) => logs.push(JSON.parse(line)),
    ...options.deps,
    ...deps,
  });
  const handler = build(options.env ?? {});
  const send = async (event: APIGatewayProxyEventV2) => toTestResponse(await handler(event));

  const scanRaw = (table: string): Promise<DynamoItem[]> => scanTable(ddb, table);
  const batchWrite = async (table: string, requests: any[]) => {
    for (let i = 0; i < requests.length; i += 25) {
      let pending: any = { [table]: requests.slice(i, i + 25) };
      while (pending && Object.keys(pending).length) {
        const out = await ddb.send(new BatchWriteItemCommand({ RequestItems: pending }));
        pending = out.UnprocessedItems;
      }
    }
  };

  return {
    config,
    tables,
    tableName,
    ...(idempotencyTableName ? { idempotencyTableName } : {}),
    handler,
    logs,
    call: (method, path, opts) => send(apiEvent(method, path, { ...(routeKeys ? { routeKeys } : {}), ...opts })),
    send,
    scanItems: async () => (await scanRaw(tableName)).map(fromItem)
      .sort((a, b) => String(a[first.idAttribute]).localeCompare(String(b[first.idAttribute]))),
    snapshot: async () => {
      const canon = (items: DynamoItem[]) => items.map((i) => JSON.stringify(sortKeys(i))).sort();
      const out: Record<string, unknown> = {
        items: canon(await scanRaw(tableName)),
        idempotency: idempotencyTableName ? canon(await scanRaw(idempotencyTableName)) : [],
      };
      // Every other resource's tables too: nothing may change anywhere.
      for (const [name, t] of Object.entries(tables)) {
        if (name === first.name) continue;
        const idempotency = t.idempotencyTableName ? canon(await scanRaw(t.idempotencyTableName)) : [];
        out[name] = { items: canon(await scanRaw(t.tableName)), idempotency };
      }
      return JSON.stringify(out);
    },
    seed: (items) => batchWrite(tableName, items.map((it) => ({ PutRequest: { Item: toItem(asStored(first, it)) } }))),
    clear: async () => {
      const schema = keySchemaOf(first);
      const keyNames = [schema.partitionKey.name, schema.sortKey?.name].filter((k): k is string => k !== undefined);
      const itemKeys = (await scanRaw(tableName))
        .map((it) => ({ DeleteRequest: { Key: Object.fromEntries(keyNames.map((k) => [k, it[k]])) } }));
      await batchWrite(tableName, itemKeys);
    },
    handlerWith: build,
    destroy: async () => {
      for (const t of Object.values(tables)) {
        await ddb.send(new DeleteTableCommand({ TableName: t.tableName })).catch(() => undefined);
        if (t.idempotencyTableName) await ddb.send(new DeleteTableCommand({ TableName: t.idempotencyTableName })).catch(() => undefined);
      }
    },
  };
}

/**
 * An item as the handler stores it: in owner-scoped resources, with the hidden (owner, value) partition key of each
 * index whose attribute the item has (src/shared/keys.ts).
 */
function asStored(config: ResourceConfig, item: any): any {
  const ownerAttribute = config.ownerScoping?.attribute;
  if (ownerAttribute === undefined || typeof item[ownerAttribute] !== 'string') return item;
  const out = { ...item };
  for (const ix of config.indexes) {
    if (ix.partitionKey !== undefined && typeof item[ix.partitionKey] === 'string') out[ownerIndexKeyAttribute(ix.indexName)] = ownerIndexValue(item[ownerAttribute], item[ix.partitionKey]);
  }
  return out;
}

/** A resource's key schema, as the construct derives it. */
function keySchemaOf(r: ResourceConfig) {
  return tableKeySchema({
    idAttribute: r.idAttribute, idType: r.idType, ownerAttribute: r.ownerScoping?.attribute, nested: r.parent !== undefined, indexes: r.indexes,
  });
}

/** Creates one resource's tables with the key layout the construct creates (src/shared/keys.ts). */
async function createTables(resource: ResourceConfig, tableName: string, idempotencyTableName: string | undefined): Promise<void> {
  const keys = keySchemaOf(resource);
  const attributes = new Map<string, AttributeDefinition>();
  const addAttr = (k: KeyAttribute) => attributes.set(k.name, { AttributeName: k.name, AttributeType: k.type });
  addAttr(keys.partitionKey);
  if (keys.sortKey) addAttr(keys.sortKey);
  const gsis: GlobalSecondaryIndex[] = [];
  for (const ix of keys.indexes) {
    addAttr(ix.partitionKey);
    if (ix.sortKey) addAttr(ix.sortKey);
    gsis.push({
      IndexName: ix.indexName,
      KeySchema: [
        { AttributeName: ix.partitionKey.name, KeyType: 'HASH' },
        ...(ix.sortKey ? [{ AttributeName: ix.sortKey.name, KeyType: 'RANGE' as const }] : []),
      ],
      Projection: { ProjectionType: 'ALL' },
    });
  }
  await ddb.send(new CreateTableCommand({
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [...attributes.values()],
    KeySchema: [
      { AttributeName: keys.partitionKey.name, KeyType: 'HASH' },
      ...(keys.sortKey ? [{ AttributeName: keys.sortKey.name, KeyType: 'RANGE' as const }] : []),
    ],
    ...(gsis.length ? { GlobalSecondaryIndexes: gsis } : {}),
  }));
  if (idempotencyTableName) {
    await ddb.send(new CreateTableCommand({
      TableName: idempotencyTableName,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
    }));
  }
}

/** A handler result as a {@link TestResponse}. */
export function toTestResponse(r: { statusCode: number; headers: Record<string, string>; body?: string }): TestResponse {
  let body: any;
  if (r.body !== undefined && r.body !== '') body = JSON.parse(r.body);
  return { status: r.statusCode, headers: r.headers, body, ...(r.body !== undefined ? { rawBody: r.body } : {}) };
}

function sortKeys(v: any): any {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === 'object' && !(v instanceof Uint8Array)) {
    return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sortKeys(v[k])]));
  }
  return v;
}

/** The problem `type` URI for a slug. */
export function problemType(slug: string): string {
  return `https://cdk-serverless-crud-api.dev/problems/${slug}`;
}

/** An item as the handler would have created it (for seeding). */
export function handlerLikeItem(id: string, attrs: Record<string, unknown>, createdAt = new Date().toISOString()): any {
  return { ...attrs, id, version: 1, createdAt, updatedAt: createdAt };
}
