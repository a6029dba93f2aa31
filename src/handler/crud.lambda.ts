/**
 * Lambda entry point of every ServerlessCrudApi function: payload 2.0 event → route → operation → response.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';

// Created once per execution environment; the SDK reads region/endpoint from the standard environment.
const ddb = new DynamoDBClient({});
void ddb;

export const handler = async (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> => {
  return {
    statusCode: 501,
    headers: { 'content-type': 'application/problem+json' },
    body: JSON.stringify({ type: 'about:blank', title: 'Not Implemented', status: 501, detail: `${event.routeKey} is not implemented yet` }),
  };
};
