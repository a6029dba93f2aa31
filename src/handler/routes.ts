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
  readonly operation: OperationName;
  /** The route of the shared table (src/shared/routes.ts) it matched. */
  readonly spec: RouteSpec;
  /** The route as logged and as API Gateway names it, e.g. `PATCH /items/{id}`. */
  readonly route: string;
  /** The item id for item routes, as API Gateway decoded it. */
  readonly id?: string;
}


/**
 * Resolves the request to an operation; 404 (route-not-found) for paths outside the resource, 405 with `Allow` for
 * a method the path does not take, 400 (invalid-id) for an unusable id. Whether this function serves the operation
 * is the caller's check.
 */
export function resolveRoute(event: APIGatewayProxyEventV2, resourceName: string): ResolvedRoute {
  const method = (event.requestContext?.http?.method ?? '').toUpperCase();
  const collectionPath = routePath(resourceName, 'collection');
  const itemTemplate = routePath(resourceName, 'item');
  let target: RouteTarget;
  let rawId: string | undefined;

  // "METHOD /path" (METHOD may be ANY: the method that counts is the request's). A route key naming one of our two
  // templates decides; anything else ($default, a greedy proxy route) falls back to matching rawPath.
  const routeKey = event.routeKey ?? '$default';
  const keyPath = routeKey.slice(routeKey.indexOf(' ') + 1);
  if (routeKey !== '$default' && keyPath === collectionPath) {
    target = 'collection';
  } else if (routeKey !== '$default' && keyPath === itemTemplate) {
    target = 'item';
    rawId = event.pathParameters?.id;
  } else {
    const path = stripStage(event.rawPath ?? '/', event.requestContext?.stage);
    if (path === collectionPath || path === `${collectionPath}/`) {
      target = 'collection';
    } else if (path.startsWith(`${collectionPath}/`) && !path.slice(collectionPath.length + 1).includes('/')) {
      target = 'item';
      rawId = path.slice(collectionPath.length + 1);
    } else {
      throw new HttpError(PROBLEMS.ROUTE_NOT_FOUND, `No resource at ${JSON.stringify(path.slice(0, 200))}.`);
    }
  }

  const spec = routeFor(method, target);
  const template = routePath(resourceName, target);
  if (!spec) {
    throw new HttpError(PROBLEMS.METHOD_NOT_ALLOWED, `${template} does not take ${method || 'this method'}.`, {
      headers: { allow: methodsOf(target).join(', ') },
    });
  }
  const route = `${method} ${template}`;
  return target === 'item' ? { operation: spec.operation, spec, route, id: pathId(rawId) } : { operation: spec.operation, spec, route };
}

/** Removes a named stage's prefix (`/prod/items` → `/items`); the `$default` stage has none. */
function stripStage(path: string, stage: string | undefined): string {
  if (stage && stage !== '$default' && (path === `/${stage}` || path.startsWith(`/${stage}/`))) {
    return path.slice(stage.length + 1) || '/';
  }
  return path;
}

/** The id of an item route (already percent-decoded by API Gateway): it must be a usable id, see `checkId`. */
function pathId(id: string | undefined): string {
  const problem = checkId(id ?? '');
  if (problem) throw new HttpError(PROBLEMS.INVALID_ID, `Bad id in the path: ${problem}.`);
  return id!;
}
