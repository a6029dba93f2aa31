/**
 * The runner's resource limits: what one request and all requests together may hold, so that a flood of large or
 * slow requests cannot exhaust it. Shown in `--help` and the README from these values.
 */

/** Limits of one API server. */
export interface RunnerLimits {
  /** API Gateway's payload limit for HTTP APIs (10 MB): a larger body is a 413, before or while it is received. */
  readonly maxBodyBytes: number;
  /** Request bodies held in memory at once, over all requests of one API; beyond it a 503 (the runner is busy). */
  readonly maxBufferedBytes: number;
  /** Open connections per API; further ones are closed as they arrive. */
  readonly maxConnections: number;
  /** Time a client has to send the request line and headers. */
  readonly headersTimeoutMs: number;
  /** Time a client has to send the whole request, body included. */
  readonly requestTimeoutMs: number;
  /** How long an idle keep-alive connection stays open. */
  readonly keepAliveTimeoutMs: number;
  /**
   * How long the gateway waits for a function: an HTTP API's integration timeout (30 s, its default and maximum).
   * Past it the answer is API Gateway's 503, whatever the function's own timeout.
   */
  readonly integrationTimeoutMs: number;
}

export const DEFAULT_LIMITS: RunnerLimits = {
  maxBodyBytes: 10 * 1024 * 1024,
  maxBufferedBytes: 64 * 1024 * 1024,
  maxConnections: 256,
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 60_000,
  keepAliveTimeoutMs: 10_000,
  integrationTimeoutMs: 30_000,
};

/** The limits as one line of prose, for `--help` and the start-up banner. */
export function describeLimits(l: RunnerLimits = DEFAULT_LIMITS): string {
  const mib = (n: number) => `${n / 1024 / 1024} MiB`;
  return `bodies up to ${mib(l.maxBodyBytes)} (API Gateway's 10 MB; 413 above, checked from Content-Length before ` +
    `reading and while a chunked body arrives), ${mib(l.maxBufferedBytes)} of bodies in memory per API (503 above), ` +
    `${l.maxConnections} connections per API, ${l.headersTimeoutMs / 1000} s to send headers, ` +
    `${l.requestTimeoutMs / 1000} s to send a whole request, idle keep-alive closed after ${l.keepAliveTimeoutMs / 1000} s`;
}
