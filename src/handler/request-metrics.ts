/**
 * The request's metrics as CloudWatch Embedded Metric Format members of its log line: CloudWatch Logs extracts them
 * into metrics as it ingests the line, so there is no PutMetricData call and no latency added. The names, namespace
 * and dimensions are the contract in src/shared/metrics.ts.
 *
 * EMF: the line is a JSON object with `_aws` = { Timestamp (epoch ms), CloudWatchMetrics: [{ Namespace, Dimensions:
 * [[names]], Metrics: [{ Name, Unit }] }] }; every dimension named is a string member of the line and every metric a
 * number member.
 */
import type { CallsSummary } from './dynamodb-calls';
import {
  METRIC_DIMENSION_SETS, METRIC_DIMENSIONS, METRIC_NAMES, METRICS_NAMESPACE, MetricsConfig, statusClassOf,
} from '../shared/metrics';

/** What a request's metrics are made of. */
export interface RequestOutcome {
  /** The resource served (bounded: a config name), or NO_RESOURCE. */
  readonly resource: string;
  /** The operation (bounded), OPENAPI_OPERATION or NO_OPERATION. */
  readonly operation: string;
  readonly status: number;
  readonly latencyMs: number;
  readonly calls: CallsSummary;
  readonly idempotentReplay: boolean;
  /** Write attempts the handler repeated. */
  readonly writeRetries: number;
}

/** Per resource, and per resource and operation (src/shared/metrics.ts METRIC_DIMENSION_SETS). */
const DIMENSION_SETS = METRIC_DIMENSION_SETS.map((set) => [...set]);

/** The EMF members to merge into the request's log line. */
export function requestMetrics(config: MetricsConfig, o: RequestOutcome, nowMs: number): Record<string, unknown> {
  const members: Record<string, unknown> = {
    [METRIC_DIMENSIONS.API]: config.api,
    [METRIC_DIMENSIONS.RESOURCE]: o.resource,
    [METRIC_DIMENSIONS.OPERATION]: o.operation,
  };
  const metrics: { Name: string; Unit: string }[] = [];
  const put = (name: string, value: number, unit: string) => {
    members[name] = value;
    metrics.push({ Name: name, Unit: unit });
  };
  put(METRIC_NAMES.REQUESTS, 1, 'Count');
  put(statusClassOf(o.status), 1, 'Count');
  put(METRIC_NAMES.LATENCY, o.latencyMs, 'Milliseconds');
  put(METRIC_NAMES.CONSUMED_READ_CAPACITY, o.calls.readUnits, 'Count');
  put(METRIC_NAMES.CONSUMED_WRITE_CAPACITY, o.calls.writeUnits, 'Count');
  // Events: only when they happened (a metric nobody ever triggers is never created, and costs nothing).
  if (o.calls.conditionFailures) put(METRIC_NAMES.CONDITIONAL_CHECK_FAILURES, o.calls.conditionFailures, 'Count');
  if (o.idempotentReplay) put(METRIC_NAMES.IDEMPOTENT_REPLAYS, 1, 'Count');
  if (o.calls.throttles) put(METRIC_NAMES.DYNAMODB_THROTTLES, o.calls.throttles, 'Count');
  if (o.calls.sdkRetries) put(METRIC_NAMES.DYNAMODB_RETRIES, o.calls.sdkRetries, 'Count');
  if (o.writeRetries) put(METRIC_NAMES.WRITE_RETRIES, o.writeRetries, 'Count');
  members._aws = {
    Timestamp: nowMs,
    CloudWatchMetrics: [{ Namespace: METRICS_NAMESPACE, Dimensions: DIMENSION_SETS, Metrics: metrics }],
  };
  return members;
}
