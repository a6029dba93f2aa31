import { CfnResource, Stack } from 'aws-cdk-lib';
import type * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import type { OpenApiRoute } from './api-routes';
import type { AuthorizationBinding } from './authorization';
import type { ChangePublisher } from './change-publisher';
import type { CrudResource } from './crud-resource';
import type { FunctionRoute } from './function-routes';
import type { OperationFunction } from './operation-function';
import type { ApiPlan } from './plan';
import type { LocalChangeEvents } from '../shared/change-events';
import { IDEMPOTENCY_TABLE, servedOperation } from '../shared/config';
import type { KeyAttribute, TableKeySchema } from '../shared/keys';
import { LOCAL_MANIFEST_VERSION, LocalAuth, LocalFunctionRoute, LocalManifest, LocalResource, LocalRoute } from '../shared/local-manifest';
import { OPENAPI_ROUTE_PATH } from '../shared/routes';

/** What {@link runnerManifest} describes. */
export interface RunnerManifestInputs {
  /** Path of the API construct. */
  readonly path: string;
  readonly stageName: string;
  readonly api: ApiPlan;
  /** The resources served, in config order. */
  readonly resources: CrudResource[];
  /** Each function of the API once. */
  readonly functions: OperationFunction[];
  /** The `GET /openapi.json` route, when `openApiRoute` is on. */
  readonly openApiRoute?: OpenApiRoute;
  readonly httpApi: apigwv2.HttpApi;
  /** The function routes: the API's own list, which grows as routes are added after the manifest is made. */
  readonly functionRoutes: readonly FunctionRoute[];
}

/** What the local runner needs to serve an API (see src/shared/local-manifest.ts), recorded as construct metadata. */
export function runnerManifest(x: RunnerManifestInputs): LocalManifest {
  const { api } = x;
  const cors = api.cors;
  return {
    version: LOCAL_MANIFEST_VERSION,
    path: x.path,
    stageName: x.stageName,
    routes: [
      ...x.resources.flatMap((resource) => resource.routes.map((r): LocalRoute => ({
        method: r.method,
        path: r.path,
        resource: resource.resourceName,
        operation: r.operation,
        functionLogicalId: logicalIdOf(r.function.function),
        auth: localAuth(resource.plan.authorization),
      }))),
      ...(x.openApiRoute ? [{
        method: 'GET',
        path: x.openApiRoute.path,
        resource: OPENAPI_ROUTE_PATH.slice(1),
        operation: 'openapi',
        functionLogicalId: logicalIdOf(x.openApiRoute.function.function),
        auth: localAuth(api.authorization),
      }] : []),
    ],
    functions: x.functions.map((fn) => ({
      logicalId: logicalIdOf(fn.function),
      routes: x.resources.flatMap((r) => r.plan.operations
        .filter((op) => r.functionByOperation[op] === fn)
        .map((op) => servedOperation(r.resourceName, op))),
      handler: fn.lambdaPlan.handler,
      timeoutSeconds: fn.lambdaPlan.timeout.toSeconds(),
      memoryMb: fn.lambdaPlan.memorySize,
    })),
    resources: x.resources.map(localResource),
    cors: cors ? {
      allowOrigins: cors.allowOrigins,
      allowMethods: cors.allowMethods?.map((m) => String(m)),
      allowHeaders: cors.allowHeaders,
      exposeHeaders: cors.exposeHeaders,
      allowCredentials: cors.allowCredentials,
      maxAgeSeconds: cors.maxAge?.toSeconds(),
    } : undefined,
    throttle: { rateLimit: api.throttle.rateLimit, burstLimit: api.throttle.burstLimit },
    apiLogicalId: logicalIdOf(x.httpApi),
    // Read when the metadata is written at synth, so that it has the routes added after the API was built.
    get functionRoutes() {
      return x.functionRoutes.map((r) => localFunctionRoute(r, x.httpApi));
    },
  };
}

function localFunctionRoute(r: FunctionRoute, httpApi: apigwv2.HttpApi): LocalFunctionRoute {
  const cfn = r.handler.node.defaultChild;
  const sameStack = cfn instanceof CfnResource && Stack.of(cfn) === Stack.of(httpApi);
  return {
    method: r.method,
    path: r.path,
    ...(sameStack ? { functionLogicalId: cfn.logicalId } : {}),
    auth: localAuth(r.authorization),
    tables: r.tables.map((t) => ({ resource: t.resource, variable: t.variable, access: t.access })),
  };
}

/** A resource with its tables (an existing table by name, for the runner to create with the key schema). */
function localResource(resource: CrudResource): LocalResource {
  const plan = resource.plan;
  const tableCfn = resource.table.node.defaultChild;
  return {
    name: resource.resourceName,
    table: {
      logicalId: tableCfn instanceof CfnResource ? tableCfn.logicalId : undefined,
      tableName: tableCfn instanceof CfnResource ? undefined : resource.table.tableName,
      partitionKey: plan.keySchema.partitionKey.name,
      ...(plan.keySchema.sortKey !== undefined ? { sortKey: plan.keySchema.sortKey.name } : {}),
      indexes: plan.keySchema.indexes.map((ix) => ({
        indexName: ix.indexName, partitionKey: ix.partitionKey.name, ...(ix.sortKey ? { sortKey: ix.sortKey.name } : {}),
      })),
      attributeTypes: attributeTypes(plan.keySchema),
      ttlAttribute: plan.table.timeToLiveAttribute,
    },
    ...(resource.changePublisher ? { changeEvents: localChangeEvents(resource.changePublisher) } : {}),
    idempotencyTable: resource.idempotencyTable ? {
      logicalId: logicalIdOf(resource.idempotencyTable),
      partitionKey: IDEMPOTENCY_TABLE.PARTITION_KEY,
      indexes: [],
      ttlAttribute: IDEMPOTENCY_TABLE.TTL_ATTRIBUTE,
    } : undefined,
  };
}

/**
 * A resource's change events for the runner: the source, the bus as the rules on it name it (`EventBusName`: the
 * bus's name, a `{ Ref }` to a bus of the stack, or a literal name or intrinsic for one imported), the publisher.
 */
function localChangeEvents(publisher: ChangePublisher): LocalChangeEvents {
  return {
    source: publisher.source,
    bus: Stack.of(publisher).resolve(publisher.bus.eventBusName),
    publisherLogicalId: logicalIdOf(publisher.function),
  };
}

/** The type of each key attribute of a table and its indexes. */
function attributeTypes(keys: TableKeySchema): { [attribute: string]: 'S' | 'N' } {
  const out: { [attribute: string]: 'S' | 'N' } = {};
  const add = (k?: KeyAttribute) => { if (k) out[k.name] = k.type; };
  add(keys.partitionKey);
  add(keys.sortKey);
  for (const ix of keys.indexes) { add(ix.partitionKey); add(ix.sortKey); }
  return out;
}

function localAuth(auth: AuthorizationBinding): LocalAuth {
  return { kind: auth.kind, issuer: auth.jwtIssuer, audience: auth.jwtAudience, scopes: auth.scopes };
}

function logicalIdOf(construct: { node: { defaultChild?: unknown } }): string {
  return (construct.node.defaultChild as CfnResource).logicalId;
}
