/**
 * The error contract of the CRUD API: every error response is `application/problem+json` (RFC 9457).
 *
 * Shared by the handler (which answers with these) and the construct (documentation, alarms). Nothing here may import
 * aws-cdk-lib or any AWS SDK.
 */

/** Media type of every error response. */
export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/** Prefix of every problem `type` URI; the slug after it names the problem. */
export const PROBLEM_TYPE_BASE = 'https://cdk-serverless-crud-api.dev/problems/';

/** One problem type: its slug (the `type` URI is {@link PROBLEM_TYPE_BASE} + slug), HTTP status and fixed title. */
export interface ProblemSpec {
  readonly slug: string;
  readonly status: number;
  readonly title: string;
}

/**
 * Every problem the handler can answer with. The slugs, statuses and titles are stable: clients branch on `type`.
 * `detail` is free text for humans and may change.
 */
export const PROBLEMS = {
  /** The body is not well-formed JSON (syntax, invalid UTF-8, duplicate member names). */
  INVALID_JSON: { slug: 'invalid-json', status: 400, title: 'Malformed JSON' },
  /** The body is well-formed JSON but not a JSON object, or is missing. */
  INVALID_BODY: { slug: 'invalid-body', status: 400, title: 'Invalid request body' },
  /** A query parameter is unknown, repeated or has a bad value (`limit`, `order`, an index attribute). */
  INVALID_QUERY: { slug: 'invalid-query', status: 400, title: 'Invalid query parameter' },
  /** The `cursor` is malformed, tampered with, or belongs to another listing or caller. */
  INVALID_CURSOR: { slug: 'invalid-cursor', status: 400, title: 'Invalid cursor' },
  /** The `{id}` path segment is empty, not valid percent-encoding, or longer than 1024 bytes. */
  INVALID_ID: { slug: 'invalid-id', status: 400, title: 'Invalid item id' },
  /** The body's id attribute differs from the id in the path (PUT, PATCH). */
  ID_MISMATCH: { slug: 'id-mismatch', status: 400, title: 'Id in body does not match the path' },
  /** A request header has a value the API cannot interpret (`If-Match`, `If-None-Match`, `Idempotency-Key`). */
  INVALID_HEADER: { slug: 'invalid-header', status: 400, title: 'Invalid request header' },
  /** Owner scoping is on and the request carries no JWT `sub`. */
  UNAUTHORIZED: { slug: 'unauthorized', status: 401, title: 'Unauthorized' },
  /** No item with this id (or it belongs to another owner). */
  NOT_FOUND: { slug: 'not-found', status: 404, title: 'Item not found' },
  /** A nested resource's parent (`/projects/{projectId}` of `/projects/{projectId}/tasks`) does not exist. */
  PARENT_NOT_FOUND: { slug: 'parent-not-found', status: 404, title: 'Parent not found' },
  /** No such route, or the route's operation is not served by this function. */
  ROUTE_NOT_FOUND: { slug: 'route-not-found', status: 404, title: 'Route not found' },
  /** The path exists but not with this method. */
  METHOD_NOT_ALLOWED: { slug: 'method-not-allowed', status: 405, title: 'Method not allowed' },
  /** POST with an id that is already taken, or PUT onto an id the caller may not write. */
  ALREADY_EXISTS: { slug: 'already-exists', status: 409, title: 'Item already exists' },
  /** DELETE of an item that still has children (in any child resource); delete the children first. */
  HAS_CHILDREN: { slug: 'has-children', status: 409, title: 'Item has children' },
  /** A write kept losing to concurrent writes of the same item; retrying later is safe. */
  WRITE_CONFLICT: { slug: 'write-conflict', status: 409, title: 'Concurrent modification' },
  /** `If-Match` / `If-None-Match` did not hold. */
  PRECONDITION_FAILED: { slug: 'precondition-failed', status: 412, title: 'Precondition failed' },
  /** The body, or the item it would produce, exceeds what DynamoDB can store (400 KB per item). */
  PAYLOAD_TOO_LARGE: { slug: 'payload-too-large', status: 413, title: 'Payload too large' },
  /** The body is not JSON (`application/json`, `application/*+json`; PATCH also `application/merge-patch+json`). */
  UNSUPPORTED_MEDIA_TYPE: { slug: 'unsupported-media-type', status: 415, title: 'Unsupported media type' },
  /** The item breaks the JSON Schema, sets a server-managed attribute, or holds something DynamoDB cannot store. */
  VALIDATION_FAILED: { slug: 'validation-failed', status: 422, title: 'Invalid item' },
  /** The `Idempotency-Key` was already used with a different body. */
  IDEMPOTENCY_KEY_REUSED: { slug: 'idempotency-key-reused', status: 422, title: 'Idempotency key reused with a different request' },
  /** The request failed because of a bug; details are in the function's log under the request id. */
  INTERNAL_ERROR: { slug: 'internal-error', status: 500, title: 'Internal server error' },
  /** `Idempotency-Key` was sent but this deployment has no idempotency table. */
  IDEMPOTENCY_UNAVAILABLE: { slug: 'idempotency-unavailable', status: 501, title: 'Idempotency not available' },
  /** DynamoDB throttled or failed beyond the SDK's retries; retry after `Retry-After` seconds. */
  SERVICE_UNAVAILABLE: { slug: 'service-unavailable', status: 503, title: 'Service unavailable' },
} as const satisfies Record<string, ProblemSpec>;

/** One violation in a 422 {@link ProblemDocument}: where (a JSON Pointer into the item) and what. */
export interface ProblemViolation {
  /** JSON Pointer (RFC 6901) to the offending value; `''` is the whole item. */
  readonly path: string;
  readonly message: string;
}

/** The body of every error response. */
export interface ProblemDocument {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly detail: string;
  /** API Gateway's request id (`apigw-requestid`), the key to the function's log line for this request. */
  readonly requestId: string;
  /** 422 `validation-failed` only: every violation found. */
  readonly errors?: ProblemViolation[];
}
