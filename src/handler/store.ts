/**
 * DynamoDB access for the items and idempotency tables. Every write is conditional; a failed condition is a result
 * (the caller decides 404, 409, 412 or a retry), every other error is thrown as the SDK raised it.
 *
 * Actions used, by operation (the construct grants exactly these, see src/operations.ts):
 * create: PutItem (or TransactWriteItems of PutItem on both tables); read: GetItem; list: Scan on the table (shared
 * resources only), Query on the table (owner-scoped: the caller's partition) and on indexes; update: GetItem, PutItem,
 * UpdateItem; delete: DeleteItem. Idempotency table: PutItem only.
 *
 * Owner-scoped resources: every key this module sends holds the caller's owner (the table's partition key), and every
 * query's key condition names the caller's partition (src/shared/keys.ts). No request relies on a filter.
 */
import {
  DeleteItemCommand, GetItemCommand, PutItemCommand, QueryCommand, ScanCommand,
  TransactWriteItemsCommand, UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import type { DynamoSender } from './dynamodb-calls';
import { Expression } from './expression';
import type { IdempotencyRecord } from './idempotency';
import type { ItemModel } from './item';
import type { JsonObject, JsonValue } from './json';
import { keyConditionExpression, projectionExpression } from './key-condition';
import { DynamoItem, fromItem, toAttributeValue, toItem } from './marshal';
import type { ItemTag } from './preconditions';
import { HIDDEN_ATTRIBUTES, IDEMPOTENCY_TABLE, MANAGED_ATTRIBUTES } from '../shared/config';
import { keyAttributeValue } from '../shared/key-values';
import { PARENT_KEY_ATTRIBUTE } from '../shared/keys';
import type { KeyCondition } from '../shared/range-query';

/**
 * Every call asks DynamoDB what it consumed (src/handler/dynamodb-calls.ts adds it up per request and table); a read
 * of an index asks per index.
 */
const CAPACITY = { ReturnConsumedCapacity: 'TOTAL' } as const;
const INDEX_CAPACITY = { ReturnConsumedCapacity: 'INDEXES' } as const;

/** A scoped resource's partition (see OperationRequest.scope). */
export type Scope = { readonly attribute: string; readonly value: string } | undefined;

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
function parentConditionCheck(p: ParentCheck) {
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

/** What a conditional create did. */
export type CreateResult = 'created' | 'exists' | 'no-parent' | 'conflict';

/** Cancellation reasons of a transaction that mean DynamoDB throttled it. */
const THROTTLING_REASONS = new Set(['ThrottlingError', 'ProvisionedThroughputExceeded', 'RequestLimitExceeded']);

/** DynamoDB's limit on one expression string. */
const MAX_EXPRESSION_LENGTH = 4096;

/** The item exactly as read: its version and generation attributes (undefined: absent, as on items of other tools). */
export interface StoredState {
  readonly version: JsonValue | undefined;
  readonly generation: JsonValue | undefined;
}

/** What a replace (PutItem) expects of the stored item: nothing there, or the item exactly as read. */
export type ReplaceExpectation = { readonly kind: 'absent' } | { readonly kind: 'as-read'; readonly state: StoredState };

/**
 * A path-wise update (PATCH without a snapshot condition): a merge patch as DynamoDB document-path operations, so
 * patches of different attributes, or of different members of one map, never conflict.
 */
export interface UpdatePlan {
  /** Document paths (attribute, then map members) to set. */
  readonly set: readonly { readonly path: readonly string[]; readonly value: JsonValue }[];
  /** Document paths to remove (every parent is a map the plan requires). */
  readonly remove: readonly (readonly string[])[];
  /** Paths that must hold a map (merged into) or must not (replaced by the patch's object) for the plan to be right. */
  readonly maps: readonly { readonly path: readonly string[]; readonly isMap: boolean }[];
  /** The new updatedAt. */
  readonly now: string;
  /** The generation to give an item that has none yet (items of other tools). */
  readonly generation: string;
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

/** Outcome of the create-with-idempotency-record transaction. */
export type IdempotentCreateResult =
  | { readonly kind: 'created' }
  | { readonly kind: 'record-exists'; readonly record: IdempotencyRecord }
  | { readonly kind: 'item-exists' }
  /** The parent does not exist, or is being deleted. */
  | { readonly kind: 'no-parent' }
  /** Another transaction on the same keys was in flight: try again. */
  | { readonly kind: 'conflict' };

/** One read of a listing: a Scan of the table, or a Query of the table or an index for one partition. */
export interface PageRead {
  /** The GSI to query; undefined: the table. */
  readonly indexName?: string;
  /** The partition to query (attribute and value); undefined: scan the table. */
  readonly partition?: { readonly attribute: string; readonly value: string };
  /** A condition on the sort key of the table or index (Query only): a key condition, never a filter. */
  readonly condition?: KeyCondition;
  /** Top-level attributes to read (a ProjectionExpression); undefined: every attribute. */
  readonly projection?: readonly string[];
  readonly forward: boolean;
  readonly limit: number;
  readonly startKey?: DynamoItem;
}

/** What one read returned, as DynamoDB returned it. */
export interface PageChunk {
  readonly items: DynamoItem[];
  readonly lastKey?: DynamoItem;
}

/** Reads and writes items (and idempotency records) of one API. */
export class ItemStore {
  constructor(
    private readonly client: DynamoSender,
    private readonly tableName: string,
    private readonly model: ItemModel,
    private readonly idempotencyTableName?: string,
  ) {}

  /** The same store sending through another client (a request's recording one, src/handler/dynamodb-calls.ts). */
  public sendingThrough(client: DynamoSender): ItemStore {
    return new ItemStore(client, this.tableName, this.model, this.idempotencyTableName);
  }

  /**
   * The primary key of an item: (scope, id) in a scoped resource (the owner, or the parent's key), else the id; the
   * id typed as the resource's ids are.
   */
  public key(id: string, scope: Scope): DynamoItem {
    const idValue = keyAttributeValue(this.model.idType, id);
    if (this.model.scopeAttribute === undefined) return { [this.model.idAttribute]: idValue };
    if (scope === undefined || scope.attribute !== this.model.scopeAttribute) throw new Error('scoped store used without its scope');
    return { [this.model.scopeAttribute]: { S: scope.value }, [this.model.idAttribute]: idValue };
  }

  /** The item, read strongly consistent, or undefined; only the `projection` attributes when given (`fields`). */
  public async get(id: string, scope: Scope, projection?: readonly string[]): Promise<JsonObject | undefined> {
    const e = new Expression();
    const out = await this.client.send(new GetItemCommand({
      TableName: this.tableName,
      Key: this.key(id, scope),
      ConsistentRead: true,
      ...CAPACITY,
      ...(projection !== undefined ? { ProjectionExpression: projectionExpression(e, projection), ...e.params() } : {}),
    }));
    return out.Item ? fromItem(out.Item) : undefined;
  }

  /**
   * Writes a new item if its id is free: one conditional PutItem, or, under a parent, a transaction of the parent
   * check and the put ('no-parent' when the parent is missing or being deleted).
   */
  public async create(item: JsonObject, parent?: ParentCheck): Promise<CreateResult> {
    const e = new Expression();
    const put = {
      TableName: this.tableName,
      Item: toItem(item),
      ConditionExpression: `attribute_not_exists(${e.name(this.model.idAttribute)})`,
      ...e.params(),
    };
    if (parent !== undefined) {
      try {
        await this.client.send(new TransactWriteItemsCommand({ TransactItems: [parentConditionCheck(parent), { Put: put }], ...CAPACITY }));
        return 'created';
      } catch (err) {
        const [parentReason, itemReason] = cancellationReasons(err);
        if (parentReason?.Code === 'ConditionalCheckFailed') return 'no-parent';
        if (itemReason?.Code === 'ConditionalCheckFailed') return 'exists';
        if (isTransactionConflict(err)) return 'conflict';
        throw err;
      }
    }
    try {
      await this.client.send(new PutItemCommand({ ...put, ...CAPACITY }));
      return 'created';
    } catch (err) {
      if (isConditionFailure(err)) return 'exists';
      throw err;
    }
  }

  /** Writes a new item and its idempotency record atomically, each only if absent (the record also if expired). */
  public async createIdempotent(
    item: JsonObject, record: IdempotencyRecord, nowSeconds: number, parent?: ParentCheck,
  ): Promise<IdempotentCreateResult> {
    const itemExpr = new Expression();
    const recordExpr = new Expression();
    const pk = recordExpr.name(IDEMPOTENCY_TABLE.PARTITION_KEY);
    const ttl = recordExpr.name(IDEMPOTENCY_TABLE.TTL_ATTRIBUTE);
    try {
      await this.client.send(new TransactWriteItemsCommand({
        TransactItems: [
          ...(parent !== undefined ? [parentConditionCheck(parent)] : []),
          {
            Put: {
              TableName: this.tableName,
              Item: toItem(item),
              ConditionExpression: `attribute_not_exists(${itemExpr.name(this.model.idAttribute)})`,
              ...itemExpr.params(),
            },
          },
          {
            Put: {
              TableName: this.requireIdempotencyTable(),
              Item: recordToItem(record),
              ConditionExpression: `attribute_not_exists(${pk}) OR ${ttl} < ${recordExpr.value({ N: String(nowSeconds) })}`,
              ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
              ...recordExpr.params(),
            },
          },
        ],
        ...CAPACITY,
      }));
      return { kind: 'created' };
    } catch (err) {
      if ((err as Error).name !== 'TransactionCanceledException') throw err;
      const all = cancellationReasons(err);
      const parentReason = parent !== undefined ? all[0] : undefined;
      const reasons = parent !== undefined ? all.slice(1) : all;
      const [itemReason, recordReason] = reasons;
      if (recordReason?.Code === 'ConditionalCheckFailed') {
        // The record comes back with the cancellation (ReturnValuesOnConditionCheckFailure), so a replay needs no
        // read and the function no GetItem on the idempotency table. Without it (never seen), try again.
        const existing = recordReason.Item ? recordFromItem(recordReason.Item) : undefined;
        return existing ? { kind: 'record-exists', record: existing } : { kind: 'conflict' };
      }
      if (reasons.some((r) => r.Code === 'TransactionConflict')) return { kind: 'conflict' };
      if (reasons.some((r) => THROTTLING_REASONS.has(r.Code ?? ''))) {
        // Surface as the throttling it is (a 503), not as an unexplained cancellation.
        throw Object.assign(new Error(`transaction throttled: ${(err as Error).message}`), { name: 'ThrottlingException' });
      }
      if (itemReason?.Code === 'ConditionalCheckFailed') return { kind: 'item-exists' };
      if (parentReason?.Code === 'ConditionalCheckFailed') return { kind: 'no-parent' };
      throw err;
    }
  }

  /**
   * Writes the whole item if the stored one is as expected; otherwise a {@link WriteConflict} carrying the current item
   * (so a retry needs no read).
   */
  public async replace(
    item: JsonObject, expect: ReplaceExpectation, parent?: ParentCheck,
  ): Promise<{ kind: 'written' } | WriteConflict | { kind: 'no-parent' }> {
    const e = new Expression();
    const id = e.name(this.model.idAttribute);
    const condition = expect.kind === 'absent'
      ? `attribute_not_exists(${id})`
      : `attribute_exists(${id}) AND ${asReadCondition(e, expect.state)}`;
    if (expect.kind === 'absent' && parent !== undefined) {
      // Creating under a parent: the parent check and the put in one transaction.
      try {
        await this.client.send(new TransactWriteItemsCommand({
          TransactItems: [parentConditionCheck(parent), {
            Put: {
              TableName: this.tableName, Item: toItem(item), ConditionExpression: condition, ReturnValuesOnConditionCheckFailure: 'ALL_OLD', ...e.params(),
            },
          }],
          ...CAPACITY,
        }));
        return { kind: 'written' };
      } catch (err) {
        const [parentReason, itemReason] = cancellationReasons(err);
        if (parentReason?.Code === 'ConditionalCheckFailed') return { kind: 'no-parent' };
        if (itemReason?.Code === 'ConditionalCheckFailed') {
          return itemReason.Item ? { kind: 'conflict', current: fromItem(itemReason.Item) } : { kind: 'conflict' };
        }
        if (isTransactionConflict(err)) return { kind: 'conflict' };
        throw err;
      }
    }
    try {
      await this.client.send(new PutItemCommand({
        TableName: this.tableName,
        Item: toItem(item),
        ConditionExpression: condition,
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        ...CAPACITY,
        ...e.params(),
      }));
      return { kind: 'written' };
    } catch (err) {
      if (isConditionFailure(err)) return conflictOf(err);
      throw err;
    }
  }

  /**
   * Applies a path-wise update and returns the new item; a {@link WriteConflict} when a condition failed (the item is
   * gone, or a map the update merges into changed type); 'too-large' when the expressions would exceed DynamoDB's
   * 4 KB limit (then replace the whole item instead).
   */
  public async update(
    id: string, scope: Scope, plan: UpdatePlan,
  ): Promise<{ kind: 'updated'; item: JsonObject } | WriteConflict | { kind: 'too-large' }> {
    const e = new Expression();
    const path = (p: readonly string[]) => p.map((t) => e.name(t)).join('.');
    const v = e.name(MANAGED_ATTRIBUTES.VERSION);
    const now = e.value({ S: plan.now });
    const sets = plan.set.map((s) => `${path(s.path)} = ${e.value(toAttributeValue(s.value))}`);
    sets.push(`${v} = if_not_exists(${v}, ${e.value({ N: '0' })}) + ${e.value({ N: '1' })}`);
    sets.push(`${e.name(MANAGED_ATTRIBUTES.UPDATED_AT)} = ${now}`);
    const createdAt = e.name(MANAGED_ATTRIBUTES.CREATED_AT);
    sets.push(`${createdAt} = if_not_exists(${createdAt}, ${now})`);
    const generation = e.name(HIDDEN_ATTRIBUTES.GENERATION);
    sets.push(`${generation} = if_not_exists(${generation}, ${e.value({ S: plan.generation })})`);
    let update = `SET ${sets.join(', ')}`;
    if (plan.remove.length) update += ` REMOVE ${plan.remove.map(path).join(', ')}`;

    const conditions = [`attribute_exists(${e.name(this.model.idAttribute)})`];
    if (plan.maps.length) {
      const mapType = e.value({ S: 'M' });
      for (const m of plan.maps) conditions.push(`${m.isMap ? '' : 'NOT '}attribute_type(${path(m.path)}, ${mapType})`);
    }
    const condition = conditions.join(' AND ');
    if (update.length > MAX_EXPRESSION_LENGTH || condition.length > MAX_EXPRESSION_LENGTH) return { kind: 'too-large' };
    try {
      const out = await this.client.send(new UpdateItemCommand({
        TableName: this.tableName,
        Key: this.key(id, scope),
        UpdateExpression: update,
        ConditionExpression: condition,
        ReturnValues: 'ALL_NEW',
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        ...CAPACITY,
        ...e.params(),
      }));
      return { kind: 'updated', item: fromItem(out.Attributes ?? {}) };
    } catch (err) {
      if (isConditionFailure(err)) return conflictOf(err);
      throw err;
    }
  }

  /**
   * Deletes the item if the conditions hold. When they do not (or there is no item), returns the item as it was, so
   * the caller can tell 404 from 412 without another read.
   */
  public async delete(
    id: string, scope: Scope, c: DeleteConditions,
  ): Promise<{ deleted: true } | { deleted: false; current?: JsonObject }> {
    const e = new Expression();
    const conditions = deleteConditions(e, this.model.idAttribute, c);
    if (c.lease !== undefined) conditions.push(`${e.name(HIDDEN_ATTRIBUTES.DELETING)} = ${e.value({ N: c.lease })}`);
    try {
      await this.client.send(new DeleteItemCommand({
        TableName: this.tableName,
        Key: this.key(id, scope),
        ConditionExpression: conditions.join(' AND '),
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        ...CAPACITY,
        ...e.params(),
      }));
      return { deleted: true };
    } catch (err) {
      if (!isConditionFailure(err)) throw err;
      const old = (err as { Item?: DynamoItem }).Item;
      return old ? { deleted: false, current: fromItem(old) } : { deleted: false };
    }
  }

  /**
   * Takes a delete lease on a parent item: sets {@link HIDDEN_ATTRIBUTES.DELETING} if the delete's conditions hold and
   * no other unexpired lease is there. When not, returns the item as it was (as {@link ItemStore.delete} does).
   */
  public async takeDeleteLease(
    id: string, scope: Scope, c: DeleteConditions, lease: string, nowMs: number,
  ): Promise<{ leased: true } | { leased: false; current?: JsonObject }> {
    const e = new Expression();
    const deleting = e.name(HIDDEN_ATTRIBUTES.DELETING);
    const conditions = deleteConditions(e, this.model.idAttribute, c);
    conditions.push(`(attribute_not_exists(${deleting}) OR ${deleting} < ${e.value({ N: String(nowMs) })})`);
    try {
      await this.client.send(new UpdateItemCommand({
        TableName: this.tableName,
        Key: this.key(id, scope),
        UpdateExpression: `SET ${deleting} = ${e.value({ N: lease })}`,
        ConditionExpression: conditions.join(' AND '),
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        ...CAPACITY,
        ...e.params(),
      }));
      return { leased: true };
    } catch (err) {
      if (!isConditionFailure(err)) throw err;
      const old = (err as { Item?: DynamoItem }).Item;
      return old ? { leased: false, current: fromItem(old) } : { leased: false };
    }
  }

  /** Gives a delete lease back (the delete did not happen); nothing when it is no longer there. */
  public async releaseDeleteLease(id: string, scope: Scope, lease: string): Promise<void> {
    const e = new Expression();
    const deleting = e.name(HIDDEN_ATTRIBUTES.DELETING);
    try {
      await this.client.send(new UpdateItemCommand({
        TableName: this.tableName,
        Key: this.key(id, scope),
        UpdateExpression: `REMOVE ${deleting}`,
        ConditionExpression: `${deleting} = ${e.value({ N: lease })}`,
        ...CAPACITY,
        ...e.params(),
      }));
    } catch (err) {
      if (!isConditionFailure(err)) throw err;
    }
  }

  /**
   * Whether a child resource's table holds any item under this parent: one consistent Query of the parent's
   * partition, at most one item, only its partition key read.
   */
  public async hasChildren(childTableName: string, partitionValue: string): Promise<boolean> {
    const e = new Expression();
    const p = e.name(PARENT_KEY_ATTRIBUTE);
    const out = await this.client.send(new QueryCommand({
      TableName: childTableName,
      KeyConditionExpression: `${p} = ${e.value({ S: partitionValue })}`,
      ProjectionExpression: p,
      ConsistentRead: true,
      Limit: 1,
      ...CAPACITY,
      ...e.params(),
    }));
    return (out.Items ?? []).length > 0;
  }

  /**
   * One DynamoDB read of a listing: a Scan, or a Query whose conditions are key conditions only (the partition, and
   * optionally one on the sort key; no filter, so `Limit` and `LastEvaluatedKey` count exactly the items returned).
   */
  public async read(r: PageRead): Promise<PageChunk> {
    let out: { Items?: DynamoItem[]; LastEvaluatedKey?: DynamoItem };
    const e = new Expression();
    const projection = r.projection !== undefined ? { ProjectionExpression: projectionExpression(e, r.projection) } : {};
    if (r.partition === undefined) {
      out = await this.client.send(new ScanCommand({
        TableName: this.tableName, Limit: r.limit, ExclusiveStartKey: r.startKey, ...projection, ...CAPACITY, ...e.params(),
      }));
    } else {
      out = await this.client.send(new QueryCommand({
        TableName: this.tableName,
        IndexName: r.indexName,
        KeyConditionExpression: keyConditionExpression(e, r.partition, r.condition),
        ...projection,
        ScanIndexForward: r.forward,
        Limit: r.limit,
        ExclusiveStartKey: r.startKey,
        ...(r.indexName !== undefined ? INDEX_CAPACITY : CAPACITY),
        ...e.params(),
      }));
    }
    return out.LastEvaluatedKey ? { items: out.Items ?? [], lastKey: out.LastEvaluatedKey } : { items: out.Items ?? [] };
  }

  private requireIdempotencyTable(): string {
    if (!this.idempotencyTableName) throw new Error('no idempotency table configured');
    return this.idempotencyTableName;
  }
}

/** The conditions of a delete (or of its lease) besides a lease: the item exists, its tags, its absence, as read. */
function deleteConditions(e: Expression, idAttribute: string, c: DeleteConditions): string[] {
  const idName = e.name(idAttribute);
  const conditions = [`attribute_exists(${idName})`];
  if (c.tags !== undefined) conditions.push(c.tags.length === 0 ? `attribute_not_exists(${idName})` : anyTagCondition(e, c.tags));
  if (c.mustNotExist) conditions.push(`attribute_not_exists(${idName})`);
  if (c.asRead) conditions.push(asReadCondition(e, c.asRead));
  return conditions;
}

/** The cancellation reasons of a cancelled transaction, in item order (empty for any other error). */
function cancellationReasons(err: unknown): { Code?: string; Item?: DynamoItem }[] {
  if ((err as Error)?.name !== 'TransactionCanceledException') return [];
  return (err as { CancellationReasons?: { Code?: string; Item?: DynamoItem }[] }).CancellationReasons ?? [];
}

/** A transaction cancelled because another one held one of its items: try again. */
function isTransactionConflict(err: unknown): boolean {
  const reasons = cancellationReasons(err);
  if (reasons.some((r) => THROTTLING_REASONS.has(r.Code ?? ''))) {
    throw Object.assign(new Error(`transaction throttled: ${(err as Error).message}`), { name: 'ThrottlingException' });
  }
  return reasons.some((r) => r.Code === 'TransactionConflict');
}

/** The item is exactly as read: the same version and generation attributes (or the same absence of them). */
function asReadCondition(e: Expression, state: StoredState): string {
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
function conflictOf(err: unknown): WriteConflict {
  const old = (err as { Item?: DynamoItem }).Item;
  return old ? { kind: 'conflict', current: fromItem(old) } : { kind: 'conflict' };
}

/** Whether an SDK error is a failed ConditionExpression. */
export function isConditionFailure(err: unknown): boolean {
  return (err as Error)?.name === 'ConditionalCheckFailedException';
}

function recordToItem(r: IdempotencyRecord): DynamoItem {
  return {
    [IDEMPOTENCY_TABLE.PARTITION_KEY]: { S: r.pk },
    requestHash: { S: r.requestHash },
    itemId: { S: r.itemId },
    createdAt: { S: r.createdAt },
    generation: { S: r.generation },
    [IDEMPOTENCY_TABLE.TTL_ATTRIBUTE]: { N: String(r.expiresAt) },
  };
}

function recordFromItem(item: DynamoItem): IdempotencyRecord | undefined {
  const pk = item[IDEMPOTENCY_TABLE.PARTITION_KEY]?.S;
  const requestHash = item.requestHash?.S;
  const itemId = item.itemId?.S;
  const createdAt = item.createdAt?.S;
  const generation = item.generation?.S;
  const expiresAt = Number(item[IDEMPOTENCY_TABLE.TTL_ATTRIBUTE]?.N);
  if (!pk || !requestHash || !itemId || !createdAt || !generation || !Number.isFinite(expiresAt)) return undefined;
  return { pk, requestHash, itemId, createdAt, generation, expiresAt };
}
