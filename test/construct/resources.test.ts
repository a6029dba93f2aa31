import * as fs from 'fs';
import * as path from 'path';
import { App, Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';
import { logicalId, nagFindings, Synth, tablePositions } from './util';
import { ApiAuthorization, CrudResourceProps, HandlerMode, Operation, ServerlessCrudApi, ServerlessCrudApiProps } from '../../src';

/*
 * Several resources in one API: a public read-only catalogue (none()), owner-scoped orders (the API's JWT) and
 * customers with their own Lambda settings, on one HTTP API and stage.
 */

const jwt = () => ApiAuthorization.jwt({ issuer: 'https://issuer.example.com/', audience: ['shop'] });

const SHOP_RESOURCES: CrudResourceProps[] = [
  {
    name: 'products',
    operations: [Operation.READ, Operation.LIST],
    authorization: ApiAuthorization.none(),
    indexes: [{ partitionKey: 'category' }],
    schema: { type: 'object', required: ['title', 'price'], properties: { title: { type: 'string' }, price: { type: 'number' } } },
  },
  {
    name: 'orders',
    ownerScoping: true,
    schema: { type: 'object', required: ['total'], properties: { total: { type: 'number' } } },
  },
  {
    name: 'customers',
    operations: [Operation.CREATE, Operation.READ, Operation.UPDATE, Operation.DELETE],
    schema: { type: 'object', required: ['email'] },
    memorySize: 512,
    environment: { TIER: 'gold' },
  },
];

function shop(props: ServerlessCrudApiProps = {}): Synth {
  const app = new App();
  const stack = new Stack(app, 'TestStack', { env: { account: '123456789012', region: 'eu-west-1' } });
  const api = new ServerlessCrudApi(stack, 'Shop', { authorization: jwt(), resources: SHOP_RESOURCES, ...props });
  return { app, stack, api, template: Template.fromStack(stack) };
}

const fnEnv = (s: Synth) => Object.fromEntries(s.api.handlerFunctions.map((fn) => [
  fn.node.scope!.node.path.slice(s.api.node.path.length + 1),
  s.stack.resolve((fn.node.defaultChild as any).environment).variables as Record<string, any>,
]));

describe('three resources in one API', () => {
  const s = shop();

  test('one HTTP API and one stage serve every route of every resource', () => {
    s.template.resourceCountIs('AWS::ApiGatewayV2::Api', 1);
    s.template.resourceCountIs('AWS::ApiGatewayV2::Stage', 1);
    const keys = Object.values(s.template.findResources('AWS::ApiGatewayV2::Route')).map((r) => r.Properties.RouteKey).sort();
    expect(keys).toEqual([
      'DELETE /customers/{id}', 'DELETE /orders/{id}', 'GET /customers/{id}', 'GET /orders', 'GET /orders/{id}', 'GET /products',
      'GET /products/{id}', 'PATCH /customers/{id}', 'PATCH /orders/{id}', 'POST /customers', 'POST /orders', 'PUT /customers/{id}',
      'PUT /orders/{id}',
    ]);
  });

  test('each route uses its resource\'s authorization: the catalogue is public, the rest take the API\'s JWT', () => {
    const routes = Object.values(s.template.findResources('AWS::ApiGatewayV2::Route')).map((r) => r.Properties);
    for (const r of routes) {
      expect({ route: r.RouteKey, type: r.AuthorizationType }).toEqual({ route: r.RouteKey, type: r.RouteKey.includes('/products') ? 'NONE' : 'JWT' });
    }
    s.template.resourceCountIs('AWS::ApiGatewayV2::Authorizer', 1);
  });

  test('a resource with its own JWT authorizer gets its own (the ids do not clash)', () => {
    const other = ApiAuthorization.jwt({ issuer: 'https://partners.example.com/', audience: ['partners'] });
    const t = shop({ resources: [...SHOP_RESOURCES, { name: 'partners', operations: [Operation.READ], authorization: other }] }).template;
    t.resourceCountIs('AWS::ApiGatewayV2::Authorizer', 2);
    t.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', { Name: 'partnersJwtAuthorizer', JwtConfiguration: { Issuer: 'https://partners.example.com/' } });
  });

  test.each([HandlerMode.PER_OPERATION, HandlerMode.PER_RESOURCE, HandlerMode.SINGLE])('cdk-nag AwsSolutions and Serverless are clean (%s)', (mode) => {
    const resources = mode === HandlerMode.SINGLE ? SHOP_RESOURCES.map(({ memorySize, environment, ...r }) => r) : SHOP_RESOURCES;
    expect(nagFindings(shop({ handlerMode: mode, resources, dashboard: true }))).toEqual([]);
  });

  test('each resource has its own table, keyed as its settings say; idempotency tables only where CREATE is on', () => {
    expect(s.api.resources.map((r) => r.resourceName)).toEqual(['products', 'orders', 'customers']);
    const keySchema = (name: string) => s.stack.resolve((s.api.resource(name).table.node.defaultChild as any).keySchema);
    expect(keySchema('products')).toEqual([{ attributeName: 'id', keyType: 'HASH' }]);
    expect(keySchema('orders')).toEqual([{ attributeName: 'owner', keyType: 'HASH' }, { attributeName: 'id', keyType: 'RANGE' }]);
    expect(s.api.resource('products').idempotencyTable).toBeUndefined();
    expect(s.api.resource('orders').idempotencyTable).toBeDefined();
    s.template.resourceCountIs('AWS::DynamoDB::GlobalTable', 3 + 2);
    // The first resource's handles stay on the API.
    expect(s.api.table).toBe(s.api.resource('products').table);
  });

  test('resource(name) names the resources it has when asked for another', () => {
    expect(() => s.api.resource('invoices')).toThrow(/has no resource 'invoices'; it has 'products', 'orders', 'customers'/);
  });

  test('one code asset for the API carries the whole config, resources in order', () => {
    const keys = new Set(Object.values(s.template.findResources('AWS::Lambda::Function')).map((r) => JSON.stringify(r.Properties.Code.S3Key)));
    expect(keys.size).toBe(1);
    s.app.synth();
    const assetPath = (s.api.handlerFunctions[0].node.findChild('Code') as any).assetPath as string;
    const config = JSON.parse(fs.readFileSync(path.join(s.app.outdir, assetPath, 'crud-config.json'), 'utf8'));
    expect(config.version).toBe(4);
    expect(config.resources.map((r: any) => [r.name, r.operations, r.ownerScoping ?? null, r.schema.required])).toEqual([
      ['products', ['read', 'list'], null, ['title', 'price']],
      ['orders', ['create', 'read', 'list', 'update', 'delete'], { attribute: 'owner' }, ['total']],
      ['customers', ['create', 'read', 'update', 'delete'], null, ['email']],
    ]);
  });

  test('each function gets the variables of what it serves: its tables by config index, its routes, the cursor key if it lists', () => {
    const env = fnEnv(s);
    expect(Object.keys(env['products/ListFunction']).sort()).toEqual(['CRUD_CURSOR_SECRET_ARN', 'CRUD_ROUTES', 'CRUD_TABLES']);
    expect(env['products/ListFunction'].CRUD_ROUTES).toBe('products:list');
    expect(tablePositions(env['products/ListFunction'].CRUD_TABLES)).toEqual([logicalId(s.stack, s.api.resource('products').table)]);
    expect(Object.keys(env['orders/CreateFunction']).sort()).toEqual(['CRUD_IDEMPOTENCY_TABLES', 'CRUD_ROUTES', 'CRUD_TABLES']);
    expect(tablePositions(env['orders/CreateFunction'].CRUD_TABLES)).toEqual(['', logicalId(s.stack, s.api.resource('orders').table)]);
    expect(tablePositions(env['orders/CreateFunction'].CRUD_IDEMPOTENCY_TABLES)).toEqual(['', logicalId(s.stack, s.api.resource('orders').idempotencyTable!)]);
    expect(env['customers/ReadFunction']).toEqual({ TIER: 'gold', CRUD_TABLES: expect.anything(), CRUD_ROUTES: 'customers:read' });
    expect(tablePositions(env['customers/ReadFunction'].CRUD_TABLES)).toEqual(['', '', logicalId(s.stack, s.api.resource('customers').table)]);
  });

  test('HandlerMode.SINGLE: one function under the API serves every route, with every table\'s variable', () => {
    const resources = SHOP_RESOURCES.map(({ memorySize, environment, ...r }) => r);
    const single = shop({ handlerMode: HandlerMode.SINGLE, resources });
    single.template.resourceCountIs('AWS::Lambda::Function', 1);
    const env = fnEnv(single).CrudFunction;
    expect(Object.keys(env).sort()).toEqual(['CRUD_CURSOR_SECRET_ARN', 'CRUD_IDEMPOTENCY_TABLES', 'CRUD_ROUTES', 'CRUD_TABLES']);
    const ids = (of: 'table' | 'idempotencyTable') => single.api.resources.map((r) => (r[of] ? logicalId(single.stack, r[of]!) : ''));
    expect(tablePositions(env.CRUD_TABLES)).toEqual(ids('table'));
    expect(tablePositions(env.CRUD_IDEMPOTENCY_TABLES)).toEqual(ids('idempotencyTable'));
    // It serves every operation of every resource: '*', not the 11 pairs (Lambda's 4 KB environment limit).
    expect(env.CRUD_ROUTES).toBe('*');
    expect(single.api.resource('orders').functions.read).toBe(single.api.handlerFunctions[0]);
  });

  test('HandlerMode.PER_RESOURCE: one function per resource, under it', () => {
    const per = shop({ handlerMode: HandlerMode.PER_RESOURCE });
    expect(Object.keys(fnEnv(per)).sort()).toEqual(['customers/CrudFunction', 'orders/CrudFunction', 'products/CrudFunction']);
    expect(fnEnv(per)['products/CrudFunction'].CRUD_ROUTES).toBe('products:read,products:list');
  });

  test('a resource\'s Lambda overrides apply to its functions only', () => {
    const memory = (p: string) => (s.api.handlerFunctions.find((f) => f.node.path.endsWith(`${p}/Resource`))!.node.defaultChild as any).memorySize;
    expect(memory('customers/CreateFunction')).toBe(512);
    expect(memory('orders/CreateFunction')).toBe(1024);
  });

  test('grantInvoke of a resource allows exactly its routes', () => {
    const stack = new Stack(new App(), 'TestStack', { env: { account: '123456789012', region: 'eu-west-1' } });
    const api = new ServerlessCrudApi(stack, 'Shop', { authorization: jwt(), resources: SHOP_RESOURCES });
    const role = new iam.Role(stack, 'Caller', { assumedBy: new iam.AccountRootPrincipal() });
    api.resource('customers').grantInvoke(role);
    const statement = Template.fromStack(stack).findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: stack.getLogicalId(role.node.defaultChild as any) }] } });
    const resources = Object.values(statement)[0].Properties.PolicyDocument.Statement[0].Resource as any[];
    const paths = resources.map((r) => JSON.stringify(r).match(/\/\$default\/([A-Z]+)(\/[^"]*)"/)!.slice(1).join(' '));
    expect(paths.sort()).toEqual(['DELETE /customers/*', 'GET /customers/*', 'PATCH /customers/*', 'POST /customers', 'PUT /customers/*']);
  });

  test('monitoring: alarms per resource and for the API, under ONE composite alarm; the dashboard has a row per resource', () => {
    const d = shop({ dashboard: true });
    d.template.resourceCountIs('AWS::CloudWatch::CompositeAlarm', 1);
    const rule = JSON.stringify(Object.values(d.template.findResources('AWS::CloudWatch::CompositeAlarm'))[0].Properties.AlarmRule);
    expect(d.api.alarms.length).toBe(Object.keys(d.template.findResources('AWS::CloudWatch::Alarm')).length);
    for (const alarm of d.api.alarms) expect(rule).toContain(d.stack.getLogicalId(alarm.node.defaultChild as any));
    for (const name of ['products', 'orders', 'customers']) {
      expect(d.api.alarms.some((a) => a.node.path.includes(`/Shop/${name}/Alarms/DynamoDbThrottles`))).toBe(true);
    }
    const body = JSON.stringify(d.stack.resolve((d.api.dashboard!.node.defaultChild as any).dashboardBody));
    for (const title of ['products: Lambda invocations', 'orders: DynamoDB consumed capacity', 'customers: Lambda p99 duration (ms)']) expect(body).toContain(title);
  });

  test('a resource\'s metrics sum its functions', () => {
    expect(s.api.resource('customers').metricErrors()).toBeInstanceOf(cloudwatch.MathExpression);
    const per = shop({ handlerMode: HandlerMode.PER_RESOURCE });
    expect((per.api.resource('orders').metricInvocations({ period: Duration.minutes(1) }) as cloudwatch.Metric).metricName).toBe('Invocations');
  });

  test('the runner manifest (v5) lists the resources with their tables, each route with its resource and authorization', () => {
    const m = shop();
    const manifest = m.app.synth().getStackByName('TestStack').findMetadataByType('cdk-serverless-crud-api:local')[0].data as any;
    expect(manifest.version).toBe(5);
    expect(manifest.resources.map((r: any) => [r.name, r.table.partitionKey, r.idempotencyTable?.partitionKey ?? null])).toEqual([
      ['products', 'id', null], ['orders', 'owner', 'pk'], ['customers', 'id', 'pk'],
    ]);
    expect(manifest.routes.find((r: any) => r.path === '/products')).toMatchObject({ method: 'GET', resource: 'products', operation: 'list', auth: { kind: 'none' } });
    expect(manifest.routes.find((r: any) => r.path === '/orders' && r.method === 'POST')).toMatchObject({
      resource: 'orders', operation: 'create', auth: { kind: 'jwt', issuer: 'https://issuer.example.com/', audience: ['shop'] },
    });
    expect(manifest.functions).toContainEqual(expect.objectContaining({ routes: ['customers:update'], memoryMb: 512 }));
    expect(manifest.functions).toHaveLength(2 + 5 + 4);
  });
});
