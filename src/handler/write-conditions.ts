/**
 * The conditions of the store's writes (src/handler/store.ts): what a conditional write expects of the stored item,
 * the parent check of a nested write, and how a failed condition or a cancelled transaction reads back.
 */
import { Expression } from './expression';
import type { JsonObject, JsonValue } from './json';
import { DynamoItem, fromItem, toAttributeValue } from './marshal';
import type { ItemTag } from './preconditions';
import { HIDDEN_ATTRIBUTES, MANAGED_ATTRIBUTES } from '../shared/config';

/**
 * The parent check of a nested write, run in the write's transaction: the parent item exists and no delete of it
 * holds an unexpired lease (src/shared/config.ts HIDDEN_ATTRIBUTES.DELETING).
 */
export interface ParentCheck {
  readonly tableName: string;
  /** The parent's primary key. */
  readonly key: DynamoItem;
  /** An attribute every parent item has (its id attribute). */
  readonly idAttribute: string;
  /** Now, in epoch ms: leases that end before it no longer count. */
  readonly nowMs: number;
}

/** The ConditionCheck of a {@link ParentCheck}. */
export function parentConditionCheck(p: ParentCheck) {
  const e = new Expression();
  const deleting = e.name(HIDDEN_ATTRIBUTES.DELETING);
  return {
    ConditionCheck: {
      TableName: p.tableName,
      Key: p.key,
      ConditionExpression: `attribute_exists(${e.name(p.idAttribute)}) AND (attribute_not_exists(${deleting}) OR ${deleting} < ${e.value({ N: String(p.nowMs) })})`,
      ...e.params(),
    },
  };
}

/** Cancellation reasons of a transaction that mean DynamoDB throttled it. */
export const THROTTLING_REASONS = new Set(['ThrottlingError', 'ProvisionedThroughputExceeded', 'RequestLimitExceeded']);

/** The item exactly as read: its version and generation attributes (undefined: absent, as on items of other tools). */
export interface StoredState {
  readonly version: JsonValue | undefined;
  readonly generation: JsonValue | undefined;
}

/** A conditional write that did not happen, with the item as DynamoDB saw it (undefined: no item). */
export interface WriteConflict {
  readonly kind: 'conflict';
  readonly current?: JsonObject;
}

/** Conditions of a delete, besides the item existing. */
export interface DeleteConditions {
  /** If-Match with tags: the item must carry one of these (empty: nothing can match). */
  readonly tags?: readonly ItemTag[];
  /** If-None-Match: the item must not exist (with tags: a probe that returns the item for the caller to evaluate). */
  readonly mustNotExist?: boolean;
  /** The item must be exactly as read (the retry after the first attempt's conditions could not decide). */
  readonly asRead?: StoredState;
  /** The item must hold this delete lease (a parent's delete, after checking that it has no children). */
  readonly lease?: string;
}

/** The conditions of a delete (or of its lease) besides a lease: the item exists, its tags, its absence, as read. */
export function deleteConditions(e: Expression, idAttribute: string, c: DeleteConditions): string[] {
  const idName = e.name(idAttribute);
  const conditions = [`attribute_exists(${idName})`];
  if (c.tags !== undefined) conditions.push(c.tags.length === 0 ? `attribute_not_exists(${idName})` : anyTagCondition(e, c.tags));
  if (c.mustNotExist) conditions.push(`attribute_not_exists(${idName})`);
  if (c.asRead) conditions.push(asReadCondition(e, c.asRead));
  return conditions;
}

/** The cancellation reasons of a cancelled transaction, in item order (empty for any other error). */
export function cancellationReasons(err: unknown): { Code?: string; Item?: DynamoItem }[] {
  if ((err as Error)?.name !== 'TransactionCanceledException') return [];
  return (err as { CancellationReasons?: { Code?: string; Item?: DynamoItem }[] }).CancellationReasons ?? [];
}

/** A transaction cancelled because another one held one of its items: try again. */
export function isTransactionConflict(err: unknown): boolean {
  const reasons = cancellationReasons(err);
  if (reasons.some((r) => THROTTLING_REASONS.has(r.Code ?? ''))) {
    throw Object.assign(new Error(`transaction throttled: ${(err as Error).message}`), { name: 'ThrottlingException' });
  }
  return reasons.some((r) => r.Code === 'TransactionConflict');
}

/** The item is exactly as read: the same version and generation attributes (or the same absence of them). */
export function asReadCondition(e: Expression, state: StoredState): string {
  const same = (attribute: string, value: JsonValue | undefined) => (value === undefined
    ? `attribute_not_exists(${e.name(attribute)})`
    : `${e.name(attribute)} = ${e.value(toAttributeValue(value))}`);
  return `${same(MANAGED_ATTRIBUTES.VERSION, state.version)} AND ${same(HIDDEN_ATTRIBUTES.GENERATION, state.generation)}`;
}

/**
 * The item carries one of these tags. A tag without a generation names an item without one (of another tool); version
 * 0 also names an item with no version attribute. Other stored shapes never match here: the caller re-decides those
 * from the item a failed condition returns.
 */
function anyTagCondition(e: Expression, tags: readonly ItemTag[]): string {
  const v = e.name(MANAGED_ATTRIBUTES.VERSION);
  const g = e.name(HIDDEN_ATTRIBUTES.GENERATION);
  const alternatives = tags.map((t) => {
    const version = t.version === 0
      ? `(attribute_not_exists(${v}) OR ${v} = ${e.value({ N: '0' })})`
      : `${v} = ${e.value({ N: String(t.version) })}`;
    const generation = t.generation === undefined ? `attribute_not_exists(${g})` : `${g} = ${e.value({ S: t.generation })}`;
    return `${version} AND ${generation}`;
  });
  // DynamoDB refuses redundant parentheses, so a single tag's conjunction stands alone.
  return alternatives.length === 1 ? alternatives[0] : `(${alternatives.map((x) => `(${x})`).join(' OR ')})`;
}

/** The {@link WriteConflict} of a failed condition (DynamoDB returns the item when asked to). */
export function conflictOf(err: unknown): WriteConflict {
  const old = (err as { Item?: DynamoItem }).Item;
  return old ? { kind: 'conflict', current: fromItem(old) } : { kind: 'conflict' };
}

/** Whether an SDK error is a failed ConditionExpression. */
export function isConditionFailure(err: unknown): boolean {
  return (err as Error)?.name === 'ConditionalCheckFailedException';
}
