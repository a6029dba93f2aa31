/**
 * Reference (b): the tutorial-style CRUD handler (a switch on the route, a DocumentClient, JSON.parse/stringify),
 * after the AWS "HTTP API with Lambda and DynamoDB" tutorial. No validation, no conditions, no logging.
 */
import { randomUUID } from 'crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand, DynamoDBDocumentClient, GetCommand, PutCommand, ScanCommand, UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';

const doc = DynamoDBDocumentClient.from(new DynamoDBClient({}));
const tableName = process.env.CRUD_TABLE_NAME;

export const handler = async (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> => {
  let body: unknown;
  let statusCode = 200;
  const headers = { 'content-type': 'application/json' };
  const id = event.pathParameters?.id;
  try {
    switch (event.routeKey) {
      case 'GET /items/{id}': {
        const out = await doc.send(new GetCommand({ TableName: tableName, Key: { id } }));
        if (!out.Item) {
          statusCode = 404;
          body = { message: 'not found' };
        } else {
          body = out.Item;
        }
        break;
      }
      case 'GET /items': {
        const out = await doc.send(new ScanCommand({ TableName: tableName, Limit: 25 }));
        body = { items: out.Items };
        break;
      }
      case 'POST /items': {
        const item = { ...JSON.parse(event.body ?? '{}'), id: randomUUID() };
        await doc.send(new PutCommand({ TableName: tableName, Item: item }));
        statusCode = 201;
        body = item;
        break;
      }
      case 'PATCH /items/{id}': {
        const patch = JSON.parse(event.body ?? '{}') as Record<string, unknown>;
        const keys = Object.keys(patch);
        const out = await doc.send(new UpdateCommand({
          TableName: tableName,
          Key: { id },
          UpdateExpression: `SET ${keys.map((_, i) => `#k${i} = :v${i}`).join(', ')}`,
          ExpressionAttributeNames: Object.fromEntries(keys.map((k, i) => [`#k${i}`, k])),
          ExpressionAttributeValues: Object.fromEntries(keys.map((k, i) => [`:v${i}`, patch[k]])),
          ReturnValues: 'ALL_NEW',
        }));
        body = out.Attributes;
        break;
      }
      case 'DELETE /items/{id}':
        await doc.send(new DeleteCommand({ TableName: tableName, Key: { id } }));
        statusCode = 204;
        break;
      default:
        throw new Error(`Unsupported route: "${event.routeKey}"`);
    }
  } catch (err) {
    statusCode = 400;
    body = { message: (err as Error).message };
  }
  return { statusCode, headers, body: body === undefined ? '' : JSON.stringify(body) };
};
