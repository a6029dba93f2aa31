/**
 * Synth benchmark with several resources, the reference: what crud-resources.ts creates, written by hand with L2
 * constructs. Per resource: two TableV2 (items, idempotency with TTL), one log group, one role with the exact
 * DynamoDB actions of its routes, one Function, one Lambda integration and its six IAM-authorized routes, and the
 * function's and table's five alarms. Per API: the HTTP API, a throttled and access-logged stage, the list cursor
 * key secret, the two API alarms, one composite alarm over all of them and the URL output. The function code is the
 * same bundled handler (BENCH_HANDLER_DIR), its config passed in CRUD_CONFIG as a custom handler would get it.
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
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { BENCH_RESOURCE_COUNT, BENCH_THROTTLE, benchApiCount, benchResourceName } from './shared';

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
const FIVE_MINUTES = Duration.minutes(5);
const TABLE_OPERATIONS = [dynamodb.Operation.GET_ITEM, dynamodb.Operation.PUT_ITEM, dynamodb.Operation.UPDATE_ITEM,
  dynamodb.Operation.DELETE_ITEM, dynamodb.Operation.QUERY, dynamodb.Operation.SCAN, dynamodb.Operation.TRANSACT_WRITE_ITEMS];

function handWrittenApi(stack: Stack): void {
  const code = lambda.Code.fromAsset(handlerDir!);
  const httpApi = new apigwv2.HttpApi(stack, 'HttpApi', { createDefaultStage: false });
  const accessLogs = new logs.LogGroup(stack, 'AccessLogs', { retention: logs.RetentionDays.ONE_MONTH });
  const stage = new apigwv2.HttpStage(stack, 'Stage', {
    httpApi,
    stageName: '$default',
    autoDeploy: true,
    throttle: BENCH_THROTTLE,
    accessLogSettings: { destination: new apigwv2.LogGroupLogDestination(accessLogs), format: AccessLogFormat.jsonWithStandardFields() },
  });
  const authorizer = new HttpIamAuthorizer();
  const cursorKey = new secretsmanager.Secret(stack, 'CursorKey', {
    generateSecretString: { passwordLength: 64, excludePunctuation: true, includeSpace: false },
    removalPolicy: RemovalPolicy.DESTROY,
  });

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

  NAMES.forEach((name, i) => {
    const table = new dynamodb.TableV2(stack, `${name}Table`, {
      partitionKey: { name: 'id', type: dynamodb.AttributeType.STRING },
      billing: dynamodb.Billing.onDemand(),
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const idempotencyTable = new dynamodb.TableV2(stack, `${name}IdempotencyTable`, {
      partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
      timeToLiveAttribute: 'expiresAt',
      billing: dynamodb.Billing.onDemand(),
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const logGroup = new logs.LogGroup(stack, `${name}Logs`, { retention: logs.RetentionDays.ONE_MONTH });
    const role = new iam.Role(stack, `${name}Role`, { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [logGroup.logGroupArn] }));
    role.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['dynamodb:PutItem', 'dynamodb:GetItem', 'dynamodb:Scan', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'], resources: [table.tableArn],
    }));
    role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['dynamodb:PutItem'], resources: [idempotencyTable.tableArn] }));
    role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources: [cursorKey.secretArn] }));
    const fn = new lambda.Function(stack, `${name}Function`, {
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

    alarm(`${name}Errors`, fn.metricErrors({ period: FIVE_MINUTES, statistic: 'Sum' }), 1);
    alarm(`${name}Throttles`, fn.metricThrottles({ period: FIVE_MINUTES, statistic: 'Sum' }), 1);
    alarm(`${name}DurationNearTimeout`, fn.metricDuration({ period: FIVE_MINUTES, statistic: 'p99' }), 8000, 2, 3);
    alarm(`${name}DynamoDbThrottles`, table.metricThrottledRequestsForOperations({ operations: TABLE_OPERATIONS, period: FIVE_MINUTES }), 1);
    alarm(`${name}DynamoDbSystemErrors`, table.metricSystemErrorsForOperations({ operations: TABLE_OPERATIONS, period: FIVE_MINUTES }), 1);
  });

  const apiMetric = (metricName: string, statistic: string) => new cloudwatch.Metric({
    namespace: 'AWS/ApiGateway', metricName, dimensionsMap: { ApiId: httpApi.apiId, Stage: stage.stageName }, statistic, period: FIVE_MINUTES,
  });
  alarm('Api5xx', apiMetric('5xx', 'Sum'), 1);
  alarm('ApiLatencyP99', apiMetric('Latency', 'p99'), 1000, 2, 3);
  new cloudwatch.CompositeAlarm(stack, 'Unhealthy', { alarmRule: cloudwatch.AlarmRule.anyOf(...alarms) });

  new CfnOutput(stack, 'Url', { value: stage.url });
}

const app = new App();
for (let i = 0; i < benchApiCount(); i++) handWrittenApi(new Stack(app, `BenchHandResources${i}`));
app.synth();
