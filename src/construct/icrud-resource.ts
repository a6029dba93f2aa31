import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { IConstruct } from 'constructs';
import type { Operation } from './crud-operation';
import type { CrudMetricOptions } from './resource-metrics';

/**
 * One resource of a {@link ServerlessCrudApi}: a collection at `/{name}` and `/{name}/{id}` with its items table,
 * its idempotency table, the functions that serve its routes and their grants. Get it with `api.resource(name)` or
 * `api.resources`.
 */
export interface ICrudResource extends IConstruct {
  /** Path segment of the collection, e.g. `orders`. */
  readonly resourceName: string;
  /** The items table. */
  readonly table: dynamodb.ITableV2;
  /**
   * The idempotency table (only when CREATE is enabled).
   * @default - none: CREATE is not enabled
   */
  readonly idempotencyTable?: dynamodb.ITableV2;
  /** Enabled operations. */
  readonly operations: Operation[];
  /**
   * The function serving each enabled operation (`create`, `read`, `list`, `update`, `delete`). With
   * HandlerMode.PER_RESOURCE every operation maps to the resource's one function, with HandlerMode.SINGLE to the API's.
   */
  readonly functions: { [operation: string]: lambda.IFunction };
  /** Each function serving this resource's routes, once. */
  readonly handlerFunctions: lambda.IFunction[];
  /**
   * The bus this resource's change events are put on.
   * @default - none: change events are off for this resource
   */
  readonly eventBus?: events.IEventBus;
  /**
   * The function that publishes this resource's change events (fed by the table's stream).
   * @default - none: change events are off for this resource
   */
  readonly changeEventsFunction?: lambda.IFunction;
  /**
   * The bucket where Lambda keeps the stream records the publisher could not publish after its retries.
   * @default - none: change events are off for this resource
   */
  readonly changeEventsFailureBucket?: s3.IBucket;

  /** Grants `execute-api:Invoke` on exactly this resource's routes (for `ApiAuthorization.iam()`). */
  grantInvoke(grantee: iam.IGrantable): iam.Grant;

  /**
   * Errors of the functions serving this resource (`Errors`, sum over 5 minutes unless `props` says otherwise). With
   * HandlerMode.SINGLE the function serves the whole API, and so does this metric.
   */
  metricErrors(props?: cloudwatch.MetricOptions): cloudwatch.IMetric;

  /** Invocations of the functions serving this resource (sum over 5 minutes unless `props` says otherwise). */
  metricInvocations(props?: cloudwatch.MetricOptions): cloudwatch.IMetric;

  /** Throttles of the functions serving this resource (sum over 5 minutes unless `props` says otherwise). */
  metricThrottles(props?: cloudwatch.MetricOptions): cloudwatch.IMetric;

  /**
   * A metric of this resource's requests, as the functions publish it in their log lines (Embedded Metric Format,
   * namespace `ServerlessCrudApi`, dimensions `Api`, `Resource` and, with `props.operation`, `Operation`). Names:
   * `Requests`, `2xx`, `3xx`, `4xx`, `5xx`, `Latency`, `ConsumedReadCapacityUnits`, `ConsumedWriteCapacityUnits`,
   * `ConditionalCheckFailures`, `IdempotentReplays`, `DynamoDbThrottles`, `DynamoDbRetries`, `WriteRetries`.
   * Average over 5 minutes unless `props` says otherwise.
   */
  metric(metricName: string, props?: CrudMetricOptions): cloudwatch.Metric;

  /**
   * Read capacity units DynamoDB reported for this resource's requests, all their tables together (sum over 5
   * minutes; `statistic: 'Average'` gives units per request).
   */
  metricConsumedReadCapacityUnits(props?: CrudMetricOptions): cloudwatch.Metric;

  /**
   * Write capacity units DynamoDB reported for this resource's requests, all their tables together (sum over 5
   * minutes; `statistic: 'Average'` gives units per request).
   */
  metricConsumedWriteCapacityUnits(props?: CrudMetricOptions): cloudwatch.Metric;

  /** Read and write capacity units together (metric math over the two; sum over 5 minutes). */
  metricConsumedCapacity(props?: CrudMetricOptions): cloudwatch.IMetric;

  /** Requests this resource's functions answered (sum over 5 minutes). */
  metricRequests(props?: CrudMetricOptions): cloudwatch.Metric;

  /** 4xx responses (sum over 5 minutes). */
  metricClientError(props?: CrudMetricOptions): cloudwatch.Metric;

  /** 5xx responses (sum over 5 minutes). */
  metricServerError(props?: CrudMetricOptions): cloudwatch.Metric;

  /** Time from the event reaching the handler to its response, in ms (average over 5 minutes). */
  metricLatency(props?: CrudMetricOptions): cloudwatch.Metric;

  /** DynamoDB calls whose condition failed: conflicts, precondition failures, taken ids (sum over 5 minutes). */
  metricConditionalCheckFailures(props?: CrudMetricOptions): cloudwatch.Metric;

  /** Creates answered from their idempotency record (sum over 5 minutes). */
  metricIdempotentReplays(props?: CrudMetricOptions): cloudwatch.Metric;

  /** DynamoDB calls that ended throttled, after the SDK's retries (sum over 5 minutes). */
  metricDynamoDbThrottles(props?: CrudMetricOptions): cloudwatch.Metric;

  /** Attempts the SDK repeated (throttling, transient errors) (sum over 5 minutes). */
  metricDynamoDbRetries(props?: CrudMetricOptions): cloudwatch.Metric;

  /** Write attempts repeated after losing a race to a concurrent write (sum over 5 minutes). */
  metricWriteRetries(props?: CrudMetricOptions): cloudwatch.Metric;
}
