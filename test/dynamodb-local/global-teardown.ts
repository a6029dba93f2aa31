import type { DynamoDbLocal } from '../../src/local/dynamodb-local';

export default async function globalTeardown(): Promise<void> {
  const ddb = (globalThis as any).__DYNAMODB_LOCAL__ as DynamoDbLocal | undefined;
  await ddb?.stop();
}
