/**
 * List cursors: opaque to clients, authenticated, and bound to the listing they continue.
 *
 * A cursor is `base64url(JSON payload) "." base64url(HMAC-SHA256(key, context + payload))[0..16 bytes]`. The payload
 * holds the listing (mode, index, partition value, order) and DynamoDB's LastEvaluatedKey as a flat map of strings
 * (every key attribute here is a string). The MAC also covers what is not in the payload: the table name and the
 * caller's owner id, so another owner's cursor fails verification without revealing whose it was.
 *
 * The key is `CRUD_CURSOR_SECRET` when set, else derived from the table name. A derived key is not secret: it detects
 * corruption and tampering by ordinary clients, but someone who knows the table name could mint a cursor. That is
 * acceptable because isolation never rests on the MAC: {@link decodeCursor} also checks the decoded key strictly
 * against the listing's key schema and binds it to the caller, and an owner-scoped listing always queries the
 * caller's own partition. A minted cursor can only choose where, inside what the caller may list anyway, a page
 * starts.
 */
import { createHash, createHmac, timingSafeEqual } from 'crypto';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';

/** How a listing reads the table. */
export type ListMode = 'scan' | 'index' | 'owner';

/** Everything a cursor is bound to, besides the table (in the key) and the owner. */
export interface Listing {
  readonly mode: ListMode;
  /** GSI name for `index` and `owner`. */
  readonly indexName?: string;
  /** `index`: the queried partition value. */
  readonly partitionValue?: string;
  /** `index` with a sort key: the order. */
  readonly order?: 'asc' | 'desc';
  /** Exactly the attributes of LastEvaluatedKey for this listing (table key plus index keys). */
  readonly keyAttributes: readonly string[];
  /** Attributes of the key whose value is fixed by the listing (the partition being queried), with that value. */
  readonly fixedKeyValues: Readonly<Record<string, string>>;
}

/** Longest cursor accepted; longer is malformed before any decoding. */
export const MAX_CURSOR_LENGTH = 16 * 1024;
const MAC_BYTES = 16;
const CURSOR_VERSION = 1;

/** Why a cursor was refused (the detail of the 400). */
export class CursorError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CursorError';
  }
}

/** Signs and verifies cursors for one table. */
export class CursorCodec {
  private readonly key: Buffer;

  constructor(private readonly tableName: string, secret?: string) {
    this.key = secret
      ? Buffer.from(secret, 'utf8')
      : createHash('sha256').update(`cdk-serverless-crud-api/cursor/v1\0${tableName}`).digest();
  }

  /** The cursor for continuing `listing` after `lastKey`, for `owner` (undefined when not owner-scoped). */
  public encode(listing: Listing, lastKey: Record<string, AttributeValue>, owner: string | undefined): string {
    const k: Record<string, string> = {};
    for (const attr of listing.keyAttributes) {
      const v = lastKey[attr]?.S;
      if (v === undefined) throw new Error(`LastEvaluatedKey lacks string attribute '${attr}'`);
      k[attr] = v;
    }
    const payload = Buffer.from(JSON.stringify({
      v: CURSOR_VERSION,
      m: listing.mode,
      i: listing.indexName ?? null,
      p: listing.partitionValue ?? null,
      o: listing.order ?? null,
      k,
    }), 'utf8').toString('base64url');
    return `${payload}.${this.mac(payload, owner).toString('base64url')}`;
  }

  /**
   * The ExclusiveStartKey a cursor stands for, if it was issued for exactly this listing and owner; otherwise a
   * {@link CursorError}.
   */
  public decode(cursor: string, listing: Listing, owner: string | undefined): Record<string, AttributeValue> {
    if (cursor.length === 0 || cursor.length > MAX_CURSOR_LENGTH || !/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(cursor)) {
      throw new CursorError('the cursor is malformed');
    }
    const [payload, mac] = cursor.split('.');
    const given = Buffer.from(mac, 'base64url');
    const expected = this.mac(payload, owner);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      throw new CursorError('the cursor was not issued by this API for this caller, or it was altered');
    }
    let data: unknown;
    try {
      data = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    } catch {
      throw new CursorError('the cursor is malformed');
    }
    return checkPayload(data, listing);
  }

  private mac(payload: string, owner: string | undefined): Buffer {
    // Length-prefixed fields, so no two (table, owner, payload) triples share an input.
    const h = createHmac('sha256', this.key);
    for (const part of [this.tableName, owner === undefined ? '' : `o:${owner}`, payload]) {
      h.update(`${Buffer.byteLength(part, 'utf8')}:`).update(part, 'utf8');
    }
    return h.digest().subarray(0, MAC_BYTES);
  }
}

/** Strict structural check of a (MAC-verified) payload against the listing it is used for. */
function checkPayload(data: unknown, listing: Listing): Record<string, AttributeValue> {
  const bad = (why: string): never => {
    throw new CursorError(`the cursor does not belong to this listing (${why})`);
  };
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return bad('not an object');
  const d = data as Record<string, unknown>;
  if (Object.keys(d).sort().join(',') !== 'i,k,m,o,p,v' || d.v !== CURSOR_VERSION) return bad('unknown format');
  if (d.m !== listing.mode) return bad(`it continues a ${String(d.m)} listing, this is a ${listing.mode} listing`);
  if (d.i !== (listing.indexName ?? null)) return bad('another index');
  if (d.p !== (listing.partitionValue ?? null)) return bad('another query value');
  if (d.o !== (listing.order ?? null)) return bad('another order');
  const k = d.k;
  if (typeof k !== 'object' || k === null || Array.isArray(k)) return bad('no key');
  const key = k as Record<string, unknown>;
  const names = Object.keys(key);
  if (names.length !== listing.keyAttributes.length || !listing.keyAttributes.every((a) => names.includes(a))) {
    return bad('its key does not match the key schema');
  }
  const out: Record<string, AttributeValue> = {};
  for (const attr of listing.keyAttributes) {
    const v = key[attr];
    if (typeof v !== 'string' || v.length === 0 || Buffer.byteLength(v, 'utf8') > 2048) return bad(`bad key value for '${attr}'`);
    const fixed = listing.fixedKeyValues[attr];
    if (fixed !== undefined && v !== fixed) return bad('its key is outside the queried partition');
    out[attr] = { S: v };
  }
  return out;
}
