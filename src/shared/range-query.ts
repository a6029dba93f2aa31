/**
 * The query language of a listing (`GET /tasks?…`): which read it is and which key condition it sends. Pure: shared by
 * the handler (which plans every listing with it), the OpenAPI generator (which documents it) and tests.
 *
 * ```
 * list-query   = param *( "&" param )
 * param        = "limit=" 1*DIGIT / "cursor=" token / "order=" ( "asc" / "desc" ) / "fields=" name *( "," name )
 *              / partition-attr "=" value            ; an index partition key: exact value
 *              / sort-attr "=" op "." value          ; a sort key: the table's (the id, scoped resources) or an index's
 * op           = "eq" / "gt" / "gte" / "lt" / "lte" / "begins"
 * ```
 * PostgREST's operator prefix (`due=gte.2025-01-01`): the operator lives in the value, so no attribute name is
 * ambiguous (json-server's `due_gte` collides with an attribute named `due_gte`), no brackets are needed (curl globs
 * them) and there is no expression language to parse.
 *
 * A sort attribute appears once, or twice as `gte` plus `lte`: DynamoDB's `BETWEEN`, inclusive at both ends. `begins`
 * applies to string sort keys only; number values parse strictly (src/shared/key-values.ts). Everything compiles to a
 * key condition, never to a filter, so a page costs what it returns.
 */
import { DEFAULTS, IndexConfig, KeyType, RESERVED_QUERY_PARAMETERS, ResourceConfig } from './config';
import { checkNumberKey } from './key-values';
import { MAX_PARTITION_KEY_BYTES, MAX_SORT_KEY_BYTES, scopeAttribute } from './keys';

/** The operators of a range parameter (`due=gte.2025-01-01`). */
export const RANGE_OPERATORS = ['eq', 'gt', 'gte', 'lt', 'lte', 'begins'] as const;

/** One operator of a range parameter. */
export type RangeOperator = (typeof RANGE_OPERATORS)[number];

/** The operators that apply to a sort key of this type (`begins` is for strings). */
export function operatorsFor(type: KeyType): readonly RangeOperator[] {
  return type === 'S' ? RANGE_OPERATORS : RANGE_OPERATORS.filter((op) => op !== 'begins');
}

/** A regular expression (ECMA-262, as OpenAPI's `pattern`) that a range parameter of this key type matches. */
export function rangeValuePattern(type: KeyType): string {
  return type === 'S'
    ? '^(eq|gt|gte|lt|lte|begins)\\..+$'
    : '^(eq|gt|gte|lt|lte)\\.-?(0|[1-9][0-9]*)(\\.[0-9]*[1-9])?$';
}

/** The grammar of a listing's query string, as documented (README, OpenAPI). */
export const LIST_QUERY_GRAMMAR = [
  'list-query   = param *( "&" param )',
  'param        = "limit=" 1*DIGIT / "cursor=" token / "order=" ( "asc" / "desc" ) / "fields=" name *( "," name )',
  '             / partition-attr "=" value            ; an index partition key: exact value',
  '             / sort-attr "=" op "." value          ; a sort key: the table\'s (the id, scoped resources) or an index\'s',
  'op           = "eq" / "gt" / "gte" / "lt" / "lte" / "begins"',
].join('\n');

/** Most names in `fields`. */
export const MAX_FIELDS = 100;

/** The order of a listing in key order. */
export type SortOrder = 'asc' | 'desc';

/** A key condition on a sort key: one operator and its value, or `between` and two (inclusive). */
export interface KeyCondition {
  readonly attribute: string;
  readonly type: KeyType;
  readonly op: RangeOperator | 'between';
  /** One value; two (lower, upper) for `between`. Numbers in canonical form. */
  readonly values: readonly string[];
}

/** What a listing reads. */
export type ListPlan =
  /** Every item of an unscoped resource's table, in no particular order. */
  | { readonly source: 'scan' }
  /** The scope's partition of the table (owner-scoped or nested resources), in id order. */
  | { readonly source: 'table'; readonly condition?: KeyCondition; readonly order: SortOrder }
  /**
   * One partition of an index: `partitionValue` as the client sent it (the handler adds the scope), or undefined for an
   * index without partition key (partitioned by the scope). `order` only when the index has a sort key.
   */
  | {
    readonly source: 'index';
    readonly index: IndexConfig;
    readonly partitionValue?: string;
    readonly condition?: KeyCondition;
    readonly order?: SortOrder;
  };

/** A query string this resource does not take; the message says what was wrong and what is allowed. */
export class ListQueryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ListQueryError';
  }
}

/** A sort key a range parameter can address, and where it lives. */
interface SortKeyTarget {
  readonly attribute: string;
  readonly type: KeyType;
  /** undefined: the table's sort key (the id of a scoped resource). */
  readonly index?: IndexConfig;
}

function isScoped(r: ResourceConfig): boolean {
  return scopeAttribute({ ownerAttribute: r.ownerScoping?.attribute, nested: r.parent !== undefined }) !== undefined;
}

/** Every sort key of a resource a range parameter can address: the table's (scoped), then each index's. */
function sortKeyTargets(r: ResourceConfig): SortKeyTarget[] {
  const out: SortKeyTarget[] = [];
  if (isScoped(r)) out.push({ attribute: r.idAttribute, type: r.idType ?? DEFAULTS.idType });
  for (const ix of r.indexes) {
    if (ix.sortKey !== undefined) out.push({ attribute: ix.sortKey, type: ix.sortKeyType ?? DEFAULTS.sortKeyType, index: ix });
  }
  return out;
}

/** One parameter a resource's listing takes besides limit, cursor, order and fields (for errors and documentation). */
export interface ListParameter {
  readonly name: string;
  /** `partition`: `name=value`; `range`: `name=op.value`. */
  readonly kind: 'partition' | 'range';
  /** For `range`: the key's type and its operators. */
  readonly type?: KeyType;
  readonly operators?: readonly RangeOperator[];
  /** For `range` on an index with a partition key: the partition parameter(s) it needs. */
  readonly requires?: readonly string[];
  /** The index (or indexes) it reads; undefined: the table. */
  readonly indexNames: readonly string[];
}

/** The parameters a resource's listing takes besides the reserved ones, each once. */
export function listParameters(r: ResourceConfig): ListParameter[] {
  const out = new Map<string, ListParameter>();
  for (const ix of r.indexes) {
    if (ix.partitionKey === undefined) continue;
    const prev = out.get(ix.partitionKey);
    out.set(ix.partitionKey, { name: ix.partitionKey, kind: 'partition', indexNames: [...(prev?.indexNames ?? []), ix.indexName] });
  }
  const ranges = new Map<string, SortKeyTarget[]>();
  for (const t of sortKeyTargets(r)) {
    // A name that is also a partition key is documented as a partition value (see planListing).
    if (out.has(t.attribute)) continue;
    ranges.set(t.attribute, [...(ranges.get(t.attribute) ?? []), t]);
  }
  for (const [name, targets] of ranges) {
    // A range needs a partition parameter only when no standalone read (the table, or a scope-partitioned index) serves it.
    const standalone = targets.some((t) => t.index === undefined || t.index.partitionKey === undefined);
    out.set(name, {
      name,
      kind: 'range',
      type: targets[0].type,
      operators: operatorsFor(targets[0].type),
      requires: standalone ? [] : unique(targets.map((t) => t.index!.partitionKey!)),
      indexNames: targets.filter((t) => t.index !== undefined).map((t) => t.index!.indexName),
    });
  }
  return [...out.values()];
}

/** "this resource takes …": every parameter with its form, for the detail of a 400. */
export function describeAllowed(r: ResourceConfig, scan: boolean = !isScoped(r)): string {
  const parts = ['limit', 'cursor', scan && !r.indexes.some((ix) => ix.sortKey) ? undefined : 'order=asc|desc', 'fields=a,b']
    .filter((p): p is string => p !== undefined);
  for (const p of listParameters(r)) {
    if (p.kind === 'partition') {parts.push(`${p.name}=<value>`);} else {
      const needs = p.requires!.length ? ` (with ${p.requires!.join(' or ')})` : '';
      parts.push(`${p.name}=<op>.<${p.type === 'N' ? 'number' : 'string'}> with op ${p.operators!.join('|')}${needs}`);
    }
  }
  return `this resource takes ${parts.join(', ')}`;
}

/**
 * Plans a listing from its query parameters, in the order they came (repeats included). Throws a
 * {@link ListQueryError} naming what was wrong and what is allowed. `limit`, `cursor` and `fields` are checked by the
 * caller; here only that they are not repeated.
 */
export function planListing(r: ResourceConfig, params: readonly (readonly [string, string])[]): ListPlan {
  const byName = new Map<string, string[]>();
  for (const [k, v] of params) byName.set(k, [...(byName.get(k) ?? []), v]);
  const sortAttributes = new Set(sortKeyTargets(r).map((t) => t.attribute));
  const partitionAttributes = new Set(r.indexes.map((ix) => ix.partitionKey).filter((k): k is string => k !== undefined));
  const scoped = isScoped(r);

  for (const [k, vs] of byName) {
    if (RESERVED_QUERY_PARAMETERS.includes(k)) {
      if (vs.length > 1) throw new ListQueryError(`Query parameter '${k}' is repeated.`);
      continue;
    }
    if (!partitionAttributes.has(k) && !sortAttributes.has(k)) {
      throw new ListQueryError(`Unknown query parameter ${JSON.stringify(k.slice(0, 64))}; ${describeAllowed(r)}.`);
    }
  }
  const order = parseOrder(byName.get('order')?.[0]);
  const attributeNames = [...byName.keys()].filter((k) => !RESERVED_QUERY_PARAMETERS.includes(k));

  // The partition parameter: an index partition key. A name that is both a partition key and a sort key is a partition
  // value, unless another partition parameter is present whose index has it as sort key.
  const partitionCandidates = attributeNames.filter((k) => partitionAttributes.has(k));
  let partition: string | undefined;
  if (partitionCandidates.length === 1) {
    partition = partitionCandidates[0];
  } else if (partitionCandidates.length > 1) {
    partition = partitionCandidates.find((p) => partitionCandidates.every((o) => o === p
      || r.indexes.some((ix) => ix.partitionKey === p && ix.sortKey === o)));
    if (partition === undefined) {
      throw new ListQueryError(`Query by one index partition at a time (got ${partitionCandidates.join(', ')}); ${describeAllowed(r)}.`);
    }
  }
  const ranges = attributeNames.filter((k) => k !== partition);
  if (ranges.length > 1) {
    throw new ListQueryError(`A listing takes a range on one sort key at a time (got ${ranges.join(', ')}); ${describeAllowed(r)}.`);
  }
  const range = ranges[0];

  if (partition !== undefined) {
    const values = byName.get(partition)!;
    if (values.length > 1) throw new ListQueryError(`Query parameter '${partition}' is repeated.`);
    const value = values[0];
    if (value === '' || utf8Length(value) > MAX_PARTITION_KEY_BYTES) {
      throw new ListQueryError(`'${partition}' must be a non-empty value of at most ${MAX_PARTITION_KEY_BYTES} bytes.`);
    }
    const candidates = r.indexes.filter((ix) => ix.partitionKey === partition);
    const index = range === undefined ? candidates[0] : candidates.find((ix) => ix.sortKey === range);
    if (index === undefined) {
      const sortable = candidates.filter((ix) => ix.sortKey !== undefined).map((ix) => ix.sortKey!);
      throw new ListQueryError(`'${range}' is not the sort key of an index partitioned by '${partition}'; with '${partition}', ranges apply to `
        + `${sortable.length ? sortable.map((s) => `'${s}'`).join(', ') : 'no attribute'}.`);
    }
    if (order !== undefined && index.sortKey === undefined) {
      const sorted = candidates.filter((ix) => ix.sortKey !== undefined).map((ix) => `${ix.sortKey}=gte.<low>`);
      throw new ListQueryError(`'order' applies only to a listing in key order; the index of '${partition}' has no sort key`
        + (sorted.length ? ` (to list by another index of '${partition}', add a range on its sort key: ${sorted.join(' or ')}).` : '.'));
    }
    const condition = range === undefined ? undefined : parseCondition(range, index.sortKeyType ?? DEFAULTS.sortKeyType, byName.get(range)!);
    return {
      source: 'index',
      index,
      partitionValue: value,
      ...(condition ? { condition } : {}),
      ...(index.sortKey !== undefined ? { order: order ?? 'asc' } : {}),
    };
  }

  if (range !== undefined) {
    if (scoped && range === r.idAttribute) {
      return { source: 'table', condition: parseCondition(range, r.idType ?? DEFAULTS.idType, byName.get(range)!), order: order ?? 'asc' };
    }
    const index = r.indexes.find((ix) => ix.partitionKey === undefined && ix.sortKey === range);
    if (index !== undefined) {
      return {
        source: 'index',
        index,
        condition: parseCondition(range, index.sortKeyType ?? DEFAULTS.sortKeyType, byName.get(range)!),
        order: order ?? 'asc',
      };
    }
    const needs = r.indexes.filter((ix) => ix.sortKey === range && ix.partitionKey !== undefined).map((ix) => ix.partitionKey!);
    throw new ListQueryError(`A range on '${range}' needs its index partition: add ${unique(needs).map((p) => `'${p}=<value>'`).join(' or ')} to the query.`);
  }

  if (scoped) return { source: 'table', order: order ?? 'asc' };
  if (order !== undefined) {
    throw new ListQueryError(`'order' applies only to a listing in key order (by an index with a sort key); a listing of every item has none. ${capitalise(describeAllowed(r))}.`);
  }
  return { source: 'scan' };
}

function parseOrder(raw: string | undefined): SortOrder | undefined {
  if (raw === undefined) return undefined;
  if (raw !== 'asc' && raw !== 'desc') throw new ListQueryError("'order' must be 'asc' or 'desc'.");
  return raw;
}

/** One `op.value` of a range parameter. */
function parseBound(attribute: string, type: KeyType, raw: string): { op: RangeOperator; value: string } {
  const dot = raw.indexOf('.');
  const op = dot < 0 ? undefined : RANGE_OPERATORS.find((o) => o === raw.slice(0, dot));
  const ops = operatorsFor(type);
  const example = type === 'N' ? `${attribute}=gte.10` : `${attribute}=gte.2025-01-01`;
  if (op === undefined) {
    throw new ListQueryError(`'${attribute}' is a sort key: its value is <op>.<value> with op one of ${ops.join(', ')} (e.g. ${example}); `
      + `got ${JSON.stringify(raw.slice(0, 64))}.`);
  }
  if (op === 'begins' && type === 'N') {
    throw new ListQueryError(`'begins' applies only to string sort keys; '${attribute}' is a number (its operators: ${ops.join(', ')}).`);
  }
  const value = raw.slice(dot + 1);
  if (value === '') throw new ListQueryError(`'${attribute}=${op}.' has an empty value; give a ${type === 'N' ? 'number' : 'non-empty string'} after '${op}.'.`);
  if (type === 'N') {
    const why = checkNumberKey(value);
    if (why !== undefined) throw new ListQueryError(`'${attribute}' is a number sort key: ${JSON.stringify(value.slice(0, 64))} is not ${why}.`);
    // DynamoDB's numbers stop at a magnitude of 1e-130 (38 significant digits bound the large end already).
    const leadingZeros = /^-?0\.(0*)[1-9]/.exec(value)?.[1].length ?? 0;
    if (leadingZeros >= 130) throw new ListQueryError(`'${attribute}' is a number sort key: its values are 0 or of a magnitude from 1e-130 to below 1e38.`);
  } else if (utf8Length(value) > MAX_SORT_KEY_BYTES) {
    throw new ListQueryError(`'${attribute}' values must be at most ${MAX_SORT_KEY_BYTES} bytes (DynamoDB's sort key limit).`);
  }
  return { op, value };
}

/** The key condition of a range parameter's values (one, or a gte/lte pair). */
function parseCondition(attribute: string, type: KeyType, raws: readonly string[]): KeyCondition {
  if (raws.length > 2) throw new ListQueryError(`'${attribute}' appears ${raws.length} times; a range has at most two bounds (gte and lte).`);
  const bounds = raws.map((raw) => parseBound(attribute, type, raw));
  if (bounds.length === 1) return { attribute, type, op: bounds[0].op, values: [bounds[0].value] };
  const lower = bounds.find((b) => b.op === 'gte');
  const upper = bounds.find((b) => b.op === 'lte');
  if (!lower || !upper) {
    throw new ListQueryError(`A range with two bounds on '${attribute}' uses gte and lte (DynamoDB's BETWEEN is inclusive), `
      + `e.g. ${attribute}=gte.<low>&${attribute}=lte.<high>; got ${bounds.map((b) => b.op).join(' and ')}.`);
  }
  if (compareKeys(type, lower.value, upper.value) > 0) {
    throw new ListQueryError(`Empty range: the lower bound of '${attribute}' (${lower.value.slice(0, 64)}) is above its upper bound `
      + `(${upper.value.slice(0, 64)}), ${type === 'N' ? 'as numbers' : 'compared by UTF-8 bytes as DynamoDB compares strings'}.`);
  }
  return { attribute, type, op: 'between', values: [lower.value, upper.value] };
}

/** Compares two key values as DynamoDB orders them: numbers by value (canonical decimals, exactly), strings by UTF-8 bytes. */
export function compareKeys(type: KeyType, a: string, b: string): number {
  if (type === 'S') return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
  return compareDecimals(a, b);
}

/** Compares canonical decimals (src/shared/key-values.ts) exactly, without floating point. */
export function compareDecimals(a: string, b: string): number {
  const negA = a.startsWith('-');
  const negB = b.startsWith('-');
  if (negA !== negB) return negA ? -1 : 1;
  const magnitude = compareMagnitudes(negA ? a.slice(1) : a, negB ? b.slice(1) : b);
  return negA ? -magnitude : magnitude;
}

function compareMagnitudes(a: string, b: string): number {
  const [ai, af = ''] = a.split('.');
  const [bi, bf = ''] = b.split('.');
  // Canonical: no leading zeros, so a longer integer part is larger.
  if (ai.length !== bi.length) return ai.length < bi.length ? -1 : 1;
  if (ai !== bi) return ai < bi ? -1 : 1;
  const width = Math.max(af.length, bf.length);
  const fa = af.padEnd(width, '0');
  const fb = bf.padEnd(width, '0');
  return fa === fb ? 0 : fa < fb ? -1 : 1;
}

/** A canonical text of a condition, to bind cursors to it. */
export function conditionText(c: KeyCondition | undefined): string {
  if (c === undefined) return '';
  return [c.attribute, c.type, c.op, ...c.values].map((p) => `${utf8Length(p)}:${p}`).join('');
}

function utf8Length(s: string): number {
  return Buffer.byteLength(s, 'utf8');
}

function unique(xs: string[]): string[] {
  return [...new Set(xs)];
}

function capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
