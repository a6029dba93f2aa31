// DynamoDB Local for the benchmarks (the launcher the tests use, src/local/dynamodb-local.ts), and table helpers.
import { createRequire } from 'node:module';
import { join } from 'node:path';
import {
  BatchWriteItemCommand, CreateTableCommand, DynamoDBClient, ListTablesCommand, ScanCommand,
} from '@aws-sdk/client-dynamodb';

const require = createRequire(import.meta.url);

/** Environment every process of the benchmark gets: region, dummy credentials, DynamoDB Local as the endpoint. */
export function awsEnv(endpoint) {
  return {
    AWS_REGION: 'us-east-1',
    AWS_DEFAULT_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_ENDPOINT_URL_DYNAMODB: endpoint,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    NODE_NO_WARNINGS: '1',
  };
}

/** Starts DynamoDB Local (in memory); the caller must `stop()` it. */
export async function startDdb(libDir) {
  const { startDynamoDbLocal } = require(join(libDir, 'dynamodb-local.cjs'));
  return startDynamoDbLocal();
}

export function client(endpoint) {
  return new DynamoDBClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
}

/**
 * A table keyed by `id` (string), like the construct's items table without indexes; with `owned`, keyed by
 * (`owner`, `id`) like an owner-scoped one.
 */
export async function createItemsTable(ddb, name, owned = false) {
  await ddb.send(new CreateTableCommand({
    TableName: name,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }, ...(owned ? [{ AttributeName: 'owner', AttributeType: 'S' }] : [])],
    KeySchema: owned
      ? [{ AttributeName: 'owner', KeyType: 'HASH' }, { AttributeName: 'id', KeyType: 'RANGE' }]
      : [{ AttributeName: 'id', KeyType: 'HASH' }],
  }));
}

/** The idempotency table of the construct (partition key `pk`). */
export async function createIdempotencyTable(ddb, name) {
  await ddb.send(new CreateTableCommand({
    TableName: name,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
    KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
  }));
}

/** An item as the handler stores it (version 1, timestamps), marshalled. */
export function handlerLikeItem(id, title, owner) {
  const now = new Date().toISOString();
  return {
    id: { S: id }, title: { S: title }, done: { BOOL: false }, version: { N: '1' }, createdAt: { S: now }, updatedAt: { S: now },
    _generation: { S: 'benchGen000' }, ...(owner !== undefined ? { owner: { S: owner } } : {}),
  };
}

/** Writes items 25 at a time, retrying unprocessed ones. */
export async function seed(ddb, table, items) {
  for (let i = 0; i < items.length; i += 25) {
    let pending = { [table]: items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } })) };
    while (pending && Object.keys(pending).length) {
      const out = await ddb.send(new BatchWriteItemCommand({ RequestItems: pending }));
      pending = out.UnprocessedItems;
    }
  }
}

/** Every item of a table (consistent scan). */
export async function scanAll(ddb, table) {
  const items = [];
  let ExclusiveStartKey;
  do {
    const page = await ddb.send(new ScanCommand({ TableName: table, ConsistentRead: true, ExclusiveStartKey }));
    items.push(...(page.Items ?? []));
    ExclusiveStartKey = page.LastEvaluatedKey;
  } while (ExclusiveStartKey);
  return items;
}

export async function listTables(ddb) {
  const names = [];
  let ExclusiveStartTableName;
  do {
    const out = await ddb.send(new ListTablesCommand({ ExclusiveStartTableName }));
    names.push(...(out.TableNames ?? []));
    ExclusiveStartTableName = out.LastEvaluatedTableName;
  } while (ExclusiveStartTableName);
  return names;
}
