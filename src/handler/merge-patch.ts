/**
 * JSON Merge Patch (RFC 7396): objects merge member by member, `null` removes a member, anything else replaces.
 */
import type { JsonObject, JsonValue } from './json';
import { setOwn } from './marshal';

/** Applies `patch` to `target` (RFC 7396 section 2) without modifying either. */
export function mergePatch(target: JsonValue | undefined, patch: JsonValue): JsonValue {
  if (!isObject(patch)) return patch;
  const result: JsonObject = {};
  if (isObject(target)) {
    for (const key of Object.keys(target)) setOwn(result, key, target[key]);
  }
  for (const key of Object.keys(patch)) {
    const value = patch[key];
    if (value === null) {
      delete result[key];
    } else {
      setOwn(result, key, mergePatch(Object.prototype.hasOwnProperty.call(result, key) ? result[key] : undefined, value));
    }
  }
  return result;
}

/** A JSON object (not an array, not null). */
export function isObject(v: JsonValue | undefined): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
