/**
 * Reference (c): the same CRUD routes with Powertools for AWS Lambda — the HTTP event handler's Router and the
 * Logger (one structured line per request, like ours). DocumentClient for DynamoDB.
 */
import { randomUUID } from 'crypto';
import { NotFoundError, Router } from '@aws-lambda-powertools/event-handler/http';
import { Logger } from '@aws-lambda-powertools/logger';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand, DynamoDBDocumentClient, GetCommand, PutCommand, ScanCommand, UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';

const logger = new Logger({ serviceName: 'crud-bench' });
const doc = DynamoDBDocumentClient.from(new DynamoDBClient({}));
const tableName = process.env.CRUD_TABLE_NAME;
const app = new Router();

app.get('/items/:id', async ({ params }) => {
  const out = await doc.send(new GetCommand({ TableName: tableName, Key: { id: params.id } }));
  if (!out.Item) throw new NotFoundError(`no item ${params.id}`);
  return out.Item;
});

app.get('/items', async () => {
  const out = await doc.send(new ScanCommand({ TableName: tableName, Limit: 25 }));
  return { items: out.Items ?? [] };
});

app.post('/items', async ({ req }) => {
  const item = { ...(await req.json()) as Record<string, unknown>, id: randomUUID() };
  await doc.send(new PutCommand({ TableName: tableName, Item: item }));
  return new Response(JSON.stringify(item), { status: 201, headers: { 'content-type': 'application/json' } });
});

app.patch('/items/:id', async ({ params, req }) => {
  const patch = await req.json() as Record<string, unknown>;
  const keys = Object.keys(patch);
  const out = await doc.send(new UpdateCommand({
    TableName: tableName,
    Key: { id: params.id },
    UpdateExpression: `SET ${keys.map((_, i) => `#k${i} = :v${i}`).join(', ')}`,
    ExpressionAttributeNames: Object.fromEntries(keys.map((k, i) => [`#k${i}`, k])),
    ExpressionAttributeValues: Object.fromEntries(keys.map((k, i) => [`:v${i}`, patch[k]])),
    ConditionExpression: 'attribute_exists(id)',
    ReturnValues: 'ALL_NEW',
  }));
  return out.Attributes ?? {};
});

app.delete('/items/:id', async ({ params }) => {
  await doc.send(new DeleteCommand({ TableName: tableName, Key: { id: params.id } }));
  return new Response(null, { status: 204 });
});

export const handler = async (event: APIGatewayProxyEventV2, context: Context) => {
  logger.addContext(context);
  const response = await app.resolve(event, context);
  logger.info('request', { route: event.routeKey, status: response.statusCode });
  return response;
};
