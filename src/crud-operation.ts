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
