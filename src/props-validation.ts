import { Duration, Stack, Token } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import { IConstruct } from 'constructs';
import type { AuthorizationBinding } from './authorization';
import type { ServerlessCrudApiProps } from './serverless-crud-api';
import { ALL_OPERATIONS, DEFAULTS, ENV, IndexConfig, MANAGED_ATTRIBUTES, OperationName } from './shared/config';
import { schemaDraftOf } from './shared/schema-draft';

/** Props after defaults and validation: what the construct builds from. */
export interface ResolvedProps {
  readonly resourceName: string;
  readonly idAttribute: string;
  readonly operations: OperationName[];
  readonly indexes: IndexConfig[];
  readonly ownerScoping: boolean;
  readonly ownerAttribute: string;
  readonly defaultPageSize: number;
  readonly maxPageSize: number;
  readonly idempotencyTtlSeconds: number;
  readonly throttleRate: number;
  readonly throttleBurst: number;
}

/** Lambda caps a function's environment at 4 KB in total. */
const LAMBDA_ENV_LIMIT_BYTES = 4096;
const MAX_PAGE_SIZE_LIMIT = 1000;
const MAX_GSIS = 20;
const RESOURCE_NAME = /^[A-Za-z0-9._~-]+$/;
const INDEX_NAME = /^[A-Za-z0-9._-]{3,255}$/;
const MANAGED = Object.values(MANAGED_ATTRIBUTES) as string[];

/** The props that configure a new table: they conflict with `existingTable`. */
const TABLE_KNOBS = ['billing', 'pointInTimeRecovery', 'deletionProtection', 'removalPolicy', 'encryption', 'timeToLiveAttribute', 'stream'] as const;

/**
 * Validates props and applies defaults. Every message names the prop(s), the bad value and the fix. Values that are
 * unresolved tokens are skipped: they are only known at deploy time.
 */
export function validateProps(scope: IConstruct, props: ServerlessCrudApiProps, auth: AuthorizationBinding): ResolvedProps {
  const fail = (message: string): never => {
    throw new Error(`ServerlessCrudApi: ${message}`);
  };
  const known = (v: unknown) => v !== undefined && !Token.isUnresolved(v);

  // ---- resource and id
  const resourceName = props.resourceName ?? DEFAULTS.resourceName;
  if (known(props.resourceName) && !RESOURCE_NAME.test(resourceName)) {
    fail(`'resourceName' must be one URL path segment of letters, digits, '-', '_', '.' or '~' (got '${resourceName}'); e.g. 'todos'`);
  }
  const idAttribute = props.idAttribute ?? DEFAULTS.idAttribute;
  if (known(props.idAttribute)) {
    checkAttributeName('idAttribute', idAttribute, fail);
    if (MANAGED.includes(idAttribute)) {
      fail(`'idAttribute' must not be '${idAttribute}': ${MANAGED.join(', ')} are managed by the server; pick another name`);
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
    if (ownerAttribute === idAttribute || MANAGED.includes(ownerAttribute)) {
      fail(`'ownerAttribute' must not be '${ownerAttribute}' (the id attribute or a server-managed attribute); pick another name`);
    }
  }

  // ---- indexes
  const indexes: IndexConfig[] = [];
  const indexProps = props.indexes ?? [];
  if (indexProps.length > 0 && !ops.includes('list')) {
    fail("'indexes' are queried only by Operation.LIST, which is not enabled; enable LIST or remove 'indexes'");
  }
  if (indexProps.length + (ownerScoping ? 1 : 0) > MAX_GSIS) {
    fail(`'indexes' has ${indexProps.length} entries${ownerScoping ? ' (+1 owner index)' : ''}; DynamoDB allows ${MAX_GSIS} GSIs per table`);
  }
  const byAttribute = new Map<string, number>();
  const byName = new Map<string, number>();
  indexProps.forEach((ix, i) => {
    const where = `'indexes[${i}]`;
    if (!known(ix.partitionKey)) return;
    checkAttributeName(`indexes[${i}].partitionKey`, ix.partitionKey, fail);
    if (ix.partitionKey === idAttribute) {
      fail(`${where}.partitionKey' must not be '${idAttribute}' (the table's partition key: GET /${resourceName}/{id} reads it directly); pick another attribute`);
    }
    if (MANAGED.includes(ix.partitionKey)) {
      fail(`${where}.partitionKey' must not be '${ix.partitionKey}' (server-managed); pick a client attribute`);
    }
    if (ownerScoping && ix.partitionKey === ownerAttribute) {
      fail(`${where}.partitionKey' must not be '${ownerAttribute}': with ownerScoping the owner index already exists; remove this index`);
    }
    if (['limit', 'cursor', 'order'].includes(ix.partitionKey)) {
      fail(`${where}.partitionKey' must not be '${ix.partitionKey}': it is a query parameter of GET /${resourceName}; rename the attribute`);
    }
    const dup = byAttribute.get(ix.partitionKey);
    if (dup !== undefined) {
      fail(`'indexes[${dup}]' and 'indexes[${i}]' both use partitionKey '${ix.partitionKey}'; a query string '?${ix.partitionKey}=' must map to one index — remove one`);
    }
    byAttribute.set(ix.partitionKey, i);
    if (ix.sortKey !== undefined && known(ix.sortKey)) {
      checkAttributeName(`indexes[${i}].sortKey`, ix.sortKey, fail);
      if (ix.sortKey === ix.partitionKey) {
        fail(`${where}.sortKey' must differ from its partitionKey '${ix.partitionKey}'; remove sortKey or pick another attribute`);
      }
      if (ix.sortKey === MANAGED_ATTRIBUTES.VERSION) {
        fail(`${where}.sortKey' must not be 'version' (a number, and indexes here are string-keyed); use 'createdAt' or 'updatedAt'`);
      }
    }
    const indexName = ix.indexName ?? `by${ix.partitionKey.charAt(0).toUpperCase()}${ix.partitionKey.slice(1)}`;
    if (known(ix.indexName) || ix.indexName === undefined) {
      if (!INDEX_NAME.test(indexName)) {
        fail(`${where}.indexName' '${indexName}' is not a valid GSI name (3-255 of letters, digits, '.', '_', '-')${ix.indexName === undefined ? '; set indexName explicitly' : ''}`);
      }
      if (ownerScoping && indexName === DEFAULTS.ownerIndexName) {
        fail(`${where}.indexName' must not be '${DEFAULTS.ownerIndexName}': ownerScoping uses that name for the owner index`);
      }
      const dupName = byName.get(indexName);
      if (dupName !== undefined) {
        fail(`'indexes[${dupName}]' and 'indexes[${i}]' are both named '${indexName}'; give each index its own indexName`);
      }
      byName.set(indexName, i);
    }
    indexes.push({ indexName, partitionKey: ix.partitionKey, sortKey: ix.sortKey });
  });

  // ---- schema
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
    if (s < 60 || s > 7 * 24 * 3600) {
      fail(`'idempotencyTtl' must be between 1 minute and 7 days (got ${ttl.toHumanString()})`);
    }
  }
  if (props.idempotencyTtl && !ops.includes('create')) {
    fail("'idempotencyTtl' applies to POST (Operation.CREATE), which is not enabled; enable CREATE or remove idempotencyTtl");
  }

  // ---- existing table
  if (props.existingTable) {
    const conflicting = TABLE_KNOBS.filter((k) => props[k] !== undefined);
    if (conflicting.length > 0) {
      fail(`'existingTable' cannot be combined with ${conflicting.map((k) => `'${k}'`).join(', ')}: those configure a new table; ` +
        'configure the existing table where it is defined, or drop existingTable');
    }
    checkExistingTable(props.existingTable, idAttribute, [
      ...indexes, ...(ownerScoping ? [{ indexName: DEFAULTS.ownerIndexName, partitionKey: ownerAttribute, sortKey: idAttribute }] : []),
    ], fail, scope);
  }
  if (props.timeToLiveAttribute !== undefined && known(props.timeToLiveAttribute)) {
    checkAttributeName('timeToLiveAttribute', props.timeToLiveAttribute, fail);
    if (props.timeToLiveAttribute === idAttribute || MANAGED.includes(props.timeToLiveAttribute)) {
      fail(`'timeToLiveAttribute' must not be '${props.timeToLiveAttribute}' (the id or a server-managed attribute); use e.g. 'expiresAt'`);
    }
  }

  // ---- Lambda
  if (known(props.memorySize) && (!Number.isInteger(props.memorySize) || props.memorySize! < 128 || props.memorySize! > 10240)) {
    fail(`'memorySize' must be an integer from 128 to 10240 MB (got ${props.memorySize})`);
  }
  if (props.timeout && !props.timeout.isUnresolved()) {
    const s = props.timeout.toSeconds();
    if (s < 1 || s > 30) {
      fail(`'timeout' must be between 1 and 30 seconds: API Gateway HTTP APIs stop waiting after 30 s (got ${props.timeout.toHumanString()})`);
    }
  }
  if (known(props.reservedConcurrency) && (!Number.isInteger(props.reservedConcurrency) || props.reservedConcurrency! < 1)) {
    fail(`'reservedConcurrency' must be a positive integer (got ${props.reservedConcurrency}); 0 would throttle every request — omit it instead`);
  }
  if (known(props.provisionedConcurrency) && (!Number.isInteger(props.provisionedConcurrency) || props.provisionedConcurrency! < 1)) {
    fail(`'provisionedConcurrency' must be a positive integer (got ${props.provisionedConcurrency}); omit it for on-demand only`);
  }
  if (known(props.provisionedConcurrency) && known(props.reservedConcurrency) && props.provisionedConcurrency! > props.reservedConcurrency!) {
    fail(`'provisionedConcurrency' (${props.provisionedConcurrency}) exceeds 'reservedConcurrency' (${props.reservedConcurrency}); lower the first or raise the second`);
  }
  if ((props.vpcSubnets || props.securityGroups) && !props.vpc) {
    fail(`${props.vpcSubnets ? "'vpcSubnets'" : "'securityGroups'"} needs 'vpc'; set vpc or remove it`);
  }
  for (const key of Object.keys(props.environment ?? {})) {
    if (key.startsWith('CRUD_')) {
      fail(`'environment' key '${key}' is reserved (CRUD_* variables are set by the construct: ${Object.values(ENV).join(', ')}); rename it`);
    }
  }
  if (props.handlerEntrypoint !== undefined && !props.handlerCode) {
    fail("'handlerEntrypoint' applies to 'handlerCode'; set handlerCode too, or remove handlerEntrypoint");
  }
  if (props.handlerCode) {
    // Custom code gets its config in CRUD_CONFIG, so the 4 KB environment limit applies to it.
    const envBytes = Object.entries(props.environment ?? {}).reduce((n, [k, v]) => n + k.length + String(v).length, 0);
    const configBytes = Buffer.byteLength(JSON.stringify({ schema: props.schema ?? null, indexes }), 'utf8');
    if (envBytes + configBytes > LAMBDA_ENV_LIMIT_BYTES - 1024) {
      fail('\'handlerCode\' receives its config (incl. \'schema\') in the CRUD_CONFIG environment variable, which would exceed Lambda\'s 4 KB limit ' +
        `(${envBytes + configBytes} bytes); shrink 'schema' or use the built-in handler, which ships the config in its code asset`);
    }
  }

  // ---- API
  const throttleRate = props.throttle?.rateLimit ?? 100;
  const throttleBurst = props.throttle?.burstLimit ?? 200;
  if (known(props.throttle?.rateLimit) && !(throttleRate > 0)) {
    fail(`'throttle.rateLimit' must be above 0 requests/s (got ${throttleRate})`);
  }
  if (known(props.throttle?.burstLimit) && (!Number.isInteger(throttleBurst) || throttleBurst < 1)) {
    fail(`'throttle.burstLimit' must be a positive integer (got ${throttleBurst})`);
  }
  if (props.customDomain?.mappingKey !== undefined && known(props.customDomain.mappingKey) && !/^[A-Za-z0-9._~/-]+$/.test(props.customDomain.mappingKey)) {
    fail(`'customDomain.mappingKey' '${props.customDomain.mappingKey}' is not a valid path; use e.g. 'v1'`);
  }

  // ---- monitoring
  if (props.alarms === false) {
    const extra = (['alarmThresholds', 'alarmTopic'] as const).filter((k) => props[k] !== undefined);
    if (extra.length > 0) {
      fail(`${extra.map((k) => `'${k}'`).join(' and ')} set while 'alarms' is false; remove ${extra.length > 1 ? 'them' : 'it'} or turn alarms on`);
    }
  }
  const pct = props.alarmThresholds?.lambdaDurationPercentOfTimeout;
  if (known(pct) && !(pct! > 0 && pct! <= 100)) {
    fail(`'alarmThresholds.lambdaDurationPercentOfTimeout' must be in (0, 100] (got ${pct})`);
  }
  for (const k of ['lambdaErrors', 'lambdaThrottles', 'api5xxErrors', 'dynamoDbThrottledRequests', 'dynamoDbSystemErrors'] as const) {
    const v = props.alarmThresholds?.[k];
    if (known(v) && !(v! >= 1)) {
      fail(`'alarmThresholds.${k}' must be at least 1 (got ${v}); to drop alarms altogether set alarms: false`);
    }
  }

  return {
    resourceName,
    idAttribute,
    operations: ops,
    indexes,
    ownerScoping,
    ownerAttribute,
    defaultPageSize,
    maxPageSize,
    idempotencyTtlSeconds: Math.round(ttl.toSeconds()),
    throttleRate,
    throttleBurst,
  };
}

function checkAttributeName(prop: string, name: string, fail: (m: string) => never) {
  if (name.length === 0) fail(`'${prop}' must not be empty`);
  if (Buffer.byteLength(name, 'utf8') > 255) fail(`'${prop}' is longer than DynamoDB's 255-byte limit for key attributes`);
}

/**
 * Checks what can be known of an existing table: its key schema (fixed when the table is defined) right away, and
 * its GSIs at synth time (they may be added after this construct). Imported tables are unknown until deploy time.
 */
function checkExistingTable(table: dynamodb.ITableV2, idAttribute: string, indexes: IndexConfig[], fail: (m: string) => never, scope: IConstruct) {
  const cfn = (table as any).node?.defaultChild;
  if (!(cfn instanceof dynamodb.CfnGlobalTable)) return;
  const stack = Stack.of(cfn);
  const keySchema = stack.resolve(cfn.keySchema) as { attributeName: string; keyType: string }[];
  const attrs = stack.resolve(cfn.attributeDefinitions) as { attributeName: string; attributeType: string }[];
  if (!Array.isArray(keySchema) || !Array.isArray(attrs)) return;
  const hash = keySchema.find((k) => k.keyType === 'HASH');
  const typeOf = (n: string) => attrs.find((a) => a.attributeName === n)?.attributeType;
  if (hash?.attributeName !== idAttribute || typeOf(idAttribute) !== 'S' || keySchema.some((k) => k.keyType === 'RANGE')) {
    fail(`'existingTable' must have partition key '${idAttribute}' (string) and no sort key; it has ` +
      keySchema.map((k) => `${k.keyType === 'HASH' ? 'partition' : 'sort'} key '${k.attributeName}' (${typeOf(k.attributeName)})`).join(', ') +
      `; set 'idAttribute' to match, or use a table keyed on '${idAttribute}'`);
  }
  scope.node.addValidation({
    validate: () => {
      type Gsi = { indexName: string; keySchema: { attributeName: string; keyType: string }[] };
      const gsis = (stack.resolve(cfn.globalSecondaryIndexes) ?? []) as Gsi[];
      return indexes
        .filter((ix) => !gsis.some((g) => g.indexName === ix.indexName && g.keySchema.find((k) => k.keyType === 'HASH')?.attributeName === ix.partitionKey))
        .map((ix) => `ServerlessCrudApi: 'existingTable' has no GSI '${ix.indexName}' with partition key '${ix.partitionKey}'; ` +
          "add it to the table (projection ALL) or change 'indexes'/'ownerScoping'");
    },
  });
}
