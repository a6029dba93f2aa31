/**
 * DynamoDB access for the items and idempotency tables. Every write is conditional; a failed condition is a result
 * (the caller decides 404, 409, 412 or a retry), every other error is thrown as the SDK raised it.
 *
 * Actions used, by operation (the construct grants exactly these, see src/operations.ts):
 * create: PutItem (or TransactWriteItems of PutItem on both tables); read: GetItem; list: Scan on the table, Query on
 * indexes only; update: GetItem, PutItem, UpdateItem; delete: DeleteItem. Idempotency table: PutItem only.
 */
import {
  AttributeValue, DeleteItemCommand, DynamoDBClient, GetItemCommand, PutItemCommand, QueryCommand, ScanCommand,
  TransactWriteItemsCommand, UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import type { IdempotencyRecord } from './idempotency';
import type { ItemModel } from './item';
import type { JsonObject, JsonValue } from './json';
import { DynamoItem, fromItem, toAttributeValue, toItem } from './marshal';
import { IDEMPOTENCY_TABLE, MANAGED_ATTRIBUTES } from '../shared/config';

/** Cancellation reasons of a transaction that mean DynamoDB throttled it. */
const THROTTLING_REASONS = new Set(['ThrottlingError', 'ProvisionedThroughputExceeded', 'RequestLimitExceeded']);

/** DynamoDB's limit on one expression string. */
const MAX_EXPRESSION_LENGTH = 4096;

/** Placeholders for names and values of one request's expressions. */
class Expression {
  public readonly names: Record<string, string> = {};
  public readonly values: Record<string, AttributeValue> = {};
  private readonly byName = new Map<string, string>();

  public name(attribute: string): string {
    let p = this.byName.get(attribute);
    if (!p) {
      p = `#n${this.byName.size}`;
      this.byName.set(attribute, p);
      this.names[p] = attribute;
    }
    return p;
  }

  public value(v: AttributeValue): string {
    const p = `:v${Object.keys(this.values).length}`;
    this.values[p] = v;
    return p;
  }

  /** The parts of a request that carry the placeholders (omitting empty maps, which DynamoDB rejects). */
  public params(): { ExpressionAttributeNames?: Record<string, string>; ExpressionAttributeValues?: Record<string, AttributeValue> } {
    return {
      ...(Object.keys(this.names).length ? { ExpressionAttributeNames: this.names } : {}),
      ...(Object.keys(this.values).length ? { ExpressionAttributeValues: this.values } : {}),
    };
  }
}

/** What a replace (PutItem) expects of the stored item. */
export type ReplaceExpectation =
  | { readonly kind: 'absent' }
  /**
   * Present, with exactly this version attribute as read (undefined: none, as on items written by other tools), owned
   * by `owner` when scoped.
   */
  | { readonly kind: 'version'; readonly version: JsonValue | undefined; readonly owner?: string };

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
  readonly owner?: string;
  /** The new updatedAt. */
  readonly now: string;
}

/** A conditional write that did not happen, with the item as DynamoDB saw it (undefined: no item). */
export interface WriteConflict {
  readonly kind: 'conflict';
  readonly current?: JsonObject;
}

/** Conditions of a delete. */
export interface DeleteConditions {
  readonly owner?: string;
  /** If-Match with tags: the item's version must be one of these (empty: nothing can match). */
  readonly versions?: readonly number[];
  /** If-None-Match with tags: the item's version must be none of these. */
  readonly notVersions?: readonly number[];
  /** If-None-Match: *. */
  readonly mustNotExist?: boolean;
}

/** Outcome of the create-with-idempotency-record transaction. */
export type IdempotentCreateResult =
  | { readonly kind: 'created' }
  | { readonly kind: 'record-exists'; readonly record: IdempotencyRecord }
  | { readonly kind: 'item-exists' }
  /** Another transaction on the same keys was in flight: try again. */
  | { readonly kind: 'conflict' };

/** One page request. */
export interface PageRequest {
  readonly mode: 'scan' | 'index' | 'owner';
  readonly indexName?: string;
  /** Index or owner partition: attribute and value. */
  readonly partition?: { readonly attribute: string; readonly value: string };
  /** Owner filter on an index query of an owner-scoped table. */
  readonly ownerFilter?: { readonly attribute: string; readonly value: string };
  readonly forward: boolean;
  readonly limit: number;
  readonly startKey?: DynamoItem;
}

/** One page. */
export interface Page {
  readonly items: JsonObject[];
  readonly lastKey?: DynamoItem;
}

/** Reads and writes items (and idempotency records) of one API. */
export class ItemStore {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
    private readonly model: ItemModel,
    private readonly idempotencyTableName?: string,
  ) {}

  /** The item, read strongly consistent, or undefined. */
  public async get(id: string): Promise<JsonObject | undefined> {
    const out = await this.client.send(new GetItemCommand({
      TableName: this.tableName,
      Key: { [this.model.idAttribute]: { S: id } },
      ConsistentRead: true,
    }));
    return out.Item ? fromItem(out.Item) : undefined;
  }

  /** Writes a new item; false when the id is taken. */
  public async create(item: JsonObject): Promise<boolean> {
    const e = new Expression();
    try {
      await this.client.send(new PutItemCommand({
        TableName: this.tableName,
        Item: toItem(item),
        ConditionExpression: `attribute_not_exists(${e.name(this.model.idAttribute)})`,
        ...e.params(),
      }));
      return true;
    } catch (err) {
      if (isConditionFailure(err)) return false;
      throw err;
    }
  }

  /** Writes a new item and its idempotency record atomically, each only if absent (the record also if expired). */
  public async createIdempotent(item: JsonObject, record: IdempotencyRecord, nowSeconds: number): Promise<IdempotentCreateResult> {
    const itemExpr = new Expression();
    const recordExpr = new Expression();
    const pk = recordExpr.name(IDEMPOTENCY_TABLE.PARTITION_KEY);
    const ttl = recordExpr.name(IDEMPOTENCY_TABLE.TTL_ATTRIBUTE);
    try {
      await this.client.send(new TransactWriteItemsCommand({
        TransactItems: [
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
      }));
      return { kind: 'created' };
    } catch (err) {
      if ((err as Error).name !== 'TransactionCanceledException') throw err;
      const reasons = (err as { CancellationReasons?: { Code?: string; Item?: DynamoItem }[] }).CancellationReasons ?? [];
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
      throw err;
    }
  }

  /**
   * Writes the whole item if the stored one is as expected; otherwise a {@link WriteConflict} carrying the current item
   * (so a retry needs no read).
   */
  public async replace(item: JsonObject, expect: ReplaceExpectation): Promise<{ kind: 'written' } | WriteConflict> {
    const e = new Expression();
    const id = e.name(this.model.idAttribute);
    let condition: string;
    if (expect.kind === 'absent') {
      condition = `attribute_not_exists(${id})`;
    } else {
      const v = e.name(MANAGED_ATTRIBUTES.VERSION);
      condition = `attribute_exists(${id}) AND `
        + (expect.version === undefined ? `attribute_not_exists(${v})` : `${v} = ${e.value(toAttributeValue(expect.version))}`);
      if (expect.owner !== undefined) condition += ` AND ${this.ownerCondition(e, expect.owner)}`;
    }
    try {
      await this.client.send(new PutItemCommand({
        TableName: this.tableName,
        Item: toItem(item),
        ConditionExpression: condition,
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
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
  public async update(id: string, plan: UpdatePlan): Promise<{ kind: 'updated'; item: JsonObject } | WriteConflict | { kind: 'too-large' }> {
    const e = new Expression();
    const path = (p: readonly string[]) => p.map((t) => e.name(t)).join('.');
    const v = e.name(MANAGED_ATTRIBUTES.VERSION);
    const now = e.value({ S: plan.now });
    const sets = plan.set.map((s) => `${path(s.path)} = ${e.value(toAttributeValue(s.value))}`);
    sets.push(`${v} = if_not_exists(${v}, ${e.value({ N: '0' })}) + ${e.value({ N: '1' })}`);
    sets.push(`${e.name(MANAGED_ATTRIBUTES.UPDATED_AT)} = ${now}`);
    const createdAt = e.name(MANAGED_ATTRIBUTES.CREATED_AT);
    sets.push(`${createdAt} = if_not_exists(${createdAt}, ${now})`);
    let update = `SET ${sets.join(', ')}`;
    if (plan.remove.length) update += ` REMOVE ${plan.remove.map(path).join(', ')}`;

    const conditions = [`attribute_exists(${e.name(this.model.idAttribute)})`];
    if (plan.owner !== undefined) conditions.push(this.ownerCondition(e, plan.owner));
    if (plan.maps.length) {
      const mapType = e.value({ S: 'M' });
      for (const m of plan.maps) conditions.push(`${m.isMap ? '' : 'NOT '}attribute_type(${path(m.path)}, ${mapType})`);
    }
    const condition = conditions.join(' AND ');
    if (update.length > MAX_EXPRESSION_LENGTH || condition.length > MAX_EXPRESSION_LENGTH) return { kind: 'too-large' };
    try {
      const out = await this.client.send(new UpdateItemCommand({
        TableName: this.tableName,
        Key: { [this.model.idAttribute]: { S: id } },
        UpdateExpression: update,
        ConditionExpression: condition,
        ReturnValues: 'ALL_NEW',
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
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
  public async delete(id: string, c: DeleteConditions): Promise<{ deleted: true } | { deleted: false; current?: JsonObject }> {
    const e = new Expression();
    const idName = e.name(this.model.idAttribute);
    const v = () => e.name(MANAGED_ATTRIBUTES.VERSION);
    const conditions = [`attribute_exists(${idName})`];
    if (c.owner !== undefined) conditions.push(this.ownerCondition(e, c.owner));
    if (c.versions !== undefined) {
      conditions.push(c.versions.length === 0
        ? `attribute_not_exists(${idName})`
        : `${v()} IN (${c.versions.map((x) => e.value({ N: String(x) })).join(', ')})`);
    }
    if (c.notVersions !== undefined && c.notVersions.length > 0) {
      conditions.push(`NOT (${v()} IN (${c.notVersions.map((x) => e.value({ N: String(x) })).join(', ')}))`);
    }
    if (c.mustNotExist) conditions.push(`attribute_not_exists(${idName})`);
    try {
      await this.client.send(new DeleteItemCommand({
        TableName: this.tableName,
        Key: { [this.model.idAttribute]: { S: id } },
        ConditionExpression: conditions.join(' AND '),
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
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
   * One page of a listing. Keeps reading (Limit = what is still missing, so LastEvaluatedKey stays exact) while a
   * filter or DynamoDB's 1 MB page cap leaves the page short, up to a few rounds.
   */
  public async page(req: PageRequest): Promise<Page> {
    const items: JsonObject[] = [];
    let startKey = req.startKey;
    for (let round = 0; round < 10; round++) {
      const limit = req.limit - items.length;
      let out: { Items?: DynamoItem[]; LastEvaluatedKey?: DynamoItem };
      if (req.mode === 'scan') {
        out = await this.client.send(new ScanCommand({ TableName: this.tableName, Limit: limit, ExclusiveStartKey: startKey }));
      } else {
        const e = new Expression();
        const partition = req.partition!;
        const filter = req.ownerFilter
          ? { FilterExpression: `${e.name(req.ownerFilter.attribute)} = ${e.value({ S: req.ownerFilter.value })}` }
          : {};
        out = await this.client.send(new QueryCommand({
          TableName: this.tableName,
          IndexName: req.indexName,
          KeyConditionExpression: `${e.name(partition.attribute)} = ${e.value({ S: partition.value })}`,
          ...filter,
          ScanIndexForward: req.forward,
          Limit: limit,
          ExclusiveStartKey: startKey,
          ...e.params(),
        }));
      }
      for (const it of out.Items ?? []) items.push(fromItem(it));
      startKey = out.LastEvaluatedKey;
      if (!startKey || items.length >= req.limit) break;
    }
    return startKey ? { items, lastKey: startKey } : { items };
  }

  private ownerCondition(e: Expression, owner: string): string {
    return `${e.name(this.model.ownerAttribute!)} = ${e.value({ S: owner })}`;
  }

  private requireIdempotencyTable(): string {
    if (!this.idempotencyTableName) throw new Error('no idempotency table configured');
    return this.idempotencyTableName;
  }
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
    [IDEMPOTENCY_TABLE.TTL_ATTRIBUTE]: { N: String(r.expiresAt) },
  };
}

function recordFromItem(item: DynamoItem): IdempotencyRecord | undefined {
  const pk = item[IDEMPOTENCY_TABLE.PARTITION_KEY]?.S;
  const requestHash = item.requestHash?.S;
  const itemId = item.itemId?.S;
  const createdAt = item.createdAt?.S;
  const expiresAt = Number(item[IDEMPOTENCY_TABLE.TTL_ATTRIBUTE]?.N);
  if (!pk || !requestHash || !itemId || !createdAt || !Number.isFinite(expiresAt)) return undefined;
  return { pk, requestHash, itemId, createdAt, expiresAt };
}
