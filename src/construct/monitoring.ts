import { Duration, Lazy } from 'aws-cdk-lib';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { AlarmFactory, FIVE_MINUTES, ONE_MINUTE } from './alarm-factory';
import { addPublisherAlarms, publisherRow } from './change-events-monitoring';
import type { ChangePublisher } from './change-publisher';
import type { Operation } from './crud-operation';
import type { CrudResource } from './crud-resource';
import type { OperationFunction } from './operation-function';
import type { AlarmThresholdsPlan, MonitoringPlan } from './plan';

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


/** Inputs of {@link monitorApi}. */
export interface ApiMonitoringTargets {
  readonly stage: apigwv2.HttpStage;
  readonly plan: MonitoringPlan;
  readonly resources: CrudResource[];
  /** Each function of the API once. */
  readonly functions: OperationFunction[];
  /** Title the dashboard rows with the resource names (an API with `resources`). */
  readonly resourceTitles: boolean;
}

/**
 * The monitoring of a whole API: each resource's alarms (its own functions and its table) under the resource, the
 * alarms of a function the API owns (HandlerMode.SINGLE with `resources`) and of the API itself in `Alarms`, ONE
 * composite alarm over all of them, and the dashboard with a row group per resource.
 */
export function monitorApi(scope: Construct, t: ApiMonitoringTargets): MonitoringResult {
  const watched = (fn: OperationFunction): WatchedFunction => ({
    // 'CreateFunction' → 'Create…' alarms; a function serving several operations → 'Errors', 'Throttles', …
    alarmIdPrefix: fn.operations.length > 1 ? '' : fn.node.id.replace(/Function$/, ''),
    label: fn.operations.length > 1 ? 'CRUD' : fn.operations[0],
    function: fn.function,
    timeout: fn.lambdaPlan.timeout,
  });
  const owned = (r: CrudResource) => r.operationFunctions.filter((fn) => fn.node.scope === r);
  const apiFunctions = t.functions.filter((fn) => fn.node.scope === scope);
  const resourceAlarms = !t.plan.alarms ? [] : t.resources.flatMap((r) => createResourceAlarms(r, {
    table: r.table,
    thresholds: t.plan.thresholds,
    functions: owned(r).map(watched),
    publisher: r.changePublisher,
  }));
  return createApiMonitoring(scope, {
    stage: t.stage,
    plan: t.plan,
    resourceAlarms,
    apiFunctions: apiFunctions.map(watched),
    dashboardGroups: [
      ...(apiFunctions.length ? [{ title: 'API', functions: apiFunctions.map((f) => f.function) }] : []),
      ...t.resources.map((r) => ({
        title: t.resourceTitles ? r.resourceName : '',
        functions: owned(r).map((f) => f.function),
        table: r.table,
        resource: r,
        publisher: r.changePublisher,
      })),
    ],
  });
}

/** A function to watch. */
export interface WatchedFunction {
  /** Prefix of its alarms' construct ids, e.g. `Create` → `CreateErrors` (empty for a resource's only function). */
  readonly alarmIdPrefix: string;
  /** What it serves, in alarm descriptions, e.g. `create`. */
  readonly label: string;
  readonly function: lambda.Function;
  readonly timeout: Duration;
}

/** Inputs of {@link createResourceAlarms}. */
export interface ResourceAlarmInputs {
  readonly functions: WatchedFunction[];
  readonly table: dynamodb.ITableV2;
  readonly thresholds: AlarmThresholdsPlan;
  /** The resource's change-event publisher, when it has change events. */
  readonly publisher?: ChangePublisher;
}

/** The alarms of one resource (its functions and its table), in an `Alarms` scope under it. */
export function createResourceAlarms(scope: Construct, inputs: ResourceAlarmInputs): cloudwatch.Alarm[] {
  const t = inputs.thresholds;
  const alarms = new AlarmFactory(new Construct(scope, 'Alarms'));
  addFunctionAlarms(alarms, inputs.functions, t);
  alarms.add('DynamoDbThrottles', tableThrottles(inputs.table, FIVE_MINUTES), t.dynamoDbThrottledRequests, 'DynamoDB throttled requests (callers get 503)');
  alarms.add('DynamoDbSystemErrors', tableSystemErrors(inputs.table, FIVE_MINUTES), t.dynamoDbSystemErrors, 'DynamoDB system errors');
  if (inputs.publisher) addPublisherAlarms(alarms, inputs.publisher, t);
  return alarms.alarms;
}

/** Errors, throttles and duration near the timeout of each function. */
function addFunctionAlarms(alarms: AlarmFactory, functions: WatchedFunction[], t: AlarmThresholdsPlan) {
  for (const { alarmIdPrefix: name, label, function: fn, timeout } of functions) {
    alarms.add(`${name}Errors`, fn.metricErrors({ period: FIVE_MINUTES, statistic: 'Sum' }), t.lambdaErrors,
      `${label} function errors (crashes, timeouts): every one is a bug or a resource limit`);
    alarms.add(`${name}Throttles`, fn.metricThrottles({ period: FIVE_MINUTES, statistic: 'Sum' }), t.lambdaThrottles,
      `${label} function throttled: callers received errors`);
    const pct = t.lambdaDurationPercentOfTimeout;
    alarms.add(`${name}DurationNearTimeout`, fn.metricDuration({ period: FIVE_MINUTES, statistic: 'p99' }),
      Math.floor(timeout.toMilliseconds() * pct / 100),
      `${label} function p99 duration at ${pct}% of its ${timeout.toSeconds()} s timeout`, 2, 3);
  }
}

/** One row group of the dashboard: a resource (its functions and table), or the API's one function. */
export interface DashboardGroup {
  /** Title prefix, e.g. the resource name. */
  readonly title: string;
  readonly functions: lambda.Function[];
  readonly table?: dynamodb.ITableV2;
  /** The resource, for its cost row (units per request of each operation, from the request metrics). */
  readonly resource?: CrudResource;
  /** The resource's change-event publisher, for its row. */
  readonly publisher?: ChangePublisher;
}

/** Inputs of {@link createApiMonitoring}. */
export interface ApiMonitoringInputs {
  readonly stage: apigwv2.HttpStage;
  readonly plan: MonitoringPlan;
  /** The alarms of every resource. */
  readonly resourceAlarms: cloudwatch.Alarm[];
  /** Functions the API owns rather than a resource (HandlerMode.SINGLE with `resources`): alarmed in `Alarms`. */
  readonly apiFunctions: WatchedFunction[];
  /** The dashboard's rows after the API's: one group per resource (and one for the API's own function). */
  readonly dashboardGroups: DashboardGroup[];
}

/** Result of {@link createApiMonitoring}. */
export interface MonitoringResult {
  /** Every alarm: the resources' and the API's. */
  readonly alarms: cloudwatch.Alarm[];
  readonly unhealthyAlarm?: cloudwatch.CompositeAlarm;
  readonly dashboard?: cloudwatch.Dashboard;
  /**
   * Adds alarms made after the API (a subscriber's): to `alarms`, the composite alarm and the notifications; and their
   * widgets to the dashboard.
   */
  adopt(alarms: cloudwatch.Alarm[], widgets: cloudwatch.IWidget[]): void;
}

/**
 * The API's alarms (in `Alarms`), the composite `Alarms/Unhealthy` over every alarm of the API and its resources,
 * their notifications, and the dashboard.
 */
export function createApiMonitoring(scope: Construct, inputs: ApiMonitoringInputs): MonitoringResult {
  const { stage, plan } = inputs;
  const t = plan.thresholds;
  const result: { alarms: cloudwatch.Alarm[]; unhealthyAlarm?: cloudwatch.CompositeAlarm; dashboard?: cloudwatch.Dashboard } = { alarms: [] };
  const notify = (alarms: (cloudwatch.Alarm | cloudwatch.CompositeAlarm)[]) => {
    if (!plan.topic) return;
    const action = new actions.SnsAction(plan.topic);
    for (const a of alarms) {
      a.addAlarmAction(action);
      a.addOkAction(action);
      a.addInsufficientDataAction(action);
    }
  };

  if (plan.alarms) {
    const alarmScope = new Construct(scope, 'Alarms');
    const alarms = new AlarmFactory(alarmScope);
    addFunctionAlarms(alarms, inputs.apiFunctions, t);
    alarms.add('Api5xx', stage.metricServerError({ period: FIVE_MINUTES }), t.api5xxErrors, 'API 5xx responses: a bug or an outage');
    alarms.add('ApiLatencyP99', stage.metricLatency({ statistic: 'p99', period: FIVE_MINUTES }), t.apiLatencyP99.toMilliseconds(),
      'API p99 latency high', 2, 3);
    result.alarms = [...inputs.resourceAlarms, ...alarms.alarms];

    const all = result.alarms;
    result.unhealthyAlarm = new cloudwatch.CompositeAlarm(alarmScope, 'Unhealthy', {
      // Rendered at synth, so that it covers the alarms of subscribers added after the API.
      alarmRule: { renderAlarmRule: () => Lazy.string({ produce: () => cloudwatch.AlarmRule.anyOf(...all).renderAlarmRule() }) },
      alarmDescription: 'Any alarm of this API is in ALARM',
    });
    notify([...result.alarms, result.unhealthyAlarm]);
    if (plan.topic) allowCloudWatchToPublish(plan.topic);
  }

  if (plan.dashboard) {
    result.dashboard = createDashboard(scope, inputs);
  }
  return {
    ...result,
    adopt: (alarms, widgets) => {
      if (plan.alarms) {
        result.alarms.push(...alarms);
        notify(alarms);
      }
      if (widgets.length > 0) result.dashboard?.addWidgets(...widgets);
    },
  };
}

function createDashboard(scope: Construct, inputs: ApiMonitoringInputs): cloudwatch.Dashboard {
  const { stage } = inputs;
  const perMinute = { period: ONE_MINUTE };
  const d = new cloudwatch.Dashboard(scope, 'Dashboard', {});
  d.addWidgets(
    new cloudwatch.GraphWidget({ title: 'Requests', left: [stage.metricCount({ ...perMinute, statistic: 'Sum', label: 'requests' })], width: 8 }),
    new cloudwatch.GraphWidget({
      title: 'Errors',
      left: [stage.metricClientError({ ...perMinute, label: '4xx' }), stage.metricServerError({ ...perMinute, label: '5xx' })],
      width: 8,
    }),
    new cloudwatch.GraphWidget({
      title: 'Latency (ms)',
      left: ['p50', 'p90', 'p99'].map((p) => stage.metricLatency({ ...perMinute, statistic: p, label: p })),
      width: 8,
    }),
  );
  for (const { title, functions: fns, table, resource, publisher } of inputs.dashboardGroups) {
    const prefix = title ? `${title}: ` : '';
    if (fns.length > 0) {
      d.addWidgets(
        new cloudwatch.GraphWidget({ title: `${prefix}Lambda invocations`, left: fns.map((f) => f.metricInvocations(perMinute)), width: 8 }),
        new cloudwatch.GraphWidget({ title: `${prefix}Lambda errors and throttles`, left: [...fns.map((f) => f.metricErrors(perMinute)), ...fns.map((f) => f.metricThrottles(perMinute))], width: 8 }),
        new cloudwatch.GraphWidget({ title: `${prefix}Lambda p99 duration (ms)`, left: fns.map((f) => f.metricDuration({ ...perMinute, statistic: 'p99' })), width: 8 }),
      );
    }
    if (resource) d.addWidgets(...costRow(resource, prefix));
    if (publisher) d.addWidgets(...publisherRow(publisher, prefix));
    if (!table) continue;
    d.addWidgets(
      new cloudwatch.GraphWidget({
        title: `${prefix}DynamoDB consumed capacity`,
        left: [table.metricConsumedReadCapacityUnits(perMinute), table.metricConsumedWriteCapacityUnits(perMinute)],
        width: 12,
      }),
      // Each metric-math sum in its own widget: both use the per-operation ids, which must be unique per graph.
      new cloudwatch.GraphWidget({ title: `${prefix}DynamoDB throttled requests`, left: [tableThrottles(table, FIVE_MINUTES)], width: 6 }),
      new cloudwatch.GraphWidget({ title: `${prefix}DynamoDB system errors`, left: [tableSystemErrors(table, FIVE_MINUTES)], width: 6 }),
    );
  }
  return d;
}

/**
 * The cost row of a resource: read and write units per request of each operation (the Average of the request
 * metrics, which carry the units of every request, 0 included), and the units consumed per minute.
 */
function costRow(resource: CrudResource, prefix: string): cloudwatch.IWidget[] {
  const perMinute = { period: ONE_MINUTE };
  const perOperation = (metric: (o: { operation: Operation; statistic: string; period: Duration; label: string }) => cloudwatch.IMetric) =>
    resource.operations.map((operation) => metric({ operation, statistic: 'Average', period: FIVE_MINUTES, label: operation }));
  return [
    new cloudwatch.GraphWidget({
      title: `${prefix}Cost: read units per request`,
      left: perOperation((o) => resource.metricConsumedReadCapacityUnits(o)),
      width: 8,
    }),
    new cloudwatch.GraphWidget({
      title: `${prefix}Cost: write units per request`,
      left: perOperation((o) => resource.metricConsumedWriteCapacityUnits(o)),
      width: 8,
    }),
    new cloudwatch.GraphWidget({
      title: `${prefix}Cost: units consumed per minute`,
      left: [
        resource.metricConsumedReadCapacityUnits({ ...perMinute, label: 'read units' }),
        resource.metricConsumedWriteCapacityUnits({ ...perMinute, label: 'write units' }),
      ],
      width: 8,
    }),
  ];
}

function tableThrottles(table: dynamodb.ITableV2, period: Duration): cloudwatch.IMetric {
  return table.metricThrottledRequestsForOperations({ operations: DYNAMODB_OPERATIONS, period });
}

function tableSystemErrors(table: dynamodb.ITableV2, period: Duration): cloudwatch.IMetric {
  return table.metricSystemErrorsForOperations({ operations: DYNAMODB_OPERATIONS, period });
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
