/**
 * The publisher's metrics as Embedded Metric Format members of its batch log line (as request-metrics.ts does for the
 * CRUD handler): names in src/shared/change-events.ts, namespace and dimensions in src/shared/metrics.ts.
 */
import { CHANGE_EVENT_METRIC_NAMES } from '../shared/change-events';
import { METRIC_DIMENSIONS, METRICS_NAMESPACE, MetricsConfig } from '../shared/metrics';

/** What one batch came to. */
export interface BatchCounts {
  readonly published: number;
  readonly failed: number;
  readonly truncated: number;
  readonly skipped: number;
}

/** The EMF members to merge into the batch's log line: per API and resource. */
export function publisherMetrics(config: MetricsConfig, resource: string, counts: BatchCounts, nowMs: number): Record<string, unknown> {
  const metrics: [string, number][] = [
    [CHANGE_EVENT_METRIC_NAMES.PUBLISHED, counts.published],
    [CHANGE_EVENT_METRIC_NAMES.FAILED, counts.failed],
    [CHANGE_EVENT_METRIC_NAMES.TRUNCATED, counts.truncated],
    [CHANGE_EVENT_METRIC_NAMES.SKIPPED, counts.skipped],
  ];
  return {
    [METRIC_DIMENSIONS.API]: config.api,
    [METRIC_DIMENSIONS.RESOURCE]: resource,
    ...Object.fromEntries(metrics),
    _aws: {
      Timestamp: nowMs,
      CloudWatchMetrics: [{
        Namespace: METRICS_NAMESPACE,
        Dimensions: [[METRIC_DIMENSIONS.API, METRIC_DIMENSIONS.RESOURCE]],
        Metrics: metrics.map(([name]) => ({ Name: name, Unit: 'Count' })),
      }],
    },
  };
}
