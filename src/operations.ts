import type { OperationName } from './shared/config';

/**
 * A CRUD operation of the API. A disabled operation has no route, no function and no IAM action.
 */
export enum Operation {
  /** `POST /{resource}` — create an item (with optional `Idempotency-Key`). */
  CREATE = 'create',
  /** `GET /{resource}/{id}` — read one item. */
  READ = 'read',
  /** `GET /{resource}` — list items, by scan, by secondary index, or by owner. */
  LIST = 'list',
  /** `PUT /{resource}/{id}` (replace or create) and `PATCH /{resource}/{id}` (JSON Merge Patch). */
  UPDATE = 'update',
  /** `DELETE /{resource}/{id}` — delete one item. */
  DELETE = 'delete',
}

/**
 * How the enabled operations are spread over Lambda functions.
 */
export enum HandlerMode {
  /**
   * One function per operation, each with a role that holds only the DynamoDB actions its routes use.
   * The smallest blast radius; each function has its own cold starts.
   */
  PER_OPERATION = 'PER_OPERATION',
  /**
   * One function for every enabled operation, with the union of their actions. Fewer cold starts (one warm pool
   * serves every route) at the cost of a broader role.
   */
  SINGLE = 'SINGLE',
}

/** One HTTP route of an operation; `{id}` marks the item path. */
export interface RouteSpec {
  readonly method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  readonly item: boolean;
}

/** The routes each operation answers. */
export const OPERATION_ROUTES: Record<OperationName, RouteSpec[]> = {
  create: [{ method: 'POST', item: false }],
  read: [{ method: 'GET', item: true }],
  list: [{ method: 'GET', item: false }],
  update: [{ method: 'PUT', item: true }, { method: 'PATCH', item: true }],
  delete: [{ method: 'DELETE', item: true }],
};

/**
 * DynamoDB actions each operation needs on the items table. Kept next to the operations so a reader sees why each
 * action is granted; the handler's store module is the other side of this list.
 */
export const TABLE_ACTIONS: Record<OperationName, string[]> = {
  // PutItem with attribute_not_exists; the item and its idempotency record are written in one transaction, which
  // IAM authorises per contained action (there is no TransactWriteItems action).
  create: ['dynamodb:PutItem'],
  // GetItem (consistent read) — owner scoping is checked on the item itself.
  read: ['dynamodb:GetItem'],
  // Scan of the table; queries go to a secondary index only (INDEX_ACTIONS).
  list: ['dynamodb:Scan'],
  // PUT reads the current version then writes conditionally; PATCH applies an UpdateItem conditioned on version.
  update: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
  // DeleteItem conditioned on existence (and version / owner when asked).
  delete: ['dynamodb:DeleteItem'],
};

/**
 * The same for an owner-scoped resource: every request names the caller's partition, so listing is a Query of the
 * table (the owner's partition), never a Scan, which would read every tenant.
 */
export const OWNER_SCOPED_TABLE_ACTIONS: Record<OperationName, string[]> = {
  ...TABLE_ACTIONS,
  list: ['dynamodb:Query'],
};

/** Operations whose requests use a secondary index (listing by attribute): only these get index ARNs. */
export const INDEX_ACTIONS: Partial<Record<OperationName, string[]>> = {
  list: ['dynamodb:Query'],
};

/**
 * Actions on the idempotency table (create only): the record is put in the same transaction as the item; a replay
 * reads the stored record back from the transaction's cancellation reason (ReturnValuesOnConditionCheckFailure), so
 * no GetItem is needed.
 */
export const IDEMPOTENCY_ACTIONS = ['dynamodb:PutItem'];

/** Actions on the cursor key secret (list only): its AWSCURRENT and AWSPREVIOUS values, read once per environment. */
export const CURSOR_KEY_ACTIONS = ['secretsmanager:GetSecretValue'];
