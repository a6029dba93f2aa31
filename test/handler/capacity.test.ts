/**
 * What each request cost, against DynamoDB Local: every call asks for its consumed capacity (INDEXES where an index is
 * read), and the units in the request's log line are exactly what DynamoDB Local reported for the request's calls,
 * per table — a transaction's units counted on each of its tables. The README's cost table is this test's output.
 */
import * as fs from 'fs';
import * as path from 'path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createTestApi, TestApi } from './support/api';

/** One DynamoDB call as the SDK sent it and DynamoDB Local answered it. */
type Recorded = { command: string; input: any; consumed: any[] };

/** A client that records every call's input and the ConsumedCapacity of its response (or error). */
function recordingClient(calls: Recorded[]): DynamoDBClient {
  const client = new DynamoDBClient({});
  client.middlewareStack.add((next, context) => async (args: any) => {
    const entry: Recorded = { command: String(context.commandName).replace(/Command$/, ''), input: args.input, consumed: [] };
    calls.push(entry);
    try {
      const out: any = await next(args);
      const cc = out.output?.ConsumedCapacity;
      entry.consumed = cc === undefined ? [] : Array.isArray(cc) ? cc : [cc];
      return out;
    } catch (e: any) {
      const cc = e?.ConsumedCapacity;
      entry.consumed = cc === undefined ? [] : Array.isArray(cc) ? cc : [cc];
      throw e;
    }
  }, { step: 'initialize', name: 'recordCapacity' });
  return client;
}

const READS = new Set(['GetItem', 'Query', 'Scan']);

/** Units per table as DynamoDB Local reported them for these calls. */
function reported(calls: Recorded[]): Record<string, { read: number; write: number }> {
  const out: Record<string, { read: number; write: number }> = {};
  for (const c of calls) {
    for (const cc of c.consumed) {
      const t = out[cc.TableName] ??= { read: 0, write: 0 };
      if (READS.has(c.command)) t.read += cc.CapacityUnits;
      else t.write += cc.CapacityUnits;
    }
  }
  return out;
}

describe('consumed capacity per request', () => {
  let api: TestApi;
  const calls: Recorded[] = [];
  beforeAll(async () => {
    api = await createTestApi({
      resources: [
        { name: 'projects', pathParameter: 'projectId', indexes: [{ indexName: 'byStatus', partitionKey: 'status' }] },
        { name: 'tasks', parent: 'projects' },
      ],
      dynamodb: recordingClient(calls),
    });
  });
  afterAll(() => api.destroy());

  /** Runs one request; returns its log line and the calls it made. */
  async function measure(method: string, p: string, opts: any = {}) {
    calls.length = 0;
    const res = await api.call(method, p, opts);
    const line = api.logs[api.logs.length - 1];
    return { res, line, calls: [...calls] };
  }

  const scenarios: { label: string; method: string; path: string; opts?: any; setup?: () => Promise<unknown>; status: number }[] = [
    { label: 'create (`POST`)', method: 'POST', path: '/projects', opts: { json: { id: 'p1', status: 'open', title: 'x'.repeat(100) } }, status: 201 },
    {
      label: 'create with `Idempotency-Key`',
      method: 'POST',
      path: '/projects',
      opts: { json: { id: 'p2', status: 'open' }, headers: { 'idempotency-key': 'k1' } },
      status: 201,
    },
    {
      label: 'idempotent replay (same key and body)',
      method: 'POST',
      path: '/projects',
      opts: { json: { id: 'p2', status: 'open' }, headers: { 'idempotency-key': 'k1' } },
      status: 201,
    },
    { label: 'create, id taken (409)', method: 'POST', path: '/projects', opts: { json: { id: 'p1' } }, status: 409 },
    { label: 'read (`GET /{id}`)', method: 'GET', path: '/projects/p1', status: 200 },
    { label: 'read, not found (404)', method: 'GET', path: '/projects/nope', status: 404 },
    { label: 'replace (`PUT`, existing item)', method: 'PUT', path: '/projects/p1', opts: { json: { status: 'open', title: 'y' } }, status: 200 },
    { label: 'merge patch (`PATCH`)', method: 'PATCH', path: '/projects/p1', opts: { json: { title: 'z' }, contentType: 'application/merge-patch+json' }, status: 200 },
    {
      label: 'list, page of 25 (`GET /`, Scan)',
      method: 'GET',
      path: '/projects',
      opts: { query: { limit: 25 } },
      status: 200,
      setup: async () => { for (let i = 0; i < 30; i++) await api.call('PUT', `/projects/s${String(i).padStart(2, '0')}`, { json: { status: 'open' } }); },
    },
    { label: 'list by index, page of 25 (Query of a GSI)', method: 'GET', path: '/projects', opts: { query: { status: 'open', limit: 25 } }, status: 200 },
    { label: 'nested create (parent check in a transaction)', method: 'POST', path: '/projects/p1/tasks', opts: { json: { id: 't1' } }, status: 201 },
    { label: 'delete (`DELETE`)', method: 'DELETE', path: '/projects/p2', status: 204 },
    { label: 'delete a parent with a child (409)', method: 'DELETE', path: '/projects/p1', status: 409 },
  ];

  const rows: string[] = [];
  test.each(scenarios.map((s) => [s.label, s] as const))('%s: the log line has the units DynamoDB Local reported, per table', async (_label, s) => {
    await s.setup?.();
    const { res, line, calls: made } = await measure(s.method, s.path, s.opts);
    expect(res.status).toBe(s.status);
    // Every call asked what it consumed; a read of an index per index.
    for (const c of made) expect(c.input.ReturnConsumedCapacity).toBe(c.input.IndexName ? 'INDEXES' : 'TOTAL');
    const expected = reported(made);
    const d = line.dynamodb;
    expect(d.calls).toBe(made.length);
    expect(d.tables).toEqual(expected);
    const sum = (k: 'read' | 'write') => Object.values(expected).reduce((a, t) => a + t[k], 0);
    expect([d.readUnits, d.writeUnits]).toEqual([sum('read'), sum('write')]);
    expect(d.unreportedCalls ?? 0).toBe(made.filter((c) => c.consumed.length === 0).length);
    const role = (table: string) => (table === api.tables.projects.tableName ? 'items'
      : table === api.tables.projects.idempotencyTableName ? 'idempotency' : table === api.tables.tasks.tableName ? 'child items' : table);
    const perTable = Object.entries(expected).map(([t, u]) => `${role(t)} ${fmt(u.read)} R / ${fmt(u.write)} W`).sort().reverse().join('; ');
    const unreported = d.unreportedCalls ? `${d.unreportedCalls} call not reported (failed condition)` : '';
    const cell = [perTable, unreported].filter(Boolean).join('; ');
    rows.push(`| ${s.label} | ${made.map((c) => c.command).join(', ')} | ${fmt(d.readUnits)} | ${fmt(d.writeUnits)} | ${cell} |`);
  });

  test("a transaction's units are counted on each of its tables", async () => {
    const { line, calls: made } = await measure('POST', '/projects', { json: { id: 'p9' }, headers: { 'idempotency-key': 'k9' } });
    expect(made.map((c) => c.command)).toEqual(['TransactWriteItems']);
    const { projects } = api.tables;
    expect(Object.keys(line.dynamodb.tables).sort()).toEqual([projects.tableName, projects.idempotencyTableName].sort());
    for (const t of Object.values(line.dynamodb.tables) as any[]) expect(t.write).toBeGreaterThan(0);
    const nested = await measure('POST', '/projects/p9/tasks', { json: { id: 'c1' } });
    expect(Object.keys(nested.line.dynamodb.tables).sort()).toEqual([projects.tableName, api.tables.tasks.tableName].sort());
  });

  test('a failed condition is counted, and its call is one DynamoDB did not report units for', async () => {
    const { line } = await measure('POST', '/projects', { json: { id: 'p9' } });
    expect(line.status).toBe(409);
    expect(line.dynamodb).toMatchObject({ calls: 1, conditionFailures: 1, unreportedCalls: 1, writeUnits: 0 });
  });

  test("the README's cost table is what this test measured", () => {
    const table = [
      '| request | DynamoDB calls | RCU | WCU | per table |',
      '| --- | --- | --- | --- | --- |',
      ...rows,
    ].join('\n');
    const readme = fs.readFileSync(path.join(__dirname, '..', '..', 'README.md'), 'utf8');
    const section = /<!-- cost-table:start -->\n([\s\S]*?)\n<!-- cost-table:end -->/.exec(readme)?.[1];
    expect(rows).toHaveLength(scenarios.length);
    if (section !== table) {
      // eslint-disable-next-line no-console
      console.log(`README cost table (between the cost-table markers) should be:\n${table}`);
    }
    expect(section).toBe(table);
  });
});

function fmt(n: number): string {
  return String(Math.round(n * 100) / 100);
}
