/**
 * Payload format 1.0 of an HTTP API's Lambda integration (a route added with `HttpLambdaIntegration` and
 * `payloadFormatVersion: VERSION_1_0`): the REST-API-shaped event, and the response the function must return — with
 * 1.0 a result without a valid `statusCode` is an integration failure (500), not a JSON body as with 2.0.
 * The 2.0 event: event.ts.
 */
import { isUtf8 } from 'buffer';
import { EventOptions, GatewayRequest, isTextContentType, requestTarget, requestTime } from './event';
import { GATEWAY_ERRORS, GatewayResponse } from './gateway';

/**
 * Builds the 1.0 event for a request: headers as sent (the last value of a repeated header in `headers`, every value
 * in `multiValueHeaders`), the query likewise, the route's path template as `resource`.
 */
export function buildEventV1(req: GatewayRequest, o: EventOptions): Record<string, unknown> {
  const target = requestTarget(req.url);
  if (target.path === undefined) throw new Error(`the path of ${JSON.stringify(req.url)} is not valid percent-encoded UTF-8`);
  const headers: Record<string, string> = {};
  const multiValueHeaders: Record<string, string[]> = {};
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) {
    const name = req.rawHeaders[i];
    headers[name] = req.rawHeaders[i + 1];
    (multiValueHeaders[name] ??= []).push(req.rawHeaders[i + 1]);
  }
  const query: Record<string, string> = {};
  const multiQuery: Record<string, string[]> = {};
  for (const pair of target.rawQueryString.split('&')) {
    if (!pair) continue;
    const eq = pair.indexOf('=');
    const key = decode(eq < 0 ? pair : pair.slice(0, eq));
    const value = decode(eq < 0 ? '' : pair.slice(eq + 1));
    query[key] = value;
    (multiQuery[key] ??= []).push(value);
  }
  const lower = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
  const host = lower.host ?? 'localhost';
  const hasBody = req.body.length > 0;
  const asText = hasBody && isTextContentType(lower['content-type']) && isUtf8(req.body);
  const resource = o.routeKey === '$default' ? '$default' : o.routeKey.slice(o.routeKey.indexOf(' ') + 1);
  const jwt = (o.authorizer as { jwt?: { claims?: unknown; scopes?: unknown } } | undefined)?.jwt;
  return {
    version: '1.0',
    resource,
    path: target.path,
    httpMethod: req.method,
    headers,
    multiValueHeaders,
    queryStringParameters: Object.keys(query).length ? query : null,
    multiValueQueryStringParameters: Object.keys(multiQuery).length ? multiQuery : null,
    requestContext: {
      accountId: '123456789012',
      apiId: o.apiId,
      ...(jwt ? { authorizer: { claims: jwt.claims, scopes: jwt.scopes } } : {}),
      domainName: host,
      domainPrefix: host.split('.')[0].split(':')[0],
      extendedRequestId: o.requestId,
      httpMethod: req.method,
      identity: {
        accessKey: null,
        accountId: null,
        caller: null,
        cognitoAuthenticationProvider: null,
        cognitoAuthenticationType: null,
        cognitoIdentityId: null,
        cognitoIdentityPoolId: null,
        principalOrgId: null,
        sourceIp: req.sourceIp,
        user: null,
        userAgent: lower['user-agent'] ?? '',
        userArn: null,
      },
      path: target.path,
      protocol: 'HTTP/1.1',
      requestId: o.requestId,
      requestTime: requestTime(o.now),
      requestTimeEpoch: o.now.getTime(),
      resourceId: o.routeKey,
      resourcePath: resource,
      stage: o.stage,
    },
    pathParameters: o.pathParameters ?? null,
    stageVariables: null,
    body: hasBody ? (asText ? req.body.toString('utf8') : req.body.toString('base64')) : null,
    isBase64Encoded: hasBody && !asText,
  };
}

/** Maps a 1.0 result: `statusCode` required; `headers`, `multiValueHeaders`, `body` and `isBase64Encoded` as given. */
export function mapResultV1(result: unknown): GatewayResponse {
  const r = result as Record<string, any> | null;
  if (r === null || typeof r !== 'object' || Array.isArray(r) || !Number.isInteger(r.statusCode) || r.statusCode < 100 || r.statusCode > 599) {
    return GATEWAY_ERRORS.internal();
  }
  const headers: Record<string, string[]> = {};
  for (const [k, v] of Object.entries(r.headers ?? {})) headers[k.toLowerCase()] = [String(v)];
  for (const [k, vs] of Object.entries(r.multiValueHeaders ?? {})) headers[k.toLowerCase()] = [...[vs].flat().map(String)];
  let body = Buffer.alloc(0);
  if (r.body !== undefined && r.body !== null) {
    if (typeof r.body !== 'string') return GATEWAY_ERRORS.internal();
    body = r.isBase64Encoded ? Buffer.from(r.body, 'base64') : Buffer.from(r.body, 'utf8');
  }
  return { statusCode: r.statusCode, headers, body };
}

function decode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
