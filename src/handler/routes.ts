/**
 * Which operation a request is for: from API Gateway's `routeKey` (`GET /items/{id}`), or, for the `$default` route
 * (a catch-all integration), from `rawPath`.
 *
 * HTTP APIs percent-decode the path before routing and hand it on decoded: `pathParameters.id` and `rawPath` carry
 * `100%` for a request to `/items/100%25`. The id is therefore taken as it arrives and never decoded again (decoding
 * twice made `/items/%2541` read the item `A`).
 */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { HttpError } from './http';
import { checkId } from './item';
import type { OperationName } from '../shared/config';
import { PROBLEMS } from '../shared/problems';
import { methodsOf, routeFor, routePath, RouteSpec, RouteTarget } from '../shared/routes';

/** A request's place in the API. */
export interface ResolvedRoute {
  /** The resource (its path segment). */
  readonly resource: string;
  readonly operation: OperationName;
  /** The route of the shared table (src/shared/routes.ts) it matched. */
  readonly spec: RouteSpec;
  /** The route as logged and as API Gateway names it, e.g. `PATCH /items/{id}`. */
  readonly route: string;
  /** The item id for item routes, as API Gateway decoded it. */
  readonly id?: string;
}

/**
 * Resolves the request to a resource and an operation; 404 (route-not-found) for paths outside every resource, 405
 * with `Allow` for a method the path does not take, 400 (invalid-id) for an unusable id. Whether this function serves
 * the operation is the caller's check.
 * @param resources the path segments of the API's resources
 * @param basePath the custom domain's mapping key, which `rawPath` keeps through the custom domain
 */
export function resolveRoute(event: APIGatewayProxyEventV2, resources: readonly string[], basePath?: string): ResolvedRoute {
  const method = (event.requestContext?.http?.method ?? '').toUpperCase();
  let resource: string | undefined;
  let target: RouteTarget | undefined;
  let rawId: string | undefined;

  // "METHOD /path" (METHOD may be ANY: the method that counts is the request's). A route key naming one of the
  // resources' templates decides; anything else ($default, a greedy proxy route) falls back to matching rawPath.
  const routeKey = event.routeKey ?? '$default';
  const keyPath = routeKey.slice(routeKey.indexOf(' ') + 1);
  if (routeKey !== '$default') {
    for (const name of resources) {
      if (keyPath === routePath([{ name }], name, 'collection')) {
        [resource, target] = [name, 'collection'];
      } else if (keyPath === routePath([{ name }], name, 'item')) {
        [resource, target, rawId] = [name, 'item', event.pathParameters?.id];
      }
    }
  }
  if (resource === undefined) {
    const path = stripPrefix(stripPrefix(event.rawPath ?? '/', basePath), event.requestContext?.stage);
    const [, first, rest] = /^\/([^/]*)(?:\/(.*))?$/.exec(path) ?? [];
    if (first !== undefined && resources.includes(first) && (rest === undefined || rest === '')) {
      [resource, target] = [first, 'collection'];
    } else if (first !== undefined && resources.includes(first) && !rest.includes('/')) {
      [resource, target, rawId] = [first, 'item', rest];
    } else {
      throw new HttpError(PROBLEMS.ROUTE_NOT_FOUND, `No resource at ${JSON.stringify(path.slice(0, 200))}.`);
    }
  }

  const spec = routeFor(method, target!);
  const template = routePath([{ name: resource! }], resource!, target!);
  if (!spec) {
    throw new HttpError(PROBLEMS.METHOD_NOT_ALLOWED, `${template} does not take ${method || 'this method'}.`, {
      headers: { allow: methodsOf(target!).join(', ') },
    });
  }
  const route = `${method} ${template}`;
  const base = { resource, operation: spec.operation, spec, route };
  return target === 'item' ? { ...base, id: pathId(rawId) } : base;
}

/** Removes a named stage's (or a mapping key's) prefix (`/prod/items` → `/items`); the `$default` stage has none. */
function stripPrefix(path: string, prefix: string | undefined): string {
  if (prefix && prefix !== '$default' && (path === `/${prefix}` || path.startsWith(`/${prefix}/`))) {
    return path.slice(prefix.length + 1) || '/';
  }
  return path;
}

/** The id of an item route (already percent-decoded by API Gateway): it must be a usable id, see `checkId`. */
function pathId(id: string | undefined): string {
  const problem = checkId(id ?? '');
  if (problem) throw new HttpError(PROBLEMS.INVALID_ID, `Bad id in the path: ${problem}.`);
  return id!;
}
