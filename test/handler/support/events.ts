/**
 * Builds API Gateway HTTP API (payload format 2.0) events the way API Gateway delivers them to the handler: through
 * the runner's event builder (src/local/event.ts, itself checked against the fixtures in test/local/fixtures), so
 * handler tests, runner and fixtures agree on one shape — notably a percent-decoded `rawPath` and `pathParameters`.
 */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { buildEvent, requestTarget } from '../../../src/local/event';
import { matchRouteKey } from '../../../src/local/gateway';

/** Options of one request. */
export interface RequestOptions {
  /** A value to send as JSON (`application/json` unless `contentType` says otherwise). */
  readonly json?: unknown;
  /** A raw body, sent as is. */
  readonly body?: string;
  /**
   * Hand the body over base64-encoded (`isBase64Encoded: true`) even when it is text. HTTP APIs do this only for
   * non-text content types; the handler must accept it either way.
   */
  readonly base64?: boolean;
  /** Raw bytes as the body (API Gateway passes them base64-encoded unless they are UTF-8 text of a text type). */
  readonly bytes?: Buffer;
  /** Content-Type; `null` sends none. @default 'application/json' when there is a body */
  readonly contentType?: string | null;
  readonly headers?: Record<string, string>;
  /** The raw query string (without `?`), or parameters to encode. */
  readonly query?: string | Record<string, string | number>;
  /** JWT `sub` claim of the caller; absent means no JWT authorizer context. */
  readonly sub?: string;
  /** Route the way the `$default` route does (routeKey `$default`, path from rawPath). @default false */
  readonly viaDefaultRoute?: boolean;
  /** API Gateway stage. @default '$default' */
  readonly stage?: string;
  /** Override the routeKey (e.g. a route API Gateway would never send). */
  readonly routeKey?: string;
  /**
   * The API's route keys (`GET /projects/{projectId}/tasks`): API Gateway matches the decoded path against them and
   * sends the one that matched, with its path parameters. Absent: `/{resource}` and `/{resource}/{id}` routes.
   */
  readonly routeKeys?: readonly string[];
}

let counter = 0;

const HOST = 'api1234567.execute-api.us-east-1.amazonaws.com';

/**
 * The event API Gateway sends for `method path`, where `path` is the request path as a client sends it (relative to
 * the stage, percent-encoded: `/items/${encodeURIComponent(id)}`). With the routeKey form, the path must fit
 * `/{resource}` or `/{resource}/{id}` once decoded, as API Gateway would not invoke the function otherwise.
 */
export function apiEvent(method: string, path: string, opts: RequestOptions = {}): APIGatewayProxyEventV2 {
  const stage = opts.stage ?? '$default';
  const text = opts.body ?? (opts.json !== undefined ? JSON.stringify(opts.json) : undefined);
  const body = opts.bytes ?? (text !== undefined ? Buffer.from(text, 'utf8') : Buffer.alloc(0));
  const hasBody = opts.bytes !== undefined || text !== undefined;
  const headers: Record<string, string> = { host: HOST };
  if (hasBody && opts.contentType !== null) headers['content-type'] = opts.contentType ?? 'application/json';
  if (opts.contentType && !hasBody) headers['content-type'] = opts.contentType;
  for (const [k, v] of Object.entries(opts.headers ?? {})) headers[k.toLowerCase()] = v;
  const rawQueryString = typeof opts.query === 'string'
    ? opts.query
    : Object.entries(opts.query ?? {}).map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`).join('&');
  const url = `${stage === '$default' ? '' : `/${stage}`}${path}${rawQueryString ? `?${rawQueryString}` : ''}`;

  const decoded = requestTarget(path).path;
  if (decoded === undefined) throw new Error(`API Gateway does not invoke a function for ${path}: the path does not percent-decode`);
  let routeKey = opts.routeKey ?? (opts.viaDefaultRoute ? '$default' : undefined);
  let pathParameters: Record<string, string> | undefined;
  if (routeKey === undefined && opts.routeKeys !== undefined) {
    const match = matchRouteKey([...opts.routeKeys], method, decoded);
    if (!match) throw new Error(`API Gateway routes ${method} ${path} (decoded: ${decoded}) to none of the API's routes`);
    routeKey = match.routeKey;
    pathParameters = match.pathParameters;
  }
  if (routeKey === undefined) {
    const [, resource, id, extra] = /^\/([^/]*)(?:\/([^/]*))?(\/.*)?$/.exec(decoded) ?? [];
    if (extra !== undefined || id === '') {
      throw new Error(`API Gateway routes ${path} (decoded: ${decoded}) to no /{resource} or /{resource}/{id} route`);
    }
    routeKey = `${method} /${resource}${id !== undefined ? '/{id}' : ''}`;
    if (id !== undefined) pathParameters = { id };
  }

  const event = buildEvent({
    method,
    url,
    rawHeaders: Object.entries(headers).flat(),
    body,
    sourceIp: '127.0.0.1',
  }, {
    routeKey,
    pathParameters,
    apiId: 'api1234567',
    stage,
    requestId: `req-${process.pid}-${++counter}`,
    now: new Date(),
    ...(opts.sub !== undefined ? { authorizer: { jwt: { claims: { sub: opts.sub }, scopes: null } } } : {}),
  });
  if (opts.base64 && hasBody) Object.assign(event, { body: body.toString('base64'), isBase64Encoded: true });
  return event as unknown as APIGatewayProxyEventV2;
}
