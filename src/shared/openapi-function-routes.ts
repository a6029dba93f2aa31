/**
 * The OpenAPI part of the routes of the user's own functions (`addFunctionRoute`): one operation per route, with the
 * request and response schemas given in its props, or an open body when there are none. The CRUD part and the
 * document around it: openapi.ts.
 */
import type { ContractAuthorization } from './openapi';

type Json = { [key: string]: unknown };

/** A route of the user's own function, as the document describes it. */
export interface ContractFunctionRoute {
  /** `GET`, `POST`, … or `ANY`. */
  readonly method: string;
  /** e.g. `/orders/{id}/checkout` */
  readonly path: string;
  readonly summary?: string;
  /** JSON Schema of the request body. */
  readonly requestSchema?: Record<string, unknown>;
  /** JSON Schema of the 200 response body. */
  readonly responseSchema?: Record<string, unknown>;
  readonly authorization: ContractAuthorization;
}

/** What the CRUD generator lends the function routes: security, gateway answers, schema placement. */
export interface FunctionRouteHelpers {
  /** The security requirement of an operation under `auth`. */
  readonly security: (auth: ContractAuthorization) => Json[];
  /** API Gateway's own answers (by status) for a route of this authorization and method. */
  readonly gatewayResponses: (auth: ContractAuthorization, method: string) => Json;
  /** Places a schema under `#/components/schemas/<name>` and returns its `$ref`. */
  readonly component: (name: string, schema: Record<string, unknown>) => Json;
}

/** The methods an OpenAPI path item can hold (`ANY` is each of them). */
const OPENAPI_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch'];
/** Methods whose requests carry a body. */
const BODY_METHODS = new Set(['post', 'put', 'patch', 'delete', 'options']);

/** Adds the function routes to `paths` (whose CRUD entries are already there). */
export function addFunctionRoutePaths(paths: Json, routes: readonly ContractFunctionRoute[], helpers: FunctionRouteHelpers): void {
  for (const route of routes) {
    const item = (paths[route.path] ?? {}) as Json;
    const variables = [...route.path.matchAll(/\{([^}+]+)\+?\}/g)].map((m) => m[1]);
    if (variables.length > 0 && item.parameters === undefined) {
      item.parameters = variables.map((name) => ({ name, in: 'path', required: true, schema: { type: 'string', minLength: 1 } }));
    }
    const method = route.method.toUpperCase();
    // ANY is every method the CRUD routes and other function routes of the path do not take already.
    const methods = method === 'ANY' ? OPENAPI_METHODS.filter((m) => item[m] === undefined) : [method.toLowerCase()];
    for (const m of methods) item[m] = operation(route, m, helpers);
    paths[route.path] = item;
  }
}

function operation(route: ContractFunctionRoute, method: string, helpers: FunctionRouteHelpers): Json {
  const id = operationId(method, route.path);
  const op: Json = {
    operationId: id,
    summary: route.summary ?? `${route.method.toUpperCase()} ${route.path}`,
    description: 'A route of its own function (`addFunctionRoute`): the body and its problems are that function\'s.',
    security: helpers.security(route.authorization),
  };
  if (BODY_METHODS.has(method)) {
    op.requestBody = route.requestSchema
      ? { required: true, content: { 'application/json': { schema: helpers.component(`${pascal(id)}Request`, route.requestSchema) } } }
      : { required: false, content: { 'application/json': { schema: {} } } };
  }
  op.responses = {
    200: {
      description: 'The function\'s answer',
      content: { 'application/json': { schema: route.responseSchema ? helpers.component(`${pascal(id)}Response`, route.responseSchema) : {} } },
    },
    ...helpers.gatewayResponses(route.authorization, method.toUpperCase()),
  };
  return op;
}

/** `postOrdersIdCheckout` for `POST /orders/{id}/checkout`. */
function operationId(method: string, path: string): string {
  const words = path.split(/[^A-Za-z0-9]+/).filter(Boolean);
  return method.toLowerCase() + words.map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join('');
}

function pascal(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
