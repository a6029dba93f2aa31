/**
 * The metrics every CRUD function publishes through its request log line (CloudWatch Embedded Metric Format): one
 * contract for the handler that writes them (src/handler/request-metrics.ts) and the construct that reads them
 * (`CrudResource.metricConsumedReadCapacity` …, the dashboard's cost row).
 *
 * Dimensions are bounded by construction: the API (its construct path), the resource (a name from the config) and
 * the operation (a fixed set). Never an item id, an owner, a path or anything a caller sends.
 */

/** The CloudWatch namespace of every metric of this library. */
export const METRICS_NAMESPACE = 'ServerlessCrudApi';

/** Dimension names. */
export const METRIC_DIMENSIONS = {
  /** The API: the construct path of the ServerlessCrudApi (`MyStack/Todos`), so two APIs of an account never mix. */
  API: 'Api',
  /** The resource's name (its path segment), or {@link NO_RESOURCE}. */
  RESOURCE: 'Resource',
  /** The CRUD operation (`create` … `delete`), `openapi`, or {@link NO_OPERATION}. */
  OPERATION: 'Operation',
} as const;

/**
 * Every metric is published twice: per resource (Api, Resource) and per operation of a resource (Api, Resource,
 * Operation), so a resource's figures (a p99 latency included) need no metric math over its operations.
 */
export const METRIC_DIMENSION_SETS: readonly (readonly string[])[] = [
  [METRIC_DIMENSIONS.API, METRIC_DIMENSIONS.RESOURCE],
  [METRIC_DIMENSIONS.API, METRIC_DIMENSIONS.RESOURCE, METRIC_DIMENSIONS.OPERATION],
];

/** The Resource dimension of a request that reached no resource (an unknown route, the OpenAPI document). */
export const NO_RESOURCE = 'none';
/** The Operation dimension of a request that matched no route. */
export const NO_OPERATION = 'none';
/** The Operation dimension of `GET /openapi.json`. */
export const OPENAPI_OPERATION = 'openapi';

/**
 * The metrics (besides one per status class, {@link STATUS_CLASSES}, 1 in the line of a response of that class).
 * Requests, Latency and the consumed capacity are in every line (0 included, so `Average` is per
 * request); the others only when they happened (their `Sum` is the count; no data means none).
 */
export const METRIC_NAMES = {
  /** 1 per request. */
  REQUESTS: 'Requests',
  /** Time from the handler receiving the event to the response, in ms. */
  LATENCY: 'Latency',
  /** Read capacity units DynamoDB reported for the request, all its tables together. */
  CONSUMED_READ_CAPACITY: 'ConsumedReadCapacityUnits',
  /** Write capacity units DynamoDB reported for the request, all its tables together. */
  CONSUMED_WRITE_CAPACITY: 'ConsumedWriteCapacityUnits',
  /** DynamoDB calls whose condition failed (a conditional write, or a transaction cancelled by a condition). */
  CONDITIONAL_CHECK_FAILURES: 'ConditionalCheckFailures',
  /** 1 per create answered from its idempotency record (`Idempotent-Replayed: true`). */
  IDEMPOTENT_REPLAYS: 'IdempotentReplays',
  /** DynamoDB calls throttled (each attempt the SDK retried after throttling, and a final throttling error). */
  DYNAMODB_THROTTLES: 'DynamoDbThrottles',
  /** Attempts the SDK repeated (throttling, transient errors), over all the request's DynamoDB calls. */
  DYNAMODB_RETRIES: 'DynamoDbRetries',
  /** Write attempts the handler repeated after losing a race (optimistic concurrency, transaction conflicts). */
  WRITE_RETRIES: 'WriteRetries',
} as const;

/** The status classes published (each a metric of its own). */
export const STATUS_CLASSES = ['2xx', '3xx', '4xx', '5xx'] as const;

/** The status-class metric of an HTTP status. */
export function statusClassOf(status: number): (typeof STATUS_CLASSES)[number] {
  if (status >= 500) return '5xx';
  if (status >= 400) return '4xx';
  if (status >= 300) return '3xx';
  return '2xx';
}

/** What the handler config says about metrics (HandlerConfig.metrics). */
export interface MetricsConfig {
  /** The value of the Api dimension. */
  readonly api: string;
}
