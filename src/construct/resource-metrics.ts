import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type { Operation } from './crud-operation';
import { METRIC_DIMENSIONS, METRICS_NAMESPACE } from '../shared/metrics';

/**
 * Options of a resource's request metrics (`resource.metricConsumedReadCapacityUnits()` …): CloudWatch's metric
 * options, and optionally one operation.
 */
export interface CrudMetricOptions extends cloudwatch.MetricOptions {
  /**
   * Only the requests of this operation (the `Operation` dimension).
   * @default - every request of the resource
   */
  readonly operation?: Operation;
}

/**
 * A metric the CRUD functions publish in their request log lines (CloudWatch Embedded Metric Format, namespace
 * `ServerlessCrudApi`, src/shared/metrics.ts) for one resource of one API, optionally one operation.
 */
export function requestMetric(
  api: string, resource: string, metricName: string, statistic: string, props: CrudMetricOptions = {},
): cloudwatch.Metric {
  const { operation, ...options } = props;
  return new cloudwatch.Metric({
    namespace: METRICS_NAMESPACE,
    metricName,
    statistic,
    period: Duration.minutes(5),
    ...options,
    dimensionsMap: {
      [METRIC_DIMENSIONS.API]: api,
      [METRIC_DIMENSIONS.RESOURCE]: resource,
      ...(operation !== undefined ? { [METRIC_DIMENSIONS.OPERATION]: operation } : {}),
      ...options.dimensionsMap,
    },
  });
}
