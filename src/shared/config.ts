/**
 * The contract between the construct (synth time) and the handler (run time).
 *
 * Imported by both sides so that every name and shape is typed once. Nothing in this folder may import aws-cdk-lib
 * or any AWS SDK: it is bundled into the Lambda asset.
 */
import type { MetricsConfig } from './metrics';

/**
 * Environment variables the construct sets on every CRUD function. A function serves some operations of some
 * resources of its API; the table names it needs are listed by the resource's position in
 * {@link HandlerConfig.resources}, and only the resources a function touches have one.
 */
export const ENV = {
  /**
   * The items table names of the resources this function touches, by their position in the config: comma-separated,
   * empty where it touches none (`t0,,t2`). Deploy-time tokens, so they cannot live in the config file. One variable
   * rather than one per resource, because Lambda's 4 KB environment limit counts every name (DynamoDB table names
   * cannot contain a comma).
   */
  TABLES: 'CRUD_TABLES',
  /** The idempotency table names, in the same form; set only on functions that create. */
  IDEMPOTENCY_TABLES: 'CRUD_IDEMPOTENCY_TABLES',
  /**
   * What this function serves: comma-separated `<resource>:<operation>` pairs (`tasks:create,tasks:read`), or
   * {@link ALL_ROUTES} for every operation of every resource of the config (the one function of an API in
   * HandlerMode.SINGLE). A request for anything else is a 404. Absent (the local runner): everything the config enables.
   */
  ROUTES: 'CRUD_ROUTES',
  /**
   * Optional: the whole {@link HandlerConfig} as JSON. Used only when the construct cannot place the config file
   * beside the handler (custom handler code). The file wins when both exist.
   */
  CONFIG: 'CRUD_CONFIG',
  /** Optional: an explicit path to the config file (the local runner uses it). */
  CONFIG_FILE: 'CRUD_CONFIG_FILE',
  /**
   * ARN of the Secrets Manager secret whose value keys the list cursors of the API (set by the construct on functions
   * that list). The handler reads its AWSCURRENT and AWSPREVIOUS versions once per execution environment, on the first
   * listing.
   */
  CURSOR_SECRET_ARN: 'CRUD_CURSOR_SECRET_ARN',
  /**
   * The cursor key itself, for the local runner and tests (which have no Secrets Manager): one or more keys separated
   * by whitespace, the first issuing cursors and every one accepted. Wins over {@link ENV.CURSOR_SECRET_ARN}. A function
   * that lists needs one of the two; there is no derived or default key.
   */
  CURSOR_SECRET: 'CRUD_CURSOR_SECRET',
} as const;

/** {@link ENV.ROUTES} of a function that serves every operation of every resource of its config. */
export const ALL_ROUTES = '*';

/** {@link ENV.TABLES} (or IDEMPOTENCY_TABLES) for the given table names by resource position. */
export function joinTableNames(byPosition: ReadonlyMap<number, string>): string {
  const last = Math.max(-1, ...byPosition.keys());
  return Array.from({ length: last + 1 }, (_, i) => byPosition.get(i) ?? '').join(',');
}

/** The table names of {@link ENV.TABLES} (or IDEMPOTENCY_TABLES) by resource position; undefined where none. */
export function splitTableNames(value: string | undefined): (string | undefined)[] {
  return (value ?? '').split(',').map((name) => name.trim() || undefined);
}

/** One `<resource>:<operation>` entry of {@link ENV.ROUTES}. */
export function servedOperation(resource: string, operation: OperationName): string {
  return `${resource}:${operation}`;
}

/** The config file the construct writes beside the bundled `index.js` in the function's code asset. */
export const CONFIG_FILE_NAME = 'crud-config.json';

/** Version of the config shape; the handler refuses a config it does not understand. */
export const CONFIG_VERSION = 4;

/** The CRUD operations. Values are stable: they appear in env vars, logs and metric dimensions. */
export type OperationName = 'create' | 'read' | 'list' | 'update' | 'delete';
// update covers PUT (replace) and PATCH (merge patch).

/** Every operation, in route order. */
export const ALL_OPERATIONS: readonly OperationName[] = ['create', 'read', 'list', 'update', 'delete'];

/** Type of a key attribute, as DynamoDB types it: `S` string, `N` number. */
export type KeyType = 'S' | 'N';

/**
 * How the server assigns the id of an item created by `POST` without one. `uuid-v4` (the default) is random;
 * `uuid-v7` and `ulid` are time-ordered, so a partition listed in key order is listed in creation order; `none`
 * (required for numeric ids) means the client must send the id.
 */
export type IdGenerator = 'uuid-v4' | 'uuid-v7' | 'ulid' | 'none';

/**
 * A global secondary index that a listing can query: `?<partitionKey>=value` selects one partition, and range
 * conditions on its sort key (see src/shared/range-query.ts) select a slice of it, in sort-key order.
 *
 * An index without a partition key belongs to a scoped resource (owner-scoped or nested): its partition is the
 * listing's scope (the caller's, or the parent's), so `GET /projects/p1/tasks?due=gte.2025-01-01` reads only the
 * tasks of p1, ordered by `due`.
 */
export interface IndexConfig {
  /** GSI name. */
  readonly indexName: string;
  /** The item attribute queried by `?<partitionKey>=value` (always a string attribute); absent: the scope. */
  readonly partitionKey?: string;
  /** Optional sort attribute: range conditions and `order=asc|desc` apply to it. */
  readonly sortKey?: string;
  /** Type of the sort attribute (default `S`). */
  readonly sortKeyType?: KeyType;
}

/**
 * Owner scoping: every item belongs to the caller who created it (the JWT `sub`), and the owner is part of every key
 * (see src/shared/keys.ts): the table's partition key is the owner attribute, its sort key the id attribute.
 */
export interface OwnerScopingConfig {
  /** Item attribute that stores the owner: the table's partition key (server-managed, clients cannot set it). */
  readonly attribute: string;
}

/** Everything the handler needs to know of one resource at synth time. */
export interface ResourceConfig {
  /** Path segment of the collection, e.g. `items` → `/items`, `/items/{id}`. Unique within the API. */
  readonly name: string;
  /** Name of the id attribute. */
  readonly idAttribute: string;
  /** Type of the id attribute (default `S`). Numeric ids are parsed strictly from paths (see src/shared/key-values.ts). */
  readonly idType?: KeyType;
  /** How `POST` without an id assigns one (default `uuid-v4`; `none` for numeric ids). */
  readonly idGenerator?: IdGenerator;
  /**
   * Name of this resource's id in route paths (default `id`): `/items/{id}`. A resource with children names it
   * distinctly (`projectId`): its children's routes carry it (`/projects/{projectId}/tasks/{id}`), and their items
   * store the parent's id under this name.
   */
  readonly pathParameter?: string;
  /**
   * The parent resource (its name), for a nested resource: its routes live under the parent's item
   * (`/projects/{projectId}/tasks`), its items are keyed by the parent's key (src/shared/keys.ts), creating one
   * requires the parent to exist, and a parent with children cannot be deleted (409).
   */
  readonly parent?: string;
  /** Operations enabled on this resource (a disabled one has no route at all). */
  readonly operations: OperationName[];
  /** Secondary indexes available for `?attr=value` listing. */
  readonly indexes: IndexConfig[];
  /** JSON Schema (draft 2020-12 or draft-07) for item bodies, or absent for no validation. */
  readonly schema?: Record<string, unknown>;
  /** Owner scoping, or absent when items are shared by all callers. */
  readonly ownerScoping?: OwnerScopingConfig;
  /** Page size when `limit` is absent. */
  readonly defaultPageSize: number;
  /** Largest `limit` accepted; above it is a 400. */
  readonly maxPageSize: number;
  /** How long an Idempotency-Key is remembered, in seconds. */
  readonly idempotencyTtlSeconds: number;
}

/** Everything the handler needs that is known at synth time: the API's resources, in a fixed order. */
export interface HandlerConfig {
  readonly version: number;
  /** The resources of the API (at least one; names unique). A function serves a subset (see {@link ENV.ROUTES}). */
  readonly resources: ResourceConfig[];
  /**
   * The API mapping key of a custom domain (`v1` for `https://api.example.com/v1/items`), or absent. Requests that
   * arrive through the custom domain get `Location` headers under it; requests through the execute-api endpoint do not.
   */
  readonly basePath?: string;
  /**
   * The API's OpenAPI document, when `openApiRoute` is on: served at `GET /openapi.json` by whichever function the
   * route reaches (src/handler/openapi-route.ts). Absent: no such route.
   */
  readonly openApi?: Record<string, unknown>;
  /**
   * Metrics in the request log line (CloudWatch Embedded Metric Format, src/shared/metrics.ts): the value of the
   * `Api` dimension. Absent: the log line carries no metrics.
   */
  readonly metrics?: MetricsConfig;
}

/** Query parameters with a fixed meaning; no index attribute may use these names. */
export const RESERVED_QUERY_PARAMETERS: readonly string[] = ['limit', 'cursor', 'order', 'fields'];

/** Bounds of the idempotency TTL, in seconds (one rule for the construct and the handler): 1 minute to 7 days. */
export const IDEMPOTENCY_TTL_BOUNDS = { min: 60, max: 7 * 24 * 60 * 60 } as const;

/** Largest page size a resource may allow (DynamoDB returns at most 1 MB per read anyway). */
export const MAX_PAGE_SIZE_LIMIT = 1000;

/** Defaults shared by the construct (documented as `@default`) and the handler. */
export const DEFAULTS = {
  resourceName: 'items',
  idAttribute: 'id',
  defaultPageSize: 25,
  maxPageSize: 100,
  idempotencyTtlSeconds: 24 * 60 * 60,
  ownerAttribute: 'owner',
  idType: 'S' as KeyType,
  idGenerator: 'uuid-v4' as IdGenerator,
  pathParameter: 'id',
  sortKeyType: 'S' as KeyType,
} as const;

/** Attributes managed by the server: clients can neither set nor change them. */
export const MANAGED_ATTRIBUTES = {
  VERSION: 'version',
  CREATED_AT: 'createdAt',
  UPDATED_AT: 'updatedAt',
} as const;

/**
 * Attributes the server keeps on items but never shows or accepts: the generation (a random tag set when an id is
 * created, so entity tags never repeat across a delete and re-create) and, in owner-scoped resources, the
 * `_ownerKey#<index>` partition keys (src/shared/keys.ts).
 */
export const HIDDEN_ATTRIBUTES = {
  GENERATION: '_generation',
  /**
   * On a parent item being deleted: a lease, a number `<expiry epoch ms>.<random digits>` (comparable as a time, unique
   * as a token), until which no child may be created. The delete sets it, checks that no child exists, and deletes on
   * the condition that its own lease is still there; a child's creation checks, in its transaction, that the parent has
   * no unexpired lease. So a child is never created under a parent that is being deleted, and a delete that sees no
   * children never leaves an orphan behind (src/handler/delete.ts).
   */
  DELETING: '_deleting',
} as const;

/** Key schema of the idempotency table: partition key `pk` (string), TTL attribute `expiresAt`. */
export const IDEMPOTENCY_TABLE = {
  PARTITION_KEY: 'pk',
  TTL_ATTRIBUTE: 'expiresAt',
} as const;

/** How long a parent's delete lease ({@link HIDDEN_ATTRIBUTES.DELETING}) holds, in milliseconds. */
export const DELETE_LEASE_MS = 10_000;

/** Most levels of nesting (`/a/{aId}/b/{bId}/c/{cId}/d/{id}` is 4). */
export const MAX_NESTING_DEPTH = 4;

/**
 * Tables a function needs besides those of the resources it serves, as resource indexes, with the DynamoDB actions it
 * sends to each (the construct grants exactly these and puts their names in `CRUD_TABLES`; the handler requires them):
 * - a nested resource's create and update (a PUT may create) check the parent in the same transaction:
 *   `ConditionCheckItem` on the parent's table;
 * - a resource with children checks on delete that none remains: `Query` on each child's table (its base table, one
 *   item, consistent).
 * @param served resource name → the operations the function serves of it
 */
export function relatedTables(config: HandlerConfig, served: ReadonlyMap<string, ReadonlySet<OperationName>>): Map<number, Set<RelatedTableAction>> {
  const out = new Map<number, Set<RelatedTableAction>>();
  const add = (index: number, action: RelatedTableAction) => {
    if (!out.has(index)) out.set(index, new Set());
    out.get(index)!.add(action);
  };
  const indexOf = (name: string) => config.resources.findIndex((r) => r.name === name);
  for (const [name, ops] of served) {
    const resource = config.resources[indexOf(name)];
    if (!resource) continue;
    if (resource.parent !== undefined && (ops.has('create') || ops.has('update'))) add(indexOf(resource.parent), 'dynamodb:ConditionCheckItem');
    if (ops.has('delete')) {
      config.resources.forEach((child, i) => {
        if (child.parent === name) add(i, 'dynamodb:Query');
      });
    }
  }
  return out;
}

/** A DynamoDB action a function sends to a table of another resource (see {@link relatedTables}). */
export type RelatedTableAction = 'dynamodb:ConditionCheckItem' | 'dynamodb:Query';
