/**
 * Builds API Gateway HTTP API (payload format 2.0) events the way API Gateway delivers them to the handler.
 */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';

/** Options of one request. */
export interface RequestOptions {
  /** A value to send as JSON (`application/json` unless `contentType` says otherwise). */
  readonly json?: unknown;
  /** A raw body, sent as is. */
  readonly body?: string;
  /** Send the body base64-encoded (`isBase64Encoded: true`). */
  readonly base64?: boolean;
  /** Raw bytes to send base64-encoded (for bodies that are not UTF-8). */
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
}

let counter = 0;

/**
 * An event for `method path` where `path` is `/items` or `/items/<percent-encoded id>` (relative to the stage).
 * With the routeKey form, `pathParameters.id` carries the id segment as it appears in the path.
 */
export function apiEvent(method: string, path: string, opts: RequestOptions = {}): APIGatewayProxyEventV2 {
  const [, resource, idSegment] = /^\/([^/]*)(?:\/(.*))?$/.exec(path) ?? [];
  const stage = opts.stage ?? '$default';
  const rawPath = stage === '$default' ? path : `/${stage}${path}`;
  let body: string | undefined = opts.body ?? (opts.json !== undefined ? JSON.stringify(opts.json) : undefined);
  if (body !== undefined && opts.base64) body = Buffer.from(body, 'utf8').toString('base64');
  if (opts.bytes) body = opts.bytes.toString('base64');
  const headers: Record<string, string> = {};
  if (body !== undefined && opts.contentType !== null) headers['content-type'] = opts.contentType ?? 'application/json';
  if (opts.contentType && body === undefined) headers['content-type'] = opts.contentType;
  for (const [k, v] of Object.entries(opts.headers ?? {})) headers[k.toLowerCase()] = v;
  const rawQueryString = typeof opts.query === 'string'
    ? opts.query
    : new URLSearchParams(Object.entries(opts.query ?? {}).map(([k, v]): [string, string] => [k, String(v)])).toString();
  const queryStringParameters = rawQueryString
    ? Object.fromEntries(new URLSearchParams(rawQueryString))
    : undefined;
  const requestId = `req-${process.pid}-${++counter}`;
  const routeKey = opts.routeKey
    ?? (opts.viaDefaultRoute ? '$default' : `${method} /${resource}${idSegment !== undefined ? '/{id}' : ''}`);
  return {
    version: '2.0',
    routeKey,
    rawPath,
    rawQueryString,
    headers,
    ...(queryStringParameters ? { queryStringParameters } : {}),
    ...(idSegment !== undefined && !opts.viaDefaultRoute ? { pathParameters: { id: idSegment } } : {}),
    requestContext: {
      accountId: '123456789012',
      apiId: 'api1234567',
      domainName: 'api1234567.execute-api.us-east-1.amazonaws.com',
      domainPrefix: 'api1234567',
      http: { method, path: rawPath, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'jest' },
      requestId,
      routeKey,
      stage,
      time: new Date().toUTCString(),
      timeEpoch: Date.now(),
      ...(opts.sub !== undefined ? { authorizer: { jwt: { claims: { sub: opts.sub }, scopes: [] } } } : {}),
    } as APIGatewayProxyEventV2['requestContext'],
    ...(body !== undefined ? { body } : {}),
    isBase64Encoded: !!opts.base64 || !!opts.bytes,
  };
}
