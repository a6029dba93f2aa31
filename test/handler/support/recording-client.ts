import { DynamoDBClient } from '@aws-sdk/client-dynamodb';

/*
 * A DynamoDB client that records what it sends, for the tests that compare a function's SDK calls with its grants
 * (test/construct/handler-actions.test.ts, test/example/checkout.test.ts).
 */

/** One DynamoDB request as the multi-resource tests see it: the action, the table (and index), the input. */
export type TableCall = { action: string; table: string; index?: string; input: any };

/** An SDK client that records every DynamoDB action (transactions expanded) with the table and index it touches. */
export function tableRecordingClient(calls: TableCall[]): DynamoDBClient {
  const client = new DynamoDBClient({});
  client.middlewareStack.add((next, context) => async (args: any) => {
    const input = args.input ?? {};
    const command = String(context.commandName).replace(/Command$/, '');
    if (command === 'TransactWriteItems') {
      for (const item of input.TransactItems ?? []) {
        const [kind, body] = Object.entries(item)[0] as [string, any];
        const action = { Put: 'PutItem', Update: 'UpdateItem', Delete: 'DeleteItem', ConditionCheck: 'ConditionCheckItem' }[kind];
        calls.push({ action: `dynamodb:${action}`, table: body.TableName, input: body });
      }
    } else {
      calls.push({ action: `dynamodb:${command}`, table: input.TableName, ...(input.IndexName ? { index: input.IndexName } : {}), input });
    }
    return next(args);
  }, { step: 'initialize', name: 'recordActions' });
  return client;
}
