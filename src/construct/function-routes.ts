import { Token, Validations } from 'aws-cdk-lib';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { RouteRef, checkRouteVariables, executeApiPath } from './api-routes';
import type { AuthorizationBinding } from './authorization';
import type { CrudResource } from './crud-resource';
import { AccessLevel, FunctionRouteProps } from './function-route-props';
import { ACCESS_LEVEL_INDEX_ACTIONS, ACCESS_LEVEL_TABLE_ACTIONS, TABLE_KEY_READ_ACTIONS, TABLE_KEY_WRITE_ACTIONS } from './iam-actions';
import type { ApiPlan } from './plan';
import { functionRouteTableVariable } from '../shared/function-route-env';

/*
 * The routes of the user's own functions (`ServerlessCrudApi.addFunctionRoute`): checked against every route the API
 * has, added with their authorizer, granted exactly the actions of their access levels on the tables they name, and
 * told those tables' names. The API keeps the records for grantInvoke, the OpenAPI document and the runner manifest.
 */

/** A function route as the API keeps it. */
export interface FunctionRoute {
  readonly method: string;
  readonly path: string;
  readonly handler: lambda.IFunction;
  readonly authorization: AuthorizationBinding;
  /** Each table granted: the resource, its environment variable, the level and the indexes. */
  readonly tables: { readonly resource: string; readonly variable: string; readonly access: AccessLevel; readonly indexes: string[] }[];
  readonly summary?: string;
  readonly requestSchema?: Record<string, unknown>;
  readonly responseSchema?: Record<string, unknown>;
  readonly route: apigwv2.HttpRoute;
  /** `execute-api` ARN of the route on the stage (what `grantInvoke` allows). */
  readonly executeApiArn: string;
}

/** What adding a function route needs of the API. */
export interface FunctionRouteContext {
  /** The API construct (owner of authorizers bound for one route). */
  readonly api: Construct;
  readonly httpApi: apigwv2.HttpApi;
  readonly stageName: string;
  readonly plan: ApiPlan;
  readonly resources: CrudResource[];
  /** Every route the API has so far (CRUD, `GET /openapi.json`, function routes), for the conflict checks. */
  readonly routes: RouteRef[];
  /** Construct id prefixes given to function routes of this API so far. */
  readonly routeIds: Set<string>;
}

const METHODS = new Set<string>(Object.values(apigwv2.HttpMethod));
/** A path: `/`, or `/`-separated segments, each a literal or one `{variable}`; the last may be greedy, `{proxy+}`. */
const LITERAL_SEGMENT = /^[A-Za-z0-9._~\-:@!$&'()*,;=]+$/;
const VARIABLE_SEGMENT = /^\{[A-Za-z_][A-Za-z0-9_]{0,127}\}$/;
const GREEDY_SEGMENT = /^\{[A-Za-z_][A-Za-z0-9_]{0,127}\+\}$/;

/** Checks the props, adds the route, grants and passes the tables; returns the record. */
export function addFunctionRoute(x: FunctionRouteContext, props: FunctionRouteProps): FunctionRoute {
  const where = `ServerlessCrudApi ${x.api.node.path}: addFunctionRoute`;
  const fail = (message: string): never => {
    throw new Error(`${where}: ${message}`);
  };
  const method = String(props.method);
  if (!METHODS.has(method)) fail(`'method' must be an HttpMethod (got '${method}')`);
  const path = props.path;
  if (Token.isUnresolved(path)) fail("'path' must be known at synth time (got a token): routes are checked for conflicts when they are added");
  checkPath(path, fail);
  const label = `${method} ${path}`;
  if (x.plan.openApiRoute) {
    fail('\'openApiRoute\' is on, and the OpenAPI document it serves at GET /openapi.json is staged with the API\'s handler when ' +
      `the API is built, before '${label}' exists: it would be served without this route. Turn 'openApiRoute' off (the ` +
      "document stays in 'openApiDocument' and the cloud assembly, with this route) or serve the document yourself");
  }
  const same = x.routes.find((r) => r.key === label);
  if (same) fail(`'${label}' exists already (${same.origin}); API Gateway refuses a second route with the same method and path`);
  checkRouteVariables([...x.routes, { key: label, path, origin: 'addFunctionRoute', fix: `rename the variables of '${path}' to those of the routes above` }]);

  const tables = (props.tables ?? []).map((t, i) => {
    const at = `'tables[${i}]'`;
    const resource = x.resources.find((r) => r.resourceName === t.resource);
    if (!resource) fail(`${at}.resource '${t.resource}' is not a resource of this API; it has ${x.resources.map((r) => `'${r.resourceName}'`).join(', ')}`);
    if (!Object.values(AccessLevel).includes(t.access)) fail(`${at}.access must be an AccessLevel (got '${t.access}')`);
    const known = resource!.plan.keySchema.indexes.map((ix) => ix.indexName);
    const indexes = t.indexes ?? [];
    indexes.forEach((name, j) => {
      if (!known.includes(name)) {
        fail(`${at}.indexes[${j}] '${name}' is not an index of resource '${t.resource}'; it has ${known.length ? known.map((n) => `'${n}'`).join(', ') : 'none'}`);
      }
    });
    if (indexes.length > 0 && t.access === AccessLevel.WRITE) {
      fail(`${at} lists indexes with AccessLevel.WRITE: indexes are only read (Query, Scan); use AccessLevel.READ_WRITE, or leave 'indexes' out`);
    }
    return { resource: resource!, variable: functionRouteTableVariable(t.resource), access: t.access, indexes: [...new Set(indexes)] };
  });
  tables.forEach((t, i) => {
    const j = tables.findIndex((o) => o.variable === t.variable);
    if (j === i) return;
    fail(t.resource === tables[j].resource
      ? `'tables[${j}]' and 'tables[${i}]' both name resource '${t.resource.resourceName}'; list it once with the access it needs`
      : `'tables[${j}]' ('${tables[j].resource.resourceName}') and 'tables[${i}]' ('${t.resource.resourceName}') would both be passed in ${t.variable}; ` +
        'rename one of the resources');
  });
  const handler = props.handler;
  const settable = handler as unknown as { addEnvironment?: (key: string, value: string) => unknown };
  if (tables.length > 0 && typeof settable.addEnvironment !== 'function') {
    fail("'handler' is not a lambda.Function of this app (an imported function, an alias or a version): its environment and role " +
      "cannot be changed here; pass a lambda.Function, or leave 'tables' out and grant and configure the function yourself");
  }

  // The route, with the route's authorizer (the API's unless given).
  const idPrefix = routeId(method, path, x.routeIds);
  const authorization = props.authorization ? props.authorization._bind(x.api, idPrefix) : x.plan.authorization;
  const integration = new HttpLambdaIntegration(`${idPrefix}Integration`, handler, {
    payloadFormatVersion: apigwv2.PayloadFormatVersion.VERSION_2_0,
  });
  const [route] = x.httpApi.addRoutes({
    path, methods: [method as apigwv2.HttpMethod], integration, authorizer: authorization.authorizer, authorizationScopes: authorization.scopes,
  });
  if (authorization.kind === 'none') {
    Validations.of(route).acknowledge({ id: 'AwsSolutions-APIG4', reason: `authorization of the function route '${label}' disabled by configuration` });
  }

  // Exactly the actions of each level, on the table and the indexes listed; the key's actions when it is customer-managed.
  for (const t of tables) {
    const table = t.resource.table;
    grantOrFail(handler, ACCESS_LEVEL_TABLE_ACTIONS[t.access], [table.tableArn], fail);
    if (t.indexes.length > 0) grantOrFail(handler, ACCESS_LEVEL_INDEX_ACTIONS, t.indexes.map((ix) => `${table.tableArn}/index/${ix}`), fail);
    table.encryptionKey?.grant(handler, ...(t.access === AccessLevel.READ ? TABLE_KEY_READ_ACTIONS : TABLE_KEY_WRITE_ACTIONS));
    settable.addEnvironment!(t.variable, table.tableName);
  }

  return {
    method,
    path,
    handler,
    authorization,
    tables: tables.map((t) => ({ resource: t.resource.resourceName, variable: t.variable, access: t.access, indexes: t.indexes })),
    summary: props.summary,
    requestSchema: props.requestSchema,
    responseSchema: props.responseSchema,
    route,
    executeApiArn: x.httpApi.arnForExecuteApi(method === 'ANY' ? '*' : method, executeApiPath(path), x.stageName),
  };
}

function checkPath(path: string, fail: (m: string) => never): void {
  if (typeof path !== 'string' || !path.startsWith('/')) fail(`'path' must start with '/' (got ${JSON.stringify(path)}); e.g. '/orders/{id}/checkout'`);
  if (path === '/') return;
  const segments = path.slice(1).split('/');
  segments.forEach((segment, i) => {
    const ok = LITERAL_SEGMENT.test(segment) || VARIABLE_SEGMENT.test(segment) || (i === segments.length - 1 && GREEDY_SEGMENT.test(segment));
    if (!ok) {
      fail(`'path' '${path}' has a bad segment '${segment}': each is a literal (letters, digits, '.', '_', '~', '-' …), or one ` +
        "variable such as '{id}' (a letter or '_', then letters, digits or '_'), and only the last may be greedy ('{proxy+}')");
    }
  });
  const names = segments.map((s) => /^\{(\w+)\+?\}$/.exec(s)?.[1]).filter((n): n is string => n !== undefined);
  const twice = names.find((n, i) => names.indexOf(n) !== i);
  if (twice) fail(`'path' '${path}' names the variable '{${twice}}' twice; give each its own name`);
}

/** Grants `actions` on `resources` to the function's role; an imported function without a role cannot get them. */
function grantOrFail(fn: lambda.IFunction, actions: string[], resources: string[], fail: (m: string) => never): void {
  const grant = iam.Grant.addToPrincipal({ grantee: fn, actions, resourceArns: resources });
  if (!grant.success) fail("'handler' has no role this app can add to; grant its role the actions yourself and leave 'tables' out");
}

/**
 * The construct id prefix of a route's integration and authorizer: `PostOrdersIdCheckoutRoute` for
 * `POST /orders/{id}/checkout` (stable: construct ids are part of the contract), with a number when two routes spell
 * the same.
 */
function routeId(method: string, path: string, taken: Set<string>): string {
  const words = path.split(/[^A-Za-z0-9]+/).filter(Boolean).map((w) => w.charAt(0).toUpperCase() + w.slice(1));
  const base = `${method.charAt(0)}${method.slice(1).toLowerCase()}${words.join('')}Route`;
  let id = base;
  for (let n = 2; taken.has(id); n++) id = `${base}${n}`;
  taken.add(id);
  return id;
}
