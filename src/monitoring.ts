import { Duration } from 'aws-cdk-lib';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';

/**
 * Thresholds of the alarms. Every field is optional; each default is chosen so that the alarm means "a person
 * should look", not "something moved".
 */
export interface AlarmThresholds {
  /**
   * Lambda `Errors` (function errors: crashes, timeouts, out-of-memory — the handler turns every handled failure
   * into an HTTP response, so any error here is a bug or a resource limit) summed over 5 minutes, per function.
   * @default 1
   */
  readonly lambdaErrors?: number;
  /**
   * Lambda `Throttles` summed over 5 minutes, per function. Throttled invocations are 5xx for callers.
   * @default 1
   */
  readonly lambdaThrottles?: number;
  /**
   * Lambda p99 `Duration` as a percentage of the function timeout, over 5 minutes (2 of 3 periods). Near the
   * timeout, requests are about to fail.
   * @default 80
   */
  readonly lambdaDurationPercentOfTimeout?: number;
  /**
   * API `5xx` responses summed over 5 minutes. A 5xx is always a bug or an outage here, so one is enough.
   * @default 1
   */
  readonly api5xxErrors?: number;
  /**
   * API p99 `Latency` in milliseconds over 5 minutes (2 of 3 periods). A single-item CRUD call normally answers in
   * tens of milliseconds; a p99 above a second means cold starts piling up, DynamoDB retries or throttling.
   * @default Duration.seconds(1)
   */
  readonly apiLatencyP99?: Duration;
  /**
   * DynamoDB throttled requests (all operations the API uses) summed over 5 minutes. They surface as 503s.
   * @default 1
   */
  readonly dynamoDbThrottledRequests?: number;
  /**
   * DynamoDB system errors (HTTP 500 from DynamoDB) summed over 5 minutes.
   * @default 1
   */
  readonly dynamoDbSystemErrors?: number;
}

/** Operations whose DynamoDB metrics are watched (the ones the handler uses). */
const DYNAMODB_OPERATIONS = [
  dynamodb.Operation.GET_ITEM, dynamodb.Operation.PUT_ITEM, dynamodb.Operation.UPDATE_ITEM,
  dynamodb.Operation.DELETE_ITEM, dynamodb.Operation.QUERY, dynamodb.Operation.SCAN,
  dynamodb.Operation.TRANSACT_WRITE_ITEMS,
];

const FIVE_MINUTES = Duration.minutes(5);

/** Inputs of {@link createMonitoring}. */
export interface MonitoringInputs {
  readonly httpApi: apigwv2.HttpApi;
  readonly stage: apigwv2.IHttpStage;
  /** Each distinct function once. */
  readonly functions: lambda.Function[];
  readonly timeout: Duration;
  readonly table: dynamodb.ITableV2;
  readonly thresholds: AlarmThresholds;
  readonly alarms: boolean;
  readonly topic?: sns.ITopic;
  readonly dashboard: boolean;
}

/** Result of {@link createMonitoring}. */
export interface MonitoringResult {
  readonly alarms: cloudwatch.Alarm[];
  readonly unhealthyAlarm?: cloudwatch.CompositeAlarm;
  readonly dashboard?: cloudwatch.Dashboard;
}

/** Creates the alarms and (optionally) the dashboard of one ServerlessCrudApi. */
export function createMonitoring(scope: Construct, inputs: MonitoringInputs): MonitoringResult {
  const t = inputs.thresholds;
  const stageDimensions = { ApiId: inputs.httpApi.apiId, Stage: inputs.stage.stageName };
  const apiMetric = (metricName: string, statistic: string) => new cloudwatch.Metric({
    namespace: 'AWS/ApiGateway', metricName, dimensionsMap: stageDimensions, statistic, period: FIVE_MINUTES,
  });
  const throttled = inputs.table.metricThrottledRequestsForOperations({ operations: DYNAMODB_OPERATIONS, period: FIVE_MINUTES });
  const systemErrors = inputs.table.metricSystemErrorsForOperations({ operations: DYNAMODB_OPERATIONS, period: FIVE_MINUTES });

  const result: { alarms: cloudwatch.Alarm[]; unhealthyAlarm?: cloudwatch.CompositeAlarm; dashboard?: cloudwatch.Dashboard } = { alarms: [] };

  if (inputs.alarms) {
    const alarmScope = new Construct(scope, 'Alarms');
    const alarm = (id: string, metric: cloudwatch.IMetric, threshold: number, description: string, datapoints = 1, periods = 1) => {
      const a = new cloudwatch.Alarm(alarmScope, id, {
        metric,
        threshold,
        evaluationPeriods: periods,
        datapointsToAlarm: datapoints,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        alarmDescription: description,
      });
      result.alarms.push(a);
      return a;
    };

    for (const fn of inputs.functions) {
      // 'CreateHandler' → 'Create'; the single-mode function is just 'Handler'.
      const name = fn.node.scope!.node.id.replace(/Handler$/, '');
      const op = name ? name.toLowerCase() : 'CRUD';
      alarm(`${name}Errors`, fn.metricErrors({ period: FIVE_MINUTES, statistic: 'Sum' }), t.lambdaErrors ?? 1,
        `${op} function errors (crashes, timeouts): every one is a bug or a resource limit`);
      alarm(`${name}Throttles`, fn.metricThrottles({ period: FIVE_MINUTES, statistic: 'Sum' }), t.lambdaThrottles ?? 1,
        `${op} function throttled: callers received errors`);
      const pct = t.lambdaDurationPercentOfTimeout ?? 80;
      alarm(`${name}DurationNearTimeout`, fn.metricDuration({ period: FIVE_MINUTES, statistic: 'p99' }),
        Math.floor(inputs.timeout.toMilliseconds() * pct / 100),
        `${op} function p99 duration at ${pct}% of its ${inputs.timeout.toSeconds()} s timeout`, 2, 3);
    }
    alarm('Api5xx', apiMetric('5xx', 'Sum'), t.api5xxErrors ?? 1, 'API 5xx responses: a bug or an outage');
    alarm('ApiLatencyP99', apiMetric('Latency', 'p99'), (t.apiLatencyP99 ?? Duration.seconds(1)).toMilliseconds(),
      'API p99 latency high', 2, 3);
    alarm('DynamoDbThrottles', throttled, t.dynamoDbThrottledRequests ?? 1, 'DynamoDB throttled requests (callers get 503)');
    alarm('DynamoDbSystemErrors', systemErrors, t.dynamoDbSystemErrors ?? 1, 'DynamoDB system errors');

    result.unhealthyAlarm = new cloudwatch.CompositeAlarm(alarmScope, 'Unhealthy', {
      alarmRule: cloudwatch.AlarmRule.anyOf(...result.alarms),
      alarmDescription: 'Any alarm of this API is in ALARM',
    });
    if (inputs.topic) {
      const action = new actions.SnsAction(inputs.topic);
      for (const a of [...result.alarms, result.unhealthyAlarm]) {
        a.addAlarmAction(action);
        a.addOkAction(action);
        a.addInsufficientDataAction(action);
      }
      allowCloudWatchToPublish(inputs.topic);
    }
  }

  if (inputs.dashboard) {
    const fns = inputs.functions;
    const d = new cloudwatch.Dashboard(scope, 'Dashboard', {});
    const apiMinute = (metricName: string, statistic: string, label?: string) => new cloudwatch.Metric({
      namespace: 'AWS/ApiGateway', metricName, dimensionsMap: stageDimensions, statistic, period: Duration.minutes(1), label,
    });
    d.addWidgets(
      new cloudwatch.GraphWidget({ title: 'Requests', left: [apiMinute('Count', 'Sum', 'requests')], width: 8 }),
      new cloudwatch.GraphWidget({ title: 'Errors', left: [apiMinute('4xx', 'Sum', '4xx'), apiMinute('5xx', 'Sum', '5xx')], width: 8 }),
      new cloudwatch.GraphWidget({
        title: 'Latency (ms)',
        left: ['p50', 'p90', 'p99'].map((p) => apiMinute('Latency', p, p)),
        width: 8,
      }),
    );
    d.addWidgets(
      new cloudwatch.GraphWidget({ title: 'Lambda invocations', left: fns.map((f) => f.metricInvocations({ period: Duration.minutes(1) })), width: 8 }),
      new cloudwatch.GraphWidget({ title: 'Lambda errors and throttles', left: [...fns.map((f) => f.metricErrors({ period: Duration.minutes(1) })), ...fns.map((f) => f.metricThrottles({ period: Duration.minutes(1) }))], width: 8 }),
      new cloudwatch.GraphWidget({ title: 'Lambda p99 duration (ms)', left: fns.map((f) => f.metricDuration({ period: Duration.minutes(1), statistic: 'p99' })), width: 8 }),
    );
    d.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'DynamoDB consumed capacity',
        left: [
          inputs.table.metricConsumedReadCapacityUnits({ period: Duration.minutes(1) }),
          inputs.table.metricConsumedWriteCapacityUnits({ period: Duration.minutes(1) }),
        ],
        width: 12,
      }),
      // Each metric-math sum in its own widget: both use the per-operation ids, which must be unique per graph.
      new cloudwatch.GraphWidget({ title: 'DynamoDB throttled requests', left: [throttled], width: 6 }),
      new cloudwatch.GraphWidget({ title: 'DynamoDB system errors', left: [systemErrors], width: 6 }),
    );
    result.dashboard = d;
  }
  return result;
}

/**
 * CloudWatch publishes to a KMS-encrypted topic only if the key policy lets it generate a data key and decrypt
 * (otherwise the notifications fail silently). A key created in this app gets that statement; an imported key's
 * policy is its owner's to change.
 */
function allowCloudWatchToPublish(topic: sns.ITopic) {
  topic.masterKey?.addToResourcePolicy(new iam.PolicyStatement({
    principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
    actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
    resources: ['*'],
  }));
}
