/**
 * The runner finds the subscribers of change events in a synthesized template as EventBridge would run them
 * (src/local/event-rules.ts): the rules `addSubscriber` and the user's own `events.Rule` put on the API's bus, their
 * patterns, Lambda targets with their retry policy and dead-letter queue — and names what it cannot run locally.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Stack } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { ChangeEvents, ChangeEventType, ServerlessCrudApi } from '../../src';
import { loadApis } from '../../src/local/assembly';
import { busIdentity } from '../../src/local/event-rules';

describe('subscribers from the template', () => {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'event-rules-'));
  afterAll(() => fs.rmSync(outdir, { recursive: true, force: true }));

  const app = new App({ outdir, context: { 'aws:cdk:enable-asset-metadata': true } });
  const stack = new Stack(app, 'Rules');
  const api = new ServerlessCrudApi(stack, 'Shop', {
    changeEvents: ChangeEvents.toEventBus(),
    changeEventSource: 'shop',
    resources: [{ name: 'orders' }, { name: 'notes', changeEvents: ChangeEvents.none() }],
  });
  const fn = (id: string) => new lambda.Function(stack, id, { runtime: lambda.Runtime.NODEJS_22_X, handler: 'index.handler', code: lambda.Code.fromInline('exports.handler = async () => {};') });
  api.addSubscriber('Created', new targets.LambdaFunction(fn('OnCreated')), { resources: ['orders'], types: [ChangeEventType.CREATED], retryAttempts: 1 });
  // The user's own rule on the API's bus, with the API's pattern; and one whose target is a queue.
  new events.Rule(stack, 'Mine', { eventBus: api.eventBus, eventPattern: api.eventPattern({ types: [ChangeEventType.DELETED] }), targets: [new targets.LambdaFunction(fn('OnDeleted'))] });
  new events.Rule(stack, 'ToQueue', { eventBus: api.eventBus, eventPattern: api.eventPattern(), targets: [new targets.SqsQueue(new sqs.Queue(stack, 'Q'))] });
  // A rule on another bus is not a subscriber.
  new events.Rule(stack, 'Elsewhere', { eventBus: new events.EventBus(stack, 'Other'), eventPattern: { source: ['shop'] }, targets: [new targets.LambdaFunction(fn('Unrelated'))] });
  app.synth();
  const [local] = loadApis(outdir);

  test('only the resources with change events have them locally, and their tables a stream', () => {
    expect(local.changeEvents.map((e) => e.resource)).toEqual(['orders']);
    expect(local.tables.filter((t) => t.stream).map((t) => t.tableName)).toEqual([local.changeEvents[0].tableName]);
    expect(local.changeEvents[0]).toMatchObject({ source: 'shop' });
  });

  test('addSubscriber\'s rule and the user\'s own rule on the bus, with their patterns, retries and dead-letter queue', () => {
    const { subscribers, unserved } = local.changeEvents[0].subscribers;
    const event = (type: string) => ({ 'source': 'shop', 'detail-type': `orders.${type}`, 'detail': {} });
    const byFunction = Object.fromEntries(subscribers.map((s) => [s.functionLogicalId.replace(/[0-9A-F]{8}$/, ''), s]));
    expect(Object.keys(byFunction).sort()).toEqual(['OnCreated', 'OnDeleted']);
    expect([byFunction.OnCreated.matches(event('created')), byFunction.OnCreated.matches(event('deleted'))]).toEqual([true, false]);
    expect([byFunction.OnDeleted.matches(event('created')), byFunction.OnDeleted.matches(event('deleted'))]).toEqual([false, true]);
    expect(byFunction.OnCreated).toMatchObject({ retries: 1, deadLetterQueue: expect.stringMatching(/^ShopSubscribersCreated/) });
    expect(unserved).toEqual([{ rule: expect.stringMatching(/^ToQueue/), targetId: expect.any(String), reason: expect.stringMatching(/not a function of this stack/) }]);
    // The subscribers' functions are hosted with the API's.
    expect([...local.functions.keys()].filter((k) => /^On(Created|Deleted)/.test(k))).toHaveLength(2);
  });

  test('one bus, however the template names it', () => {
    const resources = { Bus: { Type: 'AWS::Events::EventBus', Properties: { Name: 'orders-bus' } } };
    const names = [{ Ref: 'Bus' }, { 'Fn::GetAtt': ['Bus', 'Arn'] }, { 'Fn::GetAtt': ['Bus', 'Name'] }, 'orders-bus', 'arn:aws:events:us-east-1:123456789012:event-bus/orders-bus'];
    expect(new Set(names.map((n) => busIdentity(n, resources)))).toEqual(new Set(['logical:Bus']));
    expect(busIdentity(undefined, resources)).toBe('name:default');
    expect(busIdentity({ 'Fn::ImportValue': 'x' }, resources)).toBeUndefined();
  });
});
