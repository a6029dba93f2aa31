/**
 * The contract between the construct (synth time) and the handler (run time).
 *
 * Imported by both sides so that every name and shape is typed once. Nothing in this folder may import aws-cdk-lib
 * or any AWS SDK: it is bundled into the Lambda asset.
 */

/** Environment variables the construct sets on every CRUD function. */
export const ENV = {
  /** Name of the items table (a deploy-time token, so it cannot live in the config file). */
  TABLE_NAME: 'CRUD_TABLE_NAME',
  /** Name of the idempotency table; set only when the create operation is enabled. */
  IDEMPOTENCY_TABLE_NAME: 'CRUD_IDEMPOTENCY_TABLE_NAME',
  /**
   * Comma-separated operations this function instance serves (`create,read,...`). In per-operation mode each
   * function serves one; in single mode, all enabled ones. A request for any other operation is a 404.
   */
  OPERATIONS: 'CRUD_OPERATIONS',
  /**
   * Optional: the whole {@link HandlerConfig} as JSON. Used only when the construct cannot place the config file
   * beside the handler (custom handler code). The file wins when both exist.
   */
  CONFIG: 'CRUD_CONFIG',
  /** Optional: an explicit path to the config file (the local runner uses it). */
  CONFIG_FILE: 'CRUD_CONFIG_FILE',
  /**
   * ARN of the Secrets Manager secret whose value keys the list cursors (set by the construct on functions that list).
   * The handler reads its AWSCURRENT and AWSPREVIOUS versions once per execution environment, on the first listing.
   */
  CURSOR_SECRET_ARN: 'CRUD_CURSOR_SECRET_ARN',
  /**
   * The cursor key itself, for the local runner and tests (which have no Secrets Manager): one or more keys separated
   * by whitespace, the first issuing cursors and every one accepted. Wins over {@link ENV.CURSOR_SECRET_ARN}. A function
   * that lists needs one of the two; there is no derived or default key.
   */
  CURSOR_SECRET: 'CRUD_CURSOR_SECRET',
} as const;

/** The config file the construct writes beside the bundled `index.js` in the function's code asset. */
export const CONFIG_FILE_NAME = 'crud-config.json';

/** Version of the config shape; the handler refuses a config it does not understand. */
export const CONFIG_VERSION = 2;

/** The CRUD operations. Values are stable: they appear in env vars, logs and metric dimensions. */
export type OperationName = 'create' | 'read' | 'list' | 'update' | 'delete';
// update covers PUT (replace) and PATCH (merge patch).

/** Every operation, in route order. */
export const ALL_OPERATIONS: readonly OperationName[] = ['create', 'read', 'list', 'update', 'delete'];

/** A global secondary index that `GET /{resource}?attr=value` can query. */
export interface IndexConfig {
  /** GSI name. */
  readonly indexName: string;
  /** The item attribute queried by `?<partitionKey>=value` (always a string attribute). */
  readonly partitionKey: string;
  /** Optional sort attribute (string); `order=asc|desc` orders by it. */
  readonly sortKey?: string;
}

/**
 * Owner scoping: every item belongs to the caller who created it (the JWT `sub`), and the owner is part of every key
 * (see src/shared/keys.ts): the table's partition key is the owner attribute, its sort key the id attribute.
 */
export interface OwnerScopingConfig {
  /** Item attribute that stores the owner: the table's partition key (server-managed, clients cannot set it). */
  readonly attribute: string;
}

/** Everything the handler needs that is known at synth time. */
export interface HandlerConfig {
  readonly version: number;
  /** Path segment of the collection, e.g. `items` → `/items`, `/items/{id}`. */
  readonly resourceName: string;
  /** Name of the id attribute (the table's partition key). */
  readonly idAttribute: string;
  /** Operations enabled on this API (a disabled one has no route at all). */
  readonly operations: OperationName[];
  /** Secondary indexes available for `?attr=value` listing. */
  readonly indexes: IndexConfig[];
  /** JSON Schema (draft 2020-12 or draft-07) for item bodies, or absent for no validation. */
  readonly schema?: Record<string, unknown>;
  /** Owner scoping, or absent when items are shared by all callers. */
  readonly ownerScoping?: OwnerScopingConfig;
  /**
   * The API mapping key of a custom domain (`v1` for `https://api.example.com/v1/items`), or absent. Requests that
   * arrive through the custom domain get `Location` headers under it; requests through the execute-api endpoint do not.
   */
  readonly basePath?: string;
  /** Page size when `limit` is absent. */
  readonly defaultPageSize: number;
  /** Largest `limit` accepted; above it is a 400. */
  readonly maxPageSize: number;
  /** How long an Idempotency-Key is remembered, in seconds. */
  readonly idempotencyTtlSeconds: number;
}

/** Defaults shared by the construct (documented as `@default`) and the handler. */
export const DEFAULTS = {
  resourceName: 'items',
  idAttribute: 'id',
  defaultPageSize: 25,
  maxPageSize: 100,
  idempotencyTtlSeconds: 24 * 60 * 60,
  ownerAttribute: 'owner',
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
} as const;

/** Key schema of the idempotency table: partition key `pk` (string), TTL attribute `expiresAt`. */
export const IDEMPOTENCY_TABLE = {
  PARTITION_KEY: 'pk',
  TTL_ATTRIBUTE: 'expiresAt',
} as const;
