import { Annotations, Duration, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as kms from 'aws-cdk-lib/aws-kms';
import { IConstruct } from 'constructs';
import type { AuthorizationBinding } from './authorization';
import type { CrudResourceProps } from './crud-resource-props';
import { IdGenerator, IdType, KeyAttributeType } from './key-types';
import type { ResourcePlan } from './plan';
import { compileSchemaCode, SchemaCompileError } from './schema-code';
import {
  ALL_OPERATIONS, DEFAULTS, HIDDEN_ATTRIBUTES, IdGenerator as ConfigIdGenerator, IDEMPOTENCY_TTL_BOUNDS, IndexConfig, KeyType,
  MANAGED_ATTRIBUTES, MAX_PAGE_SIZE_LIMIT, RESERVED_QUERY_PARAMETERS,
} from '../shared/config';
import {
  KeyAttribute, OWNER_INDEX_KEY_PREFIX, PARENT_KEY_ATTRIBUTE, SCOPED_INDEX_KEY_PREFIX, TableKeySchema, tableKeySchema,
} from '../shared/keys';
import { schemaDraftOf } from '../shared/schema-draft';

/*
 * The per-resource half of resolvePlan: the data settings of one resource (name, id, operations, owner scoping,
 * indexes, schema, pages, idempotency, table), checked and defaulted. Every message names the prop(s), the bad value
 * and the fix; unresolved tokens are skipped (they are only known at deploy time).
 */

const MAX_GSIS = 20;
/** A resource name: one URL path segment. */
export const RESOURCE_NAME = /^[A-Za-z0-9._~-]+$/;
const INDEX_NAME = /^[A-Za-z0-9._-]{3,255}$/;
const MANAGED = [...Object.values(MANAGED_ATTRIBUTES), ...Object.values(HIDDEN_ATTRIBUTES), PARENT_KEY_ATTRIBUTE] as string[];
/** Whether an attribute name is the server's: managed, hidden, or one of the hidden index key attributes. */
export function isServerAttribute(name: string): boolean {
  return MANAGED.includes(name) || name.startsWith(OWNER_INDEX_KEY_PREFIX) || name.startsWith(SCOPED_INDEX_KEY_PREFIX);
}
/** A path parameter name: API Gateway path variables and attribute names both accept it. */
export const PATH_PARAMETER = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;

/** The props that configure a new table: they conflict with `existingTable`. */
const TABLE_KNOBS = ['billing', 'pointInTimeRecovery', 'deletionProtection', 'removalPolicy', 'encryption', 'timeToLiveAttribute', 'stream'] as const;

/** What resolveResource checks: a resource entry, or the top-level props of an API without `resources`. */
export interface ResourceSource {
  readonly props: CrudResourceProps;
  /** The API's `encryptionKey`, if any. */
  readonly encryptionKey?: kms.IKey;
  /** Who calls the resource (owner scoping needs a JWT subject). */
  readonly auth: AuthorizationBinding;
  /** Whether the resource is nested under a parent (its `parent` was checked by resolvePlan). */
  readonly nested: boolean;
}

/**
 * Checks and defaults the data settings of one resource (its name is checked by resolvePlan). Messages name the
 * props as a resource entry spells them; resolvePlan places them (`resources[1].indexes`). Its Lambda settings,
 * position and authorization are added by resolvePlan.
 */
export function resolveResource(
  scope: IConstruct, source: ResourceSource, fail: (message: string) => never,
): Omit<ResourcePlan, 'lambda' | 'index' | 'authorization' | 'children'> {
  const known = (v: unknown) => v !== undefined && !Token.isUnresolved(v);
  const { props, auth } = source;

  // ---- resource and id
  const resourceName = props.name;
  const idAttribute = props.idAttribute ?? DEFAULTS.idAttribute;
  if (known(props.idAttribute)) {
    checkAttributeName('idAttribute', idAttribute, fail);
    if (isServerAttribute(idAttribute)) {
      fail(`'idAttribute' must not be '${idAttribute}': ${MANAGED.join(', ')} are managed by the server; pick another name`);
    }
  }
  const idType = checkEnum<KeyType>('idType', IdType, props.idType, fail) ?? DEFAULTS.idType;
  const idGenerator = checkEnum<ConfigIdGenerator>('idGenerator', IdGenerator, props.idGenerator, fail) ?? (idType === 'N' ? 'none' : DEFAULTS.idGenerator);
  if (idType === 'N' && idGenerator !== 'none') {
    fail(`'idGenerator' is IdGenerator.${enumKey(IdGenerator, idGenerator)}, but 'idType' is IdType.NUMBER: the server assigns string ids only; ` +
      'remove idGenerator (number ids are sent by the client), or use IdType.STRING');
  }
  const pathParameter = props.pathParameter ?? DEFAULTS.pathParameter;
  if (known(props.pathParameter)) {
    if (!PATH_PARAMETER.test(pathParameter)) {
      fail(`'pathParameter' '${pathParameter}' is not a path parameter name (a letter or '_', then letters, digits or '_'; at most 128); e.g. 'projectId'`);
    }
    if (isServerAttribute(pathParameter)) {
      fail(`'pathParameter' must not be '${pathParameter}': children store the parent's id under it, and ${MANAGED.join(', ')} are managed by the server; pick another name`);
    }
  }

  // ---- operations
  const operations = (props.operations ?? ALL_OPERATIONS.map((o) => o)) as string[];
  if (operations.length === 0) {
    fail("'operations' is empty: enable at least one operation, or omit the prop for all of them");
  }
  const seen = new Set<string>();
  for (const op of operations) {
    if (!(ALL_OPERATIONS as readonly string[]).includes(op)) {
      fail(`'operations' contains '${op}', which is not an Operation; use the Operation enum (${ALL_OPERATIONS.join(', ')})`);
    }
    if (seen.has(op)) fail(`'operations' lists '${op}' twice; list each operation once`);
    seen.add(op);
  }
  const ops = ALL_OPERATIONS.filter((o) => seen.has(o));

  // ---- owner scoping
  const ownerScoping = props.ownerScoping ?? false;
  const ownerAttribute = props.ownerAttribute ?? DEFAULTS.ownerAttribute;
  if (ownerScoping && !auth.providesJwtSubject) {
    fail(`'ownerScoping' needs a caller identity with a JWT 'sub', but 'authorization' is ${auth.kind}(); ` +
      'use ApiAuthorization.jwt() or ApiAuthorization.cognito(), or turn ownerScoping off');
  }
  if (props.ownerAttribute !== undefined && !ownerScoping) {
    fail("'ownerAttribute' is set but 'ownerScoping' is off; set ownerScoping: true or remove ownerAttribute");
  }
  if (ownerScoping && known(props.ownerAttribute)) {
    checkAttributeName('ownerAttribute', ownerAttribute, fail);
    if (ownerAttribute === idAttribute || isServerAttribute(ownerAttribute)) {
      fail(`'ownerAttribute' must not be '${ownerAttribute}' (the id attribute or a server-managed attribute); pick another name`);
    }
  }

  // ---- indexes
  const indexes: IndexConfig[] = [];
  const indexProps = props.indexes ?? [];
  if (indexProps.length > 0 && !ops.includes('list')) {
    fail("'indexes' are queried only by Operation.LIST, which is not enabled; enable LIST or remove 'indexes'");
  }
  if (indexProps.length > MAX_GSIS) {
    fail(`'indexes' has ${indexProps.length} entries; DynamoDB allows ${MAX_GSIS} GSIs per table`);
  }
  const byKeys = new Map<string, number>();
  const byName = new Map<string, number>();
  const scoped = ownerScoping || source.nested;
  indexProps.forEach((ix, i) => {
    const where = `'indexes[${i}]`;
    if (!known(ix.partitionKey) && ix.partitionKey !== undefined) return;
    if (ix.partitionKey === undefined) {
      // Partitioned by the scope: the caller's items or the parent's children, ordered by the sort key.
      if (!scoped) {
        fail(`${where}.partitionKey' is missing, but '${resourceName}' is neither owner-scoped nor nested, so there is no scope to partition ` +
          "the index by; set partitionKey, or make the resource scoped ('ownerScoping' or 'parent')");
      }
      if (ix.sortKey === undefined) {
        fail(`${where}' has neither partitionKey nor sortKey: an index partitioned by the scope is only useful ordered by its sort key; set sortKey (e.g. 'due')`);
      }
    } else {
      checkIndexAttribute(`indexes[${i}].partitionKey`, ix.partitionKey, resourceName, fail);
      if (ix.partitionKey === idAttribute) {
        fail(`${where}.partitionKey' must not be '${idAttribute}' (the table's ${scoped ? 'sort' : 'partition'} key: GET /${resourceName}/{id} reads it directly); pick another attribute`);
      }
      if (ownerScoping && ix.partitionKey === ownerAttribute) {
        fail(`${where}.partitionKey' must not be '${ownerAttribute}': with ownerScoping the table itself is keyed by owner, and GET /${resourceName} lists the caller's items; remove this index`);
      }
    }
    const sortKeyType = checkEnum<KeyType>(`indexes[${i}].sortKeyType`, KeyAttributeType, ix.sortKeyType, fail);
    if (sortKeyType !== undefined && ix.sortKey === undefined) {
      fail(`${where}.sortKeyType' is set but the index has no sortKey; set sortKey or remove sortKeyType`);
    }
    if (ix.sortKey !== undefined && known(ix.sortKey)) {
      const type = sortKeyType ?? DEFAULTS.sortKeyType;
      if (ix.sortKey === MANAGED_ATTRIBUTES.VERSION) {
        if (type !== 'N') fail(`${where}.sortKey' must not be 'version' with sortKeyType STRING ('version' is a number); set sortKeyType: KeyAttributeType.NUMBER, or use 'createdAt' or 'updatedAt'`);
      } else if (ix.sortKey === MANAGED_ATTRIBUTES.CREATED_AT || ix.sortKey === MANAGED_ATTRIBUTES.UPDATED_AT) {
        if (type !== 'S') fail(`${where}.sortKeyType' must be STRING for '${ix.sortKey}' (an ISO 8601 timestamp); remove sortKeyType`);
      } else {
        checkIndexAttribute(`indexes[${i}].sortKey`, ix.sortKey, resourceName, fail);
      }
      if (ix.sortKey === ix.partitionKey) {
        fail(`${where}.sortKey' must differ from its partitionKey '${ix.partitionKey}'; remove sortKey or pick another attribute`);
      }
    }
    const keys = `${ix.partitionKey ?? ''}\u0000${ix.sortKey ?? ''}`;
    const dup = byKeys.get(keys);
    if (dup !== undefined) {
      const what = ix.partitionKey === undefined ? 'are both partitioned by the scope' : `both use partitionKey '${ix.partitionKey}'`;
      fail(`'indexes[${dup}]' and 'indexes[${i}]' ${what} and ${ix.sortKey === undefined ? 'have no sortKey' : `sortKey '${ix.sortKey}'`}: ` +
        'they would be the same index twice — remove one');
    }
    byKeys.set(keys, i);
    const named = ix.partitionKey ?? ix.sortKey!;
    const indexName = ix.indexName ?? `by${named.charAt(0).toUpperCase()}${named.slice(1)}`;
    if (known(ix.indexName) || ix.indexName === undefined) {
      if (!INDEX_NAME.test(indexName)) {
        fail(`${where}.indexName' '${indexName}' is not a valid GSI name (3-255 of letters, digits, '.', '_', '-')${ix.indexName === undefined ? '; set indexName explicitly' : ''}`);
      }
      const dupName = byName.get(indexName);
      if (dupName !== undefined) {
        fail(`'indexes[${dupName}]' and 'indexes[${i}]' are both named '${indexName}'; give each index its own indexName`);
      }
      byName.set(indexName, i);
    }
    indexes.push({
      indexName,
      ...(ix.partitionKey !== undefined ? { partitionKey: ix.partitionKey } : {}),
      ...(ix.sortKey !== undefined ? { sortKey: ix.sortKey, sortKeyType: sortKeyType ?? DEFAULTS.sortKeyType } : {}),
    });
  });

  // ---- schema: checked, and compiled into the validation code the functions ship
  let validatorCode: string | undefined;
  if (props.schema !== undefined) {
    if (typeof props.schema !== 'object' || props.schema === null || Array.isArray(props.schema)) {
      fail("'schema' must be a JSON Schema object, e.g. { type: 'object', properties: { title: { type: 'string' } } }");
    }
    let json: string;
    try {
      json = JSON.stringify(props.schema);
    } catch (e) {
      return fail(`'schema' is not JSON-serialisable (${(e as Error).message}); pass plain JSON`);
    }
    if (json.includes('${Token[')) {
      fail("'schema' contains unresolved tokens; a schema is checked at run time and must be plain JSON known at synth time");
    }
    if (!schemaDraftOf(props.schema)) {
      fail(`'schema.$schema' is ${JSON.stringify((props.schema as any).$schema)}; the handler validates draft 2020-12 ` +
        "('https://json-schema.org/draft/2020-12/schema', the default) or draft-07 ('http://json-schema.org/draft-07/schema#')");
    }
    const type = (props.schema as any).type;
    if (type !== undefined && type !== 'object') {
      fail(`'schema.type' is '${JSON.stringify(type)}', but items are JSON objects; use type: 'object' or omit type`);
    }
    try {
      validatorCode = compileSchemaCode(props.schema);
    } catch (e) {
      if (!(e instanceof SchemaCompileError)) throw e;
      fail(`'schema' does not compile as a JSON Schema: ${e.message}; fix the schema (it is compiled at synth, with ajv)`);
    }
  }

  // ---- pagination and idempotency
  const defaultPageSize = props.defaultPageSize ?? DEFAULTS.defaultPageSize;
  const maxPageSize = props.maxPageSize ?? Math.max(DEFAULTS.maxPageSize, known(props.defaultPageSize) ? defaultPageSize : 0);
  if (known(props.maxPageSize) && (!Number.isInteger(maxPageSize) || maxPageSize < 1 || maxPageSize > MAX_PAGE_SIZE_LIMIT)) {
    fail(`'maxPageSize' must be an integer from 1 to ${MAX_PAGE_SIZE_LIMIT} (got ${maxPageSize})`);
  }
  if (known(props.defaultPageSize) && (!Number.isInteger(defaultPageSize) || defaultPageSize < 1)) {
    fail(`'defaultPageSize' must be a positive integer (got ${defaultPageSize})`);
  }
  if (!Token.isUnresolved(defaultPageSize) && !Token.isUnresolved(maxPageSize) && defaultPageSize > maxPageSize) {
    fail(`'defaultPageSize' (${defaultPageSize}) is above 'maxPageSize' (${maxPageSize}); lower defaultPageSize or raise maxPageSize`);
  }
  const ttl = props.idempotencyTtl ?? Duration.seconds(DEFAULTS.idempotencyTtlSeconds);
  if (props.idempotencyTtl && !props.idempotencyTtl.isUnresolved()) {
    const s = ttl.toSeconds();
    if (s < IDEMPOTENCY_TTL_BOUNDS.min || s > IDEMPOTENCY_TTL_BOUNDS.max) {
      fail(`'idempotencyTtl' must be between 1 minute and 7 days (got ${ttl.toHumanString()})`);
    }
  }
  if (props.idempotencyTtl && !ops.includes('create')) {
    fail("'idempotencyTtl' applies to POST (Operation.CREATE), which is not enabled; enable CREATE or remove idempotencyTtl");
  }

  // ---- table: owner-scoped tables are keyed by (owner, id), their indexes by the hidden (owner, value) attribute
  const keySchema = tableKeySchema({ idAttribute, idType, ...(ownerScoping ? { ownerAttribute } : {}), nested: source.nested, indexes });
  if (props.existingTable) {
    const conflicting = TABLE_KNOBS.filter((k) => props[k] !== undefined);
    if (conflicting.length > 0) {
      fail(`'existingTable' cannot be combined with ${conflicting.map((k) => `'${k}'`).join(', ')}: those configure a new table; ` +
        'configure the existing table where it is defined, or drop existingTable');
    }
    checkExistingTable(props.existingTable, keySchema, fail, scope);
  }
  if (props.timeToLiveAttribute !== undefined && known(props.timeToLiveAttribute)) {
    checkAttributeName('timeToLiveAttribute', props.timeToLiveAttribute, fail);
    if (props.timeToLiveAttribute === idAttribute || isServerAttribute(props.timeToLiveAttribute)) {
      fail(`'timeToLiveAttribute' must not be '${props.timeToLiveAttribute}' (the id or a server-managed attribute); use e.g. 'expiresAt'`);
    }
  }

  if (props.encryption !== undefined && source.encryptionKey !== undefined && !props.existingTable) {
    fail("'encryption' and 'encryptionKey' are both set: encryptionKey already encrypts the tables (and the log groups) " +
      'with a customer-managed key; remove encryption');
  }

  return {
    name: resourceName,
    idAttribute,
    idType,
    idGenerator,
    pathParameter,
    ...(props.parent !== undefined ? { parent: props.parent } : {}),
    operations: ops,
    indexes,
    ownerAttribute: ownerScoping ? ownerAttribute : undefined,
    keySchema,
    schema: props.schema,
    ...(validatorCode !== undefined ? { validatorCode } : {}),
    defaultPageSize,
    maxPageSize,
    idempotencyTtlSeconds: Math.round(ttl.toSeconds()),
    table: {
      existing: props.existingTable,
      billing: props.billing ?? dynamodb.Billing.onDemand(),
      pointInTimeRecovery: props.pointInTimeRecovery ?? true,
      deletionProtection: props.deletionProtection ?? false,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
      encryption: tableEncryption(props, source.encryptionKey),
      timeToLiveAttribute: props.existingTable ? undefined : props.timeToLiveAttribute,
      stream: props.stream,
    },
    // The idempotency table follows encryptionKey alone when the items table is an existing one.
    idempotencyTableEncryption: tableEncryption(props, source.encryptionKey),
  };
}

/**
 * Encryption of the tables the construct creates: `encryption` when set (refused together with `encryptionKey`),
 * else `encryptionKey`, else the AWS-owned key. With `existingTable`, `encryption` does not apply.
 */
function tableEncryption(props: CrudResourceProps, encryptionKey?: kms.IKey): dynamodb.TableEncryptionV2 {
  if (!props.existingTable && props.encryption) return props.encryption;
  if (encryptionKey) return dynamodb.TableEncryptionV2.customerManagedKey(encryptionKey);
  return dynamodb.TableEncryptionV2.dynamoOwnedKey();
}

/** An index key attribute: a client attribute that is not a reserved query parameter. */
function checkIndexAttribute(prop: string, name: string, resourceName: string, fail: (m: string) => never) {
  checkAttributeName(prop, name, fail);
  if (isServerAttribute(name)) fail(`'${prop}' must not be '${name}' (server-managed); pick a client attribute`);
  if (RESERVED_QUERY_PARAMETERS.includes(name)) {
    fail(`'${prop}' must not be '${name}': it is a query parameter of GET /${resourceName} (${RESERVED_QUERY_PARAMETERS.join(', ')}); rename the attribute`);
  }
}

/** A prop that must be a member of a jsii enum (a value from another language may be anything): its value, checked. */
function checkEnum<T extends string>(prop: string, e: Record<string, string>, value: string | undefined, fail: (m: string) => never): T | undefined {
  if (value === undefined) return undefined;
  if (!Object.values(e).includes(value)) {
    fail(`'${prop}' is '${value}', which is not one of ${Object.keys(e).join(', ')}; use the enum`);
  }
  return value as T;
}

/** The enum member name of a value, for messages (`UUID_V7`). */
function enumKey(e: Record<string, string>, value: string): string {
  return Object.keys(e).find((k) => e[k] === value) ?? value;
}

function checkAttributeName(prop: string, name: string, fail: (m: string) => never) {
  if (name.length === 0) fail(`'${prop}' must not be empty`);
  if (Buffer.byteLength(name, 'utf8') > 255) fail(`'${prop}' is longer than DynamoDB's 255-byte limit for key attributes`);
}

/**
 * Checks what can be known of an existing table: its key schema (fixed when the table is defined) right away, and
 * its GSIs at synth time (they may be added after this construct). Imported tables are unknown until deploy time.
 */
function checkExistingTable(table: dynamodb.ITableV2, expected: TableKeySchema, fail: (m: string) => never, scope: IConstruct) {
  const cfn = (table as any).node?.defaultChild;
  const typeName = (a: KeyAttribute) => (a.type === 'N' ? 'number' : 'string');
  const describe = (k: { partitionKey: KeyAttribute; sortKey?: KeyAttribute }) =>
    `partition key '${k.partitionKey.name}' (${typeName(k.partitionKey)})` +
    (k.sortKey !== undefined ? ` and sort key '${k.sortKey.name}' (${typeName(k.sortKey)})` : ' and no sort key');
  const why = expected.partitionKey.name === PARENT_KEY_ATTRIBUTE ? 'a nested resource keys items by parent, then id'
    : expected.sortKey !== undefined ? 'ownerScoping keys items by owner, then id' : undefined;
  if (!(cfn instanceof dynamodb.CfnGlobalTable)) {
    // An imported table: its key schema cannot be read here. A table with another schema refuses every request that
    // names a key it does not have (so nothing is ever read across owners), but the API would not work: say what it needs.
    if (expected.sortKey !== undefined) {
      Annotations.of(scope).addWarningV2('cdk-serverless-crud-api:existingTableSchema',
        `'existingTable' is imported, so its key schema cannot be checked; ${why!.replace(/ keys .*/, '')} needs ${describe(expected)}` +
        (expected.indexes.length ? `, and GSIs ${expected.indexes.map((ix) => `'${ix.indexName}' (${describe(ix)})`).join(', ')}` : ''));
    }
    return;
  }
  const stack = Stack.of(cfn);
  const keySchema = stack.resolve(cfn.keySchema) as { attributeName: string; keyType: string }[];
  const attrs = stack.resolve(cfn.attributeDefinitions) as { attributeName: string; attributeType: string }[];
  if (!Array.isArray(keySchema) || !Array.isArray(attrs)) return;
  const typeOf = (n: string) => attrs.find((a) => a.attributeName === n)?.attributeType;
  const hash = keySchema.find((k) => k.keyType === 'HASH')?.attributeName;
  const range = keySchema.find((k) => k.keyType === 'RANGE')?.attributeName;
  const keyOk = (name: string | undefined, k: KeyAttribute | undefined) => name === k?.name && (k === undefined || typeOf(k.name) === k.type);
  if (!keyOk(hash, expected.partitionKey) || !keyOk(range, expected.sortKey)) {
    fail(`'existingTable' must have ${describe(expected)}${why !== undefined ? ` (${why})` : ''}; it has ` +
      keySchema.map((k) => `${k.keyType === 'HASH' ? 'partition' : 'sort'} key '${k.attributeName}' (${typeOf(k.attributeName)})`).join(', ') +
      `; set 'idAttribute'/'idType'${expected.sortKey !== undefined && why?.startsWith('owner') ? "/'ownerAttribute'" : ''} to match, or use a table with that key schema`);
  }
  scope.node.addValidation({
    validate: () => {
      type Gsi = { indexName: string; keySchema: { attributeName: string; keyType: string }[] };
      const gsis = (stack.resolve(cfn.globalSecondaryIndexes) ?? []) as Gsi[];
      const defs = (stack.resolve(cfn.attributeDefinitions) ?? []) as { attributeName: string; attributeType: string }[];
      const typeNow = (n: string) => defs.find((a) => a.attributeName === n)?.attributeType;
      const key = (g: Gsi, type: string) => g.keySchema.find((k) => k.keyType === type)?.attributeName;
      // Range conditions and `order` need the index's sort key too, typed as configured.
      const matches = (name: string | undefined, k: KeyAttribute | undefined) => name === k?.name && (k === undefined || typeNow(k.name) === k.type);
      return expected.indexes
        .filter((ix) => !gsis.some((g) => g.indexName === ix.indexName && matches(key(g, 'HASH'), ix.partitionKey) && matches(key(g, 'RANGE'), ix.sortKey)))
        .map((ix) => `ServerlessCrudApi: 'existingTable' has no GSI '${ix.indexName}' with ${describe(ix)}; ` +
          "add it to the table (projection ALL) or change 'indexes'/'ownerScoping'");
    },
  });
}
