/**
 * The baseline of the relations benchmark: the bare DynamoDB commands our handler issues to list a parent's children,
 * to list a range of them and to create one under its parent, with a client configured like the handler's, bundled
 * the same way (bench/references/bare-sdk.ts does the same for the single-resource operations).
 */
import { AttributeValue, DynamoDBClient, QueryCommand, TransactWriteItemsCommand } from '@aws-sdk/client-dynamodb';

// The handler's client options (src/handler/dynamodb-client.ts), cacheMiddleware included, so the comparison stays fair.
let client = new DynamoDBClient({ requestHandler: { connectionTimeout: 1_000, requestTimeout: 3_000 }, cacheMiddleware: true });

/** Sends through `c` instead (bench/lib/warm-calibrated: one SDK instance for our handler and the bare calls). */
export function useClient(c: DynamoDBClient): void {
  client = c;
}

/** One page of a partition of the table or of an index, optionally narrowed by `BETWEEN` on the sort key. */
export const queryPartition = (
  table: string, indexName: string | undefined, partition: { name: string; value: string }, limit: number,
  between?: { name: string; low: string; high: string },
) => client.send(new QueryCommand({
  TableName: table,
  IndexName: indexName,
  KeyConditionExpression: between ? '#p = :p AND #s BETWEEN :a AND :b' : '#p = :p',
  ExpressionAttributeNames: { '#p': partition.name, ...(between ? { '#s': between.name } : {}) },
  ExpressionAttributeValues: {
    ':p': { S: partition.value },
    ...(between ? { ':a': { S: between.low }, ':b': { S: between.high } } : {}),
  },
  Limit: limit,
}));

/** A child written under its parent in one transaction: the parent exists, the child's id is free. */
export const createUnderParent = (
  parentTable: string, parentKey: Record<string, AttributeValue>, childTable: string, item: Record<string, AttributeValue>,
) => client.send(new TransactWriteItemsCommand({
  TransactItems: [
    {
      ConditionCheck: {
        TableName: parentTable, Key: parentKey, ConditionExpression: 'attribute_exists(#id)', ExpressionAttributeNames: { '#id': 'id' },
      },
    },
    { Put: { TableName: childTable, Item: item, ConditionExpression: 'attribute_not_exists(#id)', ExpressionAttributeNames: { '#id': 'id' } } },
  ],
}));
