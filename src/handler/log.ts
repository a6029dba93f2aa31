/**
 * Structured logs: one JSON line per request.
 *
 * Written straight to stdout as JSON with `level`, `timestamp` and `message`, the fields Lambda's JSON log format
 * uses, so the line is the same whether the function logs in TEXT or JSON format and log-level filtering applies.
 * Bodies are never logged (they may hold personal data).
 */

/** Where log lines go (one call per line, without the newline). */
export type LogWriter = (line: string) => void;

/** The default writer: stdout. */
export const stdoutWriter: LogWriter = (line) => {
  process.stdout.write(line + '\n');
};

/** The fields of a request's log line. */
export interface RequestLogFields {
  readonly requestId: string;
  readonly awsRequestId?: string;
  readonly route?: string;
  readonly operation?: string;
  readonly status: number;
  readonly latencyMs: number;
  readonly itemId?: string;
  /** The problem slug of an error response. */
  readonly problem?: string;
  /** Write attempts beyond the first (optimistic concurrency, transaction conflicts). */
  readonly retries?: number;
  readonly idempotentReplay?: boolean;
  /** The X-Ray trace id of the invocation (`Root` of `_X_AMZN_TRACE_ID`), sampled or not. */
  readonly traceId?: string;
  /** What the request did in DynamoDB and what DynamoDB reported it consumed (absent without any call). */
  readonly dynamodb?: DynamoDbLogFields;
  readonly error?: unknown;
}

/** The DynamoDB part of a request's log line. */
export interface DynamoDbLogFields {
  readonly calls: number;
  /** Read and write capacity units over all tables. */
  readonly readUnits: number;
  readonly writeUnits: number;
  /** Read and write units per table name. */
  readonly tables: Readonly<Record<string, { readonly read: number; readonly write: number }>>;
  /** Calls whose condition failed (only when some did, as the three below). */
  readonly conditionFailures?: number;
  readonly throttles?: number;
  /** Attempts the SDK repeated. */
  readonly sdkRetries?: number;
  /** Calls DynamoDB reported no capacity for (errors, failed conditions — DynamoDB still bills a failed write). */
  readonly unreportedCalls?: number;
}

/**
 * Writes the line for one request: ERROR for 5xx other than 503, WARN for 503, INFO otherwise. `metrics` are the
 * request's Embedded Metric Format members (src/handler/request-metrics.ts), appended to the line.
 */
export function logRequest(write: LogWriter, fields: RequestLogFields, metrics?: Record<string, unknown>): void {
  const level = fields.status >= 500 && fields.status !== 503 ? 'ERROR' : fields.status === 503 ? 'WARN' : 'INFO';
  const { error, ...rest } = fields;
  const line: Record<string, unknown> = {
    timestamp: new Date().toISOString(),
    level,
    message: 'request',
    ...rest,
  };
  if (error !== undefined) line.error = describeError(error);
  write(JSON.stringify(metrics ? Object.assign(line, metrics) : line));
}

/** An error as loggable JSON: name, message, stack, and the AWS SDK's metadata when present. */
export function describeError(error: unknown): Record<string, unknown> {
  if (!(error instanceof Error)) return { message: String(error) };
  const meta = (error as { $metadata?: { httpStatusCode?: number; requestId?: string } }).$metadata;
  return {
    name: error.name,
    message: error.message,
    stack: error.stack,
    ...(meta ? { awsStatusCode: meta.httpStatusCode, awsRequestId: meta.requestId } : {}),
  };
}
