/**
 * DynamoDB access for the items and idempotency tables. Every write is conditional; a failed condition is a result
 * (the caller decides 404, 409, 412 or a retry), every other error is thrown as the SDK raised it.
 *
 * Actions used, by operation (the construct grants exactly these, see src/construct/iam-actions.ts):
 * create: PutItem (or TransactWriteItems of PutItem on both tables); read: GetItem; list: Scan on the table (shared
 * resources only), Query on the table (owner-scoped: the caller's partition) and on indexes; update: GetItem, PutItem,
 * UpdateItem; delete: DeleteItem. Idempotency table: PutItem only.
 *
 * Owner-scoped resources: every key this module sends holds the caller's owner (the table's partition key), and every
 * query's key condition names the caller's partition (src/shared/keys.ts). No request relies on a filter.
 */
import {
  DeleteItemCommand, GetItemCommand, PutItemCommand, QueryCommand,
  TransactWriteItemsCommand, UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { DynamoSender, RETURN_CAPACITY } from './dynamodb-calls';
import { Expression } from './expression';
import { IdempotencyRecord, idempotencyRecordFromItem, idempotencyRecordItem } from './idempotency';
import type { ItemModel } from './item';
import type { JsonObject, JsonValue } from './json';
import { projectionExpression } from './key-condition';
import { DynamoItem, fromItem, toAttributeValue, toItem } from './marshal';
import { PageChunk, PageRead, readPage } from './page-read';
import {
  asReadCondition, cancellationReasons, conflictOf, DeleteConditions, deleteConditions, isConditionFailure,
  isTransactionConflict, ParentCheck, parentConditionCheck, StoredState, THROTTLING_REASONS, WriteConflict,
} from './write-conditions';
import { HIDDEN_ATTRIBUTES, IDEMPOTENCY_TABLE, MANAGED_ATTRIBUTES } from '../shared/config';
import { keyAttributeValue } from '../shared/key-values';
import { PARENT_KEY_ATTRIBUTE } from '../shared/keys';

export { PageChunk, PageRead };
export { DeleteConditions, isConditionFailure, ParentCheck, StoredState, WriteConflict };

/** A scoped resource's partition (see OperationRequest.scope). */
export type Scope = { readonly attribute: string; readonly value: string } | undefined;

/** What a conditional create did. */
export type CreateResult = 'created' | 'exists' | 'no-parent' | 'conflict';

/** DynamoDB's limit on one expression string. */
const MAX_EXPRESSION_LENGTH = 4096;

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


/** Outcome of the create-with-idempotency-record transaction. */
export type IdempotentCreateResult =
  | { readonly kind: 'created' }
  | { readonly kind: 'record-exists'; readonly record: IdempotencyRecord }
  | { readonly kind: 'item-exists' }
  /** The parent does not exist, or is being deleted. */
  | { readonly kind: 'no-parent' }
  /** Another transaction on the same keys was in flight: try again. */
  | { readonly kind: 'conflict' };

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
      ...RETURN_CAPACITY,
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
        await this.client.send(new TransactWriteItemsCommand({ TransactItems: [parentConditionCheck(parent), { Put: put }], ...RETURN_CAPACITY }));
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
      await this.client.send(new PutItemCommand({ ...put, ...RETURN_CAPACITY }));
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
              Item: idempotencyRecordItem(record),
              ConditionExpression: `attribute_not_exists(${pk}) OR ${ttl} < ${recordExpr.value({ N: String(nowSeconds) })}`,
              ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
              ...recordExpr.params(),
            },
          },
        ],
        ...RETURN_CAPACITY,
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
        const existing = recordReason.Item ? idempotencyRecordFromItem(recordReason.Item) : undefined;
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
          ...RETURN_CAPACITY,
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
        ...RETURN_CAPACITY,
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
        ...RETURN_CAPACITY,
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
        ...RETURN_CAPACITY,
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
        ...RETURN_CAPACITY,
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
        ...RETURN_CAPACITY,
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
      ...RETURN_CAPACITY,
      ...e.params(),
    }));
    return (out.Items ?? []).length > 0;
  }

  /** One DynamoDB read of a listing (src/handler/page-read.ts). */
  public async read(r: PageRead): Promise<PageChunk> {
    return readPage(this.client, this.tableName, r);
  }

  private requireIdempotencyTable(): string {
    if (!this.idempotencyTableName) throw new Error('no idempotency table configured');
    return this.idempotencyTableName;
  }
}
