/**
 * The key layout of an items table: which attributes form the primary key and each index key, for shared and
 * owner-scoped resources. Imported by the construct (table and GSI definitions, grants), the handler (every key and
 * key condition it sends) and the local runner, so the layout is written once.
 *
 * Shared resources: the partition key is the id attribute; an index's keys are the indexed item attributes.
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

/** A key attribute of the table or an index. */
export interface KeyAttribute {
  readonly name: string;
  /** Always a string here. */
  readonly type: 'S';
}

/** The key schema of an index as stored in DynamoDB. */
export interface IndexKeySchema {
  readonly indexName: string;
  readonly partitionKey: string;
  readonly sortKey?: string;
}

/** The key schema of an items table as stored in DynamoDB. */
export interface TableKeySchema {
  readonly partitionKey: string;
  readonly sortKey?: string;
  readonly indexes: IndexKeySchema[];
}

/**
 * The DynamoDB key schema for a resource.
 * @param idAttribute the id attribute
 * @param ownerAttribute the owner attribute when owner-scoped
 * @param indexes the resource's secondary indexes, in item attributes
 */
export function tableKeySchema(
  idAttribute: string, ownerAttribute: string | undefined, indexes: readonly IndexKeySchema[],
): TableKeySchema {
  if (ownerAttribute === undefined) {
    return { partitionKey: idAttribute, indexes: indexes.map((ix) => ({ ...ix })) };
  }
  return {
    partitionKey: ownerAttribute,
    sortKey: idAttribute,
    indexes: indexes.map((ix) => ({
      indexName: ix.indexName,
      partitionKey: ownerIndexKeyAttribute(ix.indexName),
      ...(ix.sortKey !== undefined ? { sortKey: ix.sortKey } : {}),
    })),
  };
}
