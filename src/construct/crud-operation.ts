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
 * How the routes of the API are spread over Lambda functions. Whatever the mode, each function's role holds exactly
 * the actions of the routes it serves, on exactly the tables and indexes they touch.
 */
export enum HandlerMode {
  /**
   * One function per operation of each resource, each with a role that holds only the DynamoDB actions its routes
   * use. The smallest blast radius; each function has its own cold starts.
   */
  PER_OPERATION = 'PER_OPERATION',
  /**
   * One function per resource, serving every enabled operation of that resource with the union of their actions on
   * that resource's tables only. Fewer cold starts; resources stay isolated from one another.
   */
  PER_RESOURCE = 'PER_RESOURCE',
  /**
   * One function for the whole API, with the union of every route's actions on every resource's tables. The fewest
   * cold starts (one warm pool serves every route) at the cost of the broadest role. Per-resource Lambda settings
   * (`memorySize`, `timeout`, …) must then agree. With a single resource (no `resources` prop) it is the same as
   * PER_RESOURCE.
   */
  SINGLE = 'SINGLE',
}
