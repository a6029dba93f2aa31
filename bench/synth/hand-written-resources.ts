/**
 * Synth benchmark with several resources, the reference: what crud-resources.ts creates, written by hand with L2
 * constructs. Per resource: two TableV2 (items, idempotency with TTL), one log group, one role with the exact
 * DynamoDB actions of its routes, one Function, one Lambda integration and its six IAM-authorized routes, and the
 * function's and table's five alarms. Per API: the HTTP API, a throttled and access-logged stage, the list cursor
 * key secret, the two API alarms, one composite alarm over all of them and the URL output. The function code is the
 * same bundled handler (BENCH_HANDLER_DIR), its config passed in CRUD_CONFIG as a custom handler would get it.
 */
import { App, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpIamAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Alarms, functionLogsAndRole, handlerFunction, itemTables, throttledApi } from './hand-written-parts';
import { BENCH_RESOURCE_COUNT, benchApiCount, benchResourceName } from './shared';

const handlerDir = process.env.BENCH_HANDLER_DIR;
if (!handlerDir) throw new Error('BENCH_HANDLER_DIR must name the folder of the bundled handler');

const OPERATIONS = ['create', 'read', 'list', 'update', 'delete'];
const NAMES = Array.from({ length: BENCH_RESOURCE_COUNT }, (_, r) => benchResourceName(r));
const CONFIG = JSON.stringify({
  version: 3,
  resources: NAMES.map((name) => ({
    name, idAttribute: 'id', operations: OPERATIONS, indexes: [], defaultPageSize: 25, maxPageSize: 100, idempotencyTtlSeconds: 86400,
  })),
});

function handWrittenApi(stack: Stack): void {
  const code = lambda.Code.fromAsset(handlerDir!);
  const { httpApi, stage } = throttledApi(stack);
  const authorizer = new HttpIamAuthorizer();
  const cursorKey = new secretsmanager.Secret(stack, 'CursorKey', {
    generateSecretString: { passwordLength: 64, excludePunctuation: true, includeSpace: false },
    removalPolicy: RemovalPolicy.DESTROY,
  });
  const alarms = new Alarms(stack);

  NAMES.forEach((name, i) => {
    const { table, idempotencyTable } = itemTables(stack, name);
    const { logGroup, role } = functionLogsAndRole(stack, name);
    role.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['dynamodb:PutItem', 'dynamodb:GetItem', 'dynamodb:Scan', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'], resources: [table.tableArn],
    }));
    role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['dynamodb:PutItem'], resources: [idempotencyTable.tableArn] }));
    role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources: [cursorKey.secretArn] }));
    const fn = handlerFunction(stack, `${name}Function`, {
      code,
      role,
      logGroup,
      environment: {
        // This resource's tables at its position (i) of CRUD_TABLES, as the construct writes them.
        CRUD_TABLES: `${','.repeat(i)}${table.tableName}`,
        CRUD_IDEMPOTENCY_TABLES: `${','.repeat(i)}${idempotencyTable.tableName}`,
        CRUD_ROUTES: OPERATIONS.map((op) => `${name}:${op}`).join(','),
        CRUD_CURSOR_SECRET_ARN: cursorKey.secretArn,
        CRUD_CONFIG: CONFIG,
      },
    });
    const integration = new HttpLambdaIntegration(`${name}Integration`, fn);
    const routes: [apigwv2.HttpMethod, string][] = [
      [apigwv2.HttpMethod.GET, `/${name}`], [apigwv2.HttpMethod.POST, `/${name}`], [apigwv2.HttpMethod.GET, `/${name}/{id}`],
      [apigwv2.HttpMethod.PUT, `/${name}/{id}`], [apigwv2.HttpMethod.PATCH, `/${name}/{id}`], [apigwv2.HttpMethod.DELETE, `/${name}/{id}`],
    ];
    for (const [method, path] of routes) httpApi.addRoutes({ path, methods: [method], integration, authorizer });
    alarms.addFunction(name, fn);
    alarms.addTable(name, table);
  });

  alarms.addApi(httpApi, stage);
  alarms.finish(stage);
}

const app = new App();
for (let i = 0; i < benchApiCount(); i++) handWrittenApi(new Stack(app, `BenchHandResources${i}`));
app.synth();
