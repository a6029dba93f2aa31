import type { OperationName } from '../shared/config';

/*
 * The IAM actions of each operation, named, next to one another: a reader sees why each action is granted. The
 * handler's store module is the other side of these lists (test/construct/handler-actions.test.ts records the SDK
 * calls of every route and compares them with these grants).
 */

/**
 * DynamoDB actions each operation needs on the items table. Kept next to the operations so a reader sees why each
 * action is granted; the handler's store module is the other side of this list.
 */
export const TABLE_ACTIONS: Record<OperationName, string[]> = {
  // PutItem with attribute_not_exists; the item and its idempotency record are written in one transaction, which
  // IAM authorises per contained action (there is no TransactWriteItems action).
  create: ['dynamodb:PutItem'],
  // GetItem (consistent read) — owner scoping is checked on the item itself.
  read: ['dynamodb:GetItem'],
  // Scan of the table; queries go to a secondary index only (INDEX_ACTIONS).
  list: ['dynamodb:Scan'],
  // PUT reads the current version then writes conditionally; PATCH applies an UpdateItem conditioned on version.
  update: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
  // DeleteItem conditioned on existence (and version / owner when asked).
  delete: ['dynamodb:DeleteItem'],
};

/**
 * The same for a scoped resource (owner-scoped or nested): every request names the caller's or the parent's
 * partition, so listing is a Query of the table (that partition), never a Scan, which would read every tenant or
 * every parent's children.
 */
export const SCOPED_TABLE_ACTIONS: Record<OperationName, string[]> = {
  ...TABLE_ACTIONS,
  list: ['dynamodb:Query'],
};

/** The name this list had before nesting made "scoped" wider than owner scoping (kept for the recording test). */
export const OWNER_SCOPED_TABLE_ACTIONS = SCOPED_TABLE_ACTIONS;

/**
 * Delete of a resource that has children (#13): the delete sets a lease on the item (UpdateItem), checks that no child
 * remains (a Query of each child's table: RELATED_TABLE_ACTIONS), then deletes on the condition that its lease is
 * still there (DeleteItem).
 */
export const PARENT_DELETE_ACTIONS = ['dynamodb:DeleteItem', 'dynamodb:UpdateItem'];

/**
 * Actions on the tables of other resources, by what needs them (the handler's side: src/shared/config.ts
 * `relatedTables`): a nested create or update (a PUT may create) checks its parent in the same transaction
 * (ConditionCheckItem on the parent's table), and a parent's delete looks for one remaining child (Query on each
 * child's base table, never its indexes).
 */
export const RELATED_TABLE_ACTIONS = {
  parentCheck: 'dynamodb:ConditionCheckItem',
  childrenQuery: 'dynamodb:Query',
} as const;

/** Operations whose requests use a secondary index (listing by attribute): only these get index ARNs. */
export const INDEX_ACTIONS: Partial<Record<OperationName, string[]>> = {
  list: ['dynamodb:Query'],
};

/**
 * Actions on the idempotency table (create only): the record is put in the same transaction as the item; a replay
 * reads the stored record back from the transaction's cancellation reason (ReturnValuesOnConditionCheckFailure), so
 * no GetItem is needed.
 */
export const IDEMPOTENCY_ACTIONS = ['dynamodb:PutItem'];

/** Actions on the cursor key secret (list only): its AWSCURRENT and AWSPREVIOUS values, read once per environment. */
export const CURSOR_KEY_ACTIONS = ['secretsmanager:GetSecretValue'];

/** Actions on the function's own log group: the group exists already, so no CreateLogGroup. */
export const LOG_GROUP_ACTIONS = ['logs:CreateLogStream', 'logs:PutLogEvents'];

/**
 * What Lambda needs to manage a function's network interfaces in a VPC. EC2 does not support resource-level
 * permissions for these, so they are granted on `*` (acknowledged with that reason).
 */
export const VPC_NETWORK_INTERFACE_ACTIONS = [
  'ec2:CreateNetworkInterface', 'ec2:DescribeNetworkInterfaces', 'ec2:DeleteNetworkInterface',
  'ec2:AssignPrivateIpAddresses', 'ec2:UnassignPrivateIpAddresses',
];

/** KMS actions on a customer-managed table key for a function that only reads. */
export const TABLE_KEY_READ_ACTIONS = ['kms:Decrypt', 'kms:DescribeKey'];

/**
 * KMS actions on a customer-managed table key for a function that writes (generate-data-key/encrypt on writes).
 * Named actions rather than ReEncrypt* / GenerateDataKey*: no wildcard in any of our policies.
 */
export const TABLE_KEY_WRITE_ACTIONS = [...TABLE_KEY_READ_ACTIONS, 'kms:Encrypt', 'kms:GenerateDataKey', 'kms:ReEncryptFrom', 'kms:ReEncryptTo'];

/** What a resource's table needs for one operation, by the resource's shape. */
export function tableActionsOf(op: OperationName, shape: { readonly scoped: boolean; readonly hasChildren: boolean }): string[] {
  if (op === 'delete' && shape.hasChildren) return PARENT_DELETE_ACTIONS;
  return (shape.scoped ? SCOPED_TABLE_ACTIONS : TABLE_ACTIONS)[op];
}

/**
 * DynamoDB actions of each access level of a function route (`addFunctionRoute`'s `tables`), on the items table.
 * `ConditionCheckItem` is in both: a transaction's condition on an item reads it, and a write transaction checks
 * items of other tables. There is no `TransactWriteItems`/`TransactGetItems` action: IAM authorises each contained
 * action. Keyed by the `AccessLevel` values.
 */
export const ACCESS_LEVEL_TABLE_ACTIONS: Record<'READ' | 'WRITE' | 'READ_WRITE', string[]> = {
  READ: ['dynamodb:BatchGetItem', 'dynamodb:ConditionCheckItem', 'dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:Scan'],
  WRITE: ['dynamodb:BatchWriteItem', 'dynamodb:ConditionCheckItem', 'dynamodb:DeleteItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
  READ_WRITE: [
    'dynamodb:BatchGetItem', 'dynamodb:BatchWriteItem', 'dynamodb:ConditionCheckItem', 'dynamodb:DeleteItem', 'dynamodb:GetItem',
    'dynamodb:PutItem', 'dynamodb:Query', 'dynamodb:Scan', 'dynamodb:UpdateItem',
  ],
};

/** What a function route may do on the indexes it lists (reading levels only): query or scan them. */
export const ACCESS_LEVEL_INDEX_ACTIONS = ['dynamodb:Query', 'dynamodb:Scan'];

/**
 * What the change-event publisher's event source mapping does with the function's role on the table's stream (Lambda
 * polls the stream as the role; the function's code never calls DynamoDB). Granted on that one stream's ARN.
 */
export const STREAM_READ_ACTIONS = ['dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator', 'dynamodb:ListStreams'];

/**
 * What Lambda needs to write a failed batch to an S3 on-failure destination (with the function's role): PutObject on
 * the bucket's objects and ListBucket on the bucket — nothing that reads or deletes what is kept there.
 */
export const FAILURE_BUCKET_OBJECT_ACTIONS = ['s3:PutObject'];
export const FAILURE_BUCKET_ACTIONS = ['s3:ListBucket'];

/** With a customer-managed key on the failure bucket, S3 asks KMS for a data key on each PutObject. */
export const FAILURE_BUCKET_KEY_ACTIONS = ['kms:GenerateDataKey'];

/** A stream of a table encrypted with a customer-managed key is read with that key. */
export const STREAM_KEY_ACTIONS = ['kms:Decrypt'];
