/**
 * The payload format 2.0 event API Gateway (HTTP API) hands a Lambda function for an HTTP request — the one builder
 * of such events, used by the runner and by the handler's tests, and checked against the fixtures in test/local.
 *
 * What HTTP APIs do that a hand-written event easily gets wrong (observed on live APIs; see middleapi/standard-server#93
 * and hotsock/voker#8):
 * - the path is percent-decoded before routing, and `rawPath`, `requestContext.http.path` and `pathParameters` carry it
 *   decoded: `/items/100%25` arrives as `100%`, and `%2F` becomes a `/` (so an id containing `/` never matches
 *   `/items/{id}`);
 * - `rawQueryString` stays as sent; `queryStringParameters` are decoded, repeats comma-joined;
 * - headers are lower-cased, repeats comma-joined, and `Cookie` moves to `cookies`.
 */
import { isUtf8 } from 'buffer';

/** The parts of an incoming HTTP request the gateway looks at. */
export interface GatewayRequest {
  readonly method: string;
  /** The request target as received: path and query string, percent-encoded. */
  readonly url: string;
  /** Raw header list as Node gives it: [name, value, name, value, …]. */
  readonly rawHeaders: string[];
  readonly body: Buffer;
  readonly sourceIp: string;
}

/** The request target split into its percent-decoded path and its raw query string. */
export interface RequestTarget {
  /** The path as API Gateway routes it and passes it on: percent-decoded; undefined when it does not decode. */
  readonly path?: string;
  readonly rawQueryString: string;
}

/** Splits `url` at the first `?` and percent-decodes the path (undefined when it is not valid percent-encoded UTF-8). */
export function requestTarget(url: string): RequestTarget {
  const q = url.indexOf('?');
  const encoded = q < 0 ? url : url.slice(0, q);
  const rawQueryString = q < 0 ? '' : url.slice(q + 1);
  try {
    return { path: decodeURIComponent(encoded), rawQueryString };
  } catch {
    return { rawQueryString };
  }
}

/** Content types API Gateway passes as text; everything else reaches the function base64-encoded. */
export function isTextContentType(contentType: string | undefined): boolean {
  if (!contentType) return false;
  const t = contentType.split(';')[0].trim().toLowerCase();
  return t.startsWith('text/') || t === 'application/json' || t.endsWith('+json') || t === 'application/xml' ||
    t.endsWith('+xml') || t === 'application/javascript' || t === 'application/x-www-form-urlencoded' || t === 'application/graphql';
}

/** Headers lower-cased with repeats comma-joined, and the cookies split out, as payload 2.0 has them. */
export function collectHeaders(rawHeaders: string[]): { headers: Record<string, string>; cookies?: string[] } {
  const headers: Record<string, string> = {};
  const cookies: string[] = [];
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = rawHeaders[i].toLowerCase();
    const value = rawHeaders[i + 1];
    if (name === 'cookie') {
      cookies.push(...value.split(';').map((c) => c.trim()).filter(Boolean));
      continue;
    }
    headers[name] = name in headers ? `${headers[name]},${value}` : value;
  }
  return { headers, cookies: cookies.length ? cookies : undefined };
}

/** Query parameters decoded, repeats comma-joined; a part that does not decode is kept as sent. */
export function parseQuery(rawQueryString: string): Record<string, string> | undefined {
  if (!rawQueryString) return undefined;
  const out: Record<string, string> = {};
  for (const pair of rawQueryString.split('&')) {
    if (!pair) continue;
    const eq = pair.indexOf('=');
    const key = safeDecode(eq < 0 ? pair : pair.slice(0, eq));
    const value = safeDecode(eq < 0 ? '' : pair.slice(eq + 1));
    out[key] = key in out ? `${out[key]},${value}` : value;
  }
  return Object.keys(out).length ? out : undefined;
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** API Gateway's request time format: `12/Mar/2020:19:03:58 +0000`. */
export function requestTime(date: Date): string {
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const p = (n: number) => String(n).padStart(2, '0');
  return `${p(date.getUTCDate())}/${months[date.getUTCMonth()]}/${date.getUTCFullYear()}:${p(date.getUTCHours())}:${p(date.getUTCMinutes())}:${p(date.getUTCSeconds())} +0000`;
}

/** What the gateway decided about a request before invoking: its route and the request's context. */
export interface EventOptions {
  readonly routeKey: string;
  /** Decoded path parameters of the matched route. */
  readonly pathParameters?: Record<string, string>;
  readonly apiId: string;
  readonly stage: string;
  readonly requestId: string;
  readonly now: Date;
  readonly authorizer?: Record<string, unknown>;
}

/**
 * Builds the payload 2.0 event API Gateway sends for a request whose path decodes (see {@link requestTarget}).
 *
 * The body is a string when its content type is text and it is valid UTF-8; otherwise it travels base64-encoded
 * (`isBase64Encoded: true`), so the function sees the exact bytes — invalid UTF-8 in a JSON body reaches the
 * handler, which answers its 400, instead of being replaced by U+FFFD on the way.
 */
export function buildEvent(req: GatewayRequest, o: EventOptions): Record<string, unknown> {
  const target = requestTarget(req.url);
  if (target.path === undefined) throw new Error(`the path of ${JSON.stringify(req.url)} is not valid percent-encoded UTF-8`);
  const rawPath = target.path;
  const { headers, cookies } = collectHeaders(req.rawHeaders);
  const host = headers.host ?? 'localhost';
  const hasBody = req.body.length > 0;
  const asText = hasBody && isTextContentType(headers['content-type']) && isUtf8(req.body);
  const query = parseQuery(target.rawQueryString);
  return {
    version: '2.0',
    routeKey: o.routeKey,
    rawPath,
    rawQueryString: target.rawQueryString,
    ...(cookies ? { cookies } : {}),
    headers,
    ...(query ? { queryStringParameters: query } : {}),
    requestContext: {
      accountId: '123456789012',
      apiId: o.apiId,
      ...(o.authorizer ? { authorizer: o.authorizer } : {}),
      domainName: host,
      domainPrefix: host.split('.')[0].split(':')[0],
      http: {
        method: req.method,
        path: rawPath,
        protocol: 'HTTP/1.1',
        sourceIp: req.sourceIp,
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: o.requestId,
      routeKey: o.routeKey,
      stage: o.stage,
      time: requestTime(o.now),
      timeEpoch: o.now.getTime(),
    },
    ...(hasBody ? { body: asText ? req.body.toString('utf8') : req.body.toString('base64') } : {}),
    ...(o.pathParameters ? { pathParameters: o.pathParameters } : {}),
    isBase64Encoded: hasBody && !asText,
  };
}
