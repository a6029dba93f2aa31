/**
 * `addFunctionRoute` (issue #20): a route of the user's own function beside the CRUD routes — the route and its
 * authorizer, exact grants per access level, the tables' names in the environment, the conflicts refused at synth,
 * and the route in grantInvoke, the OpenAPI document and the runner manifest.
 */
import * as fs from 'fs';
import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { HttpMethod } from 'aws-cdk-lib/aws-apigatewayv2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { nagFindings } from './util';
import { AccessLevel, ApiAuthorization, FunctionRouteProps, ServerlessCrudApi, ServerlessCrudApiProps } from '../../src';
import { ACCESS_LEVEL_INDEX_ACTIONS, ACCESS_LEVEL_TABLE_ACTIONS } from '../../src/construct/iam-actions';
import { LOCAL_MANIFEST_METADATA_TYPE, LocalManifest } from '../../src/shared/local-manifest';

const SHOP: ServerlessCrudApiProps = {
  resources: [
    { name: 'orders', indexes: [{ partitionKey: 'status' }, { partitionKey: 'customer' }] },
    { name: 'payments' },
    { name: 'order-lines' },
  ],
};

function setup(props: ServerlessCrudApiProps = SHOP) {
  const app = new App();
  const stack = new Stack(app, 'Shop', { env: { account: '123456789012', region: 'eu-west-1' } });
  const api = new ServerlessCrudApi(stack, 'Api', props);
  const fn = new lambda.Function(stack, 'Checkout', {
    runtime: lambda.Runtime.NODEJS_22_X, handler: 'index.handler', code: lambda.Code.fromInline('exports.handler = async () => ({})'),
  });
  return { app, stack, api, fn };
}

/** The DynamoDB statements of a function's role, as { actions (sorted), resources (JSON) }. */
function dynamoStatements(stack: Stack, fn: lambda.Function): { actions: string[]; resources: string[] }[] {
  const t = Template.fromStack(stack).toJSON().Resources as Record<string, any>;
  const roleId = stack.getLogicalId(fn.role!.node.defaultChild as any);
  return Object.values(t)
    .filter((r: any) => r.Type === 'AWS::IAM::Policy' && r.Properties.Roles.some((x: any) => x.Ref === roleId))
    .flatMap((p: any) => p.Properties.PolicyDocument.Statement)
    .map((st: any) => ({ actions: [st.Action].flat().sort(), resources: [st.Resource].flat().map((r: any) => JSON.stringify(r)).sort() }))
    .filter((st) => st.actions.some((a: string) => a.startsWith('dynamodb:')));
}

const tableArn = (stack: Stack, api: ServerlessCrudApi, name: string) =>
  JSON.stringify({ 'Fn::GetAtt': [stack.getLogicalId(api.resource(name).table.node.defaultChild as any), 'Arn'] });

describe('addFunctionRoute: grants and environment', () => {
  test.each([
    [AccessLevel.READ, ['dynamodb:BatchGetItem', 'dynamodb:ConditionCheckItem', 'dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:Scan']],
    [AccessLevel.WRITE, ['dynamodb:BatchWriteItem', 'dynamodb:ConditionCheckItem', 'dynamodb:DeleteItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem']],
    [AccessLevel.READ_WRITE, [
      'dynamodb:BatchGetItem', 'dynamodb:BatchWriteItem', 'dynamodb:ConditionCheckItem', 'dynamodb:DeleteItem', 'dynamodb:GetItem',
      'dynamodb:PutItem', 'dynamodb:Query', 'dynamodb:Scan', 'dynamodb:UpdateItem',
    ]],
  ])('%s: exactly the actions of the level, on that table only', (access, actions) => {
    const { stack, api, fn } = setup();
    api.addFunctionRoute({ method: HttpMethod.POST, path: '/orders/{id}/checkout', handler: fn, tables: [{ resource: 'payments', access }] });
    expect(ACCESS_LEVEL_TABLE_ACTIONS[access]).toEqual(actions);
    expect(dynamoStatements(stack, fn)).toEqual([{ actions, resources: [tableArn(stack, api, 'payments')] }]);
  });

  test('indexes: Query and Scan on exactly the indexes listed', () => {
    const { stack, api, fn } = setup();
    api.addFunctionRoute({
      method: HttpMethod.GET,
      path: '/orders/{id}/summary',
      handler: fn,
      tables: [{ resource: 'orders', access: AccessLevel.READ, indexes: ['byStatus'] }, { resource: 'payments', access: AccessLevel.WRITE }],
    });
    const orders = JSON.parse(tableArn(stack, api, 'orders'));
    expect(dynamoStatements(stack, fn)).toEqual([
      { actions: ACCESS_LEVEL_TABLE_ACTIONS.READ, resources: [JSON.stringify(orders)] },
      { actions: ACCESS_LEVEL_INDEX_ACTIONS.slice().sort(), resources: [JSON.stringify({ 'Fn::Join': ['', [orders, '/index/byStatus']] })] },
      { actions: ACCESS_LEVEL_TABLE_ACTIONS.WRITE, resources: [tableArn(stack, api, 'payments')] },
    ]);
  });

  test("each table's name in CRUD_TABLE_<NAME>", () => {
    const { stack, api, fn } = setup();
    api.addFunctionRoute({
      method: HttpMethod.POST,
      path: '/orders/{id}/checkout',
      handler: fn,
      tables: [{ resource: 'orders', access: AccessLevel.READ_WRITE }, { resource: 'order-lines', access: AccessLevel.READ }],
    });
    const ref = (name: string) => ({ Ref: stack.getLogicalId(api.resource(name).table.node.defaultChild as any) });
    Template.fromStack(stack).hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: { CRUD_TABLE_ORDERS: ref('orders'), CRUD_TABLE_ORDER_LINES: ref('order-lines') } },
    });
  });

  test.each([
    [AccessLevel.READ, ['kms:Decrypt', 'kms:DescribeKey']],
    [AccessLevel.WRITE, ['kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt', 'kms:GenerateDataKey', 'kms:ReEncryptFrom', 'kms:ReEncryptTo']],
  ])('a customer-managed table key, %s: exactly the key actions of the level', (access, actions) => {
    const app = new App();
    const stack = new Stack(app, 'Shop', { env: { account: '123456789012', region: 'eu-west-1' } });
    const api = new ServerlessCrudApi(stack, 'Api', { ...SHOP, encryptionKey: new kms.Key(stack, 'Key') });
    const fn = new lambda.Function(stack, 'Report', {
      runtime: lambda.Runtime.NODEJS_22_X, handler: 'index.handler', code: lambda.Code.fromInline('exports.handler = async () => ({})'),
    });
    api.addFunctionRoute({ method: HttpMethod.GET, path: '/payments/report', handler: fn, tables: [{ resource: 'payments', access }] });
    const roleId = stack.getLogicalId(fn.role!.node.defaultChild as any);
    const statements = Object.values(Template.fromStack(stack).toJSON().Resources as Record<string, any>)
      .filter((r: any) => r.Type === 'AWS::IAM::Policy' && r.Properties.Roles.some((x: any) => x.Ref === roleId))
      .flatMap((p: any) => p.Properties.PolicyDocument.Statement);
    const keyStatements = statements.filter((st: any) => [st.Action].flat().some((a: string) => a.startsWith('kms:')));
    expect(keyStatements.map((st: any) => [st.Action].flat().sort())).toEqual([actions]);
  });

  test('no tables: no DynamoDB grant, no variable', () => {
    const { stack, api, fn } = setup();
    api.addFunctionRoute({ method: HttpMethod.POST, path: '/webhooks/stripe', handler: fn, authorization: ApiAuthorization.none() });
    expect(dynamoStatements(stack, fn)).toEqual([]);
    const fnJson = Template.fromStack(stack).toJSON().Resources[stack.getLogicalId(fn.node.defaultChild as any)];
    expect(fnJson.Properties.Environment).toBeUndefined();
  });

  test('cdk-nag: no unacknowledged finding for the route and its grants', () => {
    const { app, stack, api, fn } = setup();
    api.addFunctionRoute({ method: HttpMethod.POST, path: '/orders/{id}/checkout', handler: fn, tables: [{ resource: 'orders', access: AccessLevel.READ_WRITE }] });
    const findings = nagFindings({ app, stack, api, template: Template.fromStack(stack) })
      .filter((f) => f.includes('/Api/'));
    expect(findings).toEqual([]);
  });
});

describe('addFunctionRoute: the route', () => {
  test("the API's authorizer by default; its own when given", () => {
    const { stack, api, fn } = setup();
    api.addFunctionRoute({ method: HttpMethod.POST, path: '/orders/{id}/checkout', handler: fn });
    api.addFunctionRoute({
      method: HttpMethod.GET,
      path: '/orders/{id}/receipt',
      handler: fn,
      authorization: ApiAuthorization.jwt({ issuer: 'https://issuer.example.com/', audience: ['shop'], scopes: ['orders:read'] }),
    });
    const t = Template.fromStack(stack);
    t.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: 'POST /orders/{id}/checkout', AuthorizationType: 'AWS_IAM' });
    t.hasResourceProperties('AWS::ApiGatewayV2::Route', {
      RouteKey: 'GET /orders/{id}/receipt', AuthorizationType: 'JWT', AuthorizationScopes: ['orders:read'], AuthorizerId: Match.anyValue(),
    });
    t.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', { JwtConfiguration: { Issuer: 'https://issuer.example.com/', Audience: ['shop'] } });
    t.hasResourceProperties('AWS::ApiGatewayV2::Integration', {
      IntegrationType: 'AWS_PROXY',
      PayloadFormatVersion: '2.0',
      IntegrationUri: { 'Fn::GetAtt': [stack.getLogicalId(fn.node.defaultChild as any), 'Arn'] },
    });
  });

  test('grantInvoke covers the function routes', () => {
    const { stack, api, fn } = setup();
    api.addFunctionRoute({ method: HttpMethod.POST, path: '/orders/{id}/checkout', handler: fn });
    const role = new iam.Role(stack, 'Caller', { assumedBy: new iam.AccountRootPrincipal() });
    api.grantInvoke(role);
    const statement = Template.fromStack(stack).toJSON().Resources;
    const policy: any = Object.values(statement).find((r: any) => r.Type === 'AWS::IAM::Policy' && r.Properties.Roles[0].Ref === stack.getLogicalId(role.node.defaultChild as any));
    const arns = JSON.stringify(policy.Properties.PolicyDocument.Statement[0].Resource);
    expect(arns).toContain('/POST/orders/*/checkout');
    expect(arns).toContain('/GET/orders/*');
  });

  test('the OpenAPI document and file: the route with its schemas and security; an open body without them', () => {
    const { app, api, fn } = setup();
    api.addFunctionRoute({
      method: HttpMethod.POST,
      path: '/orders/{id}/checkout',
      handler: fn,
      summary: 'Check an order out',
      requestSchema: { type: 'object', properties: { card: { type: 'string' } }, required: ['card'] },
      responseSchema: { type: 'object', properties: { paymentId: { type: 'string' } } },
    });
    api.addFunctionRoute({ method: HttpMethod.POST, path: '/webhooks/stripe', handler: fn, authorization: ApiAuthorization.none() });
    const doc = JSON.parse(api.openApiDocument);
    const checkout = doc.paths['/orders/{id}/checkout'].post;
    expect(checkout.summary).toBe('Check an order out');
    expect(checkout.security).toEqual([{ iam: [] }]);
    expect(checkout.requestBody.content['application/json'].schema).toEqual({ $ref: '#/components/schemas/PostOrdersIdCheckoutRequest' });
    expect(doc.components.schemas.PostOrdersIdCheckoutRequest.required).toEqual(['card']);
    expect(checkout.responses['200'].content['application/json'].schema).toEqual({ $ref: '#/components/schemas/PostOrdersIdCheckoutResponse' });
    expect(doc.paths['/orders/{id}/checkout'].parameters).toEqual([{ name: 'id', in: 'path', required: true, schema: { type: 'string', minLength: 1 } }]);
    const hook = doc.paths['/webhooks/stripe'].post;
    expect(hook.security).toEqual([]);
    expect(hook.requestBody).toEqual({ required: false, content: { 'application/json': { schema: {} } } });
    expect(Object.keys(hook.responses)).not.toContain('403');
    // The file in the cloud assembly is written at synth: it has every route.
    const out = app.synth();
    const file = JSON.parse(fs.readFileSync(`${out.directory}/${api.openApiFileName}`, 'utf8'));
    expect(Object.keys(file.paths)).toEqual(expect.arrayContaining(['/orders/{id}/checkout', '/webhooks/stripe']));
  });

  test('the runner manifest lists the route, its function, authorization and tables', () => {
    const { app, stack, api, fn } = setup();
    api.addFunctionRoute({ method: HttpMethod.POST, path: '/orders/{id}/checkout', handler: fn, tables: [{ resource: 'orders', access: AccessLevel.READ_WRITE }] });
    const entry = app.synth().getStackByName('Shop').findMetadataByType(LOCAL_MANIFEST_METADATA_TYPE)[0];
    const manifest = entry.data as unknown as LocalManifest;
    expect(manifest.apiLogicalId).toBe(stack.getLogicalId(api.httpApi.node.defaultChild as any));
    expect(manifest.functionRoutes).toEqual([{
      method: 'POST',
      path: '/orders/{id}/checkout',
      functionLogicalId: stack.getLogicalId(fn.node.defaultChild as any),
      auth: { kind: 'iam' },
      tables: [{ resource: 'orders', variable: 'CRUD_TABLE_ORDERS', access: 'READ_WRITE' }],
    }]);
  });
});

describe('addFunctionRoute: refused at synth', () => {
  const add = (props: Partial<FunctionRouteProps>, apiProps?: ServerlessCrudApiProps) => () => {
    const { api, fn } = setup(apiProps);
    api.addFunctionRoute({ method: HttpMethod.POST, path: '/orders/{id}/checkout', handler: fn, ...props });
    return api;
  };

  test('a path variable named differently from the CRUD routes at the same level, naming both routes', () => {
    expect(add({ path: '/orders/{orderId}/checkout' })).toThrow(
      /routes 'GET \/orders\/\{id\}' \(resource 'orders'\) and 'POST \/orders\/\{orderId\}\/checkout' \(addFunctionRoute\) name the path variable after '\/orders' differently \('\{id\}' and '\{orderId\}'\).*ConflictException.*rename the variables of '\/orders\/\{orderId\}\/checkout'/);
  });

  test('a method and path that exist already (a CRUD route), naming both', () => {
    expect(add({ method: HttpMethod.GET, path: '/orders/{id}' })).toThrow(/addFunctionRoute: 'GET \/orders\/\{id\}' exists already \(resource 'orders'\)/);
  });

  test('a method and path that exist already (another function route)', () => {
    expect(() => {
      const { api, fn } = setup();
      api.addFunctionRoute({ method: HttpMethod.POST, path: '/reports', handler: fn });
      api.addFunctionRoute({ method: HttpMethod.POST, path: '/reports', handler: fn });
    }).toThrow(/'POST \/reports' exists already \(addFunctionRoute\)/);
  });

  test('two function routes with different variables at one level', () => {
    expect(() => {
      const { api, fn } = setup();
      api.addFunctionRoute({ method: HttpMethod.GET, path: '/reports/{reportId}', handler: fn });
      api.addFunctionRoute({ method: HttpMethod.GET, path: '/reports/{id}/pdf', handler: fn });
    }).toThrow(/routes 'GET \/reports\/\{reportId\}' \(addFunctionRoute\) and 'GET \/reports\/\{id\}\/pdf' \(addFunctionRoute\)/);
  });

  test('a malformed path', () => {
    expect(add({ path: 'orders/{id}' })).toThrow(/'path' must start with '\/'/);
    expect(add({ path: '/orders/{id}x' })).toThrow(/bad segment '\{id\}x'/);
    expect(add({ path: '/files/{path+}/meta' })).toThrow(/only the last may be greedy/);
    expect(add({ path: '/a/{x}/b/{x}' })).toThrow(/names the variable '\{x\}' twice/);
  });

  test('an unknown resource, naming the resources', () => {
    expect(add({ tables: [{ resource: 'invoices', access: AccessLevel.READ }] })).toThrow(
      /'tables\[0\]'.resource 'invoices' is not a resource of this API; it has 'orders', 'payments', 'order-lines'/);
  });

  test('an unknown index, naming the indexes', () => {
    expect(add({ tables: [{ resource: 'orders', access: AccessLevel.READ, indexes: ['byTotal'] }] })).toThrow(
      /'tables\[0\]'.indexes\[0\] 'byTotal' is not an index of resource 'orders'; it has 'byStatus', 'byCustomer'/);
  });

  test('indexes with WRITE', () => {
    expect(add({ tables: [{ resource: 'orders', access: AccessLevel.WRITE, indexes: ['byStatus'] }] })).toThrow(/indexes with AccessLevel.WRITE/);
  });

  test('one resource twice', () => {
    expect(add({ tables: [{ resource: 'orders', access: AccessLevel.READ }, { resource: 'orders', access: AccessLevel.WRITE }] })).toThrow(
      /'tables\[0\]' and 'tables\[1\]' both name resource 'orders'/);
  });

  test('two resources whose variables would collide', () => {
    expect(add({ tables: [{ resource: 'a-b', access: AccessLevel.READ }, { resource: 'a.b', access: AccessLevel.READ }] }, {
      resources: [{ name: 'orders' }, { name: 'a-b' }, { name: 'a.b' }],
    })).toThrow(/'tables\[0\]' \('a-b'\) and 'tables\[1\]' \('a.b'\) would both be passed in CRUD_TABLE_A_B/);
  });

  test('tables for an imported function', () => {
    expect(() => {
      const { stack, api } = setup();
      const imported = lambda.Function.fromFunctionArn(stack, 'Imported', 'arn:aws:lambda:eu-west-1:123456789012:function:x');
      api.addFunctionRoute({ method: HttpMethod.POST, path: '/x', handler: imported, tables: [{ resource: 'orders', access: AccessLevel.READ }] });
    }).toThrow(/'handler' is not a lambda.Function of this app/);
  });

  test('with openApiRoute on (the served document would miss the route)', () => {
    expect(add({}, { ...SHOP, openApiRoute: true })).toThrow(/'openApiRoute' is on/);
  });
});
