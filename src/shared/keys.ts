/**
 * The key layout of an items table: which attributes form the primary key and each index key, for shared and
 * owner-scoped resources. Imported by the construct (table and GSI definitions, grants), the handler (every key and
 * key condition it sends) and the local runner, so the layout is written once.
 *
 * Shared resources: the partition key is the id attribute; an index's keys are the indexed item attributes.
 *
 * Nested resources (`/projects/{projectId}/tasks/{id}`): the partition key is the server-managed attribute
 * {@link PARENT_KEY_ATTRIBUTE}, holding the parent's full key (the owner, when owner-scoped, and every ancestor's id:
 * {@link scopeValue}); the sort key is the id. Listing a parent's children is one Query of that partition, and an
 * index's partition key is the hidden {@link scopedIndexKeyAttribute} holding (scope, value), so `?status=open` under
 * one parent reads only that parent's children. Each child item also stores every ancestor's id, under the ancestor's
 * path parameter name (`projectId`), as a server-managed attribute.
 *
 * An index without a partition key (scoped resources only) is partitioned by the scope itself: its partition key is
 * the table's partition key attribute, its sort key the index's sort key.
 *
 * Owner-scoped resources: isolation rests on keys, never on filters.
 * - The primary key is (owner attribute, id attribute): every GetItem, PutItem, UpdateItem and DeleteItem names the
 *   caller's partition, each tenant has its own id namespace, and listing a tenant is one Query of its partition.
 * - An index's partition key is a server-managed attribute holding the owner and the indexed value together
 *   ({@link ownerIndexValue}), so a query of `?status=open` reads only the caller's items. Its sort key, when the index
 *   has one, is the item's own attribute.
 */

/** Prefix of the server-managed attributes that hold an owner-scoped index's partition key. */
export const OWNER_INDEX_KEY_PREFIX = '_ownerKey#';

/** Name of the server-managed attribute that holds the partition key of an owner-scoped index. */
export function ownerIndexKeyAttribute(indexName: string): string {
  return `${OWNER_INDEX_KEY_PREFIX}${indexName}`;
}

/**
 * The partition key value of an owner-scoped index: the owner and the value, length-prefixed so that no two
 * (owner, value) pairs share an encoding whatever characters either holds.
 */
export function ownerIndexValue(owner: string, value: string): string {
  return `${owner.length}:${owner}${value}`;
}

/** DynamoDB's limit on a partition key value, in UTF-8 bytes. */
export const MAX_PARTITION_KEY_BYTES = 2048;

/** DynamoDB's limit on a sort key value, in UTF-8 bytes. */
export const MAX_SORT_KEY_BYTES = 1024;

/** The server-managed partition key attribute of a nested resource's table: the parent's full key. */
export const PARENT_KEY_ATTRIBUTE = '_parent';

/** Prefix of the server-managed attributes that hold a nested resource's index partition key (scope, value). */
export const SCOPED_INDEX_KEY_PREFIX = '_scopeKey#';

/** Name of the server-managed attribute that holds the partition key of a nested resource's index. */
export function scopedIndexKeyAttribute(indexName: string): string {
  return `${SCOPED_INDEX_KEY_PREFIX}${indexName}`;
}

/**
 * The partition value of a nested resource: the owner (when owner-scoped) and each ancestor's id from the root down
 * (numbers in their canonical form), each length-prefixed so that no two keys share an encoding.
 */
export function scopeValue(owner: string | undefined, ancestorIds: readonly string[]): string {
  return [...(owner !== undefined ? [owner] : []), ...ancestorIds].map((p) => `${p.length}:${p}`).join('');
}

/** The partition value of a nested resource's index: its scope and the indexed value. */
export function scopedIndexValue(scope: string, value: string): string {
  return `${scope.length}:${scope}${value}`;
}

/** Type of a key attribute: string or number. */
export type KeyAttributeType = 'S' | 'N';

/** A key attribute of the table or an index. */
export interface KeyAttribute {
  readonly name: string;
  readonly type: KeyAttributeType;
}

/** The key schema of an index as stored in DynamoDB. */
export interface IndexKeySchema {
  readonly indexName: string;
  readonly partitionKey: KeyAttribute;
  readonly sortKey?: KeyAttribute;
}

/** The key schema of an items table as stored in DynamoDB. */
export interface TableKeySchema {
  readonly partitionKey: KeyAttribute;
  readonly sortKey?: KeyAttribute;
  readonly indexes: IndexKeySchema[];
}

/** What the key layout of a resource depends on (a subset of ResourceConfig, so the construct can use it too). */
export interface KeyLayoutInput {
  readonly idAttribute: string;
  /** Default `S`. */
  readonly idType?: KeyAttributeType;
  /** The owner attribute when owner-scoped. */
  readonly ownerAttribute?: string;
  /** Whether the resource is nested under a parent. */
  readonly nested: boolean;
  readonly indexes: readonly {
    readonly indexName: string;
    readonly partitionKey?: string;
    readonly sortKey?: string;
    readonly sortKeyType?: KeyAttributeType;
  }[];
}

/** The attribute that partitions a scoped resource's table (the owner, or the parent key), or undefined when unscoped. */
export function scopeAttribute(r: Pick<KeyLayoutInput, 'ownerAttribute' | 'nested'>): string | undefined {
  if (r.nested) return PARENT_KEY_ATTRIBUTE;
  return r.ownerAttribute;
}

/** The hidden attribute holding an index's partition key when the resource is scoped; undefined: the plain attribute. */
export function indexPartitionAttribute(r: Pick<KeyLayoutInput, 'ownerAttribute' | 'nested'>, ix: { readonly indexName: string; readonly partitionKey?: string }): string {
  const scope = scopeAttribute(r);
  if (ix.partitionKey === undefined) {
    if (scope === undefined) throw new Error(`index '${ix.indexName}' has no partition key and the resource no scope`);
    return scope;
  }
  if (r.nested) return scopedIndexKeyAttribute(ix.indexName);
  if (r.ownerAttribute !== undefined) return ownerIndexKeyAttribute(ix.indexName);
  return ix.partitionKey;
}

/** The DynamoDB key schema of a resource (see the layout above). */
export function tableKeySchema(r: KeyLayoutInput): TableKeySchema {
  const id: KeyAttribute = { name: r.idAttribute, type: r.idType ?? 'S' };
  const scope = scopeAttribute(r);
  const indexes = r.indexes.map((ix): IndexKeySchema => ({
    indexName: ix.indexName,
    partitionKey: { name: indexPartitionAttribute(r, ix), type: 'S' },
    ...(ix.sortKey !== undefined ? { sortKey: { name: ix.sortKey, type: ix.sortKeyType ?? 'S' } } : {}),
  }));
  if (scope === undefined) return { partitionKey: id, indexes };
  return { partitionKey: { name: scope, type: 'S' }, sortKey: id, indexes };
}
