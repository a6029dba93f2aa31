/**
 * The parts both hand-written reference apps (hand-written.ts, hand-written-resources.ts) build alike with L2
 * constructs: the two tables of a resource, the throttled and access-logged stage, a function's log group and role,
 * the function itself, the alarms and the URL output. Construct ids are given by the caller, as before.
 */
import { CfnOutput, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { BENCH_THROTTLE } from './shared';

export const FIVE_MINUTES = Duration.minutes(5);
/** The operations a table's throttle and system-error alarms watch. */
export const TABLE_OPERATIONS = [dynamodb.Operation.GET_ITEM, dynamodb.Operation.PUT_ITEM, dynamodb.Operation.UPDATE_ITEM,
  dynamodb.Operation.DELETE_ITEM, dynamodb.Operation.QUERY, dynamodb.Operation.SCAN, dynamodb.Operation.TRANSACT_WRITE_ITEMS];

/** The items table (`<prefix>Table`) and the idempotency table with TTL (`<prefix>IdempotencyTable`). */
export function itemTables(stack: Stack, prefix: string): { table: dynamodb.TableV2; idempotencyTable: dynamodb.TableV2 } {
  const table = new dynamodb.TableV2(stack, `${prefix}Table`, {
    partitionKey: { name: 'id', type: dynamodb.AttributeType.STRING },
    billing: dynamodb.Billing.onDemand(),
    pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
    removalPolicy: RemovalPolicy.RETAIN,
  });
  const idempotencyTable = new dynamodb.TableV2(stack, `${prefix}IdempotencyTable`, {
    partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
    timeToLiveAttribute: 'expiresAt',
    billing: dynamodb.Billing.onDemand(),
    pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
    removalPolicy: RemovalPolicy.DESTROY,
  });
  return { table, idempotencyTable };
}

/** The HTTP API without its default stage, and the `$default` stage: throttled, access logs as JSON to a log group. */
export function throttledApi(stack: Stack): { httpApi: apigwv2.HttpApi; stage: apigwv2.HttpStage } {
  const httpApi = new apigwv2.HttpApi(stack, 'HttpApi', { createDefaultStage: false });
  const accessLogs = new logs.LogGroup(stack, 'AccessLogs', { retention: logs.RetentionDays.ONE_MONTH });
  const stage = new apigwv2.HttpStage(stack, 'Stage', {
    httpApi,
    stageName: '$default',
    autoDeploy: true,
    throttle: BENCH_THROTTLE,
    accessLogSettings: { destination: new apigwv2.LogGroupLogDestination(accessLogs), format: AccessLogFormat.jsonWithStandardFields() },
  });
  return { httpApi, stage };
}

/** A function's log group (`<prefix>Logs`) and its role (`<prefix>Role`), allowed to write to that group only. */
export function functionLogsAndRole(stack: Stack, prefix: string): { logGroup: logs.LogGroup; role: iam.Role } {
  const logGroup = new logs.LogGroup(stack, `${prefix}Logs`, { retention: logs.RetentionDays.ONE_MONTH });
  const role = new iam.Role(stack, `${prefix}Role`, { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
  role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [logGroup.logGroupArn] }));
  return { logGroup, role };
}

/** A function as the construct configures it: Node 24 on arm64, 1 GiB, 10 s, JSON logs, active tracing. */
export function handlerFunction(
  stack: Stack, id: string, props: { code: lambda.Code; role: iam.IRole; logGroup: logs.ILogGroup; environment: Record<string, string> },
): lambda.Function {
  return new lambda.Function(stack, id, {
    runtime: lambda.Runtime.NODEJS_24_X,
    architecture: lambda.Architecture.ARM_64,
    code: props.code,
    handler: 'index.handler',
    memorySize: 1024,
    timeout: Duration.seconds(10),
    role: props.role,
    logGroup: props.logGroup,
    loggingFormat: lambda.LoggingFormat.JSON,
    applicationLogLevelV2: lambda.ApplicationLogLevel.INFO,
    systemLogLevelV2: lambda.SystemLogLevel.WARN,
    tracing: lambda.Tracing.ACTIVE,
    environment: props.environment,
  });
}

/** The alarms of one API, collected for the composite alarm that `finish` adds. */
export class Alarms {
  private readonly alarms: cloudwatch.Alarm[] = [];
  constructor(private readonly stack: Stack) {}

  /** An alarm at ≥ threshold, missing data not breaching. */
  add(id: string, metric: cloudwatch.IMetric, threshold: number, datapoints = 1, periods = 1): void {
    this.alarms.push(new cloudwatch.Alarm(this.stack, id, {
      metric,
      threshold,
      evaluationPeriods: periods,
      datapointsToAlarm: datapoints,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    }));
  }

  /** A function's errors, throttles and p99 duration near its timeout (`<prefix>Errors` …). */
  addFunction(prefix: string, fn: lambda.Function): void {
    this.add(`${prefix}Errors`, fn.metricErrors({ period: FIVE_MINUTES, statistic: 'Sum' }), 1);
    this.add(`${prefix}Throttles`, fn.metricThrottles({ period: FIVE_MINUTES, statistic: 'Sum' }), 1);
    this.add(`${prefix}DurationNearTimeout`, fn.metricDuration({ period: FIVE_MINUTES, statistic: 'p99' }), 8000, 2, 3);
  }

  /** A table's throttled requests and system errors (`<prefix>DynamoDbThrottles` …). */
  addTable(prefix: string, table: dynamodb.TableV2): void {
    this.add(`${prefix}DynamoDbThrottles`, table.metricThrottledRequestsForOperations({ operations: TABLE_OPERATIONS, period: FIVE_MINUTES }), 1);
    this.add(`${prefix}DynamoDbSystemErrors`, table.metricSystemErrorsForOperations({ operations: TABLE_OPERATIONS, period: FIVE_MINUTES }), 1);
  }

  /** The stage's 5xx and p99 latency alarms. */
  addApi(httpApi: apigwv2.HttpApi, stage: apigwv2.HttpStage): void {
    const apiMetric = (metricName: string, statistic: string) => new cloudwatch.Metric({
      namespace: 'AWS/ApiGateway', metricName, dimensionsMap: { ApiId: httpApi.apiId, Stage: stage.stageName }, statistic, period: FIVE_MINUTES,
    });
    this.add('Api5xx', apiMetric('5xx', 'Sum'), 1);
    this.add('ApiLatencyP99', apiMetric('Latency', 'p99'), 1000, 2, 3);
  }

  /** The composite alarm over all of them (`Unhealthy`) and the URL output. */
  finish(stage: apigwv2.HttpStage): void {
    new cloudwatch.CompositeAlarm(this.stack, 'Unhealthy', { alarmRule: cloudwatch.AlarmRule.anyOf(...this.alarms) });
    new CfnOutput(this.stack, 'Url', { value: stage.url });
  }
}
