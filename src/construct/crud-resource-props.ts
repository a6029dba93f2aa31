import { Duration } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { ApiAuthorization } from './authorization';
import type { ChangeEvents } from './change-events';
import { CrudResourceOptions } from './crud-resource-options';

/*
 * One resource of an API declared with `resources`: its data settings (as the top-level props describe the one
 * resource of an API without `resources`), its table, optional Lambda overrides of the API-wide defaults and an
 * optional authorization of its own. Defaults and rules are applied by resolvePlan (src/construct/resolve-props.ts).
 */

/**
 * One resource of a {@link ServerlessCrudApi} declared with `resources`: a collection at `/{name}` and
 * `/{name}/{id}` with its own table. Settings about the API (CORS, throttle, domain, alarms) stay on the API.
 */
export interface CrudResourceProps extends CrudResourceOptions {
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
   * Who may call this resource's routes, instead of the API's `authorization`: e.g. `ApiAuthorization.none()` for a
   * public read-only catalogue next to JWT-protected orders.
   * @default - the API's `authorization`
   */
  readonly authorization?: ApiAuthorization;

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
