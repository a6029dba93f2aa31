/**
 * API Gateway's integration timeout (HTTP APIs: 30 s): a function that has not answered by then gets API Gateway's
 * own 503 {"message":"Service Unavailable"}, and the server goes on serving. Shortened here through the server's limits.
 */
import type { LocalApi } from '../../src/local/assembly';
import type { FunctionInvoker } from '../../src/local/function-host';
import { startApiServer } from '../../src/local/server';

const api = {
  stackName: 'S',
  manifest: {
    version: 3,
    path: 'S/Api',
    stageName: '$default',
    throttle: { rateLimit: 1000, burstLimit: 1000 },
    functions: [],
    resources: [],
    routes: [{ method: 'GET', path: '/items', resource: 'items', operation: 'list', functionLogicalId: 'List', auth: { kind: 'none' } }],
  },
  functions: new Map(),
  tables: [],
  openApiFile: '/nonexistent',
} as unknown as LocalApi;

test('a function still running at the integration timeout: 503 Service Unavailable from the gateway; the next request is served', async () => {
  let calls = 0;
  const never: FunctionInvoker = {
    invoke: () => (++calls === 1 ? new Promise(() => {}) : Promise.resolve({ result: { statusCode: 200, body: 'ok' }, durationMs: 1 })),
  };
  const lines: string[] = [];
  const server = await startApiServer({
    api,
    functions: new Map([['List', never]]),
    port: 0,
    hostname: '127.0.0.1',
    auth: { enforce: false },
    log: (l) => lines.push(l),
    limits: { integrationTimeoutMs: 300 },
  });
  try {
    const t0 = Date.now();
    const r = await fetch(`${server.url}/items`);
    expect(r.status).toBe(503);
    expect(await r.json()).toEqual({ message: 'Service Unavailable' });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(290);
    expect(lines.join('\n')).toMatch(/did not answer within the integration timeout \(0\.3 s\)/);
    const next = await fetch(`${server.url}/items`);
    expect([next.status, await next.text()]).toEqual([200, 'ok']);
  } finally {
    await server.close();
  }
});
