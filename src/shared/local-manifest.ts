import type { LocalChangeEvents } from './change-events';

/**
 * What the construct records for the local runner, as construct metadata (it lands, resolved, in the cloud
 * assembly's manifest.json under the stack artifact's metadata). The runner reads this instead of reverse-engineering
 * CloudFormation: it says which functions serve which routes and which tables to create. Values that are deploy-time
 * tokens arrive as CloudFormation intrinsics ({ Ref }, { 'Fn::GetAtt' }, …).
 */

/** Metadata entry type. */
export const LOCAL_MANIFEST_METADATA_TYPE = 'cdk-serverless-crud-api:local';

/** Bumped when the shape changes; the runner refuses a manifest it does not understand. */
export const LOCAL_MANIFEST_VERSION = 5;

export interface LocalRoute {
  readonly method: string;
  /** API Gateway path, e.g. `/items/{id}`. */
  readonly path: string;
  /** The resource (its path segment) the route belongs to; `openapi.json` for the OpenAPI document's route. */
  readonly resource: string;
  readonly operation: string;
  /** Logical id of the Lambda function that serves it. */
  readonly functionLogicalId: string;
  /** The route's authorization (resources of one API may differ: a public catalogue beside JWT-protected orders). */
  readonly auth: LocalAuth;
}

/**
 * A route of the user's own function (`addFunctionRoute`). The runner serves it, like any other Lambda-proxy route of
 * the API's HTTP API, from the template; this entry says what the construct knows of it.
 */
export interface LocalFunctionRoute {
  readonly method: string;
  readonly path: string;
  /** Logical id of the function, when it is a function of the API's stack (absent: imported, or in another stack). */
  readonly functionLogicalId?: string;
  readonly auth: LocalAuth;
  /** The tables it was granted: resource, the environment variable with the table's name, the access level. */
  readonly tables: { readonly resource: string; readonly variable: string; readonly access: string }[];
}

export interface LocalFunction {
  readonly logicalId: string;
  /** What it serves, as `<resource>:<operation>` (the function's CRUD_ROUTES). */
  readonly routes: string[];
  readonly handler: string;
  readonly timeoutSeconds: number;
  readonly memoryMb: number;
}

export interface LocalTable {
  /** Logical id when the construct created the table; absent for an existing (imported) table. */
  readonly logicalId?: string;
  /** Name of an existing table (may be an intrinsic). */
  readonly tableName?: unknown;
  /** Key schema, for existing tables the runner must create from scratch (types in {@link LocalTable.attributeTypes}). */
  readonly partitionKey: string;
  /** Sort key (owner-scoped and nested tables: the id attribute). */
  readonly sortKey?: string;
  readonly indexes: { indexName: string; partitionKey: string; sortKey?: string }[];
  /**
   * DynamoDB type (`S` or `N`) of every key attribute above, of the table and its indexes. Absent (manifests before
   * typed keys): every key attribute is a string.
   */
  readonly attributeTypes?: { [attribute: string]: 'S' | 'N' };
  readonly ttlAttribute?: string;
}

export interface LocalAuth {
  /** iam | jwt | cognito | custom | none */
  readonly kind: string;
  readonly issuer?: unknown;
  readonly audience?: unknown[];
  readonly scopes?: string[];
}

export interface LocalCors {
  readonly allowOrigins?: string[];
  readonly allowMethods?: string[];
  readonly allowHeaders?: string[];
  readonly exposeHeaders?: string[];
  readonly allowCredentials?: boolean;
  readonly maxAgeSeconds?: number;
}

/** One resource of an API and its tables. */
export interface LocalResource {
  /** Path segment, e.g. `items`. */
  readonly name: string;
  readonly table: LocalTable;
  readonly idempotencyTable?: LocalTable;
  /**
   * Its change events (manifest version 5), when on: the table has a NEW_AND_OLD_IMAGES stream, and the runner
   * publishes its changes as the publisher function does. Absent: change events are off for this resource.
   */
  readonly changeEvents?: LocalChangeEvents;
}

export interface LocalManifest {
  readonly version: number;
  /** Construct path, e.g. `TodoApp/Todos`. */
  readonly path: string;
  readonly stageName: string;
  readonly routes: LocalRoute[];
  readonly functions: LocalFunction[];
  /** The API's resources with their tables, in the order of the handler config (the positions of `CRUD_TABLES`). */
  readonly resources: LocalResource[];
  /**
   * Logical id of the API's `AWS::ApiGatewayV2::Api`: the runner serves every Lambda-proxy route of it, those not
   * listed in `routes` (the user's own) from the template.
   */
  readonly apiLogicalId: string;
  /** The routes added with `addFunctionRoute`, in the order added. */
  readonly functionRoutes: LocalFunctionRoute[];
  readonly cors?: LocalCors;
  readonly throttle: { readonly rateLimit: number; readonly burstLimit: number };
}
