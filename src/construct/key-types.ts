/*
 * The closed sets of the key layout (#13), as jsii enums. Their values are the handler config's (src/shared/config.ts),
 * so resolvePlan passes them on unchanged.
 */

/** Type of a resource's id attribute (the table's key, and the path parameter that names an item). */
export enum IdType {
  /** A string id: `/items/3f2c…`. Server-assigned by the resource's `idGenerator` unless the client sends one. */
  STRING = 'S',
  /**
   * A number id: `/items/42`, parsed strictly from the path (canonical decimals only: `7`, never `07` or `7.0`) and
   * stored as a DynamoDB number. The client always sends it (`IdGenerator.NONE`): `POST` without an id answers 400.
   */
  NUMBER = 'N',
}

/** How the server assigns the id of an item created by `POST` without one (string ids only). */
export enum IdGenerator {
  /** A random UUID v4. The default for string ids. */
  UUID_V4 = 'uuid-v4',
  /**
   * A UUID v7 (RFC 9562): time-ordered, so a parent's children (or an owner's items) list in creation order, and still
   * a UUID for clients that expect one.
   */
  UUID_V7 = 'uuid-v7',
  /** A ULID: time-ordered like UUID_V7, 26 characters of Crockford base32. */
  ULID = 'ulid',
  /** No server-assigned ids: the client sends the id in the body of `POST` (or uses `PUT /{name}/{id}`). */
  NONE = 'none',
}

/** Type of an index's sort key attribute: range conditions compare strings lexically and numbers numerically. */
export enum KeyAttributeType {
  /** A string attribute (ISO dates such as `due` or `createdAt` sort correctly as strings). */
  STRING = 'S',
  /** A number attribute (e.g. `priority`, `version`). */
  NUMBER = 'N',
}
