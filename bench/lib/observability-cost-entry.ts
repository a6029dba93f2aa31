/**
 * The pieces tracing and EMF add to a request (bench/observability-cost.mjs times each alone), bundled with the
 * handler's build options so that they run as they do in the shipped bundle.
 */
export { logRequest } from '../../src/handler/log';
export { requestMetrics } from '../../src/handler/request-metrics';
export { parseTraceHeader, subsegmentOf, XRayEmitter } from '../../src/handler/trace';
