/**
 * Creates the API's tables in DynamoDB (Local) exactly as the template defines them — keys, GSIs, TTL — and does
 * nothing for a table that already exists with the same key schema (so `--persist` and re-runs are idempotent). An
 * index the template has and the table lacks (a new one in `--watch`, or a `--persist` folder from before it) is
 * added to the table, its data kept. A table whose resource publishes change events gets a NEW_AND_OLD_IMAGES stream
 * (enabled on an existing table that has none; its data kept).
 */
import {
  CreateTableCommand, DescribeTableCommand, DynamoDBClient, ResourceNotFoundException, UpdateTableCommand, UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import type { LocalTableSpec } from './assembly';

/** What {@link ensureTable} did: created the table, found it as it is, or added the named indexes (or its stream) to it. */
export type TableOutcome = 'created' | 'exists' | { readonly indexesAdded: string[]; readonly streamEnabled?: boolean };

/** A one-line description of a {@link TableOutcome}. */
export function describeOutcome(r: TableOutcome): string {
  if (typeof r === 'string') return r;
  return [
    ...(r.indexesAdded.length ? [`index${r.indexesAdded.length > 1 ? 'es' : ''} ${r.indexesAdded.join(', ')} added`] : []),
    ...(r.streamEnabled ? ['stream (NEW_AND_OLD_IMAGES) enabled'] : []),
  ].join(', ');
}

export async function ensureTable(client: DynamoDBClient, t: LocalTableSpec): Promise<TableOutcome> {
  try {
    const existing = await client.send(new DescribeTableCommand({ TableName: t.tableName }));
    const key = (ks: { AttributeName?: string; KeyType?: string }[] | undefined) =>
      JSON.stringify((ks ?? []).map((k) => [k.AttributeName, k.KeyType]));
    if (key(existing.Table?.KeySchema) !== key(t.keySchema)) {
      throw new Error(`table ${t.tableName} exists with another key schema (${key(existing.Table?.KeySchema)} vs ${key(t.keySchema)}); ` +
        'delete it, or use a fresh --persist folder');
    }
    const have = new Set((existing.Table?.GlobalSecondaryIndexes ?? []).map((g) => g.IndexName));
    const missing = t.globalSecondaryIndexes.filter((g) => !have.has(g.IndexName));
    const streamEnabled = await ensureStream(client, t, existing.Table?.StreamSpecification);
    if (!missing.length) return streamEnabled ? { indexesAdded: [], streamEnabled } : 'exists';
    // One index per UpdateTable call, as DynamoDB requires.
    for (const g of missing) {
      const attrs = new Set(g.KeySchema.map((k) => k.AttributeName));
      await client.send(new UpdateTableCommand({
        TableName: t.tableName,
        AttributeDefinitions: t.attributeDefinitions.filter((a) => attrs.has(a.AttributeName)) as any,
        GlobalSecondaryIndexUpdates: [{ Create: { IndexName: g.IndexName, KeySchema: g.KeySchema as any, Projection: g.Projection } }],
      }));
      await waitActive(client, t.tableName);
    }
    return { indexesAdded: missing.map((g) => g.IndexName), streamEnabled };
  } catch (e) {
    if (!(e instanceof ResourceNotFoundException) && (e as Error).name !== 'ResourceNotFoundException') throw e;
  }
  await client.send(new CreateTableCommand({
    TableName: t.tableName,
    BillingMode: 'PAY_PER_REQUEST',
    KeySchema: t.keySchema as any,
    AttributeDefinitions: t.attributeDefinitions as any,
    GlobalSecondaryIndexes: t.globalSecondaryIndexes.length ? t.globalSecondaryIndexes as any : undefined,
    StreamSpecification: t.stream ? { StreamEnabled: true, StreamViewType: t.stream } : undefined,
  }));
  await waitActive(client, t.tableName);
  if (t.ttlAttribute) {
    await client.send(new UpdateTimeToLiveCommand({
      TableName: t.tableName,
      TimeToLiveSpecification: { AttributeName: t.ttlAttribute, Enabled: true },
    }));
  }
  return 'created';
}

/**
 * Enables the stream the table needs and lacks (true when it did). A stream of another view type cannot be changed in
 * place: the table must be deleted (the message says so).
 */
async function ensureStream(
  client: DynamoDBClient, t: LocalTableSpec, current: { StreamEnabled?: boolean; StreamViewType?: string } | undefined,
): Promise<boolean> {
  if (!t.stream) return false;
  if (current?.StreamEnabled) {
    if (current.StreamViewType === t.stream) return false;
    throw new Error(`table ${t.tableName} has a ${current.StreamViewType} stream; change events need ${t.stream}: delete the table, or use a fresh --persist folder`);
  }
  await client.send(new UpdateTableCommand({ TableName: t.tableName, StreamSpecification: { StreamEnabled: true, StreamViewType: t.stream } }));
  await waitActive(client, t.tableName);
  return true;
}

/**
 * Waits until the table and all of its indexes are ACTIVE: DynamoDB Local makes a new table ACTIVE at once, but builds
 * an index added to an existing table in the background (under load, tens of seconds were seen). At most a minute.
 */
async function waitActive(client: DynamoDBClient, tableName: string): Promise<void> {
  for (let i = 0; i < 1200; i++) {
    const d = await client.send(new DescribeTableCommand({ TableName: tableName }));
    if (d.Table?.TableStatus === 'ACTIVE' && (d.Table.GlobalSecondaryIndexes ?? []).every((g) => g.IndexStatus === 'ACTIVE')) return;
    await new Promise((r) => setTimeout(r, 50));
  }
}
