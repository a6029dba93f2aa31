/**
 * How the runner reads the user's own routes from a synthesized template (issue #20): each route's authorization as
 * API Gateway applies it (IAM, a JWT or Cognito authorizer with its issuer and audience, a Lambda authorizer, none),
 * its payload format, its function's settings — and why a route cannot run locally.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Duration, Stack } from 'aws-cdk-lib';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpJwtAuthorizer, HttpLambdaAuthorizer, HttpUserPoolAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { ServerlessCrudApi } from '../../src';
import { loadApis } from '../../src/local/assembly';
import { buildEventV1, mapResultV1 } from '../../src/local/event-v1';

describe('the runner reads the user\'s routes from the template', () => {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'template-routes-'));
  const code = path.join(outdir, '..', `${path.basename(outdir)}-code`);
  let routes: Record<string, any>;
  let functions: Map<string, any>;

  beforeAll(() => {
    fs.mkdirSync(code, { recursive: true });
    fs.writeFileSync(path.join(code, 'index.js'), 'exports.handler = async () => ({});');
    const app = new App({ outdir, context: { 'aws:cdk:enable-asset-metadata': true } });
    const stack = new Stack(app, 'Routes');
    const api = new ServerlessCrudApi(stack, 'Api');
    const fn = (id: string, props: Partial<lambda.FunctionProps> = {}) => new lambda.Function(stack, id, {
      runtime: lambda.Runtime.NODEJS_22_X, handler: 'index.handler', code: lambda.Code.fromAsset(code), ...props,
    });
    const pool = new cognito.UserPool(stack, 'Pool');
    const client = pool.addClient('Web');
    const add = (p: string, integration: apigwv2.HttpRouteIntegration, authorizer?: apigwv2.IHttpRouteAuthorizer, scopes?: string[]) =>
      api.httpApi.addRoutes({ path: p, methods: [apigwv2.HttpMethod.GET], integration, authorizer, authorizationScopes: scopes });
    add('/jwt', new HttpLambdaIntegration('Jwt', fn('Jwt', { timeout: Duration.seconds(9), memorySize: 512 })),
      new HttpJwtAuthorizer('J', 'https://issuer.example.com/', { jwtAudience: ['aud1'] }), ['read']);
    add('/cognito', new HttpLambdaIntegration('Cognito', fn('CognitoFn')), new HttpUserPoolAuthorizer('C', pool, { userPoolClients: [client] }));
    add('/custom', new HttpLambdaIntegration('Custom', fn('CustomFn')), new HttpLambdaAuthorizer('L', fn('Authorizer')));
    add('/v1', new HttpLambdaIntegration('V1', fn('V1Fn'), { payloadFormatVersion: apigwv2.PayloadFormatVersion.VERSION_1_0 }));
    add('/alias', new HttpLambdaIntegration('Alias', new lambda.Alias(stack, 'Live', { aliasName: 'live', version: fn('Versioned').currentVersion })));
    add('/image', new HttpLambdaIntegration('Image', new lambda.DockerImageFunction(stack, 'Image', {
      code: lambda.DockerImageCode.fromEcr(ecr.Repository.fromRepositoryName(stack, 'Repo', 'repo')),
    })));
    api.addFunctionRoute({ method: apigwv2.HttpMethod.POST, path: '/own', handler: fn('Own') });
    app.synth();
    const [local] = loadApis(outdir);
    routes = Object.fromEntries(local.templateRoutes.map((r) => [r.path, r]));
    functions = local.functions;
  });
  afterAll(() => {
    fs.rmSync(outdir, { recursive: true, force: true });
    fs.rmSync(code, { recursive: true, force: true });
  });

  test('only the routes beyond the CRUD ones, each with where it came from', () => {
    expect(Object.keys(routes).sort()).toEqual(['/alias', '/cognito', '/custom', '/image', '/jwt', '/own', '/v1']);
    expect(routes['/own'].source).toBe('addFunctionRoute');
    expect(routes['/own'].auth).toEqual({ kind: 'iam' });
    expect(routes['/jwt'].source).toBe('httpApi.addRoutes');
  });

  test('authorization as the template sets it', () => {
    expect(routes['/jwt'].auth).toEqual({ kind: 'jwt', issuer: 'https://issuer.example.com/', audience: ['aud1'], scopes: ['read'] });
    expect(routes['/cognito'].auth).toMatchObject({ kind: 'cognito', audience: [expect.objectContaining({ Ref: expect.stringMatching(/^PoolWeb/) })] });
    expect(routes['/custom'].auth).toMatchObject({ kind: 'custom' });
    expect(routes['/v1'].auth).toEqual({ kind: 'none' });
  });

  test('payload format and the function\'s settings (Lambda\'s defaults when left out)', () => {
    expect(routes['/v1'].payloadVersion).toBe('1.0');
    expect(routes['/jwt'].payloadVersion).toBe('2.0');
    const jwt = functions.get(routes['/jwt'].functionLogicalId);
    expect(jwt).toMatchObject({ handler: 'index.handler', timeoutSeconds: 9, memoryMb: 512, routes: [] });
    expect(fs.existsSync(path.join(jwt.assetDir, 'index.js'))).toBe(true);
    expect(functions.get(routes['/v1'].functionLogicalId)).toMatchObject({ timeoutSeconds: 3, memoryMb: 128 });
  });

  test('what cannot run locally, and why', () => {
    expect(routes['/alias'].unservable).toMatch(/not a function of this stack .*an alias or a version/);
    expect(routes['/image'].unservable).toMatch(/is a container image/);
    expect(routes['/alias'].functionLogicalId).toBeUndefined();
  });
});

describe('payload format 1.0', () => {
  const event = buildEventV1({
    method: 'GET',
    url: '/v1/a%20b?x=1&x=2&y=',
    rawHeaders: ['Host', 'localhost:3000', 'X-Twice', 'a', 'X-Twice', 'b', 'Cookie', 'c=1'],
    body: Buffer.alloc(0),
    sourceIp: '127.0.0.1',
  }, { routeKey: 'GET /v1/{name}', pathParameters: { name: 'a b' }, apiId: 'api', stage: '$default', requestId: 'r1', now: new Date(0) }) as any;

  test('the REST-shaped event: headers as sent (last value), every value in multiValueHeaders, the route as resource', () => {
    expect(event).toMatchObject({
      version: '1.0',
      resource: '/v1/{name}',
      path: '/v1/a b',
      httpMethod: 'GET',
      headers: { 'Host': 'localhost:3000', 'X-Twice': 'b', 'Cookie': 'c=1' },
      multiValueHeaders: { 'X-Twice': ['a', 'b'] },
      queryStringParameters: { x: '2', y: '' },
      multiValueQueryStringParameters: { x: ['1', '2'], y: [''] },
      pathParameters: { name: 'a b' },
      stageVariables: null,
      body: null,
      isBase64Encoded: false,
    });
    expect(event.requestContext).toMatchObject({ resourceId: 'GET /v1/{name}', resourcePath: '/v1/{name}', stage: '$default', requestId: 'r1' });
  });

  test('the result must carry a statusCode: anything else is an integration failure (500)', () => {
    expect(mapResultV1({ statusCode: 201, multiValueHeaders: { 'Set-Cookie': ['a=1', 'b=2'] }, body: 'ok' })).toMatchObject({
      statusCode: 201, headers: { 'set-cookie': ['a=1', 'b=2'] },
    });
    expect(mapResultV1({ hello: 'world' }).statusCode).toBe(500);
    expect(mapResultV1('text').statusCode).toBe(500);
  });
});
