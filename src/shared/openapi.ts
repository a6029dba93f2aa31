/**
 * The HTTP contract as an OpenAPI 3.1 document, generated from the resolved configuration of an API: its resources
 * (src/shared/config.ts), the route table (src/shared/routes.ts), the problems (src/shared/problems.ts) and each
 * resource's authorization. A pure function: no aws-cdk-lib, no I/O, so the construct (synth time) and the local
 * runner can both call it. Values that are only known at deploy time are the caller's business (see `servers`).
 */
import { createHash } from 'crypto';
import { ResourceConfig } from './config';
import { addFunctionRoutePaths, ContractFunctionRoute } from './openapi-function-routes';
import { openApiRouteObject, operationObject } from './openapi-operations';
import { pathParameterObject, sharedParameters } from './openapi-parameters';
import { gatewayErrorSchema, gatewayResponseObjects, problemSchema, sharedHeaders } from './openapi-responses';
import { Json, rebaseRefs, resourceSchemas, schemaNames, withoutDialect } from './openapi-schemas';
import { SecuritySchemes } from './openapi-security';
import { PROBLEM_TYPE_BASE } from './problems';
import { OPENAPI_ROUTE_PATH, resourceChain, ROUTES, routePath } from './routes';

/** The OpenAPI version written. */
export const OPENAPI_VERSION = '3.1.0';

/** How callers of a resource authenticate (the kinds of `ApiAuthorization`). */
export interface ContractAuthorization {
  /** iam | jwt | cognito | custom | none */
  readonly kind: string;
  /** JWT and Cognito: the token issuer (`iss`), when known at synth time. */
  readonly issuer?: string;
  /** JWT and Cognito: the accepted audiences, when known at synth time. */
  readonly audience?: string[];
  /** OAuth scopes a token must carry (any one of them). */
  readonly scopes?: string[];
}

/** One resource of the API and who may call it. */
export interface ContractResource {
  readonly config: ResourceConfig;
  readonly authorization: ContractAuthorization;
}

/** An OpenAPI server (a URL, possibly templated with variables). */
export interface ContractServer {
  readonly url: string;
  readonly description?: string;
  readonly variables?: { [name: string]: { readonly default: string; readonly description?: string } };
}

/** What the document is generated from. */
export interface ContractInput {
  /** `info.title`. */
  readonly title: string;
  /** `info.description`, prepended to the generated text. */
  readonly description?: string;
  readonly resources: ContractResource[];
  readonly servers: ContractServer[];
  /** When the API serves this document at `GET /openapi.json` (`openApiRoute`): the API's authorization. */
  readonly openApiRoute?: ContractAuthorization;
  /** Routes of the user's own functions (`addFunctionRoute`), after the CRUD routes. */
  readonly functionRoutes?: readonly ContractFunctionRoute[];
}

/** The OpenAPI 3.1 document of an API. Deterministic: the same input gives the same document. */
export function openApiDocument(input: ContractInput): Json {
  const schemes = new SecuritySchemes();
  const paths: Json = {};
  const schemas: Json = {
    Problem: problemSchema(),
    GatewayError: gatewayErrorSchema(),
  };
  const configs = input.resources.map((x) => x.config);
  for (const resource of input.resources) {
    const r = resource.config;
    const names = schemaNames(r.name);
    const ancestors = resourceChain(configs, r.name).slice(0, -1).map((node) => configs.find((c) => c.name === node.name)!);
    const hasChildren = configs.some((c) => c.parent === r.name);
    Object.assign(schemas, resourceSchemas(r, names, ancestors));
    const security = schemes.requirement(resource.authorization);
    for (const target of ['collection', 'item'] as const) {
      const routes = ROUTES.filter((route) => route.target === target && r.operations.includes(route.operation));
      if (routes.length === 0) continue;
      const item: Json = {};
      const pathParameters = [...ancestors, ...(target === 'item' ? [r] : [])].map(pathParameterObject);
      if (pathParameters.length > 0) item.parameters = pathParameters;
      const rel = { nested: ancestors.length > 0, hasChildren };
      for (const route of routes) item[route.method.toLowerCase()] = operationObject(r, route, names, resource.authorization, security, rel);
      paths[routePath(configs, r.name, target)] = item;
    }
  }
  if (input.openApiRoute) paths[OPENAPI_ROUTE_PATH] = { get: openApiRouteObject(input.openApiRoute, schemes.requirement(input.openApiRoute)) };
  addFunctionRoutePaths(paths, input.functionRoutes ?? [], {
    security: (auth) => schemes.requirement(auth),
    gatewayResponses: gatewayResponseObjects,
    component: (name, schema) => {
      schemas[name] = rebaseRefs(withoutDialect(schema), `#/components/schemas/${name}`);
      return { $ref: `#/components/schemas/${name}` };
    },
  });
  const doc: Json = {
    openapi: OPENAPI_VERSION,
    info: {
      title: input.title,
      version: contractVersion(input.resources, input.functionRoutes ?? []),
      description: [
        input.description,
        'Generated by cdk-serverless-crud-api from the API\'s configuration. Errors are `application/problem+json` ' +
        `(RFC 9457) with a \`type\` under ${PROBLEM_TYPE_BASE}; responses that API Gateway itself sends (authorizer ` +
        'refusals, throttling, integration failures) are `application/json` `{"message": …}`.',
      ].filter(Boolean).join('\n\n'),
    },
    servers: input.servers.map((s) => ({ ...s })),
    tags: input.resources.map((r) => ({ name: r.config.name })),
    paths,
    components: {
      schemas,
      parameters: sharedParameters(),
      headers: sharedHeaders(),
      ...(schemes.size > 0 ? { securitySchemes: schemes.toJson() } : {}),
    },
  };
  return doc;
}

/**
 * `info.version`: a digest of what shapes requests and responses (resources, authorization kinds and scopes), so that it
 * changes when the contract does, and not with deploy-time values such as an issuer's URL.
 */
function contractVersion(resources: ContractResource[], functionRoutes: readonly ContractFunctionRoute[]): string {
  const shape: unknown[] = resources.map((r) => ({ config: r.config, kind: r.authorization.kind, scopes: r.authorization.scopes }));
  // Without function routes the digest is the one it was before they existed.
  if (functionRoutes.length > 0) {
    shape.push(functionRoutes.map((f) => ({ ...f, authorization: { kind: f.authorization.kind, scopes: f.authorization.scopes } })));
  }
  return createHash('sha256').update(JSON.stringify(shape)).digest('hex').slice(0, 12);
}
