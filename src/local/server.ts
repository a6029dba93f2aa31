/**
 * One local HTTP endpoint per ServerlessCrudApi: the Host allow-list, then routes, CORS, throttling, the payload limit
 * and JWT authorization as API Gateway applies them — all decided before the body is read — then the body read within
 * the runner's limits and the function invoked with a payload 2.0 event.
 */
import * as http from 'http';
import type { LocalApi } from './assembly';
import { ByteBudget, declaredLength, hasPendingBody, readBody } from './body';
import { DocsPage, docsResponse } from './docs';
import { buildEvent, collectHeaders, GatewayRequest, requestTarget } from './event';
import { EventFeed, EVENTS_PATH } from './event-feed';
import { buildEventV1, mapResultV1 } from './event-v1';
import type { FunctionInvoker, RequestUsage } from './function-host';
import {
  flattenClaims, GATEWAY_ERRORS, GatewayResponse, mapResult, matchRouteKey, newRequestId, preflight, TokenBucket, withCors,
} from './gateway';
import { hostCheck } from './host-check';
import { Jwks, JwtError, ScopeError, verifyJwt } from './jwt';
import { DEFAULT_LIMITS, RunnerLimits } from './limits';
import { notServedLocally, servedRoutes } from './served-routes';

export interface AuthSettings {
  /** false: authorization is off (--no-auth). */
  readonly enforce: boolean;
  readonly jwks?: Jwks;
  /**
   * The issuer tokens must carry and the audiences they must name, per route key of a JWT-authorized route (from the
   * template, or --issuer/--audience when only known at deploy time). Resources of one API may differ.
   */
  readonly jwt?: ReadonlyMap<string, { readonly issuer: string; readonly audience: string[] }>;
}

export interface ApiServerOptions {
  readonly api: LocalApi;
  /** Invoker of each function, by logical id. */
  readonly functions: Map<string, FunctionInvoker>;
  readonly port: number;
  readonly hostname: string;
  /** Host names accepted besides loopback names and `hostname` (--allowed-host). */
  readonly allowedHosts?: readonly string[];
  readonly auth: AuthSettings;
  readonly limits?: Partial<RunnerLimits>;
  readonly log: (line: string) => void;
  /** The docs page at `/_docs`, answered by the runner itself; undefined: none (see `docsUnavailable`). */
  readonly docs?: DocsPage;
  /** The live feed of the API's change events at `/_events`; undefined: none (the API publishes none). */
  readonly events?: EventFeed;
  /** Called after a request that may have written (not GET/HEAD/OPTIONS) was answered 2xx: the stream readers look now. */
  readonly onWrite?: () => void;
  readonly onFunctionError?: (fn: string, requestId: string, error: { name: string; message: string; stack?: string }) => void;
}

export interface RunningApi {
  readonly url: string;
  /**
   * Serves a new version of the API (`--watch`): routes, CORS, throttling, authorization, docs and functions as given.
   * Requests already admitted finish with the functions they were admitted to.
   */
  update(next: ApiVersion): void;
  close(): Promise<void>;
}

/** The parts of an API that a reload replaces. */
export type ApiVersion = Pick<ApiServerOptions, 'api' | 'functions' | 'auth' | 'docs' | 'events'>;

/** The runner's own refusal (not an API Gateway response): problem+json naming the flag that allows the host. */
function hostNotAllowed(host: string): GatewayResponse {
  const name = host.replace(/:\d+$/, '');
  return {
    statusCode: 403,
    headers: { 'content-type': ['application/problem+json'] },
    body: Buffer.from(JSON.stringify({
      type: 'https://cdk-serverless-crud-api.dev/problems/host-not-allowed',
      title: 'Host not allowed',
      status: 403,
      detail: `The local runner does not serve Host ${JSON.stringify(host.slice(0, 200))}: it answers loopback names and its ` +
        `--host only, against DNS rebinding. If you reach it by this name on purpose, start it with --allowed-host ${name.slice(0, 200)}.`,
    })),
  };
}

/** What is decided before the body: a response, or the function to invoke and the event's context. */
type Admission =
  /** `complete`: sent as is, without the CORS headers of actual responses (a preflight, the Host refusal). */
  | { readonly res: GatewayResponse; readonly complete?: boolean }
  | {
    readonly fn: string;
    /** The function as it was when the request was admitted: a reload does not move a request to new code. */
    readonly invoker: FunctionInvoker;
    readonly routeKey: string;
    readonly pathParameters?: Record<string, string>;
    readonly authorizer?: Record<string, unknown>;
    /** The payload format of the route's integration. */
    readonly payloadVersion: '1.0' | '2.0';
  };

/** What requests are routed by: derived once per version of the API. */
function routing(v: ApiVersion, previous?: { bucket: TokenBucket; throttle: string }) {
  const m = v.api.manifest;
  const throttle = `${m.throttle.rateLimit}/${m.throttle.burstLimit}`;
  const routes = servedRoutes(v.api);
  return {
    ...v,
    m,
    routeKeys: [...routes.keys()],
    routeByKey: routes,
    // A reload keeps the bucket's tokens unless the stage's throttling changed.
    bucket: previous && previous.throttle === throttle ? previous.bucket : new TokenBucket(m.throttle.rateLimit, m.throttle.burstLimit),
    throttle,
    apiId: m.path.replace(/[^A-Za-z0-9]/g, '').slice(-10).toLowerCase() || 'local',
  };
}

export async function startApiServer(o: ApiServerOptions): Promise<RunningApi> {
  const limits: RunnerLimits = { ...DEFAULT_LIMITS, ...o.limits };
  const budget = new ByteBudget(limits.maxBufferedBytes);
  const allowedHost = hostCheck(o.hostname, o.allowedHosts ?? []);
  let current = routing(o);

  const admit = (request: http.IncomingMessage, headers: Record<string, string>): Admission => {
    const { routeKeys, routeByKey, bucket, m, functions } = current;
    const cors = m.cors;
    if (!allowedHost(request.headers.host)) return { res: hostNotAllowed(request.headers.host ?? ''), complete: true };
    const method = request.method ?? 'GET';
    if (current.docs && (method === 'GET' || method === 'HEAD')) {
      const { path: docsPath } = requestTarget(request.url ?? '/');
      const docs = docsPath === undefined ? undefined : docsResponse(current.docs, docsPath, `http://${request.headers.host}`);
      if (docs) return { res: docs, complete: true };
    }
    if (cors && method === 'OPTIONS' && headers.origin && headers['access-control-request-method']) {
      return { res: preflight(cors, headers), complete: true };
    }
    if (!bucket.take()) return { res: GATEWAY_ERRORS.tooManyRequests() };
    const length = declaredLength(request);
    if (length !== undefined && !(length <= limits.maxBodyBytes)) return { res: GATEWAY_ERRORS.tooLarge() };

    // Routed on the decoded path, as API Gateway does; a path that does not decode matches no route.
    const { path } = requestTarget(request.url ?? '/');
    const match = path === undefined ? undefined : matchRouteKey(routeKeys, method, path);
    if (!match) return { res: GATEWAY_ERRORS.notFound() };

    let authorizer: Record<string, unknown> | undefined;
    const route = routeByKey.get(match.routeKey)!;
    if (route.unservable !== undefined) return { res: notServedLocally(match.routeKey, route.source, route.unservable) };
    const auth = current.auth;
    if (auth.enforce && (route.auth.kind === 'jwt' || route.auth.kind === 'cognito')) {
      const expected = auth.jwt?.get(match.routeKey);
      if (!expected || !auth.jwks) throw new Error(`no JWT settings for ${match.routeKey}`);
      const raw = headers.authorization;
      if (!raw) return { res: GATEWAY_ERRORS.unauthorized() };
      const token = raw.replace(/^Bearer\s+/i, '');
      try {
        const verified = verifyJwt(token, auth.jwks, { issuer: expected.issuer, audience: expected.audience, scopes: route.auth.scopes });
        authorizer = { jwt: { claims: flattenClaims(verified.claims), scopes: verified.scopes.length ? verified.scopes : null } };
      } catch (e) {
        if (e instanceof ScopeError) return { res: GATEWAY_ERRORS.forbidden() };
        if (e instanceof JwtError) return { res: GATEWAY_ERRORS.unauthorized(e.message) };
        throw e;
      }
    }
    const fn = route.functionLogicalId!;
    return {
      fn,
      invoker: functions.get(fn)!,
      routeKey: match.routeKey,
      pathParameters: match.pathParameters,
      authorizer,
      payloadVersion: route.payloadVersion,
    };
  };

  const server = http.createServer({ headersTimeout: limits.headersTimeoutMs, requestTimeout: limits.requestTimeoutMs }, (request, response) => {
    const started = process.hrtime.bigint();
    const requestId = newRequestId();
    const method = request.method ?? 'GET';
    const url = request.url ?? '/';
    const { headers } = collectHeaders(request.rawHeaders);
    // The version of the API this request is served by, from admission to answer.
    const { m, apiId } = current;
    const cors = m.cors;
    const finish = (res: GatewayResponse) => (cors ? withCors(cors, headers, res) : res);

    const send = (res: GatewayResponse, fn?: string, usage?: RequestUsage) => {
      if (response.headersSent || response.destroyed) return;
      // A reply sent before the body was read ends the connection: the rest of the body is never read.
      const close = hasPendingBody(request);
      response.writeHead(res.statusCode, {
        ...res.headers, 'apigw-requestid': requestId, 'content-length': String(res.body.length), ...(close ? { connection: 'close' } : {}),
      });
      response.end(method === 'HEAD' ? undefined : res.body);
      if (close) lingerThenClose(request, response);
      if (res.statusCode < 300 && fn && method !== 'GET' && method !== 'HEAD' && method !== 'OPTIONS') o.onWrite?.();
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      o.log(`${method} ${url} → ${res.statusCode} ${ms.toFixed(1)} ms${usage ? ` ${unitsOf(usage)}` : ''}${fn ? ` [${shortName(fn)}]` : ''} ${requestId}`);
    };
    const fail = (e: unknown) => {
      o.log(`${method} ${url} → 500 (runner error: ${(e as Error).message})`);
      send(GATEWAY_ERRORS.internal());
    };

    if (isEventsFeed(request, current)) {
      if (!allowedHost(request.headers.host)) return send(hostNotAllowed(request.headers.host ?? ''));
      o.log(`${method} ${url} → 200 (change events feed, ${current.events!.size + 1} client(s)) ${requestId}`);
      return current.events!.attach(request, response);
    }

    let admission: Admission;
    try {
      admission = admit(request, headers);
    } catch (e) {
      return fail(e);
    }
    if ('res' in admission) return send(admission.complete ? admission.res : finish(admission.res));
    const { fn, invoker, routeKey, pathParameters, authorizer, payloadVersion } = admission;

    readBody(request, limits.maxBodyBytes, budget).then(async (read) => {
      if (!read.ok) {
        if (read.reason === 'too-large') send(finish(GATEWAY_ERRORS.tooLarge()));
        else if (read.reason === 'busy') send(finish(GATEWAY_ERRORS.serviceUnavailable()));
        return;
      }
      try {
        const req: GatewayRequest = {
          method, url, rawHeaders: request.rawHeaders, body: read.body, sourceIp: (request.socket.remoteAddress ?? '127.0.0.1').replace(/^::ffff:/, ''),
        };
        const context = { routeKey, pathParameters, apiId, stage: m.stageName, requestId, now: new Date(), authorizer };
        const event = payloadVersion === '1.0' ? buildEventV1(req, context) : buildEvent(req, context);
        const out = await withIntegrationTimeout(invoker.invoke(event, requestId), limits.integrationTimeoutMs);
        if (out === INTEGRATION_TIMED_OUT) {
          o.log(`${method} ${url} → 503: ${shortName(fn)} did not answer within the integration timeout (${limits.integrationTimeoutMs / 1000} s)`);
          return send(finish(GATEWAY_ERRORS.serviceUnavailable()), fn);
        }
        if (out.error) {
          o.onFunctionError?.(fn, requestId, out.error);
          return send(finish(GATEWAY_ERRORS.internal()), fn);
        }
        send(finish(payloadVersion === '1.0' ? mapResultV1(out.result) : mapResult(out.result)), fn, out.usage);
      } finally {
        read.release();
      }
    }).catch(fail);
  });
  server.maxConnections = limits.maxConnections;
  server.keepAliveTimeout = limits.keepAliveTimeoutMs;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.hostname, () => resolve());
  });
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://${o.hostname.includes(':') ? `[${o.hostname}]` : o.hostname}:${port}`,
    update: (next) => { current = routing(next, current); },
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}

/** A request for the change events feed: `GET /_events`, when the API has one and no route of its own answers there. */
function isEventsFeed(request: http.IncomingMessage, current: ReturnType<typeof routing>): boolean {
  if (!current.events || request.method !== 'GET') return false;
  const { path } = requestTarget(request.url ?? '/');
  return path === EVENTS_PATH && matchRouteKey(current.routeKeys, 'GET', EVENTS_PATH) === undefined;
}

/**
 * After a reply sent before the body was read: discard what the client still sends (nothing is kept) for a moment
 * before closing, so that a client busy uploading reads the reply instead of a connection reset.
 */
function lingerThenClose(request: http.IncomingMessage, response: http.ServerResponse): void {
  response.once('finish', () => {
    const timer = setTimeout(() => request.destroy(), LINGER_MS);
    timer.unref();
    request.on('data', () => undefined);
    request.resume();
    request.once('end', () => { clearTimeout(timer); request.destroy(); });
  });
}

const INTEGRATION_TIMED_OUT = Symbol('integration timed out');

/**
 * API Gateway waits for a Lambda integration at most its integration timeout (HTTP APIs: 30 s, the default and the
 * maximum) and then answers 503 `{"message":"Service Unavailable"}` itself, while the function may still run.
 */
function withIntegrationTimeout<T>(p: Promise<T>, ms: number): Promise<T | typeof INTEGRATION_TIMED_OUT> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p,
    new Promise<typeof INTEGRATION_TIMED_OUT>((resolve) => { timer = setTimeout(() => resolve(INTEGRATION_TIMED_OUT), ms); }),
  ]).finally(() => clearTimeout(timer));
}

/** How long a refused upload is drained before its connection is closed. */
const LINGER_MS = 2000;

/** What a request cost, on the access line: `1 RCU 2 WCU` (DynamoDB Local reports consumed capacity as AWS does). */
function unitsOf(u: RequestUsage): string {
  return `${u.readUnits} RCU ${u.writeUnits} WCU`;
}

function shortName(logicalId: string): string {
  return logicalId.replace(/[0-9A-F]{8}$/, '');
}
