/**
 * Jest global setup: one DynamoDB Local for the whole run, in memory, on a free loopback port.
 *
 * Tests reach it through the standard SDK environment, so code under test needs no test-only switches:
 * AWS_ENDPOINT_URL_DYNAMODB, AWS_REGION and dummy credentials. Test workers are forked after this runs and inherit
 * process.env. The process is stopped by global-teardown.ts, by the exit/signal hooks below when jest is
 * interrupted, and by the launcher's watchdog if jest is killed outright.
 */
import { startDynamoDbLocal } from '../../src/local/dynamodb-local';

export default async function globalSetup(): Promise<void> {
  const ddb = await startDynamoDbLocal();
  (globalThis as any).__DYNAMODB_LOCAL__ = ddb;

  process.env.AWS_ENDPOINT_URL_DYNAMODB = ddb.endpoint;
  process.env.AWS_REGION = 'us-east-1';
  process.env.AWS_ACCESS_KEY_ID = 'test';
  process.env.AWS_SECRET_ACCESS_KEY = 'test';
  delete process.env.AWS_SESSION_TOKEN;
  delete process.env.AWS_PROFILE;
  // aws-cdk-lib's own TableV2 trips its deprecation warnings on every synth; they are not ours to fix.
  process.env.JSII_DEPRECATED = 'quiet';
  // The AWS SDK's one-line notice about Node 20's end of support, repeated by every test worker.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

  const stopNow = (signal: NodeJS.Signals) => {
    void ddb.stop().finally(() => process.kill(process.pid, signal));
  };
  process.once('SIGINT', stopNow);
  process.once('SIGTERM', stopNow);
}
