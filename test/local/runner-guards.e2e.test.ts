/**
 * End to end, the runner's guards: the Host allow-list (DNS rebinding), the payload limit and throttling decided
 * before a body is read, the memory budget, the connection cap, the start-up refusals and warnings.
 * Bundled CLI (`npx projen bundle`), DynamoDB Local underneath.
 */
import { generateKeyPairSync } from 'crypto';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { App, Stack } from 'aws-cdk-lib';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import { CLI, rawRequest, Runner, runToExit, startRunner } from './support/runner';
import { ApiAuthorization, Operation, ServerlessCrudApi } from '../../src';

const MB = 1024 * 1024;

/** Opens a connection and sends `head` (request line and headers); resolves with what the server sends back. */
function rawExchange(url: string, head: string, then?: (socket: net.Socket) => void): Promise<{ response: string; closed: boolean }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), hostname, () => {
      socket.write(head);
      then?.(socket);
    });
    let response = '';
    socket.on('data', (d) => { response += String(d); });
    socket.on('error', (e: NodeJS.ErrnoException) => (e.code === 'ECONNRESET' || e.code === 'EPIPE' ? undefined : reject(e)));
    socket.on('close', () => resolve({ response, closed: true }));
    setTimeout(() => { socket.destroy(); resolve({ response, closed: false }); }, 8000).unref();
  });
}

const statusOf = (response: string) => Number(/^HTTP\/1\.1 (\d{3})/.exec(response)?.[1]);

describe('runner guards', () => {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'runner-guards-'));
  const assemblyDir = path.join(work, 'cdk.out');
  const cognitoAssembly = path.join(work, 'cognito.out');
  let runner: Runner;
  let open: string; let throttled: string;

  beforeAll(async () => {
    expect(fs.existsSync(CLI)).toBe(true); // built by `npx projen bundle` (pre-compile)
    const app = new App({ outdir: assemblyDir, context: { 'aws:cdk:enable-asset-metadata': true } });
    const stack = new Stack(app, 'Guards');
    new ServerlessCrudApi(stack, 'Open', { authorization: ApiAuthorization.none(), throttle: { rateLimit: 10_000, burstLimit: 10_000 } });
    new ServerlessCrudApi(stack, 'Throttled', {
      resourceName: 'slow', authorization: ApiAuthorization.none(), operations: [Operation.CREATE], throttle: { rateLimit: 1, burstLimit: 1 },
    });
    app.synth();

    const capp = new App({ outdir: cognitoAssembly, context: { 'aws:cdk:enable-asset-metadata': true } });
    const cstack = new Stack(capp, 'Pool');
    const userPool = new cognito.UserPool(cstack, 'Users');
    new ServerlessCrudApi(cstack, 'Api', { authorization: ApiAuthorization.cognito({ userPool, userPoolClients: [userPool.addClient('Web')] }) });
    capp.synth();

    runner = await startRunner(['--assembly', assemblyDir, '--port', '0', '--endpoint', process.env.AWS_ENDPOINT_URL_DYNAMODB!, '--allowed-host', 'api.test', '--allowed-host', '.dev.test']);
    ({ 'Guards/Open': open, 'Guards/Throttled': throttled } = runner.urls);
    expect([open, throttled].every(Boolean)).toBe(true);
  });

  afterAll(() => runner?.stop());

  test('Host allow-list: a rebinding name gets 403 problem+json naming --allowed-host; loopback names and allowed hosts pass', async () => {
    const port = new URL(open).port;
    const evil = await rawRequest(`${open}/items`, { headers: { host: `rebind.attacker.example:${port}` } });
    expect(evil.status).toBe(403);
    expect(evil.headers['content-type']).toBe('application/problem+json');
    expect(JSON.parse(evil.body)).toMatchObject({ status: 403, title: 'Host not allowed', detail: expect.stringContaining('--allowed-host rebind.attacker.example') });
    const evilPost = await rawRequest(`${open}/items`, { method: 'POST', headers: { 'host': 'rebind.attacker.example', 'content-type': 'application/json' }, body: '{}' });
    expect(evilPost.status).toBe(403);
    for (const host of [`localhost:${port}`, 'app.localhost', `127.0.0.1:${port}`, '127.8.9.10', `[::1]:${port}`, 'api.test', 'dev.test', `x.dev.test:${port}`]) {
      expect([host, (await rawRequest(`${open}/items`, { headers: { host } })).status]).toEqual([host, 200]);
    }
    for (const host of ['api.test.attacker.example', 'notdev.test', '192.168.1.10', 'localhost.attacker.example']) {
      expect([host, (await rawRequest(`${open}/items`, { headers: { host } })).status]).toEqual([host, 403]);
    }
    expect(runner.output()).toMatch(/Hosts answered: localhost, \*\.localhost, 127\.0\.0\.0\/8, \[::1\], 127\.0\.0\.1, api\.test, \.dev\.test/);
  });

  test('a declared body over 10 MB is a 413 before any of it is sent, and the connection is closed', async () => {
    const r = await rawExchange(open, `POST /items HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: ${20 * MB}\r\n\r\n`);
    expect(statusOf(r.response)).toBe(413);
    expect(r.response).toMatch(/\r\nconnection: close\r\n/i);
    expect(r.closed).toBe(true);
  });

  test('throttling answers 429 before a body is read', async () => {
    await rawRequest(`${throttled}/slow`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' }); // takes the one token
    const r = await rawExchange(throttled, `POST /slow HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: ${5 * MB}\r\n\r\n`);
    expect(statusOf(r.response)).toBe(429);
    expect(r.closed).toBe(true);
  });

  test('a chunked body is cut off with 413 as soon as it passes 10 MB (the client never has to finish)', async () => {
    const chunk = Buffer.alloc(MB, 0x20);
    const r = await rawExchange(open, 'POST /items HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n', (socket) => {
      for (let i = 0; i < 11 && !socket.destroyed; i++) socket.write(`${chunk.length.toString(16)}\r\n${chunk}\r\n`); // no terminating chunk
    });
    expect(statusOf(r.response)).toBe(413);
    expect(r.closed).toBe(true);
  });

  test('bodies held in memory are bounded: with 64 MiB reserved by slow uploads, the next one gets 503 at once', async () => {
    const sockets: net.Socket[] = [];
    const { hostname, port } = new URL(open);
    for (let i = 0; i < 6; i++) { // 6 × 10 MiB declared, nothing sent: 60 MiB reserved
      const s = net.connect(Number(port), hostname);
      s.on('error', () => undefined);
      s.write(`POST /items HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: ${10 * MB}\r\n\r\n`);
      sockets.push(s);
    }
    await new Promise((r) => setTimeout(r, 300));
    try {
      const r = await rawExchange(open, `POST /items HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: ${5 * MB}\r\n\r\n`);
      expect(statusOf(r.response)).toBe(503);
    } finally {
      for (const s of sockets) s.destroy();
    }
    await new Promise((r) => setTimeout(r, 300));
    // Given back when the clients went away.
    expect((await rawRequest(`${open}/items`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"after":1}' })).status).toBe(201);
  });

  test('connections are capped (256 per API): further ones are closed, and the API answers again once they go', async () => {
    const { hostname, port } = new URL(open);
    const sockets = await Promise.all(Array.from({ length: 300 }, () => new Promise<{ s: net.Socket; closedEarly: () => boolean }>((resolve) => {
      const s = net.connect(Number(port), hostname);
      let closed = false;
      s.on('error', () => undefined);
      s.on('close', () => { closed = true; });
      s.on('connect', () => resolve({ s, closedEarly: () => closed }));
      s.on('close', () => resolve({ s, closedEarly: () => true }));
    })));
    await new Promise((r) => setTimeout(r, 500));
    const dropped = sockets.filter((x) => x.closedEarly()).length;
    for (const { s } of sockets) s.destroy();
    expect(dropped).toBeGreaterThanOrEqual(40);
    await new Promise((r) => setTimeout(r, 300));
    expect((await rawRequest(`${open}/items`)).status).toBe(200);
  });

  test('Cognito issuer and audience are deploy-time tokens: refused without --issuer and --audience, served with them', async () => {
    const jwks = path.join(work, 'jwks.json');
    const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    fs.writeFileSync(jwks, JSON.stringify({ keys: [{ ...publicKey.export({ format: 'jwk' }), kid: 'k' }] }));
    const refused = await runToExit(['--assembly', cognitoAssembly, '--port', '0', '--endpoint', process.env.AWS_ENDPOINT_URL_DYNAMODB!, '--jwks', jwks]);
    expect(refused.code).toBe(1);
    expect(refused.output).toMatch(/Pool\/Api \(\/items\) uses cognito authorization, whose issuer and audience the template only knows at deploy time: pass --issuer .* and --audience/);
    const started = await startRunner(['--assembly', cognitoAssembly, '--port', '0', '--endpoint', process.env.AWS_ENDPOINT_URL_DYNAMODB!, '--jwks', jwks,
      '--issuer', 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_test', '--audience', 'client-1']);
    try {
      expect(started.output()).toMatch(/issuer https:\/\/cognito-idp\.eu-west-1\.amazonaws\.com\/eu-west-1_test, audience client-1/);
      expect((await fetch(`${started.urls['Pool/Api']}/items`)).status).toBe(401);
    } finally {
      await started.stop();
    }
  });

  test('bound to a non-loopback address, the runner warns loudly; its banner states the limits', async () => {
    const wide = await startRunner(['--assembly', assemblyDir, '--stack', 'Guards', '--port', '0', '--host', '0.0.0.0', '--endpoint', process.env.AWS_ENDPOINT_URL_DYNAMODB!]);
    try {
      expect(wide.output()).toMatch(/! LISTENING ON 0\.0\.0\.0, NOT ONLY LOOPBACK: other machines can reach these APIs, and some serve every request unauthenticated/);
    } finally {
      await wide.stop();
    }
    expect(runner.output()).not.toMatch(/LISTENING ON/);
    expect(runner.output()).toMatch(/Limits per API: bodies up to 10 MiB .* 64 MiB of bodies in memory .* 256 connections/);
  });
});
