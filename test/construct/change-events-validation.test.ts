import { App, Duration, Stack, Token } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import { ChangeEvents, ServerlessCrudApi, ServerlessCrudApiProps } from '../../src';

function make(props: ServerlessCrudApiProps | ((stack: Stack) => ServerlessCrudApiProps)) {
  const stack = new Stack(new App(), 'S');
  return () => new ServerlessCrudApi(stack, 'Api', typeof props === 'function' ? props(stack) : props);
}

const on = () => ChangeEvents.toEventBus();
const table = (stack: Stack, stream?: dynamodb.StreamViewType) =>
  new dynamodb.TableV2(stack, 'T', { partitionKey: { name: 'id', type: dynamodb.AttributeType.STRING }, dynamoStream: stream });

// One rule per row: [what is wrong, props (a function: built when the API is), the message must match].
const RULES: [string, ServerlessCrudApiProps | ((stack: Stack) => ServerlessCrudApiProps), RegExp][] = [
  ['a stream of another view type', () => ({ changeEvents: on(), stream: dynamodb.StreamViewType.NEW_IMAGE }),
    /'changeEvents' needs the table's stream to carry old and new images, but 'stream' is NEW_IMAGE; remove 'stream' .* or set it to StreamViewType.NEW_AND_OLD_IMAGES/],
  ['a resource\'s stream of another view type, events from the API', () => ({ changeEvents: on(), resources: [{ name: 'a' }, { name: 'b', stream: dynamodb.StreamViewType.KEYS_ONLY }] }),
    /'changeEvents' needs .* but 'resources\[1\].stream' is KEYS_ONLY; remove 'resources\[1\].stream'/],
  ['a resource\'s stream of another view type, its own events', () => ({ resources: [{ name: 'b', stream: dynamodb.StreamViewType.OLD_IMAGE, changeEvents: on() }] }),
    /'resources\[0\].changeEvents' needs .* but 'resources\[0\].stream' is OLD_IMAGE/],
  ['an existing table without a stream', (stack) => ({ changeEvents: on(), existingTable: table(stack) }),
    /'changeEvents' reads the table's stream, but 'existingTable' has none known here; enable a NEW_AND_OLD_IMAGES stream .* tableStreamArn/],
  ['an imported table without a stream ARN', (stack) => ({ changeEvents: on(), existingTable: dynamodb.TableV2.fromTableName(stack, 'I', 'orders') }),
    /'existingTable' has none known here.*TableV2.fromTableAttributes\(\{ tableName, tableStreamArn \}\)/],
  ['an existing table with a NEW_IMAGE stream', (stack) => ({ changeEvents: on(), existingTable: table(stack, dynamodb.StreamViewType.NEW_IMAGE) }),
    /'changeEvents' needs old and new images, but 'existingTable' has a NEW_IMAGE stream; define the table with dynamoStream: StreamViewType.NEW_AND_OLD_IMAGES/],
  ['an aws. source', { changeEventSource: 'aws.dynamodb' }, /'changeEventSource' must not start with 'aws.' \(got 'aws.dynamodb'\)/],
  ['a source over 256 characters', { changeEventSource: 'x'.repeat(257) }, /'changeEventSource' must be 1 to 256 characters \(got 257\)/],
  ['an empty source', { changeEventSource: '' }, /'changeEventSource' must be 1 to 256 characters \(got 0\)/],
  ['a source that is a token', { changeEventSource: Token.asString({ Ref: 'X' }) }, /'changeEventSource' is a token/],
  ['batchSize 0', () => ({ changeEvents: ChangeEvents.toEventBus(undefined, { batchSize: 0 }) }), /ChangeEvents.toEventBus: 'batchSize' must be an integer from 1 to 10000 \(got 0\)/],
  ['batchSize above 10000', () => ({ changeEvents: ChangeEvents.toEventBus(undefined, { batchSize: 10001 }) }), /'batchSize' must be an integer from 1 to 10000 \(got 10001\)/],
  ['batchingWindow above 5 minutes', () => ({ changeEvents: ChangeEvents.toEventBus(undefined, { batchingWindow: Duration.minutes(6) }) }), /'batchingWindow' must be between 0 and 5 minutes \(got 6 minutes\)/],
  ['retryAttempts negative', () => ({ changeEvents: ChangeEvents.toEventBus(undefined, { retryAttempts: -1 }) }), /'retryAttempts' must be an integer from 0 to 10000 \(got -1\)/],
  ['maxRecordAge under a minute', () => ({ changeEvents: ChangeEvents.toEventBus(undefined, { maxRecordAge: Duration.seconds(30) }) }), /'maxRecordAge' must be between 1 minute and 7 days \(got 30 seconds\)/],
  ['maxRecordAge over 7 days', () => ({ changeEvents: ChangeEvents.toEventBus(undefined, { maxRecordAge: Duration.days(8) }) }), /'maxRecordAge' must be between 1 minute and 7 days \(got 8 days\)/],
  ['iteratorAgeAlarmThreshold under a minute', () => ({ changeEvents: ChangeEvents.toEventBus(undefined, { iteratorAgeAlarmThreshold: Duration.seconds(10) }) }), /'iteratorAgeAlarmThreshold' must be at least 1 minute \(got 10 seconds\)/],
  ['a resource named EventBus', { resources: [{ name: 'EventBus' }] }, /'resources\[0\].name' must not be 'EventBus': the API's own EventBus has that construct id/],
  ['a resource named Subscribers', { resources: [{ name: 'Subscribers' }] }, /'resources\[0\].name' must not be 'Subscribers'/],
];

describe('change events: every rule fails synth with a message naming the prop and the fix', () => {
  test.each(RULES)('%s', (_name, props, message) => {
    expect(make(props)).toThrow(message);
  });

  test('an imported table with a stream ARN is read, with a warning that its view type cannot be checked', () => {
    const stack = new Stack(new App(), 'S');
    const existing = dynamodb.TableV2.fromTableAttributes(stack, 'T', { tableName: 'orders', tableStreamArn: 'arn:aws:dynamodb:eu-west-1:123456789012:table/orders/stream/2026-01-01T00:00:00.000' });
    new ServerlessCrudApi(stack, 'Api', { changeEvents: on(), existingTable: existing });
    Annotations.fromStack(stack).hasWarning('/S/Api', Match.stringLikeRegexp("'existingTable' is imported, so its stream's view type cannot be checked; it must be NEW_AND_OLD_IMAGES"));
  });
});
