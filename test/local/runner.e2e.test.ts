/**
 * End to end: synthesize an app with several ServerlessCrudApis, start the bundled CLI (assets/local/cli/index.js,
 * built by `npx projen bundle`) on that assembly, and drive it over real HTTP. DynamoDB Local underneath.
 */
import { spawn } from 'child_process';
import { generateKeyPairSync } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Stack } from 'aws-cdk-lib';
import { CorsHttpMethod } from 'aws-cdk-lib/aws-apigatewayv2';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { OpenApiResponseChecker } from './support/openapi-responses';
import { CLI, Runner, signJwt, startRunner } from './support/runner';
import { ApiAuthorization, Operation, ServerlessCrudApi } from '../../src';

const ISSUER = 'https://issuer.example.com/';

describe('local runner (bundled CLI) against a synthesized assembly', () => {
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'runner-e2e-'));
  const jwksFile = path.join(work, 'jwks.json');
  const assemblyDir = path.join(work, 'cdk.out');
  const now = () => Math.floor(Date.now() / 1000);
  const token = (sub: string, claims: Record<string, unknown> = {}) =>
    signJwt({ iss: ISSUER, aud: 'api', sub, exp: now() + 600, ...claims }, rsa.privateKey, 'k1');
  let runner: Runner;
  let pub: string; let priv: string; let echo: string; let throttled: string; let shop: string;
  // Every response of the built-in handler's APIs is checked against the OpenAPI document in the assembly (#14).
  let contract: OpenApiResponseChecker;
  let restoreFetch = () => {};

  beforeAll(async () => {
    expect(fs.existsSync(CLI)).toBe(true); // built by `npx projen bundle` (pre-compile)
    fs.writeFileSync(jwksFile, JSON.stringify({ keys: [{ ...rsa.publicKey.export({ format: 'jwk' }), kid: 'k1', alg: 'RS256', use: 'sig' }] }));
    const echoDir = path.join(work, 'echo');
    fs.mkdirSync(echoDir);
    // Returns the event it received; POST returns a plain object so API Gateway's response inference shows.
    fs.writeFileSync(path.join(echoDir, 'index.js'), `
      exports.handler = async (event, context) => {
        if (event.requestContext.http.method === 'POST') return { echoed: true, requestId: context.awsRequestId };
        const secret = process.env.CRUD_CURSOR_SECRET || '';
        return { statusCode: 200, headers: { 'content-type': 'application/json', 'x-echo': '1', 'x-cursor-secret': secret, 'x-cursor-arn': String('CRUD_CURSOR_SECRET_ARN' in process.env) }, cookies: ['a=1; Path=/', 'b=2'], body: JSON.stringify(event) };
      };`);

    const app = new App({ outdir: assemblyDir, context: { 'aws:cdk:enable-asset-metadata': true } });
    const stack = new Stack(app, 'E2E');
    new ServerlessCrudApi(stack, 'Public', {
      authorization: ApiAuthorization.none(),
      openApiRoute: true,
      indexes: [{ partitionKey: 'status', sortKey: 'updatedAt' }],
      cors: { allowOrigins: ['http://localhost:5173'], allowMethods: [CorsHttpMethod.GET, CorsHttpMethod.POST], allowHeaders: ['content-type'], exposeHeaders: ['etag'] },
      throttle: { rateLimit: 10_000, burstLimit: 10_000 },
    });
    new ServerlessCrudApi(stack, 'Private', {
      resourceName: 'notes',
      authorization: ApiAuthorization.jwt({ issuer: ISSUER, audience: ['api'] }),
      openApiRoute: true,
      ownerScoping: true,
      indexes: [{ partitionKey: 'status', sortKey: 'due' }],
      throttle: { rateLimit: 10_000, burstLimit: 10_000 },
    });
    new ServerlessCrudApi(stack, 'Echo', {
      resourceName: 'echo',
      authorization: ApiAuthorization.none(),
      operations: [Operation.CREATE, Operation.READ, Operation.LIST],
      handlerCode: lambda.Code.fromAsset(echoDir),
      throttle: { rateLimit: 10_000, burstLimit: 10_000 },
    });
    new ServerlessCrudApi(stack, 'Throttled', {
      resourceName: 'slow', authorization: ApiAuthorization.none(), operations: [Operation.LIST], throttle: { rateLimit: 1, burstLimit: 2 },
    });
    // Three resources in one API: a public read-only catalogue, JWT orders kept per owner, IAM-authorized tags.
    new ServerlessCrudApi(stack, 'Shop', {
      throttle: { rateLimit: 10_000, burstLimit: 10_000 },
      resources: [
        { name: 'catalogue', authorization: ApiAuthorization.none(), operations: [Operation.READ, Operation.LIST] },
        {
          name: 'orders',
          authorization: ApiAuthorization.jwt({ issuer: ISSUER, audience: ['api'] }),
          ownerScoping: true,
          schema: { type: 'object', required: ['sku'], properties: { sku: { type: 'string' } } },
        },
        { name: 'tags', idAttribute: 'tag', operations: [Operation.CREATE, Operation.READ, Operation.DELETE] },
      ],
    });
    app.synth();

    runner = await startRunner(['--assembly', assemblyDir, '--port', '0', '--endpoint', process.env.AWS_ENDPOINT_URL_DYNAMODB!, '--jwks', jwksFile]);
    ({ 'E2E/Public': pub, 'E2E/Private': priv, 'E2E/Echo': echo, 'E2E/Throttled': throttled, 'E2E/Shop': shop } = runner.urls);
    expect([pub, priv, echo, throttled, shop].every(Boolean)).toBe(true);
    const documentOf = (api: string) => JSON.parse(fs.readFileSync(path.join(assemblyDir, `E2E.${api}.openapi.json`), 'utf8'));
    contract = new OpenApiResponseChecker([
      { baseUrl: pub, document: documentOf('Public') },
      { baseUrl: priv, document: documentOf('Private') },
      { baseUrl: throttled, document: documentOf('Throttled') },
      { baseUrl: shop, document: documentOf('Shop') },
    ]);
    restoreFetch = contract.install();
  });

  afterAll(async () => {
    restoreFetch();
    if (runner && runner.child.exitCode === null) {
      runner.child.kill('SIGINT');
      await runner.exited;
    }
  });

  test('start-up output: progress, URL and route table, and loud notes on what is not enforced', () => {
    const out = runner.output();
    expect(out).toMatch(/\[1\/4\] reading cloud assembly/);
    expect(out).toMatch(/\[3\/4\] creating tables/);
    expect(out).toMatch(/POST\s+http:\/\/127\.0\.0\.1:\d+\/items\s+→ Public\w*Create\w*/);
    expect(out).toMatch(/JWT verified against .*jwks\.json \(issuer https:\/\/issuer\.example\.com\/, audience api\)/);
    expect(out).not.toMatch(/NodeVersionSupportWarning/);
  });

  test('every route of the built-in handler, with ETags and problem+json passing through unchanged', async () => {
    const created = await fetch(`${pub}/items`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ title: 'a', status: 'open' }) });
    expect(created.status).toBe(201);
    const item = (await created.json()) as any;
    expect(created.headers.get('location')).toBe(`/items/${item.id}`);
    expect(created.headers.get('apigw-requestid')).toBeTruthy();

    const got = await fetch(`${pub}/items/${item.id}`);
    expect(got.status).toBe(200);
    const etag = got.headers.get('etag')!;
    // The access line says what each request cost, as DynamoDB Local reported it (a consistent read of a small item:
    // 1 RCU; the create wrote units).
    const requestIdOf = (r: Response) => r.headers.get('apigw-requestid')!;
    for (let i = 0; i < 100 && !runner.output().includes(requestIdOf(got)); i++) await new Promise((r) => setTimeout(r, 50));
    expect(runner.output()).toMatch(new RegExp(`GET /items/${item.id} → 200 [\\d.]+ ms 1 RCU 0 WCU \\[\\w+\\] ${requestIdOf(got)}`));
    const wrote = new RegExp(`POST /items → 201 [\\d.]+ ms 0 RCU ([\\d.]+) WCU \\[\\w+\\] ${requestIdOf(created)}`).exec(runner.output());
    expect(Number(wrote?.[1])).toBeGreaterThan(0);
    expect((await fetch(`${pub}/items/${item.id}`, { headers: { 'if-none-match': etag } })).status).toBe(304);

    const put = await fetch(`${pub}/items/${item.id}`, { method: 'PUT', headers: { 'content-type': 'application/json', 'if-match': etag }, body: JSON.stringify({ title: 'b', status: 'open' }) });
    expect(put.status).toBe(200);
    const stale = await fetch(`${pub}/items/${item.id}`, { method: 'PATCH', headers: { 'content-type': 'application/json', 'if-match': etag }, body: '{"title":"c"}' });
    expect(stale.status).toBe(412);
    const patched = await fetch(`${pub}/items/${item.id}`, { method: 'PATCH', headers: { 'content-type': 'application/merge-patch+json' }, body: '{"title":"c"}' });
    expect(patched.status).toBe(200);
    expect(((await patched.json()) as any).version).toBe(3);

    const byIndex = (await (await fetch(`${pub}/items?status=open`)).json()) as any;
    expect(byIndex.items.map((i: any) => i.id)).toContain(item.id);

    expect((await fetch(`${pub}/items/${item.id}`, { method: 'DELETE' })).status).toBe(204);
    const gone = await fetch(`${pub}/items/${item.id}`);
    expect(gone.status).toBe(404);
    expect(gone.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(await gone.json()).toMatchObject({ status: 404, title: expect.any(String), type: expect.any(String) });

    const bad = await fetch(`${pub}/items`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"broken' });
    expect(bad.status).toBe(400);
    expect(bad.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  });

  test('GET /openapi.json (openApiRoute): the assembly\'s document, with the API itself as first server, behind the API\'s authorization', async () => {
    const file = JSON.parse(fs.readFileSync(path.join(assemblyDir, 'E2E.Public.openapi.json'), 'utf8'));
    const served = await fetch(`${pub}/openapi.json`);
    expect([served.status, served.headers.get('content-type')]).toEqual([200, 'application/json']);
    const doc = (await served.json()) as any;
    expect(doc.servers[0]).toEqual({ url: '/', description: 'This API, where this document was served from' });
    expect({ ...doc, servers: doc.servers.slice(1) }).toEqual(file);
    expect(doc.paths['/openapi.json'].get.security).toEqual([]);
    expect((await fetch(`${priv}/openapi.json`)).status).toBe(401);
    const withToken = await fetch(`${priv}/openapi.json`, { headers: { authorization: `Bearer ${token('alice')}` } });
    expect(withToken.status).toBe(200);
    expect(((await withToken.json()) as any).paths['/openapi.json'].get.security).toEqual([{ jwt: [] }]);
    expect((await fetch(`${shop}/openapi.json`)).status).toBe(404); // not opted in
  });

  test('unknown routes answer as HTTP API does', async () => {
    for (const [method, p] of [['GET', '/nope'], ['POST', '/items/x'], ['GET', '/items/a/b'], ['PATCH', '/items'], ['GET', '/items/%ZZ'], ['DELETE', '/items/%E0%A4%A'], ['GET', '/items/a%2Fb']] as const) {
      const r = await fetch(`${pub}${p}`, { method });
      expect([method, p, r.status]).toEqual([method, p, 404]);
      expect(await r.json()).toEqual({ message: 'Not Found' });
    }
  });

  test('CORS: preflight for an allowed origin, none for another, allow-origin on actual responses', async () => {
    const ok = await fetch(`${pub}/items`, { method: 'OPTIONS', headers: { 'origin': 'http://localhost:5173', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' } });
    expect(ok.status).toBe(204);
    expect(ok.headers.get('access-control-allow-origin')).toBe('http://localhost:5173');
    expect(ok.headers.get('access-control-allow-methods')).toBe('GET,POST');
    const evil = await fetch(`${pub}/items`, { method: 'OPTIONS', headers: { 'origin': 'https://evil.example.com', 'access-control-request-method': 'POST' } });
    expect(evil.headers.get('access-control-allow-origin')).toBeNull();
    const actual = await fetch(`${pub}/items`, { headers: { origin: 'http://localhost:5173' } });
    expect(actual.headers.get('access-control-allow-origin')).toBe('http://localhost:5173');
    expect(actual.headers.get('access-control-expose-headers')).toBe('etag');
  });

  test('JWT: accepted, missing, expired, wrong audience, wrong issuer, forged', async () => {
    const post = (auth?: string) => fetch(`${priv}/notes`, {
      method: 'POST', headers: { 'content-type': 'application/json', ...(auth ? { authorization: auth } : {}) }, body: '{"t":1}',
    });
    expect((await post(`Bearer ${token('alice')}`)).status).toBe(201);
    expect((await post()).status).toBe(401);
    const expired = await post(`Bearer ${token('alice', { exp: now() - 5 })}`);
    expect(expired.status).toBe(401);
    expect(await expired.json()).toEqual({ message: 'Unauthorized' });
    expect(expired.headers.get('www-authenticate')).toMatch(/invalid_token/);
    expect((await post(`Bearer ${token('alice', { aud: 'someone-else' })}`)).status).toBe(401);
    expect((await post(`Bearer ${token('alice', { iss: 'https://evil.example.com/' })}`)).status).toBe(401);
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 });
    expect((await post(`Bearer ${signJwt({ iss: ISSUER, aud: 'api', sub: 'alice', exp: now() + 60 }, other.privateKey, 'k1')}`)).status).toBe(401);
    // aud is checked when present; client_id only when aud is absent (as API Gateway does).
    expect((await post(`Bearer ${token('alice', { aud: 'other-app', client_id: 'api' })}`)).status).toBe(401);
    expect((await post(`Bearer ${token('alice', { aud: undefined, client_id: 'api' })}`)).status).toBe(201);
    // A kid with a newline is a 401, never a 500 (nothing from the token is echoed into WWW-Authenticate).
    const injected = signJwt({ iss: ISSUER, aud: 'api', sub: 'alice', exp: now() + 60 }, rsa.privateKey, 'k1\r\nx-evil: 1');
    const r = await post(`Bearer ${injected}`);
    expect([r.status, r.headers.get('x-evil')]).toEqual([401, null]);
  });

  test('ids through the runner: 100% round-trips via Location; %41 is not A; %2F never routes', async () => {
    const post = (id: string) => fetch(`${pub}/items`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ id, v: id }) });
    const hundred = await post('100%');
    expect([hundred.status, hundred.headers.get('location')]).toEqual([201, '/items/100%25']);
    expect(((await (await fetch(`${pub}${hundred.headers.get('location')}`)).json()) as any).id).toBe('100%');
    expect((await post('A')).status).toBe(201);
    expect((await post('%41')).headers.get('location')).toBe('/items/%2541');
    expect(((await (await fetch(`${pub}/items/%2541`)).json()) as any).v).toBe('%41');
    expect(((await (await fetch(`${pub}/items/A`)).json()) as any).v).toBe('A');
    const slash = await post('a/b');
    expect(slash.status).toBe(422);
    expect(((await slash.json()) as any).errors[0].message).toMatch(/%2F/);
    expect((await fetch(`${pub}/items/a%2Fb`)).status).toBe(404);
  });

  test('a JSON body with invalid UTF-8 (0xC3 0x28) reaches the handler byte for byte: its 400, not U+FFFD', async () => {
    const body = Buffer.concat([Buffer.from('{"title":"'), Buffer.from([0xc3, 0x28]), Buffer.from('"}')]);
    const r = await fetch(`${pub}/items`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    expect(r.status).toBe(400);
    expect(r.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(((await r.json()) as any).detail).toMatch(/UTF-8/);
  });

  test('owner isolation through the runner: another caller can neither see nor change an item', async () => {
    const alice = { 'authorization': `Bearer ${token('alice')}`, 'content-type': 'application/json' };
    const bob = { 'authorization': `Bearer ${token('bob')}`, 'content-type': 'application/json' };
    const created = (await (await fetch(`${priv}/notes`, { method: 'POST', headers: alice, body: '{"secret":true}' })).json()) as any;
    expect((await fetch(`${priv}/notes/${created.id}`, { headers: alice })).status).toBe(200);
    expect((await fetch(`${priv}/notes/${created.id}`, { headers: bob })).status).toBe(404);
    expect((await fetch(`${priv}/notes/${created.id}`, { method: 'PATCH', headers: bob, body: '{"secret":false}' })).status).toBe(404);
    expect((await fetch(`${priv}/notes/${created.id}`, { method: 'DELETE', headers: bob })).status).toBe(404);
    const bobsList = (await (await fetch(`${priv}/notes`, { headers: bob })).json()) as any;
    expect(bobsList.items.map((i: any) => i.id)).not.toContain(created.id);
    const alicesList = (await (await fetch(`${priv}/notes`, { headers: alice })).json()) as any;
    expect(alicesList.items.map((i: any) => i.id)).toContain(created.id);
  });

  test('two tenants through the runner: none of the six isolation defects of issue #10', async () => {
    const as = (sub: string, extra: Record<string, string> = {}) => ({ 'authorization': `Bearer ${token(sub)}`, 'content-type': 'application/json', ...extra });
    // 1. B has 12 open items; A's index listing reads nothing of B's: no items, and no cursor built from B's keys.
    for (let n = 0; n < 12; n++) {
      const r = await fetch(`${priv}/notes`, { method: 'POST', headers: as('tenant-b'), body: JSON.stringify({ id: `b-${n}-key`, status: 'open', due: `2026-03-${10 + n}` }) });
      expect(r.status).toBe(201);
    }
    const a = await fetch(`${priv}/notes?status=open&limit=1`, { headers: as('tenant-a') });
    expect(await a.json()).toEqual({ items: [], nextCursor: null });
    // 2. B's own cursor is opaque (no key material) and useless to A.
    const b = (await (await fetch(`${priv}/notes?status=open&limit=1`, { headers: as('tenant-b') })).json()) as any;
    expect(Buffer.from(b.nextCursor, 'base64url').toString('latin1')).not.toMatch(/b-\d+-key|2026-03/);
    expect((await fetch(`${priv}/notes?status=open&limit=1&cursor=${b.nextCursor}`, { headers: as('tenant-a') })).status).toBe(400);
    // 3. No oracle, no squatting: B's id is an unused id for A, with or without preconditions.
    const foreign = await fetch(`${priv}/notes/b-1-key`, { method: 'PUT', headers: as('tenant-a', { 'if-match': '"999999"' }), body: '{"x":1}' });
    const unused = await fetch(`${priv}/notes/nobody-has-this`, { method: 'PUT', headers: as('tenant-a', { 'if-match': '"999999"' }), body: '{"x":1}' });
    expect([foreign.status, unused.status]).toEqual([412, 412]);
    expect(((await foreign.json()) as any).type).toBe(((await unused.json()) as any).type);
    expect((await fetch(`${priv}/notes`, { method: 'POST', headers: as('tenant-a'), body: '{"id":"b-2-key"}' })).status).toBe(201);
    // 4. Idempotency keys belong to the caller.
    const ka = await fetch(`${priv}/notes`, { method: 'POST', headers: as('tenant-a', { 'idempotency-key': 'order-1' }), body: '{"n":"a"}' });
    const kb = await fetch(`${priv}/notes`, { method: 'POST', headers: as('tenant-b', { 'idempotency-key': 'order-1' }), body: '{"n":"b"}' });
    expect([ka.status, kb.status, kb.headers.get('idempotent-replayed')]).toEqual([201, 201, null]);
    expect(((await kb.json()) as any).n).toBe('b');
    // 5. ETags never repeat across generations of an id.
    const first = await fetch(`${priv}/notes/gen`, { method: 'PUT', headers: as('tenant-a'), body: '{"v":1}' });
    expect((await fetch(`${priv}/notes/gen`, { method: 'DELETE', headers: as('tenant-a') })).status).toBe(204);
    const second = await fetch(`${priv}/notes/gen`, { method: 'PUT', headers: as('tenant-a'), body: '{"v":2}' });
    expect(second.headers.get('etag')).not.toBe(first.headers.get('etag'));
    expect((await fetch(`${priv}/notes/gen`, { headers: as('tenant-a', { 'if-none-match': first.headers.get('etag')! }) })).status).toBe(200);
    // 6 (the Scan grant) is structural: see iam.test.ts and handler-actions.test.ts.
  });

  test('three resources on one port: every route of each, each with its own authorization, table and schema', async () => {
    const jwt = (sub: string) => ({ 'authorization': `Bearer ${token(sub)}`, 'content-type': 'application/json' });
    const json = { 'content-type': 'application/json' };
    // catalogue: read-only and public; no write routes exist at all.
    expect((await fetch(`${shop}/catalogue`)).status).toBe(200);
    expect((await fetch(`${shop}/catalogue/none`)).status).toBe(404);
    const write = await fetch(`${shop}/catalogue`, { method: 'POST', headers: json, body: '{}' });
    expect([write.status, await write.json()]).toEqual([404, { message: 'Not Found' }]);
    // orders: JWT required, owner-scoped, its own schema.
    expect((await fetch(`${shop}/orders`, { method: 'POST', headers: json, body: '{"sku":"a"}' })).status).toBe(401);
    expect((await fetch(`${shop}/orders`, { method: 'POST', headers: jwt('ann'), body: '{"qty":1}' })).status).toBe(422);
    const order = await fetch(`${shop}/orders`, { method: 'POST', headers: jwt('ann'), body: '{"id":"o1","sku":"a"}' });
    expect([order.status, order.headers.get('location')]).toEqual([201, '/orders/o1']);
    expect((await fetch(`${shop}/orders/o1`, { headers: jwt('ben') })).status).toBe(404);
    const put = await fetch(`${shop}/orders/o1`, { method: 'PUT', headers: jwt('ann'), body: '{"sku":"b"}' });
    expect(put.status).toBe(200);
    const patched = await fetch(`${shop}/orders/o1`, { method: 'PATCH', headers: { ...jwt('ann'), 'if-match': put.headers.get('etag')! }, body: '{"sku":"c"}' });
    expect(patched.status).toBe(200);
    expect(((await (await fetch(`${shop}/orders`, { headers: jwt('ann') })).json()) as any).items.map((i: any) => i.sku)).toEqual(['c']);
    // tags: IAM (not enforced locally), its own id attribute; no schema, so an order-shaped body is fine here.
    const tag = await fetch(`${shop}/tags`, { method: 'POST', headers: json, body: '{"tag":"o1","qty":1}' });
    expect([tag.status, ((await tag.json()) as any).tag]).toEqual([201, 'o1']);
    // Isolation between resources: the same id lives separately in each.
    expect(((await (await fetch(`${shop}/tags/o1`)).json()) as any).qty).toBe(1);
    expect((await fetch(`${shop}/orders/o1`, { method: 'DELETE', headers: jwt('ann') })).status).toBe(204);
    expect((await fetch(`${shop}/tags/o1`)).status).toBe(200);
    expect((await fetch(`${shop}/tags/o1`, { method: 'DELETE' })).status).toBe(204);
    expect((await fetch(`${shop}/tags`)).status).toBe(404); // tags has no LIST route
    const out = runner.output();
    expect(out).toMatch(/\/catalogue: no authorization/);
    expect(out).toMatch(/\/orders: JWT verified against/);
    expect(out).toMatch(/\/tags: ! IAM AUTHORIZATION IS NOT ENFORCED LOCALLY/);
  });

  test('payload 2.0 fidelity: the event the function receives for repeated params, cookies, encoded path, binary body', async () => {
    const r = await fetch(`${echo}/echo/a%20b%2541c?tag=x&tag=y&q=%C3%A9`, { headers: { 'Cookie': 'session=1; theme=dark', 'X-Trace': 'T1', 'User-Agent': 'e2e' } });
    expect(r.status).toBe(200);
    const event = (await r.json()) as any;
    expect(event).toMatchObject({
      version: '2.0',
      routeKey: 'GET /echo/{id}',
      rawPath: '/echo/a b%41c',
      rawQueryString: 'tag=x&tag=y&q=%C3%A9',
      cookies: ['session=1', 'theme=dark'],
      queryStringParameters: { tag: 'x,y', q: 'é' },
      pathParameters: { id: 'a b%41c' },
      isBase64Encoded: false,
      requestContext: { http: { method: 'GET', path: '/echo/a b%41c', protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'e2e' }, routeKey: 'GET /echo/{id}', stage: '$default' },
    });
    expect(event.headers['x-trace']).toBe('T1');
    expect(event.headers.cookie).toBeUndefined();
    expect(event.requestContext.requestId).toBe(r.headers.get('apigw-requestid'));
    expect(r.headers.get('x-echo')).toBe('1');
    // A per-run cursor key stands in for the deployed secret: 32 random bytes, hex, never printed.
    const secret = r.headers.get('x-cursor-secret')!;
    expect(secret).toMatch(/^[0-9a-f]{64}$/);
    expect(r.headers.get('x-cursor-arn')).toBe('false');
    expect(runner.output()).not.toContain(secret);
    expect(runner.output()).not.toMatch(/CRUD_CURSOR_SECRET/);
    expect(r.headers.getSetCookie()).toEqual(['a=1; Path=/', 'b=2']);

    expect((await fetch(`${echo}/echo/a%2Fb`)).status).toBe(404); // %2F is decoded before routing: no /echo/{id}

    const list = (await (await fetch(`${echo}/echo?a=1`, { method: 'GET' })).json()) as any;
    expect(list).toMatchObject({ routeKey: 'GET /echo', queryStringParameters: { a: '1' } });
    expect(list.pathParameters).toBeUndefined();
  });

  test('a function result without statusCode is inferred as a 200 application/json response', async () => {
    const r = await fetch(`${echo}/echo`, { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body: Buffer.from([0, 1, 2]) });
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('application/json');
    expect(await r.json()).toMatchObject({ echoed: true, requestId: r.headers.get('apigw-requestid') });
  });

  test('stage throttling answers 429 beyond the burst', async () => {
    const statuses = await Promise.all(Array.from({ length: 6 }, () => fetch(`${throttled}/slow`).then((r) => r.status)));
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(3);
    expect(statuses.filter((s) => s === 200).length).toBeGreaterThanOrEqual(1);
  });

  test('a bad flag prints the usage and exits 2; --help documents every flag', async () => {
    const bad = spawn(process.execPath, [CLI, 'local', '--bogus'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    bad.stderr!.on('data', (d) => { err += String(d); });
    expect(await new Promise((r) => bad.on('exit', r))).toBe(2);
    expect(err).toMatch(/unknown option --bogus/);
    const help = spawn(process.execPath, [CLI, '--help'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    help.stdout!.on('data', (d) => { out += String(d); });
    expect(await new Promise((r) => help.on('exit', r))).toBe(0);
    for (const flag of ['--app-dir', '--assembly', '--stack', '--port', '--host', '--allowed-host', '--endpoint', '--region', '--persist', '--jwks', '--issuer', '--audience', '--no-auth', '--function-logs', '--watch', '--help']) {
      expect(out).toContain(flag);
    }
    expect(out).toContain('/_docs');
  });

  test('its own DynamoDB Local: started, and stopped with everything else on Ctrl-C (no orphaned Java)', async () => {
    const own = await startRunner(['--assembly', assemblyDir, '--stack', 'E2E', '--port', '0', '--no-auth']);
    const pid = Number(/\(pid (\d+)\)/.exec(own.output())![1]);
    expect(() => process.kill(pid, 0)).not.toThrow();
    expect(own.output()).toMatch(/AUTHORIZATION OFF \(--no-auth\)/);
    expect(own.output()).toMatch(/! DynamoDB Local listens on every network interface \(it has no option to bind loopback only\)/);
    const r = await fetch(`${own.urls['E2E/Public']}/items`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(r.status).toBe(201);
    own.child.kill('SIGINT');
    expect(await own.exited).toBe(0);
    await new Promise((res) => setTimeout(res, 300));
    expect(() => process.kill(pid, 0)).toThrow();
  });

  test('every response above from the built-in handler\'s APIs matches the OpenAPI document in the assembly', async () => {
    await contract.settle();
    expect(contract.mismatches).toEqual([]);
    expect(contract.checked.length).toBeGreaterThan(80);
    // Every route of the document was exercised (at least one status each).
    const routes = new Set(contract.checked.map((c) => c.route));
    for (const r of ['GET /items', 'POST /items', 'GET /items/{id}', 'PUT /items/{id}', 'PATCH /items/{id}', 'DELETE /items/{id}', 'GET /notes', 'POST /notes', 'PUT /notes/{id}', 'DELETE /notes/{id}', 'GET /catalogue', 'GET /catalogue/{id}', 'GET /orders', 'POST /orders', 'PUT /orders/{id}', 'PATCH /orders/{id}', 'DELETE /orders/{id}', 'POST /tags', 'GET /tags/{id}', 'DELETE /tags/{id}', 'GET /slow']) {
      expect(routes).toContain(r);
    }
    if (process.env.OPENAPI_COVERAGE_FILE) fs.writeFileSync(process.env.OPENAPI_COVERAGE_FILE, `${contract.coverage().join('\n')}\n`);
  });
});
