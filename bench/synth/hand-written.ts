/**
 * Synth benchmark, the reference: what `new ServerlessCrudApi(stack, 'Api')` creates, written by hand with L2
 * constructs — two TableV2 (items, idempotency with TTL), per operation a log group, a role with the exact
 * DynamoDB actions and a Function, an HTTP API with IAM-authorized routes to Lambda integrations, a throttled and
 * access-logged stage, the same 19 alarms plus the composite one, and the URL output. The function code is the same
 * bundled handler (BENCH_HANDLER_DIR), its config passed in CRUD_CONFIG as a custom handler would get it.
 */
import { App, Stack } from 'aws-cdk-lib';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpIamAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Alarms, functionLogsAndRole, handlerFunction, itemTables, throttledApi } from './hand-written-parts';
import { benchApiCount } from './shared';

const handlerDir = process.env.BENCH_HANDLER_DIR;
if (!handlerDir) throw new Error('BENCH_HANDLER_DIR must name the folder of the bundled handler');

const OPERATIONS: { name: string; routes: [apigwv2.HttpMethod, string][]; actions: string[] }[] = [
  { name: 'create', routes: [[apigwv2.HttpMethod.POST, '/items']], actions: ['dynamodb:PutItem'] },
  { name: 'read', routes: [[apigwv2.HttpMethod.GET, '/items/{id}']], actions: ['dynamodb:GetItem'] },
  { name: 'list', routes: [[apigwv2.HttpMethod.GET, '/items']], actions: ['dynamodb:Scan', 'dynamodb:Query'] },
  {
    name: 'update',
    routes: [[apigwv2.HttpMethod.PUT, '/items/{id}'], [apigwv2.HttpMethod.PATCH, '/items/{id}']],
    actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
  },
  { name: 'delete', routes: [[apigwv2.HttpMethod.DELETE, '/items/{id}']], actions: ['dynamodb:DeleteItem'] },
];

const CONFIG = JSON.stringify({
  version: 3,
  resources: [{
    name: 'items',
    idAttribute: 'id',
    operations: OPERATIONS.map((o) => o.name),
    indexes: [],
    defaultPageSize: 25,
    maxPageSize: 100,
    idempotencyTtlSeconds: 86400,
  }],
});

function handWrittenApi(stack: Stack): void {
  const { table, idempotencyTable } = itemTables(stack, '');
  const code = lambda.Code.fromAsset(handlerDir!);
  const { httpApi, stage } = throttledApi(stack);
  const authorizer = new HttpIamAuthorizer();
  const alarms = new Alarms(stack);

  for (const op of OPERATIONS) {
    const { logGroup, role } = functionLogsAndRole(stack, op.name);
    role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: op.actions, resources: [table.tableArn] }));
    if (op.name === 'create') {
      role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['dynamodb:GetItem', 'dynamodb:PutItem'], resources: [idempotencyTable.tableArn] }));
    }
    const fn = handlerFunction(stack, `${op.name}Function`, {
      code,
      role,
      logGroup,
      environment: {
        CRUD_TABLES: table.tableName,
        CRUD_ROUTES: `items:${op.name}`,
        CRUD_CONFIG: CONFIG,
        ...(op.name === 'create' ? { CRUD_IDEMPOTENCY_TABLES: idempotencyTable.tableName } : {}),
      },
    });
    const integration = new HttpLambdaIntegration(`${op.name}Integration`, fn);
    for (const [method, path] of op.routes) httpApi.addRoutes({ path, methods: [method], integration, authorizer });
    alarms.addFunction(op.name, fn);
  }

  alarms.addApi(httpApi, stage);
  alarms.addTable('', table);
  alarms.finish(stage);
}

const app = new App();
for (let i = 0; i < benchApiCount(); i++) handWrittenApi(new Stack(app, `BenchHand${i}`));
app.synth();
