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
import { checkPathId } from './item';
import type { AncestorId } from './services';
import { DEFAULTS, OperationName, ResourceConfig } from '../shared/config';
import { PROBLEMS } from '../shared/problems';
import { methodsOf, pathParameterOf, resourceChain, routeFor, routePath, RouteSpec, RouteTarget } from '../shared/routes';

/** A request's place in the API. */
export interface ResolvedRoute {
  /** The resource (its path segment). */
  readonly resource: string;
  readonly operation: OperationName;
  /** The route of the shared table (src/shared/routes.ts) it matched. */
  readonly spec: RouteSpec;
  /** The route as logged and as API Gateway names it, e.g. `PATCH /projects/{projectId}/tasks/{id}`. */
  readonly route: string;
  /** The item id for item routes, as API Gateway decoded it (numbers checked and canonical). */
  readonly id?: string;
  /** A nested resource's ancestors' ids from the path, root first (empty for a top-level resource). */
  readonly ancestors: AncestorId[];
}

/** One route template of a resource, split into segments (`{x}` marks a parameter). */
interface Template {
  readonly resource: ResourceConfig;
  readonly target: RouteTarget;
  readonly path: string;
  readonly segments: readonly string[];
  /** The resources whose ids the path carries, root first, with their parameter names. */
  readonly chain: readonly ResourceConfig[];
}

const templatesCache = new WeakMap<readonly ResourceConfig[], Template[]>();

function templatesOf(resources: readonly ResourceConfig[]): Template[] {
  let out = templatesCache.get(resources);
  if (!out) {
    out = [];
    for (const r of resources) {
      const chain = resourceChain(resources, r.name).map((n) => resources.find((x) => x.name === n.name)!);
      for (const target of ['collection', 'item'] as const) {
        const path = routePath(resources, r.name, target);
        out.push({ resource: r, target, path, segments: path.split('/').slice(1), chain });
      }
    }
    templatesCache.set(resources, out);
  }
  return out;
}

/**
 * Resolves the request to a resource and an operation; 404 (route-not-found) for paths outside every resource, 405
 * with `Allow` for a method the path does not take, 400 (invalid-id) for an unusable id (of the item or of an
 * ancestor). Whether this function serves the operation is the caller's check.
 * @param resources the API's resources
 * @param basePath the custom domain's mapping key, which `rawPath` keeps through the custom domain
 */
export function resolveRoute(event: APIGatewayProxyEventV2, resources: readonly ResourceConfig[], basePath?: string): ResolvedRoute {
  const method = (event.requestContext?.http?.method ?? '').toUpperCase();
  const templates = templatesOf(resources);
  let match: { template: Template; values: Map<string, string | undefined> } | undefined;

  // "METHOD /path" (METHOD may be ANY: the method that counts is the request's). A route key naming one of the
  // resources' templates decides; anything else ($default, a greedy proxy route) falls back to matching rawPath.
  const routeKey = event.routeKey ?? '$default';
  const keyPath = routeKey.slice(routeKey.indexOf(' ') + 1);
  if (routeKey !== '$default') {
    const template = templates.find((t) => t.path === keyPath);
    if (template) {
      const values = new Map<string, string | undefined>();
      for (const seg of template.segments) {
        if (seg.startsWith('{')) values.set(seg.slice(1, -1), event.pathParameters?.[seg.slice(1, -1)]);
      }
      match = { template, values };
    }
  }
  if (match === undefined) {
    const path = stripPrefix(stripPrefix(event.rawPath ?? '/', basePath), event.requestContext?.stage);
    const segments = path.split('/').slice(1);
    if (segments.length > 1 && segments[segments.length - 1] === '') segments.pop(); // `/items/` is the collection
    for (const template of templates) {
      if (template.segments.length !== segments.length) continue;
      const values = new Map<string, string | undefined>();
      const fits = template.segments.every((seg, i) => {
        if (seg.startsWith('{')) {
          values.set(seg.slice(1, -1), segments[i]);
          return true;
        }
        return seg === segments[i];
      });
      if (fits) {
        match = { template, values };
        break;
      }
    }
    if (match === undefined) throw new HttpError(PROBLEMS.ROUTE_NOT_FOUND, `No resource at ${JSON.stringify(path.slice(0, 200))}.`);
  }

  const { template, values } = match;
  const spec = routeFor(method, template.target);
  if (!spec) {
    throw new HttpError(PROBLEMS.METHOD_NOT_ALLOWED, `${template.path} does not take ${method || 'this method'}.`, {
      headers: { allow: methodsOf(template.target).join(', ') },
    });
  }
  const ancestors: AncestorId[] = template.chain.slice(0, -1).map((r) => {
    const parameter = pathParameterOf(r);
    const type = r.idType ?? DEFAULTS.idType;
    return { resource: r.name, parameter, type, value: pathId(values.get(parameter), type, parameter) };
  });
  const base = { resource: template.resource.name, operation: spec.operation, spec, route: `${method} ${template.path}`, ancestors };
  if (template.target !== 'item') return base;
  const own = pathParameterOf(template.resource);
  return { ...base, id: pathId(values.get(own), template.resource.idType ?? DEFAULTS.idType, own) };
}

/** Removes a named stage's (or a mapping key's) prefix (`/prod/items` → `/items`); the `$default` stage has none. */
function stripPrefix(path: string, prefix: string | undefined): string {
  if (prefix && prefix !== '$default' && (path === `/${prefix}` || path.startsWith(`/${prefix}/`))) {
    return path.slice(prefix.length + 1) || '/';
  }
  return path;
}

/** An id of the path (already percent-decoded by API Gateway): it must be a usable id of its type, see `checkPathId`. */
function pathId(id: string | undefined, type: 'S' | 'N', parameter: string): string {
  const problem = checkPathId(id ?? '', type);
  if (problem) throw new HttpError(PROBLEMS.INVALID_ID, `Bad {${parameter}} in the path: ${problem}.`);
  return id!;
}
