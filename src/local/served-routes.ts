/**
 * Every route of an API the local server answers, by route key: the CRUD routes of the manifest and the user's own
 * routes found in the template (template-routes.ts), each with its function, authorization and payload format — or
 * with the reason it cannot run here, which the server answers with 501 problem+json (never a silent 404).
 */
import type { LocalApi } from './assembly';
import type { GatewayResponse } from './gateway';
import type { LocalAuth } from '../shared/local-manifest';
import { PROBLEM_CONTENT_TYPE, PROBLEM_TYPE_BASE } from '../shared/problems';

/** One route as the server serves it. */
export interface ServedRoute {
  readonly method: string;
  readonly path: string;
  readonly auth: LocalAuth;
  readonly payloadVersion: '1.0' | '2.0';
  /** The function to invoke (absent when unservable). */
  readonly functionLogicalId?: string;
  /** Where the route comes from, for messages: `resource 'orders'`, `addFunctionRoute`, `httpApi.addRoutes`. */
  readonly source: string;
  /** The CRUD resource it belongs to (the manifest's routes only). */
  readonly resource?: string;
  /** Why the runner cannot serve it. */
  readonly unservable?: string;
}

/** The routes of an API by route key (`GET /items/{id}`, `$default`). */
export function servedRoutes(api: Pick<LocalApi, 'manifest' | 'templateRoutes'>): Map<string, ServedRoute> {
  const out = new Map<string, ServedRoute>();
  for (const r of api.manifest.routes) {
    out.set(`${r.method} ${r.path}`, {
      method: r.method,
      path: r.path,
      auth: r.auth,
      payloadVersion: '2.0',
      functionLogicalId: r.functionLogicalId,
      source: `resource '${r.resource}'`,
      resource: r.resource,
    });
  }
  for (const r of api.templateRoutes ?? []) out.set(r.method === '$default' ? '$default' : `${r.method} ${r.path}`, r);
  return out;
}

/** The slug of the runner's answer to a route it cannot serve. */
export const NOT_SERVED_LOCALLY = 'not-served-locally';

/** 501 problem+json naming the route and why (the runner's own answer: in AWS the route works). */
export function notServedLocally(routeKey: string, source: string, reason: string): GatewayResponse {
  return {
    statusCode: 501,
    headers: { 'content-type': [PROBLEM_CONTENT_TYPE] },
    body: Buffer.from(JSON.stringify({
      type: PROBLEM_TYPE_BASE + NOT_SERVED_LOCALLY,
      title: 'Route not served locally',
      status: 501,
      detail: `The local runner cannot serve ${routeKey} (${source}): ${reason}. It is deployed as usual; try it in AWS.`,
      route: routeKey,
    })),
  };
}
