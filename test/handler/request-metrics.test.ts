/**
 * The request log line as CloudWatch Embedded Metric Format: valid against the specification's required fields, with
 * dimensions that stay bounded whatever the callers send (never an id, an owner or a path).
 */
import { createTestApi, TestApi } from './support/api';
import { apiEvent } from './support/events';
import { RequestCalls } from '../../src/handler/dynamodb-calls';
import { requestMetrics } from '../../src/handler/request-metrics';
import { ALL_OPERATIONS } from '../../src/shared/config';
import { METRIC_DIMENSIONS, METRIC_NAMES, METRICS_NAMESPACE, NO_OPERATION, NO_RESOURCE, OPENAPI_OPERATION } from '../../src/shared/metrics';

/** CloudWatch's metric units (the EMF specification's `Unit` values). */
const UNITS = new Set([
  'Seconds', 'Microseconds', 'Milliseconds', 'Bytes', 'Kilobytes', 'Megabytes', 'Gigabytes', 'Terabytes', 'Bits', 'Kilobits',
  'Megabits', 'Gigabits', 'Terabits', 'Percent', 'Count', 'Bytes/Second', 'Kilobytes/Second', 'Megabytes/Second',
  'Gigabytes/Second', 'Terabytes/Second', 'Bits/Second', 'Kilobits/Second', 'Megabits/Second', 'Gigabits/Second',
  'Terabits/Second', 'Count/Second', 'None',
]);

/**
 * The EMF specification's rules for a log event: the root `_aws` member with a Timestamp (epoch ms) and
 * CloudWatchMetrics directives, each with a Namespace, Dimensions (arrays of at most 30 names, each a string member of
 * the root) and at most 100 Metrics (each a Name that is a number member of the root, an optional known Unit).
 * Returns the problems found (empty: valid).
 */
function emfProblems(doc: any): string[] {
  const problems: string[] = [];
  const aws = doc?._aws;
  if (typeof aws !== 'object' || aws === null) return ['no _aws object'];
  if (!Number.isInteger(aws.Timestamp) || aws.Timestamp < 0) problems.push('_aws.Timestamp is not epoch milliseconds');
  if (!Array.isArray(aws.CloudWatchMetrics) || aws.CloudWatchMetrics.length === 0) return [...problems, 'no CloudWatchMetrics directive'];
  for (const d of aws.CloudWatchMetrics) {
    if (typeof d.Namespace !== 'string' || !/^[^:\s](.{0,254})$/.test(d.Namespace) || /:/.test(d.Namespace)) problems.push(`bad Namespace ${d.Namespace}`);
    if (!Array.isArray(d.Dimensions)) problems.push('Dimensions is not an array');
    for (const set of d.Dimensions ?? []) {
      if (!Array.isArray(set) || set.length > 30) problems.push('a dimension set is not an array of at most 30');
      for (const name of set) {
        if (typeof doc[name] !== 'string' || doc[name].length === 0 || doc[name].length > 1024) problems.push(`dimension ${name} is not a string member`);
      }
    }
    if (!Array.isArray(d.Metrics) || d.Metrics.length === 0 || d.Metrics.length > 100) problems.push('Metrics is not 1 to 100 definitions');
    for (const m of d.Metrics ?? []) {
      if (typeof m.Name !== 'string' || m.Name.length === 0 || m.Name.length > 255) problems.push(`bad metric name ${m.Name}`);
      if (typeof doc[m.Name] !== 'number' || !Number.isFinite(doc[m.Name])) problems.push(`metric ${m.Name} is not a number member`);
      if (m.Unit !== undefined && !UNITS.has(m.Unit)) problems.push(`metric ${m.Name} has unit ${m.Unit}`);
    }
  }
  return problems;
}

const noCalls = new RequestCalls({ send: async () => ({}) } as any).summary();

describe('EMF document', () => {
  test('a request with every event is valid EMF, each metric in the directive and in the line', () => {
    const members = requestMetrics({ api: 'Stack/Todos' }, {
      resource: 'items',
      operation: 'create',
      status: 201,
      latencyMs: 12,
      calls: { ...noCalls, readUnits: 1, writeUnits: 6, conditionFailures: 1, throttles: 1, sdkRetries: 2, calls: 3 },
      idempotentReplay: true,
      writeRetries: 3,
    }, 1_700_000_000_123);
    const line = { timestamp: 'x', level: 'INFO', message: 'request', ...members };
    expect(emfProblems(line)).toEqual([]);
    const directive = (line as any)._aws.CloudWatchMetrics[0];
    expect(directive.Namespace).toBe(METRICS_NAMESPACE);
    expect(directive.Dimensions).toEqual([
      [METRIC_DIMENSIONS.API, METRIC_DIMENSIONS.RESOURCE],
      [METRIC_DIMENSIONS.API, METRIC_DIMENSIONS.RESOURCE, METRIC_DIMENSIONS.OPERATION],
    ]);
    expect(Object.fromEntries(directive.Metrics.map((m: any) => [m.Name, (line as any)[m.Name]]))).toEqual({
      [METRIC_NAMES.REQUESTS]: 1,
      '2xx': 1,
      [METRIC_NAMES.LATENCY]: 12,
      [METRIC_NAMES.CONSUMED_READ_CAPACITY]: 1,
      [METRIC_NAMES.CONSUMED_WRITE_CAPACITY]: 6,
      [METRIC_NAMES.CONDITIONAL_CHECK_FAILURES]: 1,
      [METRIC_NAMES.IDEMPOTENT_REPLAYS]: 1,
      [METRIC_NAMES.DYNAMODB_THROTTLES]: 1,
      [METRIC_NAMES.DYNAMODB_RETRIES]: 2,
      [METRIC_NAMES.WRITE_RETRIES]: 3,
    });
    expect((line as any)._aws.Timestamp).toBe(1_700_000_000_123);
  });

  test('a plain request carries requests, its status class, latency and units (0 included); no event metrics', () => {
    const members = requestMetrics({ api: 'a' }, {
      resource: 'items', operation: 'read', status: 404, latencyMs: 3, calls: noCalls, idempotentReplay: false, writeRetries: 0,
    }, Date.now());
    expect(emfProblems(members)).toEqual([]);
    expect((members._aws as any).CloudWatchMetrics[0].Metrics.map((m: any) => m.Name)).toEqual([
      'Requests', '4xx', 'Latency', 'ConsumedReadCapacityUnits', 'ConsumedWriteCapacityUnits',
    ]);
  });

  test.each([[200, '2xx'], [201, '2xx'], [304, '3xx'], [412, '4xx'], [503, '5xx'], [500, '5xx']])('status %d counts as %s', (status, cls) => {
    const members = requestMetrics({ api: 'a' }, {
      resource: 'items', operation: 'read', status, latencyMs: 1, calls: noCalls, idempotentReplay: false, writeRetries: 0,
    }, Date.now());
    expect(members[cls]).toBe(1);
    for (const other of ['2xx', '3xx', '4xx', '5xx'].filter((c) => c !== cls)) expect(members[other]).toBeUndefined();
  });
});

describe('EMF in the request log line', () => {
  let api: TestApi;
  const API = 'TestStack/Todos';
  beforeAll(async () => {
    api = await createTestApi({
      resources: [
        { name: 'notes', ownerScoping: { attribute: 'owner' }, indexes: [{ indexName: 'byTag', partitionKey: 'tag' }] },
        { name: 'tags', idAttribute: 'tag' },
      ],
    });
    // The config as the construct writes it: with the Api dimension.
    (api.config as any).metrics = { api: API };
  });
  afterAll(() => api.destroy());

  test('dimensions stay bounded: never an id, an owner, a path or a query value, whatever the callers send', async () => {
    const handler = api.handlerWith({});
    const ids = Array.from({ length: 8 }, (_, i) => `id-${i}-${Math.random().toString(36).slice(2)}`);
    const owners = ids.map((id) => `owner-${id}`);
    const sent: string[] = [...ids, ...owners];
    for (const [i, id] of ids.entries()) {
      const sub = owners[i];
      const tag = `tag-${id}`;
      sent.push(tag);
      for (const [method, path, opts] of [
        ['POST', '/notes', { json: { id, tag }, headers: { 'idempotency-key': `key-${id}` } }],
        ['POST', '/notes', { json: { id, tag }, headers: { 'idempotency-key': `key-${id}` } }],
        ['GET', `/notes/${id}`, {}],
        ['PATCH', `/notes/${id}`, { json: { x: 1 }, contentType: 'application/merge-patch+json' }],
        ['PUT', `/notes/${id}`, { json: { tag }, headers: { 'if-match': '"nope"' } }],
        ['GET', '/notes', { query: { tag } }],
        ['DELETE', `/notes/${id}`, {}],
        ['POST', `/${id}`, { json: {} }],
        ['PUT', `/tags/${id}`, { json: {} }],
      ] as [string, string, any][]) {
        await handler(apiEvent(method, path, { ...opts, sub }));
      }
    }
    const lines = api.logs.filter((l) => l._aws);
    expect(lines.length).toBe(ids.length * 9);
    const resources = new Set(['notes', 'tags', NO_RESOURCE]);
    const operations = new Set<string>([...ALL_OPERATIONS, OPENAPI_OPERATION, NO_OPERATION]);
    for (const line of lines) {
      expect(emfProblems(line)).toEqual([]);
      const names = [...new Set<string>(line._aws.CloudWatchMetrics.flatMap((d: any) => d.Dimensions.flat()))];
      expect(names).toEqual(['Api', 'Resource', 'Operation']);
      const dims = names.map((n) => line[n]);
      expect(dims[0]).toBe(API);
      expect(resources.has(dims[1])).toBe(true);
      expect(operations.has(dims[2])).toBe(true);
      for (const value of dims) for (const s of sent) expect(value).not.toContain(s);
    }
    // Every operation and the unrouted requests were seen, each under its bounded name.
    const seen = new Set(lines.map((l) => `${l.Resource}/${l.Operation}`));
    expect([...seen].sort()).toEqual(['none/none', 'notes/create', 'notes/delete', 'notes/list', 'notes/read', 'notes/update', 'tags/update']);
    expect(lines.filter((l) => l.IdempotentReplays === 1)).toHaveLength(ids.length);
  });

  test('without metrics in the config the line carries no EMF', async () => {
    const plain = await createTestApi();
    try {
      await plain.call('GET', '/items/x');
      expect(plain.logs[0]._aws).toBeUndefined();
      expect(plain.logs[0].dynamodb).toMatchObject({ calls: 1, readUnits: 1, writeUnits: 0 });
    } finally {
      await plain.destroy();
    }
  });
});
