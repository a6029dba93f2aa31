/**
 * The floor without a call: a DocumentClient is constructed, the handler answers without touching DynamoDB. The
 * difference to floor.ts is what the SDK spends on its first request (credentials, endpoint, HTTP agent, signing).
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';

export const doc = DynamoDBDocumentClient.from(new DynamoDBClient({}));

export const handler = async (): Promise<APIGatewayProxyStructuredResultV2> => ({ statusCode: 200, body: '{}' });
