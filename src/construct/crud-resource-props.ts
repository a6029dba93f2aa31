import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { ApiAuthorization } from './authorization';
import type { ChangeEvents } from './change-events';
import { Operation } from './crud-operation';
import { IdGenerator, IdType } from './key-types';
import type { SecondaryIndex } from './props';

/*
 * One resource of an API declared with `resources`: its data settings (as the top-level props describe the one
 * resource of an API without `resources`), its table, optional Lambda overrides of the API-wide defaults and an
 * optional authorization of its own. Defaults and rules are applied by resolvePlan (src/construct/resolve-props.ts).
 */

/**
 * One resource of a {@link ServerlessCrudApi} declared with `resources`: a collection at `/{name}` and
 * `/{name}/{id}` with its own table. Settings about the API (CORS, throttle, domain, alarms) stay on the API.
 */
export interface CrudResourceProps {
  /**
   * Path segment of the collection: `orders` serves `/orders` and `/orders/{id}`. Letters, digits, `-`, `_`, `.`,
   * `~`; unique within the API. Also the construct id of the resource (its tables and functions live under it).
   */
  readonly name: string;

  /**
   * The resource this one is nested under (its `name`): its routes live under the parent's item
   * (`/projects/{projectId}/tasks`, `/projects/{projectId}/tasks/{id}`), at most 4 levels deep.
   *
   * Its table is keyed by the parent: partition key `_parent` (the parent's full key: the owner when owner-scoped and
   * every ancestor's id), sort key the id. Listing a parent's children is one Query, in id order (time-ordered with
   * `IdGenerator.UUID_V7` or `ULID`). Creating a child checks the parent in the same transaction (404 when it does not
   * exist), a parent with children cannot be deleted (409), and each child stores every ancestor's id under the
   * ancestor's `pathParameter` (`projectId`). Owner scoping must be the same along the chain.
   * @default - a top-level resource at `/{name}`
   */
  readonly parent?: string;

  /**
   * Name of the path parameter of this resource's items: `/{name}/{<pathParameter>}`. A resource with children must set
   * one other than `id`, unique along its chain (e.g. `projectId`): its children's routes carry it, and their items
   * store the parent's id under it, so it must not be one of the children's own attributes.
   * @default 'id'
   */
  readonly pathParameter?: string;

  /**
   * Name of the id attribute: the table's partition key (or, with `ownerScoping` or `parent`, its sort key).
   * @default 'id'
   */
  readonly idAttribute?: string;

  /**
   * Type of the id attribute. A number id is parsed strictly from the path (`/items/42`) and stored as a DynamoDB
   * number; the client always sends it.
   * @default IdType.STRING
   */
  readonly idType?: IdType;

  /**
   * How `POST` without an id assigns one. UUID_V7 and ULID are time-ordered, so a parent's children (and an owner's
   * items) list in creation order. Number ids need IdGenerator.NONE (the client sends the id).
   * @default - IdGenerator.UUID_V4 for string ids, IdGenerator.NONE for number ids
   */
  readonly idGenerator?: IdGenerator;

  /**
   * The operations to enable. A disabled operation has no route, no function and no IAM action.
   * @default - all: CREATE, READ, LIST, UPDATE, DELETE
   */
  readonly operations?: Operation[];

  /**
   * Secondary indexes for `GET /{name}?attr=value` listing and range conditions on their sort keys. Each becomes a
   * GSI (projection ALL).
   * @default - none: listing scans (owner-scoped or nested: queries the caller's or the parent's partition)
   */
  readonly indexes?: SecondaryIndex[];

  /**
   * A JSON Schema (draft 2020-12 or draft-07) for item bodies; violations answer 422. Compiled at synth into
   * validation code that ships with the functions (see `ServerlessCrudApiProps.schema`).
   * @default - no validation beyond what DynamoDB can store
   */
  readonly schema?: { [key: string]: any };

  /**
   * Default page size of `GET /{name}` when the caller sends no `limit`.
   * @default 25
   */
  readonly defaultPageSize?: number;

  /**
   * Largest `limit` a caller may ask for (at most 1000).
   * @default 100
   */
  readonly maxPageSize?: number;

  /**
   * How long an `Idempotency-Key` on POST is remembered (1 minute to 7 days).
   * @default Duration.hours(24)
   */
  readonly idempotencyTtl?: Duration;

  /**
   * Who may call this resource's routes, instead of the API's `authorization`: e.g. `ApiAuthorization.none()` for a
   * public read-only catalogue next to JWT-protected orders.
   * @default - the API's `authorization`
   */
  readonly authorization?: ApiAuthorization;

  /**
   * Scope items to their owner, the JWT `sub` of the caller who created them. Needs this resource's authorization
   * to be `ApiAuthorization.jwt()` or `ApiAuthorization.cognito()`.
   * @default false
   */
  readonly ownerScoping?: boolean;

  /**
   * Attribute that stores the owner when `ownerScoping` is on (server-managed).
   * @default 'owner'
   */
  readonly ownerAttribute?: string;

  /**
   * Use this table instead of creating one (see `ServerlessCrudApiProps.existingTable` for the key schema it needs).
   * Cannot be combined with the table options below.
   * @default - a new table
   */
  readonly existingTable?: dynamodb.ITableV2;

  /**
   * Billing of the new table.
   * @default dynamodb.Billing.onDemand()
   */
  readonly billing?: dynamodb.Billing;

  /**
   * Point-in-time recovery of the new table.
   * @default true
   */
  readonly pointInTimeRecovery?: boolean;

  /**
   * Deletion protection of the new table.
   * @default false
   */
  readonly deletionProtection?: boolean;

  /**
   * What happens to the new table when it leaves the stack.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;

  /**
   * Encryption at rest of the new table (and of the resource's idempotency table). Cannot be combined with the
   * API's `encryptionKey`, which already encrypts every table.
   * @default - the API's `encryptionKey` when set, else the AWS-owned key
   */
  readonly encryption?: dynamodb.TableEncryptionV2;

  /**
   * Attribute that holds an item's expiry (epoch seconds) for DynamoDB TTL.
   * @default - no TTL
   */
  readonly timeToLiveAttribute?: string;

  /**
   * Enable a DynamoDB stream on the new table with this view type.
   * @default - no stream
   */
  readonly stream?: dynamodb.StreamViewType;

  /**
   * This resource's change events, instead of the API's `changeEvents`: e.g. `ChangeEvents.none()` for a resource
   * nobody reacts to, or `ChangeEvents.toEventBus(auditBus)` for another bus.
   * @default - the API's `changeEvents`
   */
  readonly changeEvents?: ChangeEvents;

  /**
   * Lambda runtime of this resource's functions (Node.js, `nodejs24.x` or newer).
   * @default - the API's `runtime`
   */
  readonly runtime?: lambda.Runtime;

  /**
   * Memory of this resource's functions, in MB (128 to 10240).
   * @default - the API's `memorySize`
   */
  readonly memorySize?: number;

  /**
   * Timeout of this resource's functions (1 to 30 s).
   * @default - the API's `timeout`
   */
  readonly timeout?: Duration;

  /**
   * Reserved concurrency of each of this resource's functions.
   * @default - the API's `reservedConcurrency`
   */
  readonly reservedConcurrency?: number;

  /**
   * Provisioned concurrency of each of this resource's functions (through the `live` alias).
   * @default - the API's `provisionedConcurrency`
   */
  readonly provisionedConcurrency?: number;

  /**
   * Extra environment variables of this resource's functions, added to the API's `environment` (a name in both
   * takes this value). Names starting with `CRUD_` are reserved.
   * @default - the API's `environment` only
   */
  readonly environment?: { [key: string]: string };
}

/** The data and table props a resource entry has, in the order the docs list them (for messages). */
export const RESOURCE_DATA_PROPS = [
  'idAttribute', 'idType', 'idGenerator', 'operations', 'indexes', 'schema', 'defaultPageSize', 'maxPageSize', 'idempotencyTtl', 'ownerScoping',
  'ownerAttribute', 'existingTable', 'billing', 'pointInTimeRecovery', 'deletionProtection', 'removalPolicy',
  'encryption', 'timeToLiveAttribute', 'stream',
] as const;

/** The props only a resource entry has (nesting: an API without `resources` has one resource, so no parent). */
export const RESOURCE_ONLY_PROPS = ['parent', 'pathParameter'] as const;

/** The Lambda settings a resource entry may override. */
export const RESOURCE_LAMBDA_PROPS = ['runtime', 'memorySize', 'timeout', 'reservedConcurrency', 'provisionedConcurrency', 'environment'] as const;
