/**
 * Lambda entry point of a change-event publisher: DynamoDB stream batch → CloudEvents on EventBridge.
 * (Placeholder while the publisher is built: it fails every batch, so nothing is lost and nothing is published.)
 */
import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';

export async function handler(event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> {
  const first = event.Records[0]?.dynamodb?.SequenceNumber;
  return { batchItemFailures: first === undefined ? [] : [{ itemIdentifier: first }] };
}
