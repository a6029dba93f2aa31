/**
 * How the handler's DynamoDB client is configured: one place, so the benchmarks' bare references and our handler use
 * exactly the same client options.
 */
import type { DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';

/**
 * Region and endpoint come from the standard environment. Timeouts bound a hung connection well inside the
 * function's timeout; the SDK's standard retry mode (3 attempts) stays.
 */
export const DYNAMODB_CLIENT_CONFIG: DynamoDBClientConfig = {
  requestHandler: { connectionTimeout: 1_000, requestTimeout: 3_000 },
};
