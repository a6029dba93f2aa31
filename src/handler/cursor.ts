/**
 * List cursors: opaque, encrypted and authenticated with a per-deployment secret, bound to the listing they continue
 * and to the caller, and short-lived.
 *
 * A cursor is `base64url(format byte ‖ key id[4] ‖ IV[12] ‖ AES-256-GCM(payload) ‖ tag[16])`.
 * - The payload is DynamoDB's LastEvaluatedKey (typed key values) and the time it was issued. Encrypted, so a client
 *   learns nothing from a cursor, not even the key of the item it stops at.
 * - The additional authenticated data is the table, the caller's owner id (or principal) and the listing (mode, index,
 *   partition value, order, key condition). A cursor used for another listing, table or caller fails authentication, and says
 *   nothing about whose it was.
 * - The AES key is derived (HKDF-SHA256) from the secret and the table name. The secret comes from Secrets Manager
 *   (see cursor-keys.ts); there is no derived or default key, so nobody who reads the template can mint a cursor.
 * - The key id (4 bytes of an HMAC of the derived key) says which secret version issued the cursor, so rotation can
 *   keep accepting the previous one.
 * - Cursors expire {@link CURSOR_LIFETIME_SECONDS} after they were issued.
 *
 * Defence in depth: after decryption the key is still checked strictly against the listing's key schema and the
 * partition being queried, and every owner-scoped query names the caller's partition in its key condition anyway.
 */
import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from 'crypto';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { CursorKeySource } from './cursor-keys';

/** How a listing reads the table. */
export type ListMode = 'scan' | 'owner' | 'index';

/** Everything a cursor is bound to, besides the table and the caller. */
export interface Listing {
  readonly mode: ListMode;
  /** GSI name for `index`. */
  readonly indexName?: string;
  /** `index`: the queried partition value (as the client sent it). */
  readonly partitionValue?: string;
  /** `index` with a sort key, or a table partition read backwards: the order. */
  readonly order?: 'asc' | 'desc';
  /**
   * The key condition on the sort key (src/shared/range-query.ts `conditionText`), if any: a cursor of one range is
   * refused by another.
   */
  readonly condition?: string;
  /** Exactly the attributes of LastEvaluatedKey for this listing (table key plus index keys). */
  readonly keyAttributes: readonly string[];
  /** Attributes of the key whose value is fixed by the listing (the partition being queried), with that value. */
  readonly fixedKeyValues: Readonly<Record<string, string>>;
}

/** How long a cursor stays valid after it was issued: long enough for any paging session, short enough to bound replay. */
export const CURSOR_LIFETIME_SECONDS = 24 * 60 * 60;

/** Longest cursor accepted; longer is malformed before any decoding. */
export const MAX_CURSOR_LENGTH = 16 * 1024;

const FORMAT = 2;
const KEY_ID_BYTES = 4;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const HEADER_BYTES = 1 + KEY_ID_BYTES + IV_BYTES;

/** Why a cursor was refused (the detail of the 400). */
export class CursorError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CursorError';
  }
}

/** One usable key: the AES key derived for this table, and its id. */
interface DerivedKey {
  readonly id: Buffer;
  readonly key: Buffer;
}

/** Issues and opens cursors for one table. */
export class CursorCodec {
  private readonly derived = new Map<string, DerivedKey>();

  constructor(private readonly tableName: string, private readonly source: CursorKeySource) {}

  /** The cursor continuing `listing` after `lastKey`, for `caller` (owner or principal; undefined for none). */
  public async encode(listing: Listing, lastKey: Record<string, AttributeValue>, caller: string | undefined, nowMs: number): Promise<string> {
    const k: Record<string, [string, string]> = {};
    for (const attr of listing.keyAttributes) {
      const v = lastKey[attr];
      if (v?.S !== undefined) k[attr] = ['S', v.S];
      else if (v?.N !== undefined) k[attr] = ['N', v.N];
      else throw new Error(`LastEvaluatedKey lacks key attribute '${attr}'`);
    }
    const keys = await this.source.keys();
    const { id, key } = this.derive(keys.current);
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    cipher.setAAD(this.aad(listing, caller));
    const plaintext = Buffer.from(JSON.stringify({ k, t: Math.floor(nowMs / 1000) }), 'utf8');
    const sealed = Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
    return Buffer.concat([Buffer.from([FORMAT]), id, iv, sealed]).toString('base64url');
  }

  /**
   * The ExclusiveStartKey a cursor stands for, if this API issued it for exactly this listing and caller within its
   * lifetime; otherwise a {@link CursorError}.
   */
  public async decode(cursor: string, listing: Listing, caller: string | undefined, nowMs: number): Promise<Record<string, AttributeValue>> {
    if (cursor.length === 0 || cursor.length > MAX_CURSOR_LENGTH || !/^[A-Za-z0-9_-]+$/.test(cursor)) {
      throw new CursorError('the cursor is malformed');
    }
    const raw = Buffer.from(cursor, 'base64url');
    // Only the canonical spelling: the unused low bits of the last character must be zero, so that no
    // second string decodes to the same cursor.
    if (raw.toString('base64url') !== cursor) throw new CursorError('the cursor is malformed');
    if (raw.length < HEADER_BYTES + TAG_BYTES + 2 || raw[0] !== FORMAT) throw new CursorError('the cursor is malformed');
    const keyId = raw.subarray(1, 1 + KEY_ID_BYTES);
    let key = this.find(keyId, (await this.source.keys()).all);
    if (!key && this.source.refresh) {
      // Issued under a secret version this environment has not loaded yet (a rotation since it started).
      key = this.find(keyId, (await this.source.refresh()).all);
    }
    const unauthentic = () => new CursorError('the cursor was not issued by this API for this listing and caller, or it was altered');
    if (!key) throw unauthentic();
    let plaintext: Buffer;
    try {
      const decipher = createDecipheriv('aes-256-gcm', key.key, raw.subarray(1 + KEY_ID_BYTES, HEADER_BYTES));
      decipher.setAAD(this.aad(listing, caller));
      decipher.setAuthTag(raw.subarray(raw.length - TAG_BYTES));
      plaintext = Buffer.concat([decipher.update(raw.subarray(HEADER_BYTES, raw.length - TAG_BYTES)), decipher.final()]);
    } catch {
      throw unauthentic();
    }
    let data: unknown;
    try {
      data = JSON.parse(plaintext.toString('utf8'));
    } catch {
      throw unauthentic();
    }
    return checkPayload(data, listing, nowMs);
  }

  private find(id: Buffer, secrets: readonly string[]): DerivedKey | undefined {
    for (const secret of secrets) {
      const d = this.derive(secret);
      if (d.id.equals(id)) return d;
    }
    return undefined;
  }

  private derive(secret: string): DerivedKey {
    let d = this.derived.get(secret);
    if (!d) {
      const key = Buffer.from(hkdfSync('sha256', Buffer.from(secret, 'utf8'), 'cdk-serverless-crud-api/cursor/v2', this.tableName, 32));
      d = { key, id: createHmac('sha256', key).update('key-id').digest().subarray(0, KEY_ID_BYTES) };
      this.derived.set(secret, d);
    }
    return d;
  }

  /** Length-prefixed fields, so no two (table, caller, listing) triples share an encoding. */
  private aad(listing: Listing, caller: string | undefined): Buffer {
    const parts = [
      this.tableName,
      caller === undefined ? '' : `c:${caller}`,
      listing.mode,
      listing.indexName ?? '',
      listing.partitionValue === undefined ? '' : `p:${listing.partitionValue}`,
      listing.order ?? '',
      // Only when present, so cursors of listings without a condition stay valid across this addition.
      ...(listing.condition !== undefined ? [`k:${listing.condition}`] : []),
    ];
    return Buffer.from(parts.map((p) => `${Buffer.byteLength(p, 'utf8')}:${p}`).join(''), 'utf8');
  }
}

/** Strict structural check of an authenticated payload against the listing it is used for. */
function checkPayload(data: unknown, listing: Listing, nowMs: number): Record<string, AttributeValue> {
  const bad = (why: string): never => {
    throw new CursorError(`the cursor does not belong to this listing (${why})`);
  };
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return bad('not an object');
  const d = data as Record<string, unknown>;
  if (Object.keys(d).sort().join(',') !== 'k,t' || typeof d.t !== 'number' || !Number.isInteger(d.t)) return bad('unknown format');
  const age = Math.floor(nowMs / 1000) - d.t;
  if (age > CURSOR_LIFETIME_SECONDS) {
    throw new CursorError(`the cursor has expired (cursors are valid for ${CURSOR_LIFETIME_SECONDS / 3600} hours)`);
  }
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
    if (!Array.isArray(v) || v.length !== 2 || (v[0] !== 'S' && v[0] !== 'N') || typeof v[1] !== 'string' || v[1].length === 0
      || Buffer.byteLength(v[1], 'utf8') > 2048) {
      return bad(`bad key value for '${attr}'`);
    }
    const fixed = listing.fixedKeyValues[attr];
    if (fixed !== undefined && (v[0] !== 'S' || v[1] !== fixed)) return bad('its key is outside the queried partition');
    out[attr] = v[0] === 'S' ? { S: v[1] } : { N: v[1] };
  }
  return out;
}
