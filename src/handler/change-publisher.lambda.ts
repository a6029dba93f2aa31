/**
 * Lambda entry point of a change-event publisher: one batch of a table's DynamoDB stream → CloudEvents on EventBridge
 * (src/handler/change-publisher.ts), with ReportBatchItemFailures.
 *
 * Init creates the EventBridge client and reads the config (crud-config.json beside this file) and the environment
 * (PUBLISHER_ENV): a missing or invalid one fails init with a ConfigError naming the problem.
 */
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { Context, DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { publishChanges } from './change-publisher';
import { EVENTBRIDGE_CLIENT_CONFIG, eventBridgeSink } from './event-bus-sink';
import { loadConfig } from './load-config';
import { parsePublisherEnvironment } from './publisher-settings';

// Created once per execution environment (options in event-bus-sink.ts).
const sink = eventBridgeSink(new EventBridgeClient(EVENTBRIDGE_CLIENT_CONFIG));
const settings = parsePublisherEnvironment(loadConfig(__dirname, process.env), process.env);

export async function handler(event: DynamoDBStreamEvent, context?: Context): Promise<DynamoDBBatchResponse> {
  const remainingMs = context ? () => context.getRemainingTimeInMillis() : undefined;
  const { batchItemFailures } = await publishChanges(event.Records, { ...settings, ...(remainingMs ? { remainingMs } : {}) }, sink);
  return { batchItemFailures };
}
