/**
 * Sparse fieldsets: `?fields=title,due` on a listing or a read returns only those attributes (and always the id, and a
 * nested resource's ancestors' ids). Read with a ProjectionExpression, so wide items cost less to read and to send.
 *
 * Names are top-level attribute names, taken literally (`a.b` is the attribute named `a.b`, not a path into `a`).
 * What the server needs besides (the key attributes a cursor resumes from, the version and generation of an ETag) is
 * read but not shown unless asked for.
 */
import { HttpError } from './http';
import type { ItemModel } from './item';
import type { JsonObject } from './json';
import { setOwn } from './marshal';
import { HIDDEN_ATTRIBUTES, MANAGED_ATTRIBUTES, ResourceConfig } from '../shared/config';
import { OWNER_INDEX_KEY_PREFIX, PARENT_KEY_ATTRIBUTE, SCOPED_INDEX_KEY_PREFIX } from '../shared/keys';
import { PROBLEMS } from '../shared/problems';
import { MAX_FIELDS } from '../shared/range-query';

/** Longest attribute name the API stores (src/handler/item.ts MAX_ATTRIBUTE_NAME_BYTES). */
const MAX_NAME_BYTES = 255;

/** A parsed `fields`: what to show and what to read. */
export interface Fieldset {
  /** Attributes shown: those asked for, the id, the ancestors' ids. */
  readonly shown: ReadonlySet<string>;
  /** Attributes read: the shown ones and what the server needs. */
  readonly fetch: readonly string[];
}

/** Whether a name is kept by the server and never shown (generation, delete lease, hidden key attributes). */
export function isServerInternal(model: ItemModel, name: string): boolean {
  return model.hidden.has(name) || (Object.values(HIDDEN_ATTRIBUTES) as string[]).includes(name) || name === PARENT_KEY_ATTRIBUTE
    || name.startsWith(OWNER_INDEX_KEY_PREFIX) || name.startsWith(SCOPED_INDEX_KEY_PREFIX);
}

/**
 * Parses `fields` (undefined: every attribute). 400 for an empty list or name, more than {@link MAX_FIELDS} names, a
 * server-internal name, or (when the schema closes the item with `additionalProperties: false`) a name it does not
 * know.
 * @param always attributes always shown (the id, the ancestors' path parameters)
 * @param needed attributes read for the server's own use (cursor keys, ETag parts)
 */
export function parseFields(
  raw: string | undefined, config: ResourceConfig, model: ItemModel, always: readonly string[], needed: readonly string[],
): Fieldset | undefined {
  if (raw === undefined) return undefined;
  const names = raw.split(',');
  if (raw === '' || names.some((n) => n === '')) {
    throw new HttpError(PROBLEMS.INVALID_QUERY, "'fields' is a comma-separated list of top-level attribute names (e.g. fields=title,due), without empty names.");
  }
  const unique = [...new Set(names)];
  if (unique.length > MAX_FIELDS) throw new HttpError(PROBLEMS.INVALID_QUERY, `'fields' names at most ${MAX_FIELDS} attributes (got ${unique.length}).`);
  const tooLong = unique.filter((n) => Buffer.byteLength(n, 'utf8') > MAX_NAME_BYTES);
  if (tooLong.length) throw new HttpError(PROBLEMS.INVALID_QUERY, `'fields' names must be at most ${MAX_NAME_BYTES} bytes (attribute names are).`);
  const internal = unique.filter((n) => isServerInternal(model, n));
  if (internal.length) {
    throw new HttpError(PROBLEMS.INVALID_QUERY, `'fields' names attributes the server keeps to itself: ${internal.map(quote).join(', ')}; `
      + 'name top-level attributes of the item.');
  }
  const known = knownAttributes(config, always);
  if (known !== undefined) {
    const unknown = unique.filter((n) => !known.has(n));
    if (unknown.length) {
      throw new HttpError(PROBLEMS.INVALID_QUERY, `'fields' names attributes items of '${config.name}' do not have: ${unknown.map(quote).join(', ')}; `
        + `they have ${[...known].map(quote).join(', ')} (top-level names only).`);
    }
  }
  const shown = new Set([...always, ...unique]);
  return { shown, fetch: [...new Set([...shown, ...needed])] };
}

/** The attributes an item can have, when its schema closes it (`additionalProperties: false`); else undefined. */
function knownAttributes(config: ResourceConfig, always: readonly string[]): Set<string> | undefined {
  const schema = config.schema;
  if (schema === undefined || schema.additionalProperties !== false || typeof schema.properties !== 'object' || schema.properties === null) return undefined;
  return new Set([
    ...always,
    config.idAttribute,
    ...Object.keys(schema.properties),
    ...Object.values(MANAGED_ATTRIBUTES),
    ...(config.ownerScoping ? [config.ownerScoping.attribute] : []),
  ]);
}

/** The presented item cut down to the fieldset (order kept). */
export function pick(item: JsonObject, f: Fieldset | undefined): JsonObject {
  if (f === undefined) return item;
  const out: JsonObject = {};
  for (const key of Object.keys(item)) if (f.shown.has(key)) setOwn(out, key, item[key]);
  return out;
}

function quote(n: string): string {
  return JSON.stringify(n.length > 64 ? `${n.slice(0, 64)}…` : n);
}
