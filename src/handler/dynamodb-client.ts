/**
 * How the handler's DynamoDB client is configured: one place, so the benchmarks' bare references and our handler use
 * exactly the same client options.
 */
import type { DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';

/**
 * Region and endpoint come from the standard environment. Timeouts bound a hung connection well inside the
 * function's timeout; the SDK's standard retry mode (3 attempts) stays.
 *
 * `cacheMiddleware`: the SDK otherwise resolves the client's and the command's middleware stacks again on every send
 * (aws-sdk-js-v3 #6423). Measured with the calibrated warm benchmark (bench/warm.mjs --cache-ab, one SDK copy, same
 * run): our handler's p50 drops 5–8 % on every operation (70–130 µs), the bare SDK call's 2–5 %. The one condition it
 * sets: middleware must be added to the client before its first request (later additions are not picked up).
 */
export const DYNAMODB_CLIENT_CONFIG: DynamoDBClientConfig = {
  requestHandler: { connectionTimeout: 1_000, requestTimeout: 3_000 },
  cacheMiddleware: true,
};
