import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import type { ChangePublisher } from './change-publisher';
import { Operation } from './crud-operation';
import { grantRouteInvoke } from './grant-invoke';
import {
  IDEMPOTENCY_ACTIONS, INDEX_ACTIONS, TABLE_KEY_READ_ACTIONS, TABLE_KEY_WRITE_ACTIONS, tableActionsOf,
} from './iam-actions';
import type { ICrudResource } from './icrud-resource';
import type { OperationFunction } from './operation-function';
import type { ResourcePlan } from './plan';
import { CrudMetricOptions, requestMetric } from './resource-metrics';
import {
  DEFAULTS, IDEMPOTENCY_TABLE, IndexConfig, OperationName, RelatedTableAction, ResourceConfig,
} from '../shared/config';
import type { KeyAttribute } from '../shared/keys';
import { METRIC_NAMES } from '../shared/metrics';

/** Inputs of a {@link CrudResource}. */
export interface CrudResourceInputs {
  /** This resource's plan. */
  readonly plan: ResourcePlan;
  /** Path of the API construct, for descriptions. */
  readonly ownerPath: string;
  /** Create the list cursor key under this resource (an API without `resources`: the one-liner's layout). */
  readonly ownsCursorKey: boolean;
}

/** One route this resource has. */
export interface CrudRoute {
  readonly method: apigwv2.HttpMethod;
  /** e.g. `/items/{id}` */
  readonly path: string;
  readonly operation: OperationName;
  /** The function that serves it. */
  readonly function: OperationFunction;
  /** `execute-api` ARN of the route on the stage (what `grantInvoke` allows). */
  readonly executeApiArn: string;
}

/**
 * One collection of the API, `/{name}` and `/{name}/{id}`, with what it owns: its items table (`Table`, unless an
 * existing one is used), the idempotency table (`IdempotencyTable`, with CREATE), in an API without `resources` the
 * list cursor key (`CursorKey`, with LIST), its functions (`CreateFunction` … `DeleteFunction`, or one `CrudFunction`;
 * none in HandlerMode.SINGLE with `resources`, where the API owns the one function) and their alarms. The API adds
 * the functions and routes (src/construct/api-routes.ts); the resource grants each function the actions of its routes.
 */
export class CrudResource extends Construct implements ICrudResource {
  public readonly resourceName: string;
  public readonly table: dynamodb.ITableV2;
  public readonly idempotencyTable?: dynamodb.TableV2;
  public readonly operations: Operation[];
  /** The secret that keys the list cursors, when this resource owns it. */
  public readonly cursorKey?: secretsmanager.Secret;
  /** The function of each enabled operation. */
  public readonly functionByOperation: { [operation: string]: OperationFunction } = {};
  /** The routes, in order. */
  public readonly routes: CrudRoute[] = [];
  /** The resolved plan this resource was built from. */
  public readonly plan: ResourcePlan;
  /** Its change-event publisher, when it has change events (added by the API once the bus exists). */
  public changePublisher?: ChangePublisher;
  /** The `Api` dimension of its request metrics: the API construct's path. */
  private readonly metricsApi: string;

  constructor(scope: Construct, id: string, inputs: CrudResourceInputs) {
    super(scope, id);
    const plan = this.plan = inputs.plan;
    const ops = plan.operations;
    this.resourceName = plan.name;
    this.metricsApi = inputs.ownerPath;
    this.operations = ops.map((o) => o as string as Operation);

    this.table = plan.table.existing ?? this.createTable(plan);
    if (ops.includes('create')) {
      this.idempotencyTable = new dynamodb.TableV2(this, 'IdempotencyTable', {
        partitionKey: { name: IDEMPOTENCY_TABLE.PARTITION_KEY, type: dynamodb.AttributeType.STRING },
        timeToLiveAttribute: IDEMPOTENCY_TABLE.TTL_ATTRIBUTE,
        billing: dynamodb.Billing.onDemand(),
        pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
        encryption: plan.idempotencyTableEncryption,
        // Holds only short-lived replay records: nothing to keep when the API goes away.
        removalPolicy: RemovalPolicy.DESTROY,
      });
    }
    if (inputs.ownsCursorKey && ops.includes('list')) this.cursorKey = createCursorKey(this, inputs.ownerPath);
  }

  public get eventBus(): events.IEventBus | undefined {
    return this.changePublisher?.bus;
  }

  public get changeEventsFunction(): lambda.IFunction | undefined {
    return this.changePublisher?.function;
  }

  public get changeEventsFailureBucket(): s3.IBucket | undefined {
    return this.changePublisher?.failureBucket;
  }

  public get functions(): { [operation: string]: lambda.IFunction } {
    const out: { [operation: string]: lambda.IFunction } = {};
    for (const [op, fn] of Object.entries(this.functionByOperation)) out[op] = fn.function;
    return out;
  }

  public get handlerFunctions(): lambda.IFunction[] {
    return this.operationFunctions.map((f) => f.function);
  }

  /** Each function serving this resource, once. */
  public get operationFunctions(): OperationFunction[] {
    return [...new Set(Object.values(this.functionByOperation))];
  }

  public grantInvoke(grantee: iam.IGrantable): iam.Grant {
    return grantRouteInvoke(grantee, this.routes.map((r) => r.executeApiArn));
  }

  public metricErrors(props?: cloudwatch.MetricOptions): cloudwatch.IMetric {
    return this.sumOfFunctions('Errors', (f) => f.metricErrors(props), props);
  }

  public metricInvocations(props?: cloudwatch.MetricOptions): cloudwatch.IMetric {
    return this.sumOfFunctions('Invocations', (f) => f.metricInvocations(props), props);
  }

  public metricThrottles(props?: cloudwatch.MetricOptions): cloudwatch.IMetric {
    return this.sumOfFunctions('Throttles', (f) => f.metricThrottles(props), props);
  }

  public metric(metricName: string, props?: CrudMetricOptions): cloudwatch.Metric {
    return requestMetric(this.metricsApi, this.resourceName, metricName, 'Average', props);
  }

  public metricConsumedReadCapacityUnits(props?: CrudMetricOptions): cloudwatch.Metric {
    return this.sum(METRIC_NAMES.CONSUMED_READ_CAPACITY, props);
  }

  public metricConsumedWriteCapacityUnits(props?: CrudMetricOptions): cloudwatch.Metric {
    return this.sum(METRIC_NAMES.CONSUMED_WRITE_CAPACITY, props);
  }

  public metricConsumedCapacity(props?: CrudMetricOptions): cloudwatch.IMetric {
    return new cloudwatch.MathExpression({
      // Both are in every request's line, so a period has both or neither.
      expression: 'r + w',
      usingMetrics: { r: this.metricConsumedReadCapacityUnits(props), w: this.metricConsumedWriteCapacityUnits(props) },
      label: props?.label ?? `${this.resourceName}${props?.operation ? ` ${props.operation}` : ''} capacity units`,
      period: props?.period ?? Duration.minutes(5),
    });
  }

  public metricRequests(props?: CrudMetricOptions): cloudwatch.Metric {
    return this.sum(METRIC_NAMES.REQUESTS, props);
  }

  public metricClientError(props?: CrudMetricOptions): cloudwatch.Metric {
    return this.sum('4xx', props);
  }

  public metricServerError(props?: CrudMetricOptions): cloudwatch.Metric {
    return this.sum('5xx', props);
  }

  public metricLatency(props?: CrudMetricOptions): cloudwatch.Metric {
    return requestMetric(this.metricsApi, this.resourceName, METRIC_NAMES.LATENCY, 'Average', props);
  }

  public metricConditionalCheckFailures(props?: CrudMetricOptions): cloudwatch.Metric {
    return this.sum(METRIC_NAMES.CONDITIONAL_CHECK_FAILURES, props);
  }

  public metricIdempotentReplays(props?: CrudMetricOptions): cloudwatch.Metric {
    return this.sum(METRIC_NAMES.IDEMPOTENT_REPLAYS, props);
  }

  public metricDynamoDbThrottles(props?: CrudMetricOptions): cloudwatch.Metric {
    return this.sum(METRIC_NAMES.DYNAMODB_THROTTLES, props);
  }

  public metricDynamoDbRetries(props?: CrudMetricOptions): cloudwatch.Metric {
    return this.sum(METRIC_NAMES.DYNAMODB_RETRIES, props);
  }

  public metricWriteRetries(props?: CrudMetricOptions): cloudwatch.Metric {
    return this.sum(METRIC_NAMES.WRITE_RETRIES, props);
  }

  /** The config the handler needs of this resource (src/shared/config.ts). */
  public handlerConfig(): ResourceConfig {
    const plan = this.plan;
    // Fields at their contract default are left out, so an API without nesting or typed keys keeps the config (and
    // code asset) it had before they existed.
    const defaultGenerator = plan.idType === 'N' ? 'none' : DEFAULTS.idGenerator;
    return {
      name: plan.name,
      idAttribute: plan.idAttribute,
      ...(plan.idType !== DEFAULTS.idType ? { idType: plan.idType } : {}),
      ...(plan.idGenerator !== defaultGenerator || plan.idType !== DEFAULTS.idType ? { idGenerator: plan.idGenerator } : {}),
      ...(plan.pathParameter !== DEFAULTS.pathParameter ? { pathParameter: plan.pathParameter } : {}),
      ...(plan.parent !== undefined ? { parent: plan.parent } : {}),
      operations: plan.operations,
      indexes: plan.indexes.map(indexConfig),
      schema: plan.schema,
      ownerScoping: plan.ownerAttribute !== undefined ? { attribute: plan.ownerAttribute } : undefined,
      defaultPageSize: plan.defaultPageSize,
      maxPageSize: plan.maxPageSize,
      idempotencyTtlSeconds: plan.idempotencyTtlSeconds,
    };
  }

  /** The table names a function serving `ops` of this resource needs for it (the idempotency table only to create). */
  public functionTables(ops: OperationName[]): { table: string; idempotencyTable?: string } {
    const idempotencyTable = this.idempotencyTable && ops.includes('create') ? this.idempotencyTable.tableName : undefined;
    return { table: this.table.tableName, ...(idempotencyTable ? { idempotencyTable } : {}) };
  }

  /** Records that `fn` serves `ops` of this resource. */
  public attachFunction(fn: OperationFunction, ops: OperationName[]) {
    for (const op of ops) this.functionByOperation[op] = fn;
  }

  private sum(metricName: string, props?: CrudMetricOptions): cloudwatch.Metric {
    return requestMetric(this.metricsApi, this.resourceName, metricName, 'Sum', props);
  }

  private sumOfFunctions(name: string, metric: (f: lambda.IFunction) => cloudwatch.Metric, props?: cloudwatch.MetricOptions): cloudwatch.IMetric {
    const fns = this.handlerFunctions;
    if (fns.length === 1) return metric(fns[0]);
    const usingMetrics: { [id: string]: cloudwatch.IMetric } = {};
    fns.forEach((f, i) => { usingMetrics[`m${i}`] = metric(f).with({ statistic: 'Sum' }); });
    return new cloudwatch.MathExpression({
      expression: Object.keys(usingMetrics).join(' + '),
      usingMetrics,
      label: `${this.plan.name} ${name}`,
      period: props?.period ?? Duration.minutes(5),
    });
  }

  private createTable(plan: ResourcePlan): dynamodb.TableV2 {
    const attr = (k: KeyAttribute) => ({ name: k.name, type: k.type === 'N' ? dynamodb.AttributeType.NUMBER : dynamodb.AttributeType.STRING });
    const keys = plan.keySchema;
    return new dynamodb.TableV2(this, 'Table', {
      partitionKey: attr(keys.partitionKey),
      sortKey: keys.sortKey !== undefined ? attr(keys.sortKey) : undefined,
      billing: plan.table.billing,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: plan.table.pointInTimeRecovery },
      deletionProtection: plan.table.deletionProtection,
      removalPolicy: plan.table.removalPolicy,
      encryption: plan.table.encryption,
      timeToLiveAttribute: plan.table.timeToLiveAttribute,
      dynamoStream: plan.table.stream,
      globalSecondaryIndexes: keys.indexes.map((ix) => ({
        indexName: ix.indexName,
        partitionKey: attr(ix.partitionKey),
        sortKey: ix.sortKey ? attr(ix.sortKey) : undefined,
        projectionType: dynamodb.ProjectionType.ALL,
      })),
    });
  }

  /** Exactly the actions of the routes `group` serves here, on exactly this resource's tables, indexes and key. */
  public grantRouteActions(role: iam.IRole, group: OperationName[]) {
    const plan = this.plan;
    const shape = { scoped: plan.ownerAttribute !== undefined || plan.parent !== undefined, hasChildren: plan.children.length > 0 };
    const tableActions = unique(group.flatMap((op) => tableActionsOf(op, shape)));
    role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: tableActions, resources: [this.table.tableArn] }));
    const indexActions = unique(group.flatMap((op) => INDEX_ACTIONS[op] ?? []));
    if (indexActions.length > 0 && plan.keySchema.indexes.length > 0) {
      role.addToPrincipalPolicy(new iam.PolicyStatement({
        actions: indexActions,
        resources: plan.keySchema.indexes.map((ix) => `${this.table.tableArn}/index/${ix.indexName}`),
      }));
    }
    if (this.idempotencyTable && group.includes('create')) {
      role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: IDEMPOTENCY_ACTIONS, resources: [this.idempotencyTable.tableArn] }));
    }
    const key = this.table.encryptionKey;
    if (key) {
      // Customer-managed key: the data plane calls decrypt (reads) and generate-data-key/encrypt (writes).
      const writes = group.some((op) => op === 'create' || op === 'update' || op === 'delete');
      key.grant(role, ...(writes ? TABLE_KEY_WRITE_ACTIONS : TABLE_KEY_READ_ACTIONS));
    }
    const idempotencyKey = this.idempotencyTable?.encryptionKey;
    if (idempotencyKey && this.plan.table.existing && group.includes('create')) {
      // With an existing items table the grant above covers that table's key only; the idempotency table's key
      // (encryptionKey) needs the same write actions.
      idempotencyKey.grant(role, ...TABLE_KEY_WRITE_ACTIONS);
    }
  }

  /**
   * Grants the actions a function serving another resource sends to this resource's items table (its base table
   * only): a child's parent check, a parent's look for remaining children (src/shared/config.ts `relatedTables`).
   */
  public grantRelatedActions(role: iam.IRole, actions: RelatedTableAction[]) {
    role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: [...actions].sort(), resources: [this.table.tableArn] }));
    // Both actions read items: a customer-managed key must let the role decrypt.
    this.table.encryptionKey?.grant(role, ...TABLE_KEY_READ_ACTIONS);
  }
}

/** An index as the handler config has it: `sortKeyType` only when it is not the default (`S`). */
function indexConfig(ix: IndexConfig): IndexConfig {
  const { sortKeyType, ...rest } = ix;
  return sortKeyType !== undefined && sortKeyType !== DEFAULTS.sortKeyType ? { ...rest, sortKeyType } : rest;
}

/** The secret that keys the list cursors (AES-GCM): generated at deploy time, never in the template. */
export function createCursorKey(scope: Construct, ownerPath: string): secretsmanager.Secret {
  const key = new secretsmanager.Secret(scope, 'CursorKey', {
    description: `Key of the list cursors of ${ownerPath} (cdk-serverless-crud-api); rotating it is safe (README)`,
    generateSecretString: { passwordLength: 64, excludePunctuation: true, includeSpace: false },
    // Cursors live 24 hours: nothing worth keeping once the API is gone.
    removalPolicy: RemovalPolicy.DESTROY,
  });
  Validations.of(key).acknowledge({
    id: 'AwsSolutions-SMG4',
    reason: 'The cursor key only authenticates pagination cursors (valid 24 h); rotate it on your own schedule with put-secret-value ' +
      '(README): the previous version stays accepted, so no scheduled rotation function is needed.',
  });
  return key;
}

function unique<T>(xs: T[]): T[] {
  return [...new Set(xs)];
}
