/**
 * DynamoDB in the trace: a UDP listener stands in for the X-Ray daemon (AWS_XRAY_DAEMON_ADDRESS), and each sampled
 * request's DynamoDB calls arrive as subsegment documents, one per call, in the trace and under the segment that
 * `_X_AMZN_TRACE_ID` names. Nothing is sent when the request is not sampled or there is no daemon.
 */
import * as dgram from 'dgram';
// The module object itself (a namespace import's bindings cannot be spied on).
// eslint-disable-next-line @typescript-eslint/no-require-imports
import dns = require('dns');
import { createTestApi, TestApi } from './support/api';
import { apiEvent } from './support/events';
import { parseDaemonAddress, parseTraceHeader } from '../../src/handler/trace';

const ROOT = '1-5759e988-bd862e3fe1be46a994272793';
const PARENT = '53995c3f42cd8ad8';

/** A stand-in daemon: the datagrams it received, split into header and document. */
async function listen(): Promise<{ address: string; received: { header: any; doc: any }[]; close(): Promise<void> }> {
  const socket = dgram.createSocket('udp4');
  const received: { header: any; doc: any }[] = [];
  socket.on('message', (msg) => {
    const text = msg.toString('utf8');
    const nl = text.indexOf('\n');
    received.push({ header: JSON.parse(text.slice(0, nl)), doc: JSON.parse(text.slice(nl + 1)) });
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return {
    address: `127.0.0.1:${socket.address().port}`,
    received,
    close: () => new Promise((resolve) => socket.close(() => resolve())),
  };
}

/** Waits until `n` datagrams arrived (UDP on loopback: milliseconds), or a while for ones that must not come. */
async function settle(received: unknown[], n: number, ms = 2000): Promise<void> {
  const end = Date.now() + ms;
  while (received.length < n && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
  await new Promise((r) => setTimeout(r, 50));
}

describe('X-Ray subsegments of the DynamoDB calls', () => {
  let api: TestApi;
  let daemon: Awaited<ReturnType<typeof listen>>;
  const traceEnv = (sampled: string) => ({
    AWS_XRAY_DAEMON_ADDRESS: daemon.address,
    AWS_REGION: 'eu-west-1',
    _X_AMZN_TRACE_ID: `Root=${ROOT};Parent=${PARENT};Sampled=${sampled};Lineage=a87bd80c:0`,
  });
  beforeAll(async () => {
    daemon = await listen();
    // The handler of api.call is sampled; handlerWith builds others.
    api = await createTestApi({
      resources: [{ name: 'projects', pathParameter: 'projectId' }, { name: 'tasks', parent: 'projects' }],
      env: traceEnv('1'),
    });
  });
  afterAll(async () => {
    await daemon.close();
    await api.destroy();
  });
  beforeEach(() => { daemon.received.length = 0; });


  test('one subsegment per call, named, with the parent from _X_AMZN_TRACE_ID; the trace id in the log line', async () => {
    const requests: [string, string, any][] = [
      ['POST', '/projects', { json: { id: 'p1' }, headers: { 'idempotency-key': 'k' } }], // TransactWriteItems on 2 tables
      ['POST', '/projects', { json: { id: 'p1' } }], // PutItem, condition fails: 409
      ['GET', '/projects/p1', {}], // GetItem
      ['POST', '/projects/p1/tasks', { json: { id: 't1' } }], // TransactWriteItems: parent check + put
      ['DELETE', '/projects/p1', {}], // UpdateItem (lease), Query (children), UpdateItem (release): 409
    ];
    const before = api.logs.length;
    for (const [method, path, opts] of requests) await api.call(method, path, opts);
    const lines = api.logs.slice(before);
    const calls = lines.reduce((n, l) => n + (l.dynamodb?.calls ?? 0), 0);
    expect(calls).toBe(7);
    await settle(daemon.received, calls);
    expect(daemon.received).toHaveLength(calls);
    for (const { header, doc } of daemon.received) {
      expect(header).toEqual({ format: 'json', version: 1 });
      expect(doc).toMatchObject({ name: 'DynamoDB', namespace: 'aws', type: 'subsegment', trace_id: ROOT, parent_id: PARENT });
      expect(doc.id).toMatch(/^[0-9a-f]{16}$/);
      expect(doc.end_time).toBeGreaterThanOrEqual(doc.start_time);
      expect(Math.abs(doc.start_time - Date.now() / 1000)).toBeLessThan(60);
      expect(doc.aws.region).toBe('eu-west-1');
      expect(doc.aws.retries).toBe(0);
    }
    expect(new Set(daemon.received.map((r) => r.doc.id)).size).toBe(calls);
    const { projects, tasks } = api.tables;
    expect(daemon.received.map((r) => [r.doc.aws.operation, r.doc.aws.table_name ?? r.doc.aws.table_names])).toEqual([
      ['TransactWriteItems', [projects.tableName, projects.idempotencyTableName]],
      ['PutItem', projects.tableName],
      ['GetItem', projects.tableName],
      ['TransactWriteItems', [projects.tableName, tasks.tableName]],
      ['UpdateItem', projects.tableName],
      ['Query', tasks.tableName],
      ['UpdateItem', projects.tableName],
    ]);
    // What DynamoDB reported rides along; a failed condition is an error with its cause.
    expect(daemon.received[0].doc.aws.consumed_capacity).toHaveLength(2);
    expect(daemon.received[2].doc.aws.consumed_capacity).toMatchObject({ TableName: projects.tableName, CapacityUnits: 1 });
    const failed = daemon.received[1].doc;
    expect(failed).toMatchObject({ error: true, annotations: { condition_failed: true }, http: { response: { status: 400 } } });
    expect(failed.cause.exceptions[0]).toMatchObject({ type: 'ConditionalCheckFailedException', remote: true });
    expect(failed.fault).toBeUndefined();
    expect(lines.every((l) => l.traceId === ROOT)).toBe(true);
  });

  test('an IP daemon address is used as it is: no DNS lookup for the bind or the sends (cold-start cost, #23)', async () => {
    const lookup = jest.spyOn(dns, 'lookup');
    try {
      await api.handlerWith(traceEnv('1'))(apiEvent('GET', '/projects/p1'));
      await settle(daemon.received, 1);
      expect(daemon.received).toHaveLength(1);
      expect(lookup).not.toHaveBeenCalled();
    } finally {
      lookup.mockRestore();
    }
  });

  test('a daemon host name is resolved through DNS', async () => {
    const lookup = jest.spyOn(dns, 'lookup');
    try {
      const port = daemon.address.split(':')[1];
      await api.handlerWith({ ...traceEnv('1'), AWS_XRAY_DAEMON_ADDRESS: `localhost:${port}` })(apiEvent('GET', '/projects/p1'));
      await settle(daemon.received, 1);
      expect(daemon.received).toHaveLength(1);
      expect(lookup).toHaveBeenCalledWith('localhost', 4, expect.any(Function));
    } finally {
      lookup.mockRestore();
    }
  });

  test('not sampled: nothing is sent; the trace id is still logged', async () => {
    const before = api.logs.length;
    await api.handlerWith(traceEnv('0'))(apiEvent('GET', '/projects/p1'));
    await settle(daemon.received, 1, 300);
    expect(daemon.received).toHaveLength(0);
    expect(api.logs[before].traceId).toBe(ROOT);
  });

  test('tracing off (no daemon address, no trace header): nothing is sent, no trace id', async () => {
    const before = api.logs.length;
    await api.handlerWith({})(apiEvent('GET', '/projects/p1'));
    await settle(daemon.received, 1, 300);
    expect(daemon.received).toHaveLength(0);
    expect(api.logs[before].traceId).toBeUndefined();
  });
});

describe('trace header and daemon address', () => {
  test.each([
    [`Root=${ROOT};Parent=${PARENT};Sampled=1`, { traceId: ROOT, parentId: PARENT, sampled: true }],
    [`Sampled=0;Root=${ROOT};Parent=${PARENT}`, { traceId: ROOT, parentId: PARENT, sampled: false }],
    [`Root=${ROOT}`, { traceId: ROOT, sampled: false }],
    [`Root=${ROOT};Parent=nothex;Sampled=1`, { traceId: ROOT, sampled: true }],
    ['Root=garbage;Sampled=1', undefined],
    ['', undefined],
  ])('%j', (header, parsed) => {
    expect(parseTraceHeader(header)).toEqual(parsed);
  });

  test.each([
    ['169.254.79.129:2000', { host: '169.254.79.129', port: 2000 }],
    ['udp:127.0.0.1:2000 tcp:127.0.0.1:2001', { host: '127.0.0.1', port: 2000 }],
    ['tcp:127.0.0.1:2001 udp:127.0.0.2:2002', { host: '127.0.0.2', port: 2002 }],
    ['tcp:127.0.0.1:2001', undefined],
    ['localhost', undefined],
    ['127.0.0.1:99999', undefined],
    [undefined, undefined],
  ])('%s', (value, parsed) => {
    expect(parseDaemonAddress(value)).toEqual(parsed);
  });
});
