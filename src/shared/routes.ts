/**
 * The route table: which method on which path of a resource is which operation. Written once, here: the construct
 * creates exactly these routes (and grants from the operations), the handler resolves and dispatches requests with
 * it, and the local runner serves the routes the construct recorded from it.
 */
import type { OperationName } from './config';

/** HTTP methods of the routes. */
export type RouteMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** Where a route points: the collection (`/items`) or one item (`/items/{id}`). */
export type RouteTarget = 'collection' | 'item';

/** One route of a resource. */
export interface RouteSpec {
  readonly method: RouteMethod;
  readonly target: RouteTarget;
  readonly operation: OperationName;
}

/** Every route of a resource (per target in the order of an `Allow` header). */
export const ROUTES: readonly RouteSpec[] = [
  { method: 'GET', target: 'collection', operation: 'list' },
  { method: 'POST', target: 'collection', operation: 'create' },
  { method: 'GET', target: 'item', operation: 'read' },
  { method: 'PUT', target: 'item', operation: 'update' },
  { method: 'PATCH', target: 'item', operation: 'update' },
  { method: 'DELETE', target: 'item', operation: 'delete' },
];

/** The routes of one operation. */
export function routesOf(operation: OperationName): RouteSpec[] {
  return ROUTES.filter((r) => r.operation === operation);
}

/** The route a method takes on a target, if any. */
export function routeFor(method: string, target: RouteTarget): RouteSpec | undefined {
  return ROUTES.find((r) => r.method === method && r.target === target);
}

/** The methods a target takes (the `Allow` header of a 405). */
export function methodsOf(target: RouteTarget): RouteMethod[] {
  return [...new Set(ROUTES.filter((r) => r.target === target).map((r) => r.method))];
}

/** Path of the opt-in route that serves the API's OpenAPI document (`openApiRoute`). */
export const OPENAPI_ROUTE_PATH = '/openapi.json';

/** What a resource's place in the URL space depends on (a subset of ResourceConfig, so the construct can use it too). */
export interface PathNode {
  readonly name: string;
  /** Default `id`. */
  readonly pathParameter?: string;
  /** The parent's name, for a nested resource. */
  readonly parent?: string;
}

/**
 * The resource and its ancestors, from the root down. Throws on a parent that does not exist or a cycle (the
 * construct and the handler's config check refuse both with a clear message first).
 */
export function resourceChain(resources: readonly PathNode[], name: string): PathNode[] {
  const chain: PathNode[] = [];
  let current: string | undefined = name;
  while (current !== undefined) {
    const node = resources.find((r) => r.name === current);
    if (!node) throw new Error(`no resource named '${current}'`);
    if (chain.includes(node)) throw new Error(`resource '${name}' is its own ancestor`);
    chain.unshift(node);
    current = node.parent;
  }
  return chain;
}

/** The path parameter of a resource's item routes. */
export function pathParameterOf(node: PathNode): string {
  return node.pathParameter ?? 'id';
}

/**
 * The API Gateway path of a target, e.g. `/items/{id}`, or for a nested resource
 * `/projects/{projectId}/tasks/{id}`: each ancestor's collection and item parameter, then the resource's own.
 */
export function routePath(resources: readonly PathNode[], name: string, target: RouteTarget): string {
  const chain = resourceChain(resources, name);
  const parts: string[] = [];
  chain.forEach((node, i) => {
    parts.push(node.name);
    if (i < chain.length - 1 || target === 'item') parts.push(`{${pathParameterOf(node)}}`);
  });
  return '/' + parts.join('/');
}
