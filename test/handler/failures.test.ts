/**
 * How failures outside the request's control are answered: DynamoDB throttling or failing beyond the SDK's retries
 * is a 503 with Retry-After; a genuine bug is a 500 that leaks nothing and is logged with its stack.
 *
 * Throttling cannot be provoked on DynamoDB Local, so a tiny HTTP server stands in for DynamoDB and answers every
 * request with the error DynamoDB sends; the real SDK parses it and retries as it would in Lambda.
 */
import * as http from 'http';
import { AddressInfo } from 'net';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createTestApi, problemType, TestApi } from './support/api';
import { apiEvent } from './support/events';

interface FakeDynamo {
  readonly endpoint: string;
  requests: number;
  close(): Promise<void>;
}

async function fakeDynamo(status: number, type: string): Promise<FakeDynamo> {
  const state = { requests: 0 };
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      state.requests++;
      res.writeHead(status, { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-errortype': type, 'x-amzn-requestid': 'fake' });
      res.end(JSON.stringify({ __type: `com.amazonaws.dynamodb.v20120810#${type}`, message: `${type} from the fake` }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    get requests() {
      return state.requests;
    },
    set requests(n) {
      state.requests = n;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const client = (endpoint: string) => new DynamoDBClient({ endpoint, maxAttempts: 2, retryMode: 'standard' });

describe.each([
  ['throttling (ProvisionedThroughputExceededException)', 400, 'ProvisionedThroughputExceededException'],
  ['throttling (ThrottlingException)', 400, 'ThrottlingException'],
  ['DynamoDB internal error', 500, 'InternalServerError'],
])('%s beyond the SDK’s retries', (_name, status, type) => {
  let fake: FakeDynamo;
  let api: TestApi;
  beforeAll(async () => {
    fake = await fakeDynamo(status, type);
    api = await createTestApi({ dynamodb: client(fake.endpoint), config: { ownerScoping: undefined } });
  });
  afterAll(async () => {
    await api.destroy();
    await fake.close();
  });

  test.each([
    ['GET', '/items/x', {}],
    ['GET', '/items', {}],
    ['POST', '/items', { json: { a: 1 } }],
    ['POST', '/items', { json: { a: 1 }, headers: { 'idempotency-key': 'k' } }],
    ['PUT', '/items/x', { json: { a: 1 } }],
    ['PATCH', '/items/x', { json: { a: 1 } }],
    ['DELETE', '/items/x', {}],
  ])('%s %s → 503 with Retry-After, after the SDK retried', async (method, path, opts) => {
    const before = fake.requests;
    const r = await api.call(method, path, opts);
    expect(r.status).toBe(503);
    expect(r.body.type).toBe(problemType('service-unavailable'));
    expect(r.headers['retry-after']).toBe('1');
    expect(fake.requests - before).toBeGreaterThanOrEqual(2);
    const log = api.logs[api.logs.length - 1];
    expect(log).toEqual(expect.objectContaining({ level: 'WARN', status: 503, problem: 'service-unavailable' }));
    expect(log.error.name).toBe(type);
  });
});

describe('DynamoDB unreachable', () => {
  test('connection refused → 503', async () => {
    const fake = await fakeDynamo(500, 'InternalServerError');
    const endpoint = fake.endpoint;
    await fake.close();
    const api = await createTestApi({ dynamodb: client(endpoint) });
    try {
      const r = await api.call('GET', '/items/x');
      expect(r.status).toBe(503);
      expect(r.headers['retry-after']).toBe('1');
    } finally {
      await api.destroy();
    }
  });
});

describe('genuine bugs', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await createTestApi();
  });
  afterAll(() => api.destroy());

  test('an exception in the handler → 500 that names nothing internal; the log has the stack and the request id', async () => {
    const h = api.handlerWith({}, { clock: () => { throw new TypeError('secret internal detail'); } });
    const event = apiEvent('POST', '/items', { json: { a: 1 } });
    const r = await h(event);
    expect(r.statusCode).toBe(500);
    expect(r.headers['content-type']).toBe('application/problem+json');
    const body = JSON.parse(r.body!);
    expect(body).toEqual({
      type: problemType('internal-error'),
      title: 'Internal server error',
      status: 500,
      detail: expect.any(String),
      requestId: event.requestContext.requestId,
    });
    expect(r.body).not.toMatch(/secret internal detail|TypeError|at /);
    const log = api.logs[api.logs.length - 1];
    expect(log).toEqual(expect.objectContaining({ level: 'ERROR', status: 500, requestId: event.requestContext.requestId, problem: 'internal-error' }));
    expect(log.error).toEqual(expect.objectContaining({ name: 'TypeError', message: 'secret internal detail', stack: expect.stringContaining('TypeError') }));
  });

  test('a missing table (a deployment bug) → 500 without the table name', async () => {
    const h = api.handlerWith({ CRUD_TABLES: 'no-such-table-anywhere' });
    const r = await h(apiEvent('GET', '/items/x'));
    expect(r.statusCode).toBe(500);
    expect(r.body).not.toContain('no-such-table');
    expect(api.logs[api.logs.length - 1].error.name).toBe('ResourceNotFoundException');
  });

  test('an invalid JSON Schema in the config → 500 on write, logged as a schema error; reads still work', async () => {
    const broken = await createTestApi({ config: { schema: { type: 'not-a-type' } } });
    try {
      await broken.seed([{ id: 'x', version: 1, createdAt: 'c', updatedAt: 'c' }]);
      const r = await broken.call('POST', '/items', { json: { a: 1 } });
      expect(r.status).toBe(500);
      expect(broken.logs[broken.logs.length - 1].error.name).toBe('SchemaError');
      expect((await broken.call('GET', '/items/x')).status).toBe(200);
    } finally {
      await broken.destroy();
    }
  });
});
