/**
 * `Idempotency-Key` on POST, without an in-progress state.
 *
 * The item and an idempotency record are written in one TransactWriteItems, each `attribute_not_exists` (the record
 * also when expired, since TTL deletion lags). So exactly one of any number of concurrent requests with one key
 * creates; the others find the record (DynamoDB returns it with the cancellation) and answer from it.
 *
 * The record holds no response: the original 201 is rebuilt from the record (item id, creation time) and the
 * request body, which the request hash proves identical. That keeps records tiny, whatever the item's size.
 */
import { createHash } from 'crypto';
import { HttpError } from './http';
import { canonical } from './item';
import type { JsonObject } from './json';
import type { DynamoItem } from './marshal';
import { IDEMPOTENCY_TABLE } from '../shared/config';
import { PROBLEMS } from '../shared/problems';

/** Longest key accepted (as Stripe and the IETF draft's examples use). */
export const MAX_IDEMPOTENCY_KEY_LENGTH = 255;

/**
 * The key from the header: printable ASCII, 1-255 characters. The IETF draft (httpapi-idempotency-key-header) sends
 * it as a structured-field string (`"abc"`), most clients bare (`abc`); both mean the same key.
 */
export function parseIdempotencyKey(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  let key = value.trim();
  if (key.length >= 2 && key.startsWith('"') && key.endsWith('"')) key = key.slice(1, -1);
  if (key.length === 0 || key.length > MAX_IDEMPOTENCY_KEY_LENGTH || !/^[\x20-\x7e]+$/.test(key)) {
    throw new HttpError(
      PROBLEMS.INVALID_HEADER,
      `Idempotency-Key must be 1 to ${MAX_IDEMPOTENCY_KEY_LENGTH} printable ASCII characters.`,
    );
  }
  return key;
}

/**
 * The record's partition key: a hash of the resource, the caller's principal (see caller.ts) and the key, so keys
 * belong to their caller (one caller can never replay another's response) and any key length fits. Only an API
 * without authorization has no principal: there all callers share one namespace.
 */
export function recordKey(resourceName: string, principal: string | undefined, key: string, parentPath?: string): string {
  // A nested resource's keys are per parent: the same key under two parents names two requests.
  const parts = parentPath === undefined ? [resourceName, principal ?? null, key] : [resourceName, principal ?? null, key, parentPath];
  return 'v2#' + createHash('sha256').update(JSON.stringify(parts)).digest('base64url');
}

/** Hash of the request: the body in canonical form, so member order and whitespace do not make a new request. */
export function requestHash(body: JsonObject): string {
  return createHash('sha256').update(JSON.stringify(canonical(body))).digest('base64url');
}

/** What the idempotency table stores per key. */
export interface IdempotencyRecord {
  readonly pk: string;
  readonly requestHash: string;
  readonly itemId: string;
  readonly createdAt: string;
  /** The item's generation, so a replay answers the original ETag. */
  readonly generation: string;
  /** Epoch seconds; DynamoDB TTL deletes the record some time after. */
  readonly expiresAt: number;
}

/** The 422 for a key reused with another body. */
export function keyReused(): HttpError {
  return new HttpError(
    PROBLEMS.IDEMPOTENCY_KEY_REUSED,
    'This Idempotency-Key was already used with a different request body; use a new key for a new request.',
  );
}

/** The record as the idempotency table stores it. */
export function idempotencyRecordItem(r: IdempotencyRecord): DynamoItem {
  return {
    [IDEMPOTENCY_TABLE.PARTITION_KEY]: { S: r.pk },
    requestHash: { S: r.requestHash },
    itemId: { S: r.itemId },
    createdAt: { S: r.createdAt },
    generation: { S: r.generation },
    [IDEMPOTENCY_TABLE.TTL_ATTRIBUTE]: { N: String(r.expiresAt) },
  };
}

/** The record a stored item holds, or undefined when the item is not a whole record. */
export function idempotencyRecordFromItem(item: DynamoItem): IdempotencyRecord | undefined {
  const pk = item[IDEMPOTENCY_TABLE.PARTITION_KEY]?.S;
  const hash = item.requestHash?.S;
  const itemId = item.itemId?.S;
  const createdAt = item.createdAt?.S;
  const generation = item.generation?.S;
  const expiresAt = Number(item[IDEMPOTENCY_TABLE.TTL_ATTRIBUTE]?.N);
  if (!pk || !hash || !itemId || !createdAt || !generation || !Number.isFinite(expiresAt)) return undefined;
  return { pk, requestHash: hash, itemId, createdAt, generation, expiresAt };
}
