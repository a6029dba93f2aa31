/**
 * Reference (a), the floor: a DocumentClient and the least a GET can do — one GetItem, its item as the body.
 * Whatever a CRUD handler adds on top of this is its own cost.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';

const doc = DynamoDBDocumentClient.from(new DynamoDBClient({}));
const table = process.env.CRUD_TABLE_NAME;

export const handler = async (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> => {
  const out = await doc.send(new GetCommand({ TableName: table, Key: { id: event.pathParameters?.id } }));
  return { statusCode: 200, body: JSON.stringify(out.Item) };
};
