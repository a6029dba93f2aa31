/**
 * Synth benchmark, the reference: what `new ServerlessCrudApi(stack, 'Api')` creates, written by hand with L2
 * constructs — two TableV2 (items, idempotency with TTL), per operation a log group, a role with the exact
 * DynamoDB actions and a Function, an HTTP API with IAM-authorized routes to Lambda integrations, a throttled and
 * access-logged stage, the same 19 alarms plus the composite one, and the URL output. The function code is the same
 * bundled handler (BENCH_HANDLER_DIR), its config passed in CRUD_CONFIG as a custom handler would get it.
 */
import { App, CfnOutput, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpIamAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { BENCH_THROTTLE, benchApiCount } from './shared';

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

const FIVE_MINUTES = Duration.minutes(5);

function handWrittenApi(stack: Stack): void {
  const table = new dynamodb.TableV2(stack, 'Table', {
    partitionKey: { name: 'id', type: dynamodb.AttributeType.STRING },
    billing: dynamodb.Billing.onDemand(),
    pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
    removalPolicy: RemovalPolicy.RETAIN,
  });
  const idempotencyTable = new dynamodb.TableV2(stack, 'IdempotencyTable', {
    partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
    timeToLiveAttribute: 'expiresAt',
    billing: dynamodb.Billing.onDemand(),
    pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
    removalPolicy: RemovalPolicy.DESTROY,
  });

  const code = lambda.Code.fromAsset(handlerDir!);
  const httpApi = new apigwv2.HttpApi(stack, 'HttpApi', { createDefaultStage: false });
  const accessLogs = new logs.LogGroup(stack, 'AccessLogs', { retention: logs.RetentionDays.ONE_MONTH });
  const stage = new apigwv2.HttpStage(stack, 'Stage', {
    httpApi,
    stageName: '$default',
    autoDeploy: true,
    throttle: BENCH_THROTTLE,
    accessLogSettings: {
      destination: new apigwv2.LogGroupLogDestination(accessLogs),
      format: AccessLogFormat.jsonWithStandardFields(),
    },
  });
  const authorizer = new HttpIamAuthorizer();

  const alarms: cloudwatch.Alarm[] = [];
  const alarm = (id: string, metric: cloudwatch.IMetric, threshold: number, datapoints = 1, periods = 1) => {
    alarms.push(new cloudwatch.Alarm(stack, id, {
      metric,
      threshold,
      evaluationPeriods: periods,
      datapointsToAlarm: datapoints,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    }));
  };

  for (const op of OPERATIONS) {
    const logGroup = new logs.LogGroup(stack, `${op.name}Logs`, { retention: logs.RetentionDays.ONE_MONTH });
    const role = new iam.Role(stack, `${op.name}Role`, { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [logGroup.logGroupArn] }));
    role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: op.actions, resources: [table.tableArn] }));
    if (op.name === 'create') {
      role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['dynamodb:GetItem', 'dynamodb:PutItem'], resources: [idempotencyTable.tableArn] }));
    }
    const fn = new lambda.Function(stack, `${op.name}Function`, {
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      code,
      handler: 'index.handler',
      memorySize: 1024,
      timeout: Duration.seconds(10),
      role,
      logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      applicationLogLevelV2: lambda.ApplicationLogLevel.INFO,
      systemLogLevelV2: lambda.SystemLogLevel.WARN,
      tracing: lambda.Tracing.ACTIVE,
      environment: {
        CRUD_TABLES: table.tableName,
        CRUD_ROUTES: `items:${op.name}`,
        CRUD_CONFIG: CONFIG,
        ...(op.name === 'create' ? { CRUD_IDEMPOTENCY_TABLES: idempotencyTable.tableName } : {}),
      },
    });
    const integration = new HttpLambdaIntegration(`${op.name}Integration`, fn);
    for (const [method, path] of op.routes) httpApi.addRoutes({ path, methods: [method], integration, authorizer });

    alarm(`${op.name}Errors`, fn.metricErrors({ period: FIVE_MINUTES, statistic: 'Sum' }), 1);
    alarm(`${op.name}Throttles`, fn.metricThrottles({ period: FIVE_MINUTES, statistic: 'Sum' }), 1);
    alarm(`${op.name}DurationNearTimeout`, fn.metricDuration({ period: FIVE_MINUTES, statistic: 'p99' }), 8000, 2, 3);
  }

  const apiMetric = (metricName: string, statistic: string) => new cloudwatch.Metric({
    namespace: 'AWS/ApiGateway', metricName, dimensionsMap: { ApiId: httpApi.apiId, Stage: stage.stageName }, statistic, period: FIVE_MINUTES,
  });
  const operations = [dynamodb.Operation.GET_ITEM, dynamodb.Operation.PUT_ITEM, dynamodb.Operation.UPDATE_ITEM,
    dynamodb.Operation.DELETE_ITEM, dynamodb.Operation.QUERY, dynamodb.Operation.SCAN, dynamodb.Operation.TRANSACT_WRITE_ITEMS];
  alarm('Api5xx', apiMetric('5xx', 'Sum'), 1);
  alarm('ApiLatencyP99', apiMetric('Latency', 'p99'), 1000, 2, 3);
  alarm('DynamoDbThrottles', table.metricThrottledRequestsForOperations({ operations, period: FIVE_MINUTES }), 1);
  alarm('DynamoDbSystemErrors', table.metricSystemErrorsForOperations({ operations, period: FIVE_MINUTES }), 1);
  new cloudwatch.CompositeAlarm(stack, 'Unhealthy', { alarmRule: cloudwatch.AlarmRule.anyOf(...alarms) });

  new CfnOutput(stack, 'Url', { value: stage.url });
}

const app = new App();
for (let i = 0; i < benchApiCount(); i++) handWrittenApi(new Stack(app, `BenchHand${i}`));
app.synth();
