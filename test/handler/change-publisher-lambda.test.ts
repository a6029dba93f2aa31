/**
 * The publisher's Lambda entry (src/handler/change-publisher.lambda.ts) as Lambda runs it: init from the config and
 * PUBLISHER_ENV (a missing or invalid one fails init with a ConfigError naming it), then one stream batch → PutEvents.
 *
 * Recording test: every SDK call the entry makes is recorded at the EventBridge client; they must be exactly
 * PUBLISHER_EVENT_BUS_ACTIONS on the configured bus (the construct grants those, on that bus only).
 */
import * as http from 'http';
import type { AddressInfo } from 'net';
import type { DynamoDBStreamEvent } from 'aws-lambda';
import { lambdaRecord } from './support/stream-records';
import { PUBLISHER_ENV, PUBLISHER_EVENT_BUS_ACTIONS } from '../../src/shared/change-events';
import { ALL_OPERATIONS, CONFIG_VERSION, ENV } from '../../src/shared/config';

const CONFIG = JSON.stringify({
  version: CONFIG_VERSION,
  resources: [{ name: 'orders', idAttribute: 'id', operations: [...ALL_OPERATIONS], indexes: [], defaultPageSize: 25, maxPageSize: 100, idempotencyTtlSeconds: 86400 }],
});
const BUS = 'arn:aws:events:us-east-1:123456789012:event-bus/orders-bus';
const GOOD_ENV = { [ENV.CONFIG]: CONFIG, [PUBLISHER_ENV.RESOURCE]: 'orders', [PUBLISHER_ENV.EVENT_BUS]: BUS, [PUBLISHER_ENV.SOURCE]: 'shop.api' };

type Entry = typeof import('../../src/handler/change-publisher.lambda');

/** What the EventBridge client answers a command with (the client's `send`, replaced: nothing leaves the process). */
type Send = (command: any) => Promise<unknown>;

/**
 * Loads the entry module afresh (its init runs again) under the given environment, its client's `send` replaced
 * (`send: 'wire'`: left alone, so requests go over HTTP to wherever the environment points the client).
 */
function loadEntry(env: Record<string, string | undefined>, send: Send | 'wire' = async () => ({})): Entry {
  const saved = { ...process.env };
  for (const k of [...Object.values(PUBLISHER_ENV), ENV.CONFIG, ENV.CONFIG_FILE]) delete process.env[k];
  for (const [k, v] of Object.entries(env)) if (v !== undefined) process.env[k] = v;
  try {
    let entry: Entry | undefined;
    jest.isolateModules(() => {
      // The entry's own copy of the SDK (this registry's): its client is created at module scope.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const sdk: typeof import('@aws-sdk/client-eventbridge') = require('@aws-sdk/client-eventbridge');
      if (send !== 'wire') {
        jest.spyOn(sdk.EventBridgeClient.prototype, 'send').mockImplementation(((command: any) => {
          expect(command).toBeInstanceOf(sdk.PutEventsCommand);
          return send(command);
        }) as any);
      }
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      entry = require('../../src/handler/change-publisher.lambda');
    });
    return entry!;
  } finally {
    process.env = saved;
  }
}

describe('init', () => {
  test.each([
    ['no resource', { [PUBLISHER_ENV.RESOURCE]: undefined }, /CRUD_EVENTS_RESOURCE is not set/],
    ['a resource the config lacks', { [PUBLISHER_ENV.RESOURCE]: 'nope' }, /CRUD_EVENTS_RESOURCE is 'nope', which names no resource of the config \(orders\)/],
    ['no bus', { [PUBLISHER_ENV.EVENT_BUS]: '' }, /CRUD_EVENT_BUS is not set/],
    ['no source', { [PUBLISHER_ENV.SOURCE]: undefined }, /CRUD_EVENT_SOURCE must be 1 to 256 characters/],
    ['a source AWS reserves', { [PUBLISHER_ENV.SOURCE]: 'aws.orders' }, /CRUD_EVENT_SOURCE must not start with 'aws.'/],
    ['a source too long', { [PUBLISHER_ENV.SOURCE]: 'x'.repeat(257) }, /CRUD_EVENT_SOURCE must be 1 to 256 characters \(got 257\)/],
    ['no config', { [ENV.CONFIG]: undefined }, /No handler config/],
  ])('%s fails init with a ConfigError naming it', (_, overrides, message) => {
    expect(() => loadEntry({ ...GOOD_ENV, ...overrides })).toThrow(expect.objectContaining({ name: 'ConfigError', message: expect.stringMatching(message) }));
  });
});

describe('SDK calls', () => {
  afterEach(() => jest.restoreAllMocks());

  test('exactly events:PutEvents on the configured bus; refused entries come back as batchItemFailures', async () => {
    const calls: { action: string; buses: string[]; entries: any[] }[] = [];
    const { handler } = loadEntry(GOOD_ENV, async (command: any) => {
      const entries = command.input.Entries ?? [];
      calls.push({ action: `events:${command.constructor.name.replace(/Command$/, '')}`, buses: [...new Set<string>(entries.map((e: any) => e.EventBusName))], entries });
      // The first entry refused once, everything else accepted.
      return { FailedEntryCount: 0, Entries: entries.map((_: unknown, i: number) => (calls.length === 1 && i === 0 ? { ErrorCode: 'InternalException', ErrorMessage: 'x' } : { EventId: `id-${i}` })) };
    });
    const item = (v: number) => ({ id: 'o1', total: v, version: v, createdAt: 't', updatedAt: `t${v}` });
    const event: DynamoDBStreamEvent = {
      Records: [
        lambdaRecord({ eventName: 'INSERT', keys: { id: 'o1' }, newItem: item(1) }),
        lambdaRecord({ eventName: 'MODIFY', keys: { id: 'o1' }, oldItem: item(1), newItem: item(2) }),
        lambdaRecord({ eventName: 'INSERT', keys: { id: 'o2' }, newItem: { id: 'o2' } }),
      ],
    };
    const logs: string[] = [];
    jest.spyOn(process.stdout, 'write').mockImplementation((line: any) => logs.push(String(line)) > 0);
    const response = await handler(event, { getRemainingTimeInMillis: () => 60_000 } as any);
    expect(response).toEqual({ batchItemFailures: [] });
    expect([...new Set(calls.map((c) => c.action))]).toEqual([...PUBLISHER_EVENT_BUS_ACTIONS]);
    // …which are exactly what the construct grants the publisher's role on the bus: src/construct/change-publisher.ts
    // grants PUBLISHER_EVENT_BUS_ACTIONS itself, and test/construct/change-events.test.ts pins the role's statements.
    expect([...new Set(calls.flatMap((c) => c.buses))]).toEqual([BUS]);
    expect(calls.flatMap((c) => c.entries.map((e) => `${e.DetailType} ${JSON.parse(e.Detail).version}`)))
      .toEqual(['orders.created 1', 'orders.created 0', 'orders.created 1', 'orders.updated 2']);
    expect(calls.flatMap((c) => c.entries).every((e) => e.Source === 'shop.api')).toBe(true);
    expect(JSON.parse(logs.at(-1)!)).toMatchObject({ level: 'INFO', message: 'change events', records: 3, published: 3, retries: 1 });
  });

  test('entries still refused after the retries: the earliest one is reported for redelivery', async () => {
    jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
    const { handler } = loadEntry(GOOD_ENV, async (command: any) => ({
      FailedEntryCount: 1, Entries: command.input.Entries.map(() => ({ ErrorCode: 'ThrottlingException' })),
    }));
    const records = [lambdaRecord({ eventName: 'INSERT', keys: { id: 'o9' }, newItem: { id: 'o9' } })];
    expect(await handler({ Records: records })).toEqual({ batchItemFailures: [{ itemIdentifier: records[0].dynamodb!.SequenceNumber }] });
  });

  test('on the wire: each request is EventBridge\'s PutEvents (X-Amz-Target AWSEvents.PutEvents), every entry on the configured bus', async () => {
    const requests: { target: string; body: any }[] = [];
    const server = http.createServer((req, res) => {
      let text = '';
      req.on('data', (chunk) => (text += chunk));
      req.on('end', () => {
        const body = JSON.parse(text);
        requests.push({ target: String(req.headers['x-amz-target']), body });
        res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' });
        res.end(JSON.stringify({ FailedEntryCount: 0, Entries: body.Entries.map((_: unknown, i: number) => ({ EventId: `ev-${i}` })) }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const records = Array.from({ length: 12 }, (_, i) => lambdaRecord({ eventName: 'INSERT', keys: { id: `o${i}` }, newItem: { id: `o${i}`, version: 1 } }));
    const saved = process.env.AWS_ENDPOINT_URL_EVENTBRIDGE;
    process.env.AWS_ENDPOINT_URL_EVENTBRIDGE = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
      const { handler } = loadEntry(GOOD_ENV, 'wire');
      expect(await handler({ Records: records })).toEqual({ batchItemFailures: [] });
    } finally {
      if (saved === undefined) delete process.env.AWS_ENDPOINT_URL_EVENTBRIDGE;
      else process.env.AWS_ENDPOINT_URL_EVENTBRIDGE = saved;
      server.close();
    }
    // Two requests in flight at once: they may arrive in either order.
    expect(requests.map((r) => [r.target, r.body.Entries.length]).sort()).toEqual([['AWSEvents.PutEvents', 10], ['AWSEvents.PutEvents', 2]]);
    const entries = requests.flatMap((r) => r.body.Entries);
    expect([...new Set(entries.map((e: any) => e.EventBusName))]).toEqual([BUS]);
    expect(entries.find((e: any) => JSON.parse(e.Detail).subject === '/orders/o0')).toEqual({
      Source: 'shop.api', DetailType: 'orders.created', EventBusName: BUS, Time: records[0].dynamodb!.ApproximateCreationDateTime, Detail: expect.any(String),
    });
  });
});
