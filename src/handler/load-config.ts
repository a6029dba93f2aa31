/**
 * Reads and checks the handler's configuration: the {@link HandlerConfig} the construct wrote, and the environment.
 *
 * Everything here runs once per execution environment. A problem is a {@link ConfigError} with a message that names
 * the source, the field and what is wrong, so a misdeployed function fails its init with a readable log line.
 */
import * as fs from 'fs';
import * as path from 'path';
import {
  ALL_OPERATIONS, ALL_ROUTES, CONFIG_FILE_NAME, CONFIG_VERSION, DEFAULTS, ENV, HandlerConfig, HIDDEN_ATTRIBUTES, IDEMPOTENCY_TTL_BOUNDS,
  IndexConfig, MANAGED_ATTRIBUTES, MAX_PAGE_SIZE_LIMIT, OperationName, OwnerScopingConfig,
  RESERVED_QUERY_PARAMETERS, ResourceConfig, IdGenerator, KeyType, MAX_NESTING_DEPTH, relatedTables, splitTableNames,
} from '../shared/config';
import { OWNER_INDEX_KEY_PREFIX, PARENT_KEY_ATTRIBUTE, SCOPED_INDEX_KEY_PREFIX } from '../shared/keys';
import { pathParameterOf } from '../shared/routes';

/** Whether an attribute name is one the server keeps hidden (generation, lease, parent key, scoped index keys). */
function isHiddenName(a: string): boolean {
  return (Object.values(HIDDEN_ATTRIBUTES) as string[]).includes(a) || a === PARENT_KEY_ATTRIBUTE
    || a.startsWith(OWNER_INDEX_KEY_PREFIX) || a.startsWith(SCOPED_INDEX_KEY_PREFIX);
}

const ID_GENERATORS: readonly IdGenerator[] = ['uuid-v4', 'uuid-v7', 'ulid', 'none'];
const KEY_TYPES: readonly KeyType[] = ['S', 'N'];
/** API Gateway path variables: letters, digits and underscores. */
const PATH_PARAMETER = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

/** The configuration is missing or invalid. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/**
 * Finds and parses the config: `crud-config.json` in `dir` (beside the bundled index.js), else the file named by
 * `CRUD_CONFIG_FILE`, else the JSON in `CRUD_CONFIG`.
 */
export function loadConfig(dir: string, env: NodeJS.ProcessEnv): HandlerConfig {
  const besideHandler = path.join(dir, CONFIG_FILE_NAME);
  if (fs.existsSync(besideHandler)) {
    return parseConfig(readJsonFile(besideHandler), besideHandler);
  }
  const file = env[ENV.CONFIG_FILE];
  if (file) {
    if (!fs.existsSync(file)) {
      throw new ConfigError(`${ENV.CONFIG_FILE} names '${file}', which does not exist`);
    }
    return parseConfig(readJsonFile(file), file);
  }
  const json = env[ENV.CONFIG];
  if (json) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(json);
    } catch (e) {
      throw new ConfigError(`${ENV.CONFIG} is not valid JSON: ${(e as Error).message}`);
    }
    return parseConfig(parsed, `$${ENV.CONFIG}`);
  }
  throw new ConfigError(
    `No handler config: expected ${besideHandler}, or a file named by ${ENV.CONFIG_FILE}, or JSON in ${ENV.CONFIG}`,
  );
}

function readJsonFile(file: string): unknown {
  const text = fs.readFileSync(file, 'utf8');
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new ConfigError(`${file} is not valid JSON: ${(e as Error).message}`);
  }
}

const CONFIG_KEYS = new Set(['version', 'resources', 'basePath', 'openApi', 'metrics']);
const RESOURCE_KEYS = new Set([
  'name', 'idAttribute', 'operations', 'indexes', 'schema', 'ownerScoping', 'defaultPageSize', 'maxPageSize', 'idempotencyTtlSeconds',
  'idType', 'idGenerator', 'pathParameter', 'parent',
]);

/**
 * Checks a parsed config and fills the fields that have a documented default ({@link DEFAULTS}). Unknown fields are
 * refused: they are typos, or a config written for a newer handler (which would also bump `version`).
 */
export function parseConfig(raw: unknown, source: string): HandlerConfig {
  const fail = (message: string): never => {
    throw new ConfigError(`Invalid handler config (${source}): ${message}`);
  };
  if (!isPlainObject(raw)) fail('expected a JSON object');
  const obj = raw as Record<string, unknown>;
  if (obj.version !== CONFIG_VERSION) {
    fail(`'version' is ${JSON.stringify(obj.version)}; this handler understands version ${CONFIG_VERSION} only`);
  }
  for (const key of Object.keys(obj)) {
    if (!CONFIG_KEYS.has(key)) fail(`unknown field '${key}'`);
  }
  if (!Array.isArray(obj.resources) || obj.resources.length === 0) fail("'resources' must be a non-empty array");
  const resources = (obj.resources as unknown[]).map((r, i) => {
    const where = `resources[${i}]`;
    return parseResource(r, (message: string): never => fail(`${where}: ${message}`));
  });
  const names = new Set<string>();
  for (const r of resources) {
    if (names.has(r.name)) fail(`two resources are named '${r.name}'; each needs its own path segment`);
    names.add(r.name);
  }
  resources.forEach((r, i) => checkNesting(resources, r, (message: string): never => fail(`resources[${i}]: ${message}`)));
  let basePath: string | undefined;
  if (obj.basePath !== undefined) {
    if (typeof obj.basePath !== 'string' || !/^[A-Za-z0-9._~-]+(\/[A-Za-z0-9._~-]+)*$/.test(obj.basePath)) {
      fail(`'basePath' must be an API mapping key: path segments of letters, digits and . _ ~ - (got ${JSON.stringify(obj.basePath)})`);
    }
    basePath = obj.basePath as string;
  }
  if (obj.openApi !== undefined && (typeof obj.openApi !== 'object' || obj.openApi === null || Array.isArray(obj.openApi))) {
    fail("'openApi' must be the OpenAPI document, a JSON object");
  }
  const metrics = obj.metrics as { api?: unknown } | undefined;
  if (metrics !== undefined && (!isPlainObject(metrics) || Object.keys(metrics).some((k) => k !== 'api')
    || typeof metrics.api !== 'string' || metrics.api.length === 0 || metrics.api.length > 1024)) {
    fail("'metrics' must be { api: <the Api dimension, 1 to 1024 characters> }");
  }
  return {
    version: CONFIG_VERSION,
    resources,
    ...(basePath !== undefined ? { basePath } : {}),
    ...(obj.openApi !== undefined ? { openApi: obj.openApi as Record<string, unknown> } : {}),
    ...(metrics !== undefined ? { metrics: { api: metrics.api as string } } : {}),
  };
}

/** Checks a nested resource against its ancestors: parent exists, no cycle, depth, parameters, owner scoping. */
function checkNesting(all: readonly ResourceConfig[], r: ResourceConfig, fail: (message: string) => never): void {
  if (r.parent === undefined) return;
  const ancestors: ResourceConfig[] = [];
  let current: string | undefined = r.parent;
  while (current !== undefined) {
    const parent = all.find((x) => x.name === current);
    if (!parent) fail(`'parent' names '${current}', which is not a resource of this config (${all.map((x) => x.name).join(', ')})`);
    if (parent === r || ancestors.includes(parent)) fail(`'parent' makes '${r.name}' its own ancestor`);
    ancestors.unshift(parent);
    current = parent.parent;
  }
  if (ancestors.length > MAX_NESTING_DEPTH - 1) fail(`'${r.name}' is nested ${ancestors.length + 1} levels deep; at most ${MAX_NESTING_DEPTH} are allowed`);
  const own = pathParameterOf(r);
  const params = ancestors.map(pathParameterOf);
  for (const p of new Set([...params, own])) {
    if ([...params, own].filter((x) => x === p).length > 1) fail(`the path parameter '${p}' is used twice along '${r.name}' and its ancestors; give each a distinct 'pathParameter'`);
  }
  const clashes = [r.idAttribute, ...(r.ownerScoping ? [r.ownerScoping.attribute] : []),
    ...r.indexes.flatMap((ix) => [ix.partitionKey, ix.sortKey]).filter((x): x is string => x !== undefined)];
  for (const p of params) {
    if (clashes.includes(p)) fail(`the ancestors' path parameter '${p}' is stored on '${r.name}' items, so it cannot also be its id, owner or index attribute`);
  }
  for (const a of ancestors) {
    if ((a.ownerScoping?.attribute) !== (r.ownerScoping?.attribute)) {
      fail(`'${r.name}' and its ancestor '${a.name}' must have the same owner scoping (both off, or both on with the same attribute)`);
    }
  }
}

/** Checks one resource of the config. */
function parseResource(raw: unknown, fail: (message: string) => never): ResourceConfig {
  if (!isPlainObject(raw)) fail('expected a JSON object');
  const obj = raw as Record<string, unknown>;
  for (const key of Object.keys(obj)) {
    if (!RESOURCE_KEYS.has(key)) fail(`unknown field '${key}'`);
  }
  const name = obj.name;
  if (typeof name !== 'string' || !/^[A-Za-z0-9._~-]+$/.test(name)) {
    fail(`'name' must be one URL path segment of letters, digits and . _ ~ - (got ${JSON.stringify(name)})`);
  }
  const idAttribute = checkAttributeName(obj.idAttribute ?? DEFAULTS.idAttribute, 'idAttribute', fail);
  const managed = new Set<string>([...Object.values(MANAGED_ATTRIBUTES), ...Object.values(HIDDEN_ATTRIBUTES), PARENT_KEY_ATTRIBUTE]);
  const isManaged = (a: string) => managed.has(a) || isHiddenName(a);
  if (isManaged(idAttribute)) {
    fail(`'idAttribute' must not be a server-managed attribute (${[...managed].join(', ')}, ${OWNER_INDEX_KEY_PREFIX}*, ${SCOPED_INDEX_KEY_PREFIX}*)`);
  }
  const idType = (obj.idType ?? DEFAULTS.idType) as KeyType;
  if (!KEY_TYPES.includes(idType)) fail(`'idType' must be 'S' or 'N' (got ${JSON.stringify(obj.idType)})`);
  const idGenerator = (obj.idGenerator ?? (idType === 'N' ? 'none' : DEFAULTS.idGenerator)) as IdGenerator;
  if (!ID_GENERATORS.includes(idGenerator)) fail(`'idGenerator' must be one of ${ID_GENERATORS.join(', ')} (got ${JSON.stringify(obj.idGenerator)})`);
  if (idType === 'N' && idGenerator !== 'none') fail(`'idGenerator' must be 'none' for numeric ids (got '${idGenerator}'): clients choose numeric ids`);
  const pathParameter = obj.pathParameter ?? DEFAULTS.pathParameter;
  if (typeof pathParameter !== 'string' || !PATH_PARAMETER.test(pathParameter)) {
    fail(`'pathParameter' must be letters, digits and underscores, not starting with a digit (got ${JSON.stringify(obj.pathParameter)})`);
  }
  const parent = obj.parent;
  if (parent !== undefined && (typeof parent !== 'string' || parent === obj.name)) fail(`'parent' must name another resource (got ${JSON.stringify(parent)})`);

  const operations = obj.operations ?? [...ALL_OPERATIONS];
  if (!Array.isArray(operations) || operations.some((o) => !ALL_OPERATIONS.includes(o as OperationName))) {
    fail(`'operations' must be an array of ${ALL_OPERATIONS.join(', ')} (got ${JSON.stringify(operations)})`);
  }
  if (new Set(operations as string[]).size !== (operations as string[]).length) fail("'operations' lists an operation twice");

  let ownerScoping: OwnerScopingConfig | undefined;
  if (obj.ownerScoping !== undefined) {
    const o = obj.ownerScoping;
    if (!isPlainObject(o)) fail("'ownerScoping' must be an object { attribute }");
    const os = o as Record<string, unknown>;
    for (const key of Object.keys(os)) if (key !== 'attribute') fail(`unknown field 'ownerScoping.${key}'`);
    const attribute = checkAttributeName(os.attribute, 'ownerScoping.attribute', fail);
    if (attribute === idAttribute || isManaged(attribute)) {
      fail(`'ownerScoping.attribute' (${attribute}) must differ from the id attribute and the server-managed attributes`);
    }
    ownerScoping = { attribute };
  }

  const indexesRaw = obj.indexes ?? [];
  if (!Array.isArray(indexesRaw)) fail("'indexes' must be an array");
  const indexes: IndexConfig[] = [];
  const seen = new Set<string>();
  (indexesRaw as unknown[]).forEach((ix, i) => {
    const where = `indexes[${i}]`;
    if (!isPlainObject(ix)) fail(`'${where}' must be an object { indexName, partitionKey, sortKey? }`);
    const x = ix as Record<string, unknown>;
    const indexName = checkIndexName(x.indexName, `${where}.indexName`, fail);
    const partitionKey = x.partitionKey === undefined ? undefined : checkAttributeName(x.partitionKey, `${where}.partitionKey`, fail);
    const sortKey = x.sortKey === undefined ? undefined : checkAttributeName(x.sortKey, `${where}.sortKey`, fail);
    const sortKeyType = (x.sortKeyType ?? DEFAULTS.sortKeyType) as KeyType;
    if (!KEY_TYPES.includes(sortKeyType)) fail(`'${where}.sortKeyType' must be 'S' or 'N' (got ${JSON.stringify(x.sortKeyType)})`);
    if (x.sortKeyType !== undefined && sortKey === undefined) fail(`'${where}.sortKeyType' needs a sortKey`);
    for (const key of Object.keys(x)) {
      if (!['indexName', 'partitionKey', 'sortKey', 'sortKeyType'].includes(key)) fail(`unknown field '${where}.${key}'`);
    }
    if (partitionKey === undefined) {
      if (sortKey === undefined) fail(`'${where}' needs a partitionKey, a sortKey, or both`);
      if (!ownerScoping && parent === undefined) {
        fail(`'${where}' has no partitionKey: only an owner-scoped or nested resource can partition an index by its scope`);
      }
    }
    if (partitionKey === idAttribute) fail(`'${where}.partitionKey' must not be the id attribute '${idAttribute}'`);
    if (partitionKey === MANAGED_ATTRIBUTES.VERSION || sortKey === MANAGED_ATTRIBUTES.VERSION) {
      fail(`'${where}' cannot use '${MANAGED_ATTRIBUTES.VERSION}' (a number) as a key: index keys are strings`);
    }
    if (ownerScoping && partitionKey === ownerScoping.attribute) {
      fail(`'${where}.partitionKey' must not be the owner attribute '${partitionKey}': the table itself is keyed by owner`);
    }
    const hidden = (a: string | undefined) => a !== undefined && isHiddenName(a);
    if (hidden(partitionKey) || hidden(sortKey)) fail(`'${where}' cannot use a hidden server-managed attribute as a key`);
    for (const k of [partitionKey, sortKey]) {
      if (k !== undefined && RESERVED_QUERY_PARAMETERS.includes(k)) {
        fail(`'${where}' must not use '${k}' as a key: it is a reserved query parameter (${RESERVED_QUERY_PARAMETERS.join(', ')})`);
      }
    }
    // Indexes sharing a partition key are told apart by their sort keys (the range attribute of a query).
    const identity = JSON.stringify([partitionKey ?? null, sortKey ?? null]);
    if (seen.has(identity)) {
      fail(partitionKey !== undefined
        ? `two indexes have the partition key '${partitionKey}' and the sort key '${sortKey ?? '(none)'}'; a query could not tell them apart`
        : `two indexes without partitionKey have the sort key '${sortKey}'; a range on it would be ambiguous`);
    }
    seen.add(identity);
    indexes.push({
      indexName,
      ...(partitionKey !== undefined ? { partitionKey } : {}),
      ...(sortKey !== undefined ? { sortKey } : {}),
      ...(sortKey !== undefined && sortKeyType !== 'S' ? { sortKeyType } : {}),
    });
  });

  if (obj.schema !== undefined && !isPlainObject(obj.schema) && typeof obj.schema !== 'boolean') {
    fail("'schema' must be a JSON Schema (an object)");
  }

  const maxPageSize = checkInteger(obj.maxPageSize ?? DEFAULTS.maxPageSize, 'maxPageSize', 1, MAX_PAGE_SIZE_LIMIT, fail);
  const defaultPageSize = checkInteger(obj.defaultPageSize ?? DEFAULTS.defaultPageSize, 'defaultPageSize', 1, maxPageSize, fail);
  const idempotencyTtlSeconds = checkInteger(
    obj.idempotencyTtlSeconds ?? DEFAULTS.idempotencyTtlSeconds, 'idempotencyTtlSeconds', IDEMPOTENCY_TTL_BOUNDS.min, IDEMPOTENCY_TTL_BOUNDS.max, fail);

  return {
    name: name as string,
    idAttribute,
    idType,
    idGenerator,
    pathParameter: pathParameter as string,
    ...(parent !== undefined ? { parent: parent as string } : {}),
    operations: operations as OperationName[],
    indexes,
    ...(obj.schema !== undefined ? { schema: obj.schema as Record<string, unknown> } : {}),
    ...(ownerScoping ? { ownerScoping } : {}),
    defaultPageSize,
    maxPageSize,
    idempotencyTtlSeconds,
  };
}

/** What the environment tells one function instance about one resource it serves. */
export interface ServedResource {
  readonly config: ResourceConfig;
  readonly tableName: string;
  /** Absent when this function does not create in it (or the resource has no idempotency table). */
  readonly idempotencyTableName?: string;
  /** The operations this function serves on it: a subset of the resource's. */
  readonly operations: ReadonlySet<OperationName>;
}

/** What the environment tells one function instance. */
export interface HandlerEnvironment {
  /** The resources this function serves, by name. */
  readonly resources: ReadonlyMap<string, ServedResource>;
  /**
   * Tables of other resources this function touches (a nested resource's parent, a parent's children: see
   * `relatedTables` in src/shared/config.ts), by resource name.
   */
  readonly relatedTables: ReadonlyMap<string, string>;
  /** The cursor keys given directly (runner, tests), first one current. */
  readonly cursorSecrets?: readonly string[];
  /** The Secrets Manager secret holding the cursor key (AWS). */
  readonly cursorSecretArn?: string;
}

/**
 * Reads the environment variables the construct sets ({@link ENV}). `CRUD_ROUTES` may be absent (the local runner),
 * meaning every operation of every resource the config holds. Only the resources a function serves need their table
 * variables; nothing is prepared for the others.
 */
export function parseEnvironment(config: HandlerConfig, env: NodeJS.ProcessEnv): HandlerEnvironment {
  const byName = new Map(config.resources.map((r, i) => [r.name, { config: r, index: i }]));
  const served = new Map<string, Set<OperationName>>();
  const raw = env[ENV.ROUTES];
  if (raw === undefined || raw.trim() === ALL_ROUTES) {
    for (const r of config.resources) served.set(r.name, new Set(r.operations));
  } else {
    for (const entry of raw.split(',').map((x) => x.trim()).filter((x) => x !== '')) {
      const colon = entry.lastIndexOf(':');
      const name = entry.slice(0, colon);
      const op = entry.slice(colon + 1) as OperationName;
      const resource = byName.get(name);
      if (colon < 1 || !resource) {
        throw new ConfigError(`${ENV.ROUTES} lists '${entry}', which names no resource of the config (${[...byName.keys()].join(', ')})`);
      }
      if (!ALL_OPERATIONS.includes(op)) {
        throw new ConfigError(`${ENV.ROUTES} lists '${entry}': '${op}' is not an operation (${ALL_OPERATIONS.join(', ')})`);
      }
      if (!resource.config.operations.includes(op)) {
        throw new ConfigError(`${ENV.ROUTES} lists '${entry}', which the config does not enable (${resource.config.operations.join(', ')})`);
      }
      if (!served.has(name)) served.set(name, new Set());
      served.get(name)!.add(op);
    }
  }
  const tables = splitTableNames(env[ENV.TABLES]);
  const idempotencyTables = splitTableNames(env[ENV.IDEMPOTENCY_TABLES]);
  const tableOf = (index: number, name: string, why: string) => {
    const tableName = tables[index];
    if (!tableName) throw new ConfigError(`${ENV.TABLES} has no table at position ${index}: the handler needs the table of resource '${name}'${why}`);
    return tableName;
  };
  const resources = new Map<string, ServedResource>();
  for (const [name, operations] of served) {
    const { config: resource, index } = byName.get(name)!;
    const tableName = tableOf(index, name, '');
    const idempotencyTableName = idempotencyTables[index];
    resources.set(name, { config: resource, tableName, operations, ...(idempotencyTableName ? { idempotencyTableName } : {}) });
  }
  const related = new Map<string, string>();
  for (const index of relatedTables(config, served).keys()) {
    const name = config.resources[index].name;
    related.set(name, tableOf(index, name, ' (a parent or child of a resource it serves)'));
  }
  const cursorSecrets = (env[ENV.CURSOR_SECRET] ?? '').split(/\s+/).filter((k) => k !== '');
  const cursorSecretArn = env[ENV.CURSOR_SECRET_ARN] || undefined;
  const lists = [...resources.values()].some((r) => r.operations.has('list'));
  if (lists && cursorSecrets.length === 0 && !cursorSecretArn) {
    throw new ConfigError(`Neither ${ENV.CURSOR_SECRET_ARN} nor ${ENV.CURSOR_SECRET} is set: a function that lists needs the key of its cursors`);
  }
  if (cursorSecrets.some((k) => Buffer.byteLength(k, 'utf8') < 16)) {
    throw new ConfigError(`${ENV.CURSOR_SECRET} holds a key shorter than 16 bytes; use at least 32 random bytes (hex or base64)`);
  }
  return {
    resources,
    relatedTables: related,
    ...(cursorSecrets.length ? { cursorSecrets } : {}),
    ...(cursorSecretArn ? { cursorSecretArn } : {}),
  };
}

function isPlainObject(v: unknown): boolean {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function checkAttributeName(v: unknown, field: string, fail: (m: string) => never): string {
  if (typeof v !== 'string' || v.length === 0 || Buffer.byteLength(v, 'utf8') > 255 || v === '__proto__') {
    fail(`'${field}' must be an attribute name of 1 to 255 bytes (got ${JSON.stringify(v)})`);
  }
  return v as string;
}

function checkIndexName(v: unknown, field: string, fail: (m: string) => never): string {
  // DynamoDB's rule for table and index names.
  if (typeof v !== 'string' || !/^[A-Za-z0-9_.-]{3,255}$/.test(v)) {
    fail(`'${field}' must be a DynamoDB index name (3-255 of A-Z a-z 0-9 _ . -; got ${JSON.stringify(v)})`);
  }
  return v as string;
}

function checkInteger(v: unknown, field: string, min: number, max: number, fail: (m: string) => never): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    fail(`'${field}' must be an integer from ${min} to ${max} (got ${JSON.stringify(v)})`);
  }
  return v as number;
}
