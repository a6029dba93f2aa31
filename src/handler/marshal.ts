/**
 * JSON ↔ DynamoDB AttributeValue, for the handful of shapes JSON has.
 *
 * Hand-written rather than `@aws-sdk/util-dynamodb`: JSON needs six cases, values were checked before they get here
 * (see item.ts), and a member named `__proto__` written by another tool must come back as data, not as a prototype.
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { JsonObject, JsonValue } from './json';

/** A DynamoDB item. */
export type DynamoItem = Record<string, AttributeValue>;

/** Marshals one JSON value. Numbers are written as JavaScript prints them, which DynamoDB parses back exactly. */
export function toAttributeValue(value: JsonValue): AttributeValue {
  if (value === null) return { NULL: true };
  switch (typeof value) {
    case 'string':
      return { S: value };
    case 'number':
      return { N: String(value) };
    case 'boolean':
      return { BOOL: value };
    default:
      if (Array.isArray(value)) return { L: value.map(toAttributeValue) };
      return { M: toItem(value) };
  }
}

/** Marshals a JSON object into a DynamoDB item (or map). */
export function toItem(obj: JsonObject): DynamoItem {
  const out: DynamoItem = {};
  for (const key of Object.keys(obj)) {
    setOwn(out, key, toAttributeValue(obj[key]));
  }
  return out;
}

/**
 * Unmarshals one value. Sets become arrays and binary becomes base64, so items written by other tools still read as
 * JSON.
 */
export function fromAttributeValue(av: AttributeValue): JsonValue {
  if (av.S !== undefined) return av.S;
  if (av.N !== undefined) return Number(av.N);
  if (av.BOOL !== undefined) return av.BOOL;
  if (av.NULL !== undefined) return null;
  if (av.M !== undefined) return fromItem(av.M);
  if (av.L !== undefined) return av.L.map(fromAttributeValue);
  if (av.SS !== undefined) return [...av.SS];
  if (av.NS !== undefined) return av.NS.map(Number);
  if (av.B !== undefined) return Buffer.from(av.B).toString('base64');
  if (av.BS !== undefined) return av.BS.map((b) => Buffer.from(b).toString('base64'));
  throw new Error(`unsupported AttributeValue: ${Object.keys(av).join(',')}`);
}

/** Unmarshals a DynamoDB item (or map) into a JSON object. */
export function fromItem(item: Record<string, AttributeValue>): JsonObject {
  const out: JsonObject = {};
  for (const key of Object.keys(item)) {
    setOwn(out, key, fromAttributeValue(item[key]));
  }
  return out;
}

/** `obj[key] = value`, except that `__proto__` becomes an own data property instead of replacing the prototype. */
export function setOwn<T>(obj: Record<string, T>, key: string, value: T): void {
  if (key === '__proto__') {
    Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
  } else {
    obj[key] = value;
  }
}
