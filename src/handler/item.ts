/**
 * What an item is: which attributes the server manages, what DynamoDB can store, how big an item is, and how an item
 * is presented to clients.
 */
import { escapePointer, isStorableNumber, JsonObject, JsonValue, MAX_REPORTED_VIOLATIONS } from './json';
import { setOwn } from './marshal';
import type { ItemTag } from './preconditions';
import { DEFAULTS, HIDDEN_ATTRIBUTES, KeyType, MANAGED_ATTRIBUTES, ResourceConfig } from '../shared/config';
import {
  indexPartitionAttribute, MAX_PARTITION_KEY_BYTES, MAX_SORT_KEY_BYTES, OWNER_INDEX_KEY_PREFIX, PARENT_KEY_ATTRIBUTE,
  SCOPED_INDEX_KEY_PREFIX, scopeAttribute, scopedIndexValue,
} from '../shared/keys';
import type { ProblemViolation } from '../shared/problems';
import { pathParameterOf, resourceChain } from '../shared/routes';

/** DynamoDB's item size limit (names and values, server-managed attributes included). */
export const MAX_ITEM_BYTES = 400 * 1024;

/**
 * Longest attribute name, at any depth, in UTF-8 bytes. DynamoDB allows 64 KB, but 255 is its limit for names used as
 * index keys or projected attributes, so every attribute can later be indexed without a migration (and DynamoDB Local
 * fails with an internal error on names of a few KB).
 */
export const MAX_ATTRIBUTE_NAME_BYTES = 255;

/** Longest id, in UTF-8 bytes (DynamoDB allows 2048 for a partition key; ids also travel in URLs). */
export const MAX_ID_BYTES = 1024;

/** The item shape one API works with, derived from its config. */
export interface ItemModel {
  readonly idAttribute: string;
  /** Type of the id: numeric ids are stored as numbers and shown as JSON numbers. */
  readonly idType: KeyType;
  readonly ownerAttribute?: string;
  /**
   * A nested resource's ancestors, root first: each one's path parameter is a server-managed attribute of the item
   * holding that ancestor's id (typed as the ancestor's id). Empty for a top-level resource.
   */
  readonly ancestors: readonly { readonly resource: string; readonly attribute: string; readonly type: KeyType }[];
  /** The attribute partitioning a scoped resource's table (`_parent` when nested, else the owner attribute). */
  readonly scopeAttribute?: string;
  /**
   * Attributes the server sets: version, createdAt, updatedAt, the owner attribute, and the hidden ones (see
   * {@link ItemModel.hidden}). Clients can neither set nor change any of them.
   */
  readonly managed: { has(name: string): boolean };
  /** Attributes stored but never shown: the generation and the owner-scoped index keys (`_ownerKey#<index>`). */
  readonly hidden: { has(name: string): boolean };
  /**
   * Indexes of a scoped resource (owner-scoped or nested) with a partition key: indexed attribute → the hidden
   * attribute holding (scope, value) as the index's partition key (src/shared/keys.ts).
   */
  readonly scopedIndexKeys: readonly (readonly [string, string])[];
  /** Attributes that are index keys, with DynamoDB's size limit and the index that needs them. */
  readonly indexKeys: ReadonlyMap<string, { readonly indexName: string; readonly maxBytes: number; readonly type?: KeyType }>;
}

/**
 * Builds the {@link ItemModel} of a resource.
 * @param all every resource of the API (a nested resource's ancestors come from it)
 */
export function itemModel(config: ResourceConfig, all: readonly ResourceConfig[] = [config]): ItemModel {
  const fixedHidden = new Set<string>([...Object.values(HIDDEN_ATTRIBUTES), PARENT_KEY_ATTRIBUTE]);
  const hidden = {
    has: (name: string) => fixedHidden.has(name) || name.startsWith(OWNER_INDEX_KEY_PREFIX) || name.startsWith(SCOPED_INDEX_KEY_PREFIX),
  };
  const nested = config.parent !== undefined;
  const ancestors = nested
    ? resourceChain(all, config.name).slice(0, -1).map((node) => {
      const r = all.find((x) => x.name === node.name)!;
      return { resource: r.name, attribute: pathParameterOf(r), type: r.idType ?? DEFAULTS.idType };
    })
    : [];
  const fixedManaged = new Set<string>(Object.values(MANAGED_ATTRIBUTES));
  if (config.ownerScoping) fixedManaged.add(config.ownerScoping.attribute);
  for (const a of ancestors) fixedManaged.add(a.attribute);
  const managed = { has: (name: string) => fixedManaged.has(name) || hidden.has(name) };
  const layout = { ownerAttribute: config.ownerScoping?.attribute, nested };
  const scope = scopeAttribute(layout);
  // Pairs, not a map: two indexes may share a partition attribute (told apart by their sort keys), each with its own key.
  const scopedIndexKeys: [string, string][] = scope === undefined ? [] : config.indexes
    .filter((ix) => ix.partitionKey !== undefined)
    .map((ix) => [ix.partitionKey!, indexPartitionAttribute(layout, ix)]);
  const indexKeys = new Map<string, { indexName: string; maxBytes: number; type?: KeyType }>();
  for (const ix of config.indexes) {
    if (ix.partitionKey !== undefined) indexKeys.set(ix.partitionKey, { indexName: ix.indexName, maxBytes: MAX_PARTITION_KEY_BYTES });
    if (ix.sortKey && ix.sortKey !== config.idAttribute && !managed.has(ix.sortKey)) {
      indexKeys.set(ix.sortKey, { indexName: ix.indexName, maxBytes: MAX_SORT_KEY_BYTES, ...(ix.sortKeyType === 'N' ? { type: 'N' as const } : {}) });
    }
  }
  return {
    idAttribute: config.idAttribute,
    idType: config.idType ?? DEFAULTS.idType,
    ...(config.ownerScoping ? { ownerAttribute: config.ownerScoping.attribute } : {}),
    ancestors,
    ...(scope !== undefined ? { scopeAttribute: scope } : {}),
    managed,
    hidden,
    scopedIndexKeys,
    indexKeys,
  };
}

const LONE_SURROGATE = /\p{Cs}/u;

/** Numeric ids: canonical integers within JavaScript's exact range, so the JSON number is the stored key. */
const CANONICAL_INTEGER = /^-?(0|[1-9][0-9]{0,15})$/;

/**
 * Why a path segment cannot be an id of this type, or undefined. Numeric ids are parsed strictly: `42` and `-7`,
 * never `042`, `+42`, `42.0`, `4.2e1` or `-0`, so one item has exactly one URL.
 */
export function checkPathId(raw: string, type: KeyType): string | undefined {
  if (type === 'S') return checkId(raw);
  if (!CANONICAL_INTEGER.test(raw) || raw === '-0' || !Number.isSafeInteger(Number(raw))) {
    return `the id must be an integer written plainly (e.g. 42 or -7: no sign '+', leading zeros, fraction or exponent) within ±${Number.MAX_SAFE_INTEGER}`;
  }
  return undefined;
}

/** Why a body's id value cannot be an id of this type (undefined: it can), and its canonical text. */
export function checkBodyIdValue(value: unknown, type: KeyType): { problem?: string; id?: string } {
  if (type === 'S') {
    const problem = checkId(value);
    return problem ? { problem } : { id: value as string };
  }
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) {
    return { problem: `the id must be an integer (a JSON number) within ±${Number.MAX_SAFE_INTEGER}` };
  }
  return { id: String(Object.is(value, -0) ? 0 : value) };
}

/** An id's stored JSON value: a number for numeric ids (canonical, safe integers), else the string. */
export function idValue(model: Pick<ItemModel, 'idType'>, id: string): JsonValue {
  return model.idType === 'N' ? Number(id) : id;
}

/** An item's id as text (the canonical number for numeric ids). */
export function idText(model: ItemModel, item: JsonObject): string {
  return String(item[model.idAttribute]);
}

/**
 * Why `value` cannot be an item id, or undefined when it can. An id with `/` is refused: API Gateway decodes `%2F`
 * before routing, so `/items/a%2Fb` never reaches `/items/{id}` and such an item could never be read or changed.
 * `.` and `..` are refused for the same reason: URL clients (RFC 3986 5.2.4, WHATWG URL; `%2E%2E` too) remove dot
 * segments, so `/items/..` is sent as `/`.
 */
export function checkId(value: unknown): string | undefined {
  if (typeof value !== 'string') return 'the id must be a string';
  if (value.length === 0) return 'the id must not be empty';
  if (value.includes('/')) return "the id must not contain '/' (API Gateway decodes %2F before routing, so /items/{id} could never reach it)";
  if (value === '.' || value === '..') return "the id must not be '.' or '..' (URL clients remove dot segments before sending, so /items/{id} could never reach it)";
  if (LONE_SURROGATE.test(value)) return 'the id is not valid Unicode';
  if (Buffer.byteLength(value, 'utf8') > MAX_ID_BYTES) return `the id is longer than ${MAX_ID_BYTES} bytes`;
  return undefined;
}

/**
 * Checks the client-written attributes of an item (everything but the id attribute, which the caller checks):
 * no server-managed attribute, names DynamoDB stores, well-formed Unicode, storable numbers, and index keys that are
 * non-empty strings within DynamoDB's key size. The value's depth is bounded already (see json.ts).
 */
export function checkAttributes(doc: JsonObject, model: ItemModel): ProblemViolation[] {
  const violations: ProblemViolation[] = [];
  const add = (path: string, message: string) => {
    if (violations.length < MAX_REPORTED_VIOLATIONS) violations.push({ path, message });
  };
  for (const key of Object.keys(doc)) {
    const path = '/' + escapePointer(key);
    if (model.managed.has(key)) {
      add(path, `'${key}' is managed by the server and cannot be set`);
      continue;
    }
    const nameProblem = checkName(key);
    if (nameProblem) {
      add(path, nameProblem);
      continue;
    }
    const indexKey = model.indexKeys.get(key);
    if (indexKey?.type === 'N') {
      // A number sort key: any storable number (checked below); DynamoDB refuses another type for the key.
      if (typeof doc[key] !== 'number') {
        add(path, `must be a number: it is the sort key of the index '${indexKey.indexName}'`);
        continue;
      }
    } else if (indexKey) {
      const v = doc[key];
      if (typeof v !== 'string' || v.length === 0) {
        add(path, `must be a non-empty string: it is a key of the index '${indexKey.indexName}'`);
        continue;
      }
      if (Buffer.byteLength(v, 'utf8') > indexKey.maxBytes) {
        add(path, `must be at most ${indexKey.maxBytes} bytes: it is a key of the index '${indexKey.indexName}'`);
        continue;
      }
    }
    walk(doc[key], path, add);
  }
  return violations;
}

function walk(value: JsonValue, path: string, add: (path: string, message: string) => void): void {
  if (typeof value === 'string') {
    if (LONE_SURROGATE.test(value)) add(path, 'string is not valid Unicode (it holds an unpaired surrogate)');
  } else if (typeof value === 'number') {
    if (!isStorableNumber(value)) add(path, `number ${value} cannot be stored by DynamoDB`);
  } else if (Array.isArray(value)) {
    value.forEach((v, i) => walk(v, `${path}/${i}`, add));
  } else if (value !== null && typeof value === 'object') {
    for (const key of Object.keys(value)) {
      const p = `${path}/${escapePointer(key)}`;
      const nameProblem = checkName(key);
      if (nameProblem) add(p, nameProblem);
      else walk(value[key], p, add);
    }
  }
}

/** Why `name` cannot be an attribute name this API stores, or undefined when it can. */
export function checkName(name: string): string | undefined {
  if (name.length === 0) return 'attribute names must not be empty';
  if (name === '__proto__') return "'__proto__' is not allowed as an attribute name";
  if (LONE_SURROGATE.test(name)) return 'attribute name is not valid Unicode (it holds an unpaired surrogate)';
  if (Buffer.byteLength(name, 'utf8') > MAX_ATTRIBUTE_NAME_BYTES) {
    return `attribute names must be at most ${MAX_ATTRIBUTE_NAME_BYTES} bytes (UTF-8)`;
  }
  return undefined;
}

/**
 * The size DynamoDB will count for this item, per its documented rules: names and string values by UTF-8 length,
 * numbers by significant digits, 3 bytes plus 1 per element for maps and lists. Slightly conservative.
 */
export function itemSize(item: JsonObject): number {
  let size = 0;
  for (const key of Object.keys(item)) size += Buffer.byteLength(key, 'utf8') + valueSize(item[key]);
  return size;
}

function valueSize(value: JsonValue): number {
  if (value === null || typeof value === 'boolean') return 1;
  if (typeof value === 'string') return Buffer.byteLength(value, 'utf8');
  if (typeof value === 'number') {
    const digits = String(Math.abs(value)).replace(/e.*$/, '').replace('.', '').replace(/^0+/, '').length;
    return Math.ceil(digits / 2) + 2;
  }
  let size = 3;
  if (Array.isArray(value)) {
    for (const v of value) size += 1 + valueSize(v);
  } else {
    for (const key of Object.keys(value)) size += 1 + Buffer.byteLength(key, 'utf8') + valueSize(value[key]);
  }
  return size;
}

/** The server-managed part of a stored item. */
export interface ItemMeta {
  readonly version: number;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly owner?: string;
  /** The generation: random per creation of an id, kept by every update (absent only on items of other tools). */
  readonly generation?: string;
  /** The request's partition (see OperationRequest.scope): its value keys the item and its scoped index keys. */
  readonly scope?: { readonly attribute: string; readonly value: string };
  /** A nested item's ancestors' ids (path order), stored under their path parameters. */
  readonly ancestors?: readonly { readonly parameter: string; readonly type: KeyType; readonly value: string }[];
}

/** Builds a stored item: the client's attributes, the id, and the server-managed attributes. */
export function buildItem(model: ItemModel, content: JsonObject, id: string, meta: ItemMeta): JsonObject {
  const item: JsonObject = {};
  for (const key of Object.keys(content)) {
    if (key !== model.idAttribute && !model.managed.has(key)) setOwn(item, key, content[key]);
  }
  setOwn(item, model.idAttribute, idValue(model, id));
  for (const a of meta.ancestors ?? []) setOwn(item, a.parameter, a.type === 'N' ? Number(a.value) : a.value);
  if (model.scopeAttribute === PARENT_KEY_ATTRIBUTE && meta.scope !== undefined) item[PARENT_KEY_ATTRIBUTE] = meta.scope.value;
  item[MANAGED_ATTRIBUTES.VERSION] = meta.version;
  item[MANAGED_ATTRIBUTES.CREATED_AT] = meta.createdAt;
  item[MANAGED_ATTRIBUTES.UPDATED_AT] = meta.updatedAt;
  if (meta.generation !== undefined) item[HIDDEN_ATTRIBUTES.GENERATION] = meta.generation;
  if (model.ownerAttribute && meta.owner !== undefined) setOwn(item, model.ownerAttribute, meta.owner);
  if (meta.scope !== undefined) {
    for (const [attribute, keyAttribute] of model.scopedIndexKeys) {
      const value = item[attribute];
      if (typeof value === 'string') item[keyAttribute] = scopedIndexValue(meta.scope.value, value);
    }
  }
  return item;
}

/**
 * The scoped index keys that would exceed DynamoDB's partition key size once the scope (owner, parent) is part of
 * them (the plain attribute was checked against the limit alone).
 */
export function oversizedScopedIndexKeys(model: ItemModel, item: JsonObject): ProblemViolation[] {
  const out: ProblemViolation[] = [];
  for (const [attribute, keyAttribute] of model.scopedIndexKeys) {
    const key = item[keyAttribute];
    if (typeof key === 'string' && Buffer.byteLength(key, 'utf8') > MAX_PARTITION_KEY_BYTES) {
      out.push({
        path: '/' + escapePointer(attribute),
        message: `is too long: with the owner's or parent's id it would exceed the ${MAX_PARTITION_KEY_BYTES}-byte index key limit`,
      });
    }
  }
  return out;
}

/** The client-written attributes of a stored item (no id, nothing server-managed): what the JSON Schema sees. */
export function clientContent(model: ItemModel, item: JsonObject): JsonObject {
  const out: JsonObject = {};
  for (const key of Object.keys(item)) {
    if (key !== model.idAttribute && !model.managed.has(key)) setOwn(out, key, item[key]);
  }
  return out;
}

/** The item's entity tag parts: version and generation. */
export function tagOf(item: JsonObject): ItemTag {
  const generation = generationOf(item);
  return generation === undefined ? { version: versionOf(item) } : { version: versionOf(item), generation };
}

/** The item's generation, or undefined (items written by other tools). */
export function generationOf(item: JsonObject): string | undefined {
  const g = item[HIDDEN_ATTRIBUTES.GENERATION];
  return typeof g === 'string' && GENERATION.test(g) ? g : undefined;
}

/** What a generation looks like: base64url, as {@link newGeneration} makes them (other values are ignored). */
const GENERATION = /^[A-Za-z0-9_-]{1,32}$/;

/** The item's version: 0 for an item written by another tool without one. */
export function versionOf(item: JsonObject): number {
  const v = item[MANAGED_ATTRIBUTES.VERSION];
  return typeof v === 'number' && Number.isInteger(v) && v >= 0 ? v : 0;
}

/**
 * The representation clients get: id first, then the client's attributes, then the server-managed ones, with object
 * members sorted (by UTF-16 code units) at every level, so one version of an item always serialises to the same bytes
 * (which the strong ETag promises), whatever order DynamoDB returns them in.
 */
export function presentItem(model: ItemModel, item: JsonObject): JsonObject {
  const out: JsonObject = {};
  if (Object.prototype.hasOwnProperty.call(item, model.idAttribute)) setOwn(out, model.idAttribute, item[model.idAttribute]);
  // A nested item's ancestors' ids next, root first: where it lives.
  for (const a of model.ancestors) {
    if (Object.prototype.hasOwnProperty.call(item, a.attribute)) setOwn(out, a.attribute, item[a.attribute]);
  }
  const rest = Object.keys(item).filter((k) => k !== model.idAttribute && !model.managed.has(k)).sort();
  for (const key of rest) setOwn(out, key, canonical(item[key]));
  // Hidden attributes (generation, owner-scoped index keys) are never shown.
  for (const key of [MANAGED_ATTRIBUTES.VERSION, MANAGED_ATTRIBUTES.CREATED_AT, MANAGED_ATTRIBUTES.UPDATED_AT, model.ownerAttribute]) {
    if (key !== undefined && Object.prototype.hasOwnProperty.call(item, key)) setOwn(out, key, item[key]);
  }
  return out;
}

/** The value with object members sorted (UTF-16 code unit order), at every level. */
export function canonical(value: JsonValue): JsonValue {
  if (Array.isArray(value)) return value.map(canonical);
  if (value === null || typeof value !== 'object') return value;
  const out: JsonObject = {};
  for (const key of Object.keys(value).sort()) setOwn(out, key, canonical(value[key]));
  return out;
}
