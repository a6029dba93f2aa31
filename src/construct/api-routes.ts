import { Validations } from 'aws-cdk-lib';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { HandlerMode } from './crud-operation';
import type { CrudResource } from './crud-resource';
import { CURSOR_KEY_ACTIONS } from './iam-actions';
import { OperationFunction } from './operation-function';
import type { CrudApiPlan, LambdaPlan } from './plan';
import { ALL_ROUTES, ENV, HandlerConfig, joinTableNames, OperationName, relatedTables, servedOperation } from '../shared/config';
import { OPENAPI_ROUTE_PATH, routePath, routesOf } from '../shared/routes';

/*
 * The functions of an API and its routes, by handler mode: which function serves which operations of which resources,
 * where it lives (its construct id is part of the contract), its environment and its grants.
 */

/** What one function serves: some operations of some resources. */
interface ServedResource {
  readonly resource: CrudResource;
  readonly operations: OperationName[];
}

/** A function to create: where, under which id, with which settings, serving what. */
interface FunctionSpec {
  readonly scope: Construct;
  readonly id: string;
  readonly lambda: LambdaPlan;
  readonly serves: ServedResource[];
}

/** Inputs of {@link addFunctionsAndRoutes}. */
export interface ApiRoutesInputs {
  readonly plan: CrudApiPlan;
  /** The API construct (owner of the one function in HandlerMode.SINGLE with `resources`). */
  readonly api: Construct;
  readonly httpApi: apigwv2.HttpApi;
  readonly stageName: string;
  readonly resources: CrudResource[];
  /** The whole handler config (the code asset carries it; custom code gets it in CRUD_CONFIG). */
  readonly config: HandlerConfig;
  readonly code: lambda.Code;
  /** The list cursor key of the API, when some resource lists. */
  readonly cursorKey?: secretsmanager.Secret;
}

/** The opt-in `GET /openapi.json` route (`openApiRoute`). */
export interface OpenApiRoute {
  readonly path: string;
  /** The function that serves it (any function of the built-in handler can: the document is in the config). */
  readonly function: OperationFunction;
  /** `execute-api` ARN of the route on the stage. */
  readonly executeApiArn: string;
}

/** What {@link addFunctionsAndRoutes} made. */
export interface ApiRoutes {
  /** Each function once, in creation order. */
  readonly functions: OperationFunction[];
  /** The `GET /openapi.json` route, when `openApiRoute` is on. */
  readonly openApiRoute?: OpenApiRoute;
}

/**
 * Creates the functions of the API's handler mode, grants each exactly the actions of the routes it serves, and adds
 * every route with its resource's authorizer (and `GET /openapi.json` with the API's, when asked for).
 */
export function addFunctionsAndRoutes(x: ApiRoutesInputs): ApiRoutes {
  const { plan } = x;
  const functions: OperationFunction[] = [];
  for (const spec of functionSpecs(x)) {
    const routes = spec.serves.flatMap((s) => s.operations.map((op) => servedOperation(s.resource.resourceName, op)));
    const operations = [...new Set(spec.serves.flatMap((s) => s.operations))];
    const lists = operations.includes('list');
    const tables = new Map<number, string>();
    const idempotencyTables = new Map<number, string>();
    for (const s of spec.serves) {
      const names = s.resource.functionTables(s.operations);
      tables.set(s.resource.plan.index, names.table);
      if (names.idempotencyTable) idempotencyTables.set(s.resource.plan.index, names.idempotencyTable);
    }
    // Tables of other resources it touches (a nested create's parent check, a parent delete's children query).
    const related = relatedTables(x.config, new Map(spec.serves.map((s) => [s.resource.resourceName, new Set(s.operations)])));
    for (const index of related.keys()) tables.set(index, x.resources[index].table.tableName);
    // One variable per kind, not per resource: Lambda's 4 KB environment limit counts every name (src/construct/deploy-limits.ts).
    const environment: { [key: string]: string } = { [ENV.TABLES]: joinTableNames(tables) };
    if (idempotencyTables.size > 0) environment[ENV.IDEMPOTENCY_TABLES] = joinTableNames(idempotencyTables);
    const servesAll = x.resources.every((r) => spec.serves.some((s) => s.resource === r && s.operations.length === r.plan.operations.length));
    environment[ENV.ROUTES] = servesAll ? ALL_ROUTES : routes.join(',');
    if (lists && x.cursorKey) environment[ENV.CURSOR_SECRET_ARN] = x.cursorKey.secretArn;
    if (spec.lambda.customCode) environment[ENV.CONFIG] = JSON.stringify(x.config);

    const fn = new OperationFunction(spec.scope, spec.id, {
      operations,
      label: plan.declaredResources ? routes.join(', ') : operations.join(', '),
      lambda: spec.lambda,
      code: x.code,
      environment,
      managedPolicy: plan.api.hardened,
      encryptionKey: plan.api.encryptionKey,
      ownerPath: x.api.node.path,
    });
    for (const s of spec.serves) {
      s.resource.grantRouteActions(fn.role, s.operations);
      s.resource.attachFunction(fn, s.operations);
    }
    for (const [index, actions] of related) x.resources[index].grantRelatedActions(fn.role, [...actions]);
    if (lists && x.cursorKey) {
      // Exactly the read of the secret's value (AWSCURRENT and AWSPREVIOUS), on this secret only.
      fn.role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: CURSOR_KEY_ACTIONS, resources: [x.cursorKey.secretArn] }));
    }
    functions.push(fn);
  }
  const openApiRoute = addRoutes(x);
  return { functions, ...(openApiRoute ? { openApiRoute } : {}) };
}

/** Which functions the mode asks for. */
function functionSpecs(x: ApiRoutesInputs): FunctionSpec[] {
  const { plan, resources } = x;
  const mode = plan.api.lambdaDefaults.handlerMode;
  if (mode === HandlerMode.SINGLE && plan.declaredResources) {
    // One function for the API; the resources' Lambda settings agree (resolvePlan checks it).
    const serves = resources.map((r) => ({ resource: r, operations: r.plan.operations }));
    return [{ scope: x.api, id: 'CrudFunction', lambda: resources[0].plan.lambda, serves }];
  }
  if (mode === HandlerMode.PER_OPERATION) {
    return resources.flatMap((r) => r.plan.operations.map((op) => ({
      scope: r, id: functionId([op]), lambda: r.plan.lambda, serves: [{ resource: r, operations: [op] }],
    })));
  }
  // PER_RESOURCE, and SINGLE with the one resource of an API without `resources`.
  return resources.map((r) => ({
    scope: r, id: functionId(r.plan.operations), lambda: r.plan.lambda, serves: [{ resource: r, operations: r.plan.operations }],
  }));
}

/** `CreateFunction` … `DeleteFunction`; a function serving several operations is the `CrudFunction`. */
function functionId(ops: OperationName[]): string {
  if (ops.length > 1) return 'CrudFunction';
  return `${ops[0].charAt(0).toUpperCase()}${ops[0].slice(1)}Function`;
}

/**
 * The routes of every resource (the shared route table, src/shared/routes.ts), each with its resource's authorizer;
 * one integration per invoked function, shared by all of its routes across resources.
 */
function addRoutes(x: ApiRoutesInputs): OpenApiRoute | undefined {
  const integrations = new Map<OperationFunction, HttpLambdaIntegration>();
  const integrationOf = (fn: OperationFunction) => {
    let integration = integrations.get(fn);
    if (!integration) {
      integration = new HttpLambdaIntegration(`${fn.node.id}Integration`, fn.invokeTarget, {
        payloadFormatVersion: apigwv2.PayloadFormatVersion.VERSION_2_0,
        // A function of one operation (one or two routes) may be invoked by its own routes only. A function serving
        // several operations gets one permission for this API instead of one per route: a SINGLE function of 20
        // resources had 120 AWS::Lambda::Permission, a quarter of CloudFormation's 500 resources per stack.
        scopePermissionToRoute: fn.operations.length === 1,
      });
      integrations.set(fn, integration);
    }
    return integration;
  };
  const nodes = x.resources.map((r) => r.plan);
  for (const resource of x.resources) {
    const auth = resource.plan.authorization;
    for (const op of resource.plan.operations) {
      const fn = resource.functionByOperation[op];
      const integration = integrationOf(fn);
      for (const route of routesOf(op)) {
        const path = routePath(nodes, resource.resourceName, route.target);
        const method = route.method as apigwv2.HttpMethod;
        const [added] = x.httpApi.addRoutes({ path, methods: [method], integration, authorizer: auth.authorizer, authorizationScopes: auth.scopes });
        if (auth.kind === 'none') {
          Validations.of(added).acknowledge({ id: 'AwsSolutions-APIG4', reason: `authorization of resource '${resource.resourceName}' disabled by configuration` });
        }
        const executeApiArn = x.httpApi.arnForExecuteApi(method, executeApiPath(path), x.stageName);
        resource.routes.push({ method, path, operation: op, function: fn, executeApiArn });
      }
    }
  }
  checkRouteVariables(crudRouteRefs(x.resources));
  if (!x.plan.api.openApiRoute) return undefined;
  // Served by the first function of the first resource: every function of the built-in handler has the document.
  const first = x.resources[0];
  const fn = first.functionByOperation[first.plan.operations[0]];
  const auth = x.plan.api.authorization;
  const [added] = x.httpApi.addRoutes({
    path: OPENAPI_ROUTE_PATH,
    methods: [apigwv2.HttpMethod.GET],
    integration: integrationOf(fn),
    authorizer: auth.authorizer,
    authorizationScopes: auth.scopes,
  });
  if (auth.kind === 'none') {
    Validations.of(added).acknowledge({ id: 'AwsSolutions-APIG4', reason: 'authorization of the API (and so of its OpenAPI document) disabled by configuration' });
  }
  return { path: OPENAPI_ROUTE_PATH, function: fn, executeApiArn: x.httpApi.arnForExecuteApi('GET', OPENAPI_ROUTE_PATH, x.stageName) };
}

/** The CRUD routes of the resources, as the conflict checks see them. */
export function crudRouteRefs(resources: readonly CrudResource[]): RouteRef[] {
  return resources.flatMap((r) => r.routes.map((route) => ({ key: `${route.method} ${route.path}`, path: route.path, origin: `resource '${r.resourceName}'` })));
}

/** The path of a route in its execute-api ARN: every path variable (`{id}`, `{projectId}`) matches any value, `*`. */
export function executeApiPath(path: string): string {
  return path.replace(/\{[^}]+\}/g, '*');
}

/** A route as the conflict checks see it. */
export interface RouteRef {
  /** `METHOD /path` */
  readonly key: string;
  readonly path: string;
  /** Where it comes from, for messages: `resource 'orders'`, `openApiRoute`, `addFunctionRoute`. */
  readonly origin: string;
  /** How to resolve a conflict this route is part of, when it is not the CRUD resources' (`pathParameter`). */
  readonly fix?: string;
}

/**
 * API Gateway HTTP APIs refuse, at deploy time (ConflictException), two routes that put differently named variables
 * at the same place (`/projects/{id}` and `/projects/{projectId}/tasks`). That is why a parent's own item route and
 * its children's routes share its `pathParameter`; this catches any other way to get there at synth time, the routes
 * of the user's own functions (`addFunctionRoute`) included.
 */
export function checkRouteVariables(routes: readonly (string | RouteRef)[]): void {
  const seen = new Map<string, { name: string; route: RouteRef }>();
  for (const entry of routes) {
    const route: RouteRef = typeof entry === 'string' ? { key: entry, path: entry, origin: '' } : entry;
    const segments = route.path.split('/').filter(Boolean);
    segments.forEach((segment, i) => {
      const variable = /^\{(.+?)\+?\}$/.exec(segment);
      if (!variable) return;
      const at = '/' + segments.slice(0, i).join('/');
      const other = seen.get(at);
      if (other && other.name !== variable[1]) {
        const name = (r: RouteRef) => `'${r.key}'${r.origin ? ` (${r.origin})` : ''}`;
        const fix = route.fix ?? other.route.fix ?? "give the parent resource one 'pathParameter' for its item and its children's routes";
        throw new Error(`ServerlessCrudApi: routes ${name(other.route)} and ${name(route)} name the path variable after '${at}' differently ` +
          `('{${other.name}}' and '{${variable[1]}}'), which API Gateway refuses on deploy (ConflictException); ${fix}`);
      }
      if (!other) seen.set(at, { name: variable[1], route });
    });
  }
}
