/**
 * The baseline of the warm-latency and load benchmarks: the bare DynamoDB commands our handler issues for each
 * operation, with a client configured like the handler's (same request handler timeouts), bundled the same way.
 */
import {
  AttributeValue, DynamoDBClient, GetItemCommand, PutItemCommand, QueryCommand, ScanCommand, UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';

// The handler's client options (src/handler/dynamodb-client.ts), cacheMiddleware included, so the comparison stays fair.
let client = new DynamoDBClient({ requestHandler: { connectionTimeout: 1_000, requestTimeout: 3_000 }, cacheMiddleware: true });

/** Sends through `c` instead (bench/lib/warm-calibrated: one SDK instance for our handler and the bare calls). */
export function useClient(c: DynamoDBClient): void {
  client = c;
}

/** GetItem, strongly consistent (as the handler reads). */
export const getItem = (table: string, id: string) => client.send(new GetItemCommand({
  TableName: table, Key: { id: { S: id } }, ConsistentRead: true,
}));

/** PutItem of a new item, conditioned on the id being free (as the handler creates). */
export const putItem = (table: string, item: Record<string, AttributeValue>) => client.send(new PutItemCommand({
  TableName: table,
  Item: item,
  ConditionExpression: 'attribute_not_exists(#id)',
  ExpressionAttributeNames: { '#id': 'id' },
}));

/** UpdateItem of one attribute, bumping the version, on an existing item, returning it (as the handler patches). */
export const updateItem = (table: string, id: string, title: string, now: string) => client.send(new UpdateItemCommand({
  TableName: table,
  Key: { id: { S: id } },
  UpdateExpression: 'SET #t = :t, #v = if_not_exists(#v, :zero) + :one, #u = :now',
  ConditionExpression: 'attribute_exists(#id)',
  ExpressionAttributeNames: { '#t': 'title', '#v': 'version', '#u': 'updatedAt', '#id': 'id' },
  ExpressionAttributeValues: { ':t': { S: title }, ':zero': { N: '0' }, ':one': { N: '1' }, ':now': { S: now } },
  ReturnValues: 'ALL_NEW',
}));

/** One Scan page. */
export const scanPage = (table: string, limit: number) => client.send(new ScanCommand({ TableName: table, Limit: limit }));

/** GetItem of an owner-scoped item, strongly consistent: the key is (owner, id). */
export const getOwnedItem = (table: string, owner: string, id: string) => client.send(new GetItemCommand({
  TableName: table, Key: { owner: { S: owner }, id: { S: id } }, ConsistentRead: true,
}));

/** One page of an owner's partition (as the handler lists an owner-scoped resource). */
export const queryOwner = (table: string, owner: string, limit: number) => client.send(new QueryCommand({
  TableName: table,
  KeyConditionExpression: '#o = :o',
  ExpressionAttributeNames: { '#o': 'owner' },
  ExpressionAttributeValues: { ':o': { S: owner } },
  Limit: limit,
}));
