/**
 * One DynamoDB read of a listing (src/handler/listing.ts pages through them): a Scan of the table, or a Query of the
 * table or an index for one partition, with key conditions only.
 */
import { QueryCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import { DynamoSender, RETURN_CAPACITY, RETURN_INDEX_CAPACITY } from './dynamodb-calls';
import { Expression } from './expression';
import { keyConditionExpression, projectionExpression } from './key-condition';
import type { DynamoItem } from './marshal';
import type { KeyCondition } from '../shared/range-query';

/** One read of a listing: a Scan of the table, or a Query of the table or an index for one partition. */
export interface PageRead {
  /** The GSI to query; undefined: the table. */
  readonly indexName?: string;
  /** The partition to query (attribute and value); undefined: scan the table. */
  readonly partition?: { readonly attribute: string; readonly value: string };
  /** A condition on the sort key of the table or index (Query only): a key condition, never a filter. */
  readonly condition?: KeyCondition;
  /** Top-level attributes to read (a ProjectionExpression); undefined: every attribute. */
  readonly projection?: readonly string[];
  readonly forward: boolean;
  readonly limit: number;
  readonly startKey?: DynamoItem;
}

/** What one read returned, as DynamoDB returned it. */
export interface PageChunk {
  readonly items: DynamoItem[];
  readonly lastKey?: DynamoItem;
}

/**
 * One DynamoDB read of a listing: a Scan, or a Query whose conditions are key conditions only (the partition, and
 * optionally one on the sort key; no filter, so `Limit` and `LastEvaluatedKey` count exactly the items returned).
 */
export async function readPage(client: DynamoSender, tableName: string, r: PageRead): Promise<PageChunk> {
  let out: { Items?: DynamoItem[]; LastEvaluatedKey?: DynamoItem };
  const e = new Expression();
  const projection = r.projection !== undefined ? { ProjectionExpression: projectionExpression(e, r.projection) } : {};
  if (r.partition === undefined) {
    out = await client.send(new ScanCommand({
      TableName: tableName, Limit: r.limit, ExclusiveStartKey: r.startKey, ...projection, ...RETURN_CAPACITY, ...e.params(),
    }));
  } else {
    out = await client.send(new QueryCommand({
      TableName: tableName,
      IndexName: r.indexName,
      KeyConditionExpression: keyConditionExpression(e, r.partition, r.condition),
      ...projection,
      ScanIndexForward: r.forward,
      Limit: r.limit,
      ExclusiveStartKey: r.startKey,
      ...(r.indexName !== undefined ? RETURN_INDEX_CAPACITY : RETURN_CAPACITY),
      ...e.params(),
    }));
  }
  return out.LastEvaluatedKey ? { items: out.Items ?? [], lastKey: out.LastEvaluatedKey } : { items: out.Items ?? [] };
}
