/**
 * Stream images (Lambda's shape, src/handler/stream-record.ts) as JSON, and what the keys of a nested item's partition
 * say about where it lives.
 */
import type { AttributeValue } from 'aws-lambda';
import type { JsonObject, JsonValue } from './json';
import { setOwn } from './marshal';

/**
 * Unmarshals an image as the API reads items (src/handler/marshal.ts): sets become arrays, binary stays base64 (Lambda
 * delivers it so), numbers become JavaScript numbers.
 */
export function fromStreamImage(image: Record<string, AttributeValue>): JsonObject {
  const out: JsonObject = {};
  for (const key of Object.keys(image)) setOwn(out, key, fromStreamValue(image[key]));
  return out;
}

function fromStreamValue(av: AttributeValue): JsonValue {
  if (av.S !== undefined) return av.S;
  if (av.N !== undefined) return Number(av.N);
  if (av.BOOL !== undefined) return av.BOOL;
  if (av.NULL !== undefined) return null;
  if (av.M !== undefined) return fromStreamImage(av.M);
  if (av.L !== undefined) return av.L.map(fromStreamValue);
  if (av.SS !== undefined) return [...av.SS];
  if (av.NS !== undefined) return av.NS.map(Number);
  if (av.B !== undefined) return av.B;
  if (av.BS !== undefined) return [...av.BS];
  throw new Error(`unsupported stream AttributeValue: ${Object.keys(av).join(',')}`);
}

/**
 * The parts of a nested item's partition value (src/shared/keys.ts `scopeValue`: the owner when owner-scoped, then
 * each ancestor's id, each length-prefixed), or undefined when the value is not one.
 */
export function scopeParts(value: string): string[] | undefined {
  const parts: string[] = [];
  let at = 0;
  while (at < value.length) {
    const colon = value.indexOf(':', at);
    if (colon <= at || !/^[0-9]+$/.test(value.slice(at, colon))) return undefined;
    const length = Number(value.slice(at, colon));
    const end = colon + 1 + length;
    if (end > value.length) return undefined;
    parts.push(value.slice(colon + 1, end));
    at = end;
  }
  return parts;
}
