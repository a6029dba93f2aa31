/**
 * What API Gateway (HTTP API, payload format 2.0) does around a Lambda integration, as pure functions: route
 * matching, the function's result mapped to an HTTP response, CORS, throttling. The event itself: event.ts.
 */
import { randomFillSync } from 'crypto';
import type { LocalCors } from '../shared/local-manifest';

/** An HTTP response to send. */
export interface GatewayResponse {
  readonly statusCode: number;
  /** Header name → values (several values become several header lines, e.g. set-cookie). */
  readonly headers: Record<string, string[]>;
  readonly body: Buffer;
}

export interface RouteKeyMatch {
  readonly routeKey: string;
  readonly pathParameters?: Record<string, string>;
}

/**
 * Matches `METHOD path` against route keys like `GET /items/{id}`, `ANY /files/{path+}` or `$default`, choosing as
 * API Gateway does when several match: the most specific path (compared segment by segment: a literal before a
 * variable before a greedy variable), then an exact method before `ANY`; `$default` only when nothing else matches.
 * `path` is the percent-decoded path (see event.ts): a parameter is one non-empty segment of it, so a decoded `%2F`
 * splits a value and matches no `{id}`.
 */
export function matchRouteKey(routeKeys: string[], method: string, path: string): RouteKeyMatch | undefined {
  const segments = path.split('/');
  let best: { match: RouteKeyMatch; rank: number[] } | undefined;
  let fallback: RouteKeyMatch | undefined;
  for (const routeKey of routeKeys) {
    if (routeKey === '$default') {
      fallback = { routeKey };
      continue;
    }
    const [m, template] = routeKey.split(' ');
    if (m !== method && m !== 'ANY') continue;
    const tpl = template.split('/');
    const params: Record<string, string> = {};
    const rank: number[] = [];
    let ok = true;
    for (let i = 0; i < tpl.length && ok; i++) {
      const greedy = i === tpl.length - 1 ? /^\{([^}+]+)\+\}$/.exec(tpl[i]) : null;
      if (greedy) {
        const rest = segments.slice(i).join('/');
        if (i >= segments.length || rest === '') { ok = false; break; }
        params[greedy[1]] = rest;
        rank.push(0);
        break;
      }
      if (i >= segments.length) { ok = false; break; }
      const p = /^\{([^}+]+)\}$/.exec(tpl[i]);
      if (p) {
        if (segments[i] === '') { ok = false; break; }
        params[p[1]] = segments[i];
        rank.push(1);
      } else if (tpl[i] !== segments[i]) {
        ok = false;
      } else {
        rank.push(2);
      }
    }
    if (!ok || (!/\+\}$/.test(template) && tpl.length !== segments.length)) continue;
    rank.push(m === method ? 1 : 0);
    const match = { routeKey, pathParameters: Object.keys(params).length ? params : undefined };
    if (!best || moreSpecific(rank, best.rank)) best = { match, rank };
  }
  return best?.match ?? fallback;
}

/** Lexicographic comparison of two ranks (a longer exact path ranks above a greedy prefix of it). */
function moreSpecific(a: number[], b: number[]): boolean {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const x = a[i] ?? -1;
    const y = b[i] ?? -1;
    if (x !== y) return x > y;
  }
  return false;
}


/** Random bytes drawn in blocks: one call into the CSPRNG per 512 request ids rather than one each. */
const idEntropy = Buffer.alloc(512 * 12);
let idOffset = idEntropy.length;

/** An id shaped like API Gateway's (base64url, 16 characters). */
export function newRequestId(): string {
  if (idOffset === idEntropy.length) {
    randomFillSync(idEntropy);
    idOffset = 0;
  }
  const id = idEntropy.toString('base64url', idOffset, idOffset + 12);
  idOffset += 12;
  return id.slice(0, 15) + '=';
}

/** JWT claims as API Gateway hands them to the function: strings, arrays as `[a b]`. */
export function flattenClaims(claims: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(claims)) {
    out[k] = Array.isArray(v) ? `[${v.join(' ')}]` : typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v);
  }
  return out;
}

const json = (statusCode: number, message: string, extra: Record<string, string[]> = {}): GatewayResponse => ({
  statusCode,
  headers: { 'content-type': ['application/json'], ...extra },
  body: Buffer.from(JSON.stringify({ message })),
});

/** API Gateway's own error responses (a description goes into a header: printable ASCII only, never a bare newline). */
export const GATEWAY_ERRORS = {
  notFound: () => json(404, 'Not Found'),
  unauthorized: (description?: string) => json(401, 'Unauthorized', description
    ? { 'www-authenticate': [`Bearer scope="" error="invalid_token" error_description="${description.replace(/"/g, "'").replace(/[^\x20-\x7e]/g, '?')}"`] }
    : {}),
  forbidden: () => json(403, 'Forbidden'),
  tooManyRequests: () => json(429, 'Too Many Requests'),
  tooLarge: () => json(413, 'Request Entity Too Large'),
  internal: () => json(500, 'Internal Server Error'),
  serviceUnavailable: () => json(503, 'Service Unavailable'),
};

/**
 * Maps a function's result to the HTTP response, as API Gateway does for payload 2.0: a result with `statusCode`
 * is taken as a response; any other valid JSON is sent as a 200 `application/json` body.
 */
export function mapResult(result: unknown): GatewayResponse {
  if (result !== null && typeof result === 'object' && !Array.isArray(result) && 'statusCode' in (result as object)) {
    const r = result as Record<string, any>;
    if (!Number.isInteger(r.statusCode) || r.statusCode < 100 || r.statusCode > 599) return GATEWAY_ERRORS.internal();
    const headers: Record<string, string[]> = {};
    for (const [k, v] of Object.entries(r.headers ?? {})) headers[k.toLowerCase()] = [String(v)];
    for (const [k, vs] of Object.entries(r.multiValueHeaders ?? {})) {
      headers[k.toLowerCase()] = [...(headers[k.toLowerCase()] ?? []), ...[vs].flat().map(String)];
    }
    if (Array.isArray(r.cookies) && r.cookies.length) headers['set-cookie'] = [...(headers['set-cookie'] ?? []), ...r.cookies.map(String)];
    let body = Buffer.alloc(0);
    if (r.body !== undefined && r.body !== null) {
      if (typeof r.body !== 'string') return GATEWAY_ERRORS.internal();
      body = r.isBase64Encoded ? Buffer.from(r.body, 'base64') : Buffer.from(r.body, 'utf8');
    }
    return { statusCode: r.statusCode, headers, body };
  }
  const body = typeof result === 'string' ? result : JSON.stringify(result ?? null);
  return { statusCode: 200, headers: { 'content-type': ['application/json'] }, body: Buffer.from(body) };
}

/** The CORS configuration of an API, as the construct records it. */
export type CorsConfig = LocalCors;

function allowedOrigin(cors: CorsConfig, origin: string): string | undefined {
  const origins = cors.allowOrigins ?? [];
  if (origins.includes('*')) return cors.allowCredentials ? origin : '*';
  return origins.some((o) => o.toLowerCase() === origin.toLowerCase()) ? origin : undefined;
}

/** Answers a CORS preflight (OPTIONS with Origin and Access-Control-Request-Method) the way API Gateway does. */
export function preflight(cors: CorsConfig, headers: Record<string, string>): GatewayResponse {
  const out: Record<string, string[]> = {};
  const origin = headers.origin;
  const allowOrigin = origin ? allowedOrigin(cors, origin) : undefined;
  const method = headers['access-control-request-method']?.toUpperCase();
  const methods = (cors.allowMethods ?? []).map((m) => m.toUpperCase());
  const methodOk = method !== undefined && (methods.includes('*') || methods.includes(method));
  const requested = (headers['access-control-request-headers'] ?? '').split(',').map((h) => h.trim().toLowerCase()).filter(Boolean);
  const allowHeaders = (cors.allowHeaders ?? []).map((h) => h.toLowerCase());
  const headersOk = requested.every((h) => allowHeaders.includes('*') || allowHeaders.includes(h));
  if (allowOrigin && methodOk && headersOk) {
    out['access-control-allow-origin'] = [allowOrigin];
    out['access-control-allow-methods'] = [methods.includes('*') ? '*' : methods.join(',')];
    if (allowHeaders.length) out['access-control-allow-headers'] = [allowHeaders.join(',')];
    if (cors.allowCredentials) out['access-control-allow-credentials'] = ['true'];
    if (cors.maxAgeSeconds !== undefined) out['access-control-max-age'] = [String(cors.maxAgeSeconds)];
    if (allowOrigin !== '*') out.vary = ['Origin'];
  }
  return { statusCode: 204, headers: out, body: Buffer.alloc(0) };
}

/** Adds the CORS response headers for an allowed origin (API Gateway overrides the function's own). */
export function withCors(cors: CorsConfig, headers: Record<string, string>, res: GatewayResponse): GatewayResponse {
  const origin = headers.origin;
  const allowOrigin = origin ? allowedOrigin(cors, origin) : undefined;
  if (!allowOrigin) return res;
  const h: Record<string, string[]> = {};
  for (const [k, v] of Object.entries(res.headers)) if (!k.startsWith('access-control-')) h[k] = v;
  h['access-control-allow-origin'] = [allowOrigin];
  if (cors.exposeHeaders?.length) h['access-control-expose-headers'] = [cors.exposeHeaders.join(',')];
  if (cors.allowCredentials) h['access-control-allow-credentials'] = ['true'];
  if (allowOrigin !== '*') h.vary = [...(h.vary ?? []), 'Origin'];
  return { ...res, headers: h };
}

/** Stage throttling: a token bucket of `burst` tokens refilled at `rate` per second. */
export class TokenBucket {
  private tokens: number;
  private last: number;
  constructor(private readonly rate: number, private readonly burst: number, now = Date.now()) {
    this.tokens = burst;
    this.last = now;
  }

  /** Takes a token; false when the request must be throttled. */
  take(now = Date.now()): boolean {
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.rate);
    this.last = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}
