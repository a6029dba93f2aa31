import { CfnResource } from 'aws-cdk-lib';
import type { CrudResource } from './crud-resource';
import type { ApiPlan } from './plan';
import { IDEMPOTENCY_TABLE } from './shared/config';
import { LOCAL_MANIFEST_VERSION, LocalManifest } from './shared/local-manifest';

/** What {@link runnerManifest} describes. */
export interface RunnerManifestInputs {
  /** Path of the API construct. */
  readonly path: string;
  readonly stageName: string;
  readonly api: ApiPlan;
  /** The resource served (manifest version 1 describes one). */
  readonly resource: CrudResource;
}

/** What the local runner needs to serve an API (see src/shared/local-manifest.ts), recorded as construct metadata. */
export function runnerManifest(x: RunnerManifestInputs): LocalManifest {
  const { api, resource } = x;
  const plan = resource.plan;
  const tableCfn = resource.table.node.defaultChild;
  const cors = api.cors;
  const auth = api.authorization;
  return {
    version: LOCAL_MANIFEST_VERSION,
    path: x.path,
    stageName: x.stageName,
    routes: resource.routes.map((r) => ({
      method: r.method, path: r.path, operation: r.operation, functionLogicalId: logicalIdOf(r.function.function),
    })),
    functions: resource.operationFunctions.map((fn) => ({
      logicalId: logicalIdOf(fn.function),
      operations: [...fn.operations],
      handler: plan.lambda.handler,
      timeoutSeconds: plan.lambda.timeout.toSeconds(),
      memoryMb: plan.lambda.memorySize,
    })),
    table: {
      logicalId: tableCfn instanceof CfnResource ? tableCfn.logicalId : undefined,
      tableName: tableCfn instanceof CfnResource ? undefined : resource.table.tableName,
      partitionKey: plan.keySchema.partitionKey,
      ...(plan.keySchema.sortKey !== undefined ? { sortKey: plan.keySchema.sortKey } : {}),
      indexes: plan.keySchema.indexes,
      ttlAttribute: plan.table.timeToLiveAttribute,
    },
    idempotencyTable: resource.idempotencyTable ? {
      logicalId: logicalIdOf(resource.idempotencyTable),
      partitionKey: IDEMPOTENCY_TABLE.PARTITION_KEY,
      indexes: [],
      ttlAttribute: IDEMPOTENCY_TABLE.TTL_ATTRIBUTE,
    } : undefined,
    auth: { kind: auth.kind, issuer: auth.jwtIssuer, audience: auth.jwtAudience, scopes: auth.scopes },
    cors: cors ? {
      allowOrigins: cors.allowOrigins,
      allowMethods: cors.allowMethods?.map((m) => String(m)),
      allowHeaders: cors.allowHeaders,
      exposeHeaders: cors.exposeHeaders,
      allowCredentials: cors.allowCredentials,
      maxAgeSeconds: cors.maxAge?.toSeconds(),
    } : undefined,
    throttle: { rateLimit: api.throttle.rateLimit, burstLimit: api.throttle.burstLimit },
  };
}

function logicalIdOf(construct: { node: { defaultChild?: unknown } }): string {
  return (construct.node.defaultChild as CfnResource).logicalId;
}
