import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import { Operation } from './crud-operation';
import { IdGenerator, IdType, KeyAttributeType } from './key-types';

/*
 * The props every resource has, declared once: the one resource of an API without `resources` takes them from
 * ServerlessCrudApiProps, each entry of `resources` from CrudResourceProps; both extend CrudResourceOptions. Props
 * whose meaning differs between the two (authorization, change events and the Lambda settings: on the API, the
 * default of every resource; on an entry, an override of it) are declared on each, with their own `@default`.
 */

/**
 * A global secondary index that `GET /{resource}` queries instead of scanning: `?<partitionKey>=value` selects one
 * partition, and range conditions and `order` on its `sortKey` select and order a slice of it.
 *
 * Without `partitionKey` (owner-scoped or nested resources only) the index is partitioned by the listing's scope, the
 * caller's items or the parent's children: `{ sortKey: 'due' }` on tasks nested under projects serves
 * `GET /projects/{projectId}/tasks` ordered and ranged by `due`, and its partition key is the table's own.
 */
export interface SecondaryIndex {
  /**
   * The (string) item attribute to query by, e.g. `status` for `GET /items?status=open`.
   * @default - the scope: the caller (ownerScoping) or the parent (a nested resource); needs `sortKey`
   */
  readonly partitionKey?: string;

  /**
   * An optional sort attribute: range conditions and `order=asc|desc` apply to it. `createdAt` and `updatedAt` work.
   * @default - no sort key: results come in DynamoDB's order (required when `partitionKey` is left out)
   */
  readonly sortKey?: string;

  /**
   * Type of `sortKey`: strings compare lexically (ISO dates sort correctly), numbers numerically.
   * @default KeyAttributeType.STRING
   */
  readonly sortKeyType?: KeyAttributeType;

  /**
   * The GSI name.
   * @default - `by<PartitionKey>`, e.g. `byStatus` (without partitionKey, `by<SortKey>`, e.g. `byDue`)
   */
  readonly indexName?: string;
}

/**
 * The data and table settings of one resource: its ids, operations, indexes, schema, paging, owner scoping and its
 * table. Given on the API for an API of one resource, or on each entry of `resources`.
 */
export interface CrudResourceOptions {
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
   * Secondary indexes for `GET /{collection}?attr=value` listing and range conditions on their sort keys. Each becomes a
   * GSI (projection ALL).
   * @default - none: listing scans (owner-scoped or nested: queries the caller's or the parent's partition)
   */
  readonly indexes?: SecondaryIndex[];

  /**
   * A JSON Schema (draft 2020-12 or draft-07) for item bodies: POST and PUT bodies and the merged result of PATCH
   * are validated against it, and violations answer 422 listing each one. It is compiled at synth (ajv's standalone
   * code, in the function's code asset beside its config, not in its environment; any size works), so the functions
   * carry no validator library and compile nothing; a schema that does not compile fails synth.
   * @default - no validation beyond what DynamoDB can store
   */
  readonly schema?: { [key: string]: any };

  /**
   * Default page size of the collection's `GET` when the caller sends no `limit`.
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
   * Scope items to their owner, the JWT `sub` of the caller who created them. Needs the resource's
   * authorization (its own, or the API's) to be `ApiAuthorization.jwt()` or `ApiAuthorization.cognito()`.
   * @default false
   */
  readonly ownerScoping?: boolean;

  /**
   * Attribute that stores the owner when `ownerScoping` is on (server-managed).
   * @default 'owner'
   */
  readonly ownerAttribute?: string;

  /**
   * Use this table instead of creating one. Its key must be the id attribute (a string, or a number with
   * `IdType.NUMBER`) with no sort key; with `ownerScoping`, partition key `<ownerAttribute>` (string) and sort key
   * `<idAttribute>`; for a nested resource (`parent`, in `resources`), partition key `_parent` (string) and sort key
   * `<idAttribute>`. Every index in `indexes` must already exist on it, with its sort key typed as `sortKeyType` says
   * (owner-scoped: partition key `_ownerKey#<indexName>`; nested: `_scopeKey#<indexName>`; without `partitionKey`:
   * the table's partition key). Cannot be combined with the table options below.
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
   * @default false — `removalPolicy` RETAIN already keeps the table when the stack goes away
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
}
