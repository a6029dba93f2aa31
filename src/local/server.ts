/**
 * One local HTTP endpoint per ServerlessCrudApi: routes, CORS, throttling and JWT authorization as API Gateway
 * applies them, then the function invoked with a payload 2.0 event.
 */
import * as http from 'http';
import type { LocalApi } from './assembly';
import { buildEvent, collectHeaders, GatewayRequest, requestTarget } from './event';
import type { FunctionInvoker } from './function-host';
import {
  flattenClaims, GATEWAY_ERRORS, GatewayResponse, mapResult, matchRoute, newRequestId, preflight, TokenBucket, withCors,
} from './gateway';
import { Jwks, JwtError, ScopeError, verifyJwt } from './jwt';

/** API Gateway's payload limit for HTTP APIs. */
const MAX_BODY_BYTES = 10 * 1024 * 1024;

export interface AuthSettings {
  /** false: authorization is off (--no-auth). */
  readonly enforce: boolean;
  readonly jwks?: Jwks;
  /** Overrides the issuer when the template's is only known at deploy time (Cognito). */
  readonly issuer?: string;
}

export interface ApiServerOptions {
  readonly api: LocalApi;
  /** Invoker of each function, by logical id. */
  readonly functions: Map<string, FunctionInvoker>;
  readonly port: number;
  readonly hostname: string;
  readonly auth: AuthSettings;
  readonly log: (line: string) => void;
  readonly onFunctionError?: (fn: string, requestId: string, error: { name: string; message: string; stack?: string }) => void;
}

export interface RunningApi {
  readonly url: string;
  close(): Promise<void>;
}

export async function startApiServer(o: ApiServerOptions): Promise<RunningApi> {
  const m = o.api.manifest;
  const routeKeys = m.routes.map((r) => `${r.method} ${r.path}`);
  const fnByRoute = new Map(m.routes.map((r) => [`${r.method} ${r.path}`, r.functionLogicalId]));
  const bucket = new TokenBucket(m.throttle.rateLimit, m.throttle.burstLimit);
  const apiId = m.path.replace(/[^A-Za-z0-9]/g, '').slice(-10).toLowerCase() || 'local';
  const issuer = typeof m.auth.issuer === 'string' ? m.auth.issuer : o.auth.issuer;
  const audience = (m.auth.audience ?? []).filter((a): a is string => typeof a === 'string');

  const handle = async (req: GatewayRequest): Promise<{ res: GatewayResponse; fn?: string; requestId: string }> => {
    const requestId = newRequestId();
    const { headers } = collectHeaders(req.rawHeaders);
    const cors = m.cors;
    if (cors && req.method === 'OPTIONS' && headers.origin && headers['access-control-request-method']) {
      return { res: preflight(cors, headers), requestId };
    }
    const finish = (res: GatewayResponse) => (cors ? withCors(cors, headers, res) : res);
    if (!bucket.take()) return { res: finish(GATEWAY_ERRORS.tooManyRequests()), requestId };
    if (req.body.length > MAX_BODY_BYTES) return { res: finish(GATEWAY_ERRORS.tooLarge()), requestId };

    // Routed on the decoded path, as API Gateway does; a path that does not decode matches no route.
    const { path } = requestTarget(req.url);
    const match = path === undefined ? undefined : matchRoute(routeKeys, req.method, path);
    if (!match) return { res: finish(GATEWAY_ERRORS.notFound()), requestId };

    let authorizer: Record<string, unknown> | undefined;
    if (o.auth.enforce && (m.auth.kind === 'jwt' || m.auth.kind === 'cognito')) {
      const raw = headers.authorization;
      if (!raw) return { res: finish(GATEWAY_ERRORS.unauthorized()), requestId };
      const token = raw.replace(/^Bearer\s+/i, '');
      try {
        const verified = verifyJwt(token, o.auth.jwks!, { issuer, audience, scopes: m.auth.scopes });
        authorizer = { jwt: { claims: flattenClaims(verified.claims), scopes: verified.scopes.length ? verified.scopes : null } };
      } catch (e) {
        if (e instanceof ScopeError) return { res: finish(GATEWAY_ERRORS.forbidden()), requestId };
        if (e instanceof JwtError) return { res: finish(GATEWAY_ERRORS.unauthorized((e as Error).message)), requestId };
        throw e;
      }
    }

    const fn = fnByRoute.get(match.routeKey)!;
    const host = o.functions.get(fn)!;
    const event = buildEvent(req, {
      routeKey: match.routeKey, pathParameters: match.pathParameters, apiId, stage: m.stageName, requestId, now: new Date(), authorizer,
    });
    const out = await host.invoke(event, requestId);
    if (out.error) {
      o.onFunctionError?.(fn, requestId, out.error);
      return { res: finish(GATEWAY_ERRORS.internal()), fn, requestId };
    }
    return { res: finish(mapResult(out.result)), fn, requestId };
  };

  const server = http.createServer((request, response) => {
    const started = process.hrtime.bigint();
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= MAX_BODY_BYTES + 1) chunks.push(c);
    });
    request.on('end', () => {
      const req: GatewayRequest = {
        method: request.method ?? 'GET',
        url: request.url ?? '/',
        rawHeaders: request.rawHeaders,
        body: Buffer.concat(chunks),
        sourceIp: (request.socket.remoteAddress ?? '127.0.0.1').replace(/^::ffff:/, ''),
      };
      handle(req).then(({ res, fn, requestId }) => {
        const headers: http.OutgoingHttpHeaders = { ...res.headers, 'apigw-requestid': requestId, 'content-length': String(res.body.length) };
        response.writeHead(res.statusCode, headers);
        response.end(req.method === 'HEAD' ? undefined : res.body);
        const ms = Number(process.hrtime.bigint() - started) / 1e6;
        o.log(`${req.method} ${req.url} → ${res.statusCode} ${ms.toFixed(1)} ms${fn ? ` [${shortName(fn)}]` : ''} ${requestId}`);
      }).catch((e) => {
        o.log(`${req.method} ${req.url} → 500 (runner error: ${(e as Error).message})`);
        const body = GATEWAY_ERRORS.internal().body;
        response.writeHead(500, { 'content-type': 'application/json', 'content-length': String(body.length) });
        response.end(body);
      });
    });
  });
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.hostname, () => resolve());
  });
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://${o.hostname.includes(':') ? `[${o.hostname}]` : o.hostname}:${port}`,
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}

function shortName(logicalId: string): string {
  return logicalId.replace(/[0-9A-F]{8}$/, '');
}
