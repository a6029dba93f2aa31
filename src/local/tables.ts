/**
 * Creates the API's tables in DynamoDB (Local) exactly as the template defines them — keys, GSIs, TTL — and does
 * nothing for a table that already exists with the same key schema (so `--persist` and re-runs are idempotent).
 */
import {
  CreateTableCommand, DescribeTableCommand, DynamoDBClient, ResourceNotFoundException, UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import type { LocalTableSpec } from './assembly';

export async function ensureTable(client: DynamoDBClient, t: LocalTableSpec): Promise<'created' | 'exists'> {
  try {
    const existing = await client.send(new DescribeTableCommand({ TableName: t.tableName }));
    const key = (ks: { AttributeName?: string; KeyType?: string }[] | undefined) =>
      JSON.stringify((ks ?? []).map((k) => [k.AttributeName, k.KeyType]));
    if (key(existing.Table?.KeySchema) !== key(t.keySchema)) {
      throw new Error(`table ${t.tableName} exists with another key schema (${key(existing.Table?.KeySchema)} vs ${key(t.keySchema)}); ` +
        'delete it, or use a fresh --persist folder');
    }
    const have = new Set((existing.Table?.GlobalSecondaryIndexes ?? []).map((g) => g.IndexName));
    const missing = t.globalSecondaryIndexes.filter((g) => !have.has(g.IndexName)).map((g) => g.IndexName);
    if (missing.length) {
      throw new Error(`table ${t.tableName} exists without the index(es) ${missing.join(', ')}; delete it, or use a fresh --persist folder`);
    }
    return 'exists';
  } catch (e) {
    if (!(e instanceof ResourceNotFoundException) && (e as Error).name !== 'ResourceNotFoundException') throw e;
  }
  await client.send(new CreateTableCommand({
    TableName: t.tableName,
    BillingMode: 'PAY_PER_REQUEST',
    KeySchema: t.keySchema as any,
    AttributeDefinitions: t.attributeDefinitions as any,
    GlobalSecondaryIndexes: t.globalSecondaryIndexes.length ? t.globalSecondaryIndexes as any : undefined,
  }));
  for (let i = 0; i < 600; i++) {
    const d = await client.send(new DescribeTableCommand({ TableName: t.tableName }));
    if (d.Table?.TableStatus === 'ACTIVE') break;
    await new Promise((r) => setTimeout(r, 100));
  }
  if (t.ttlAttribute) {
    await client.send(new UpdateTimeToLiveCommand({
      TableName: t.tableName,
      TimeToLiveSpecification: { AttributeName: t.ttlAttribute, Enabled: true },
    }));
  }
  return 'created';
}
