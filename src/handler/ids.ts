/**
 * Server-assigned ids (`idGenerator`): random UUID v4 (the default), or time-ordered UUID v7 (RFC 9562) or ULID, whose
 * text sorts in creation order, so a partition listed in id order is listed in creation order.
 *
 * Within one execution environment the time-ordered ids are strictly increasing, also within one millisecond (a
 * counter continues the random bits, as RFC 9562 §6.2 method 2 and the ULID spec's monotonic mode allow). Across
 * environments they are ordered to the millisecond.
 */
// Bit layouts of RFC 9562 and the ULID spec are defined in bits.
/* eslint-disable no-bitwise */
import { randomBytes, randomUUID } from 'crypto';
import type { IdGenerator } from '../shared/config';

/** A source of new ids, or undefined for `none` (clients choose the ids). */
export function idGeneratorOf(kind: IdGenerator, now: () => number = Date.now): (() => string) | undefined {
  switch (kind) {
    case 'uuid-v4':
      return randomUUID;
    case 'uuid-v7':
      return uuidV7Generator(now);
    case 'ulid':
      return ulidGenerator(now);
    case 'none':
      return undefined;
  }
}

/** UUID v7: 48-bit Unix ms, version 7, 12-bit counter seeded at random each ms, variant 10, 62 random bits. */
export function uuidV7Generator(now: () => number): () => string {
  let lastMs = -1;
  let counter = 0;
  return () => {
    let ms = now();
    if (ms <= lastMs) {
      ms = lastMs;
      counter++;
      if (counter > 0xfff) {
        // 4096 ids in one millisecond: borrow the next millisecond, as RFC 9562 allows, to stay monotonic.
        ms = ++lastMs;
        counter = randomBytes(2).readUInt16BE(0) & 0x7ff;
      }
    } else {
      // Seed with the top bit clear, so at least 2048 ids fit in a millisecond before borrowing.
      counter = randomBytes(2).readUInt16BE(0) & 0x7ff;
    }
    lastMs = ms;
    const b = randomBytes(16);
    b.writeUIntBE(ms, 0, 6);
    b[6] = 0x70 | (counter >> 8);
    b[7] = counter & 0xff;
    b[8] = 0x80 | (b[8] & 0x3f);
    const h = b.toString('hex');
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  };
}

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** ULID: 10 characters of ms time, 16 of randomness (Crockford base32); monotonic within a millisecond. */
export function ulidGenerator(now: () => number): () => string {
  let lastMs = -1;
  let random = Buffer.alloc(10);
  return () => {
    let ms = now();
    if (ms <= lastMs) {
      ms = lastMs;
      if (!increment(random)) {
        ms = ++lastMs;
        random = randomBytes(10);
      }
    } else {
      random = randomBytes(10);
      random[0] &= 0x7f; // room to increment within the millisecond
    }
    lastMs = ms;
    let time = '';
    let t = ms;
    for (let i = 0; i < 10; i++) {
      time = CROCKFORD[t % 32] + time;
      t = Math.floor(t / 32);
    }
    return time + base32(random);
  };
}

/** Adds one to a big-endian byte string; false on overflow. */
function increment(bytes: Buffer): boolean {
  for (let i = bytes.length - 1; i >= 0; i--) {
    if (bytes[i] < 0xff) {
      bytes[i]++;
      return true;
    }
    bytes[i] = 0;
  }
  return false;
}

/** 80 bits → 16 Crockford base32 characters. */
function base32(bytes: Buffer): string {
  let value = BigInt('0x' + bytes.toString('hex'));
  let out = '';
  for (let i = 0; i < 16; i++) {
    out = CROCKFORD[Number(value & 31n)] + out;
    value >>= 5n;
  }
  return out;
}
