/**
 * End to end, the user's own routes (issue #20): the bundled CLI serves, beside the CRUD routes, every Lambda-proxy
 * route of the API — `addFunctionRoute` with the route's JWT authorizer applied and its tables' names resolved to the
 * local tables, `httpApi.addRoutes` with an ES module (payload 2.0) and with inline CommonJS code (payload 1.0) — answers
 * 501 problem+json with a start-up line for the routes it cannot serve (another runtime, a non-Lambda integration),
 * and, with --watch, reloads a user function whose code changed.
 * Bundled CLI (`npx projen bundle`), the app synthesized from its folder (ts-node), the tests' DynamoDB Local.
 */
import { generateKeyPairSync } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { CLI, Runner, signJwt, startRunner } from './support/runner';

const REPO = path.join(__dirname, '..', '..');
const ISSUER = 'https://issuer.example.com/';

/** The checkout function: marks the order paid and records the payment, in one transaction (CommonJS, the SDK from the app). */
const checkout = (version: string) => `
const { DynamoDBClient, TransactWriteItemsCommand } = require('@aws-sdk/client-dynamodb');
const client = new DynamoDBClient({});
exports.handler = async (event) => {
  const id = event.pathParameters.id;
  const paymentId = 'pay-' + id;
  try {
    await client.send(new TransactWriteItemsCommand({ TransactItems: [
      { Update: { TableName: process.env.CRUD_TABLE_ORDERS, Key: { id: { S: id } }, UpdateExpression: 'SET #s = :paid',
        ConditionExpression: 'attribute_exists(id) AND #s <> :paid', ExpressionAttributeNames: { '#s': 'status' }, ExpressionAttributeValues: { ':paid': { S: 'paid' } } } },
      { Put: { TableName: process.env.CRUD_TABLE_PAYMENTS, Item: { id: { S: paymentId }, orderId: { S: id } } } },
    ] }));
  } catch (e) {
    if (e.name === 'TransactionCanceledException') return { statusCode: 409, headers: { 'content-type': 'application/problem+json' }, body: JSON.stringify({ title: 'Order not payable' }) };
    throw e;
  }
  return { statusCode: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ version: ${JSON.stringify(version)}, paymentId, sub: event.requestContext.authorizer.jwt.claims.sub }) };
};`;

function writeApp(dir: string, version: string): void {
  fs.mkdirSync(path.join(dir, 'checkout'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'checkout', 'index.js'), checkout(version));
  fs.mkdirSync(path.join(dir, 'hello'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'hello', 'index.mjs'), `
    export const handler = async (event) => ({ esm: typeof require === 'undefined', name: event.pathParameters.name, version: event.version });`);
  const lib = (m: string) => JSON.stringify(require.resolve(m, { paths: [REPO] }));
  fs.writeFileSync(path.join(dir, 'app.js'), `
    const { App, Stack } = require(${lib('aws-cdk-lib')});
    const lambda = require(${lib('aws-cdk-lib/aws-lambda')});
    const apigwv2 = require(${lib('aws-cdk-lib/aws-apigatewayv2')});
    const { HttpLambdaIntegration, HttpUrlIntegration } = require(${lib('aws-cdk-lib/aws-apigatewayv2-integrations')});
    const { AccessLevel, ApiAuthorization, Operation, ServerlessCrudApi } = require(${JSON.stringify(path.join(REPO, 'src'))});
    const app = new App();
    const stack = new Stack(app, 'UserRoutesE2E');
    const api = new ServerlessCrudApi(stack, 'Shop', {
      authorization: ApiAuthorization.jwt({ issuer: ${JSON.stringify(ISSUER)}, audience: ['api'] }),
      throttle: { rateLimit: 10000, burstLimit: 10000 },
      resources: [{ name: 'orders' }, { name: 'payments', operations: [Operation.READ] }],
    });
    const node = (id, dir, handler) => new lambda.Function(stack, id, { runtime: lambda.Runtime.NODEJS_22_X, handler, code: lambda.Code.fromAsset(dir) });
    api.addFunctionRoute({
      method: apigwv2.HttpMethod.POST, path: '/orders/{id}/checkout', handler: node('Checkout', ${JSON.stringify(path.join(dir, 'checkout'))}, 'index.handler'),
      tables: [{ resource: 'orders', access: AccessLevel.READ_WRITE }, { resource: 'payments', access: AccessLevel.WRITE }],
    });
    const none = new apigwv2.HttpNoneAuthorizer();
    api.httpApi.addRoutes({ path: '/hello/{name}', methods: [apigwv2.HttpMethod.GET], authorizer: none,
      integration: new HttpLambdaIntegration('Hello', node('Hello', ${JSON.stringify(path.join(dir, 'hello'))}, 'index.handler')) });
    const v1 = new lambda.Function(stack, 'V1', { runtime: lambda.Runtime.NODEJS_22_X, handler: 'index.handler',
      code: lambda.Code.fromInline("exports.handler = async (e) => ({ statusCode: 200, headers: { 'x-version': e.version }, body: e.httpMethod + ' ' + e.resource + ' ' + e.pathParameters.name });") });
    api.httpApi.addRoutes({ path: '/v1/{name}', methods: [apigwv2.HttpMethod.GET], authorizer: none,
      integration: new HttpLambdaIntegration('V1', v1, { payloadFormatVersion: apigwv2.PayloadFormatVersion.VERSION_1_0 }) });
    const py = new lambda.Function(stack, 'Py', { runtime: lambda.Runtime.PYTHON_3_12, handler: 'index.handler', code: lambda.Code.fromInline('def handler(e, c):\\n  return {}') });
    api.httpApi.addRoutes({ path: '/py', methods: [apigwv2.HttpMethod.GET], authorizer: none, integration: new HttpLambdaIntegration('Py', py) });
    api.httpApi.addRoutes({ path: '/proxy', methods: [apigwv2.HttpMethod.GET], authorizer: none, integration: new HttpUrlIntegration('Url', 'https://example.com') });
    ${version === 'v2' ? "api.httpApi.addRoutes({ path: '/hi/{name}', methods: [apigwv2.HttpMethod.GET], authorizer: none, integration: new HttpLambdaIntegration('Hi', stack.node.findChild('Hello')) });" : ''}
    app.synth();
  `);
}

async function eventually(runner: Runner, what: string, cond: () => boolean): Promise<void> {
  const deadline = Date.now() + 80_000;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; runner output:\n${runner.output()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('local runner: the user\'s own routes', () => {
  const dir = fs.mkdtempSync(path.join(REPO, 'test', 'local', '.user-routes-app-'));
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwksFile = path.join(dir, 'jwks.json');
  const token = (sub: string) => signJwt({ iss: ISSUER, aud: 'api', sub, exp: Math.floor(Date.now() / 1000) + 600 }, rsa.privateKey, 'k1');
  let runner: Runner;
  let url: string;

  beforeAll(async () => {
    expect(fs.existsSync(CLI)).toBe(true);
    fs.writeFileSync(jwksFile, JSON.stringify({ keys: [{ ...rsa.publicKey.export({ format: 'jwk' }), kid: 'k1', alg: 'RS256', use: 'sig' }] }));
    writeApp(dir, 'v1');
    const register = require.resolve('ts-node/register/transpile-only', { paths: [REPO] });
    fs.writeFileSync(path.join(dir, 'cdk.json'), JSON.stringify({ app: `${JSON.stringify(process.execPath)} -r ${JSON.stringify(register)} app.js` }));
    runner = await startRunner(['--app-dir', dir, '--watch', '--port', '0', '--endpoint', process.env.AWS_ENDPOINT_URL_DYNAMODB!, '--jwks', jwksFile]);
    url = runner.urls['UserRoutesE2E/Shop'];
    expect(url).toBeDefined();
  }, 90_000);

  afterAll(async () => {
    await runner?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('start-up lists every route: the served ones with their function, the others with why they answer 501', () => {
    const out = runner.output();
    expect(out).toMatch(/POST\s+http:\S+\/orders\/\{id\}\/checkout {2}→ Checkout\w+ \(addFunctionRoute, payload 2\.0, jwt\)/);
    expect(out).toMatch(/GET\s+http:\S+\/hello\/\{name\} {2}→ Hello\w+ \(httpApi\.addRoutes, payload 2\.0, none\)/);
    expect(out).toMatch(/GET\s+http:\S+\/v1\/\{name\} {2}→ V1\w+ \(httpApi\.addRoutes, payload 1\.0, none\)/);
    expect(out).toMatch(/GET\s+http:\S+\/py {2}! NOT SERVED LOCALLY \(answers 501\): Py\w+ runs "python3\.12"; only Node\.js functions run locally/);
    expect(out).toMatch(/GET\s+http:\S+\/proxy {2}! NOT SERVED LOCALLY \(answers 501\): its integration is HTTP_PROXY/);
  });

  test('addFunctionRoute: the JWT authorizer applies, and the function writes both local tables in one transaction', async () => {
    const auth = { 'authorization': `Bearer ${token('alice')}`, 'content-type': 'application/json' };
    expect((await fetch(`${url}/orders/o1/checkout`, { method: 'POST' })).status).toBe(401);
    const created = await fetch(`${url}/orders`, { method: 'POST', headers: auth, body: JSON.stringify({ id: 'o1', total: 5 }) });
    const order: any = await created.json();
    const res = await fetch(`${url}/orders/${order.id}/checkout`, { method: 'POST', headers: auth });
    expect([res.status, await res.json()]).toEqual([200, { version: 'v1', paymentId: `pay-${order.id}`, sub: 'alice' }]);
    expect(await (await fetch(`${url}/orders/${order.id}`, { headers: auth })).json()).toMatchObject({ status: 'paid' });
    expect(await (await fetch(`${url}/payments/pay-${order.id}`, { headers: auth })).json()).toMatchObject({ orderId: order.id });
    // Paid already: the transaction's condition fails, the function answers its 409.
    expect((await fetch(`${url}/orders/${order.id}/checkout`, { method: 'POST', headers: auth })).status).toBe(409);
  });

  test('httpApi.addRoutes: an ES module with payload 2.0, inline CommonJS with payload 1.0', async () => {
    expect(await (await fetch(`${url}/hello/bob`)).json()).toEqual({ esm: true, name: 'bob', version: '2.0' });
    const v1 = await fetch(`${url}/v1/carol`);
    expect([v1.status, v1.headers.get('x-version'), await v1.text()]).toEqual([200, '1.0', 'GET /v1/{name} carol']);
  });

  test('a route the runner cannot serve: 501 problem+json naming the route and why', async () => {
    for (const [p, why] of [['/py', /runs "python3\.12"/], ['/proxy', /HTTP_PROXY/]] as const) {
      const res = await fetch(`${url}${p}`);
      expect(res.status).toBe(501);
      expect(res.headers.get('content-type')).toBe('application/problem+json');
      const body: any = await res.json();
      expect(body).toMatchObject({ status: 501, title: 'Route not served locally', route: `GET ${p}`, type: expect.stringMatching(/not-served-locally$/) });
      expect(body.detail).toMatch(why);
    }
  });

  test('--watch: an edit to the user function reloads it; a route added to the HTTP API is served', async () => {
    const mark = runner.output().length;
    writeApp(dir, 'v2');
    await eventually(runner, 'the reload', () => /^watch: ✓ /m.test(runner.output().slice(mark)));
    expect(runner.output().slice(mark)).toMatch(/watch: ↻ UserRoutesE2E\/Shop Checkout\w+: reloaded/);
    expect(runner.output().slice(mark)).toMatch(/^watch: \+ UserRoutesE2E\/Shop route GET \/hi\/\{name\}$/m);
    expect(await (await fetch(`${url}/hi/dan`)).json()).toEqual({ esm: true, name: 'dan', version: '2.0' });
    const auth = { 'authorization': `Bearer ${token('alice')}`, 'content-type': 'application/json' };
    const order: any = await (await fetch(`${url}/orders`, { method: 'POST', headers: auth, body: JSON.stringify({ total: 7 }) })).json();
    expect(await (await fetch(`${url}/orders/${order.id}/checkout`, { method: 'POST', headers: auth })).json()).toMatchObject({ version: 'v2' });
  });
});
