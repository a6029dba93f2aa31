import { Duration, Stack, Token } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { IConstruct } from 'constructs';
import { ApiAuthorization } from './authorization';
import { resolveCors } from './cors';
import { HandlerMode } from './crud-operation';
import { CrudResourceProps, RESOURCE_DATA_PROPS, RESOURCE_LAMBDA_PROPS, RESOURCE_ONLY_PROPS } from './crud-resource-props';
import { checkRuntime, newestNodeRuntime } from './lambda-runtime';
import type { AlarmThresholdsPlan, ApiPlan, CrudApiPlan, LambdaPlan, ResourcePlan } from './plan';
import type { ServerlessCrudApiProps } from './props';
import { resolveChangeEventSource, resolveResourceChangeEvents, CHANGE_EVENTS_STREAM_VIEW } from './resolve-change-events';
import { checkChains, checkParents, childrenOf } from './resolve-relations';
import { RESOURCE_NAME, resolveResource } from './resolve-resource';
import { DEFAULTS, ENV } from '../shared/config';
import { OPENAPI_ROUTE_PATH } from '../shared/routes';

/*
 * resolvePlan: the one place where ServerlessCrudApiProps become a plan, every default applied and every rule checked.
 * This file holds the API-wide settings and the Lambda defaults; src/construct/resolve-resource.ts the per-resource ones.
 */

/** Stage throttling when `throttle` (or one of its fields) is left out. */
const DEFAULT_THROTTLE = { rateLimit: 100, burstLimit: 200 } as const;

/** Alarm thresholds when `alarmThresholds` (or one of its fields) is left out; documented on AlarmThresholds. */
const DEFAULT_ALARM_THRESHOLDS: AlarmThresholdsPlan = {
  lambdaErrors: 1,
  lambdaThrottles: 1,
  lambdaDurationPercentOfTimeout: 80,
  api5xxErrors: 1,
  apiLatencyP99: Duration.seconds(1),
  dynamoDbThrottledRequests: 1,
  dynamoDbSystemErrors: 1,
};

/** Lambda caps a function's environment at 4 KB in total. */
const LAMBDA_ENV_LIMIT_BYTES = 4096;

/** Construct ids the API uses for its own parts: a resource (whose construct id is its name) must not take one. */
const API_CHILD_IDS = ['Api', 'AccessLogs', 'DefaultStage', 'DefaultResource', 'CursorKey', 'CrudFunction', 'Alarms', 'Dashboard', 'Url', 'EventBus', 'Subscribers'];

/**
 * Checks the props and applies every default. Every message names the prop(s), the bad value and the fix. Values
 * that are unresolved tokens are skipped: they are only known at deploy time.
 */
export function resolvePlan(scope: IConstruct, props: ServerlessCrudApiProps): CrudApiPlan {
  const fail = (message: string): never => {
    throw new Error(`ServerlessCrudApi: ${message}`);
  };
  const authorization = (props.authorization ?? ApiAuthorization.iam())._bind(scope);
  const declaredResources = props.resources !== undefined;
  const entries = declaredResources ? checkResourceEntries(props, fail) : [topLevelResource(props)];
  const lambdaDefaults = resolveLambda(props, fail);
  const api = resolveApi(props, fail);
  const monitoring = resolveMonitoring(props, fail);
  if (declaredResources) checkParents(entries, fail);

  const partial = entries.map((entry, index) => {
    const where = declaredResources ? `resources[${index}].` : '';
    const failHere = (m: string): never => fail(placeProps(m, where, entry));
    if (declaredResources && !Token.isUnresolved(entry.name) && !RESOURCE_NAME.test(entry.name)) {
      fail(`'resources[${index}].name' must be one URL path segment of letters, digits, '-', '_', '.' or '~' (got '${entry.name}'); e.g. 'orders'`);
    }
    if (!declaredResources && props.resourceName !== undefined && !Token.isUnresolved(props.resourceName) && !RESOURCE_NAME.test(entry.name)) {
      fail(`'resourceName' must be one URL path segment of letters, digits, '-', '_', '.' or '~' (got '${entry.name}'); e.g. 'todos'`);
    }
    const ownAuthorization = entry.authorization !== undefined && entry.authorization !== props.authorization;
    const auth = ownAuthorization ? entry.authorization!._bind(scope, entry.name) : authorization;
    const resource = resolveResource(scope, { props: entry, encryptionKey: props.encryptionKey, auth, nested: entry.parent !== undefined }, failHere);
    const lambdaPlan = declaredResources ? resolveLambdaOverrides(entry, lambdaDefaults, failHere) : lambdaDefaults;
    const changeEvents = resolveResourceChangeEvents(scope, props.changeEvents, entry, where, fail);
    return {
      ...resource,
      // Change events read the table's stream: with them on, a new table gets one with old and new images.
      table: changeEvents && !resource.table.existing ? { ...resource.table, stream: CHANGE_EVENTS_STREAM_VIEW } : resource.table,
      index,
      authorization: auth,
      lambda: lambdaPlan,
      children: childrenOf(entries, entry.name),
      ...(changeEvents ? { changeEvents } : {}),
    };
  });
  if (declaredResources) checkChains(partial, entries, fail);

  if (lambdaDefaults.handlerMode === HandlerMode.SINGLE && partial.length > 1) checkSingleFunctionSettings(partial, entries, fail);
  if (lambdaDefaults.customCode) checkCustomCodeConfigSize(props, partial, fail);
  if (props.openApiRoute) checkOpenApiRoute(props, partial, fail);

  const createsTables = partial.some((r) => !r.table.existing || r.operations.includes('create'));
  const hardening = resolveHardening(scope, props, createsTables, fail);
  const plan: ApiPlan = {
    ...api,
    authorization,
    monitoring,
    hardened: hardening.hardened,
    accessLogRetention: hardening.accessLogRetention,
    encryptionKey: props.encryptionKey,
    lambdaDefaults: { ...lambdaDefaults, logRetention: hardening.functionLogRetention },
    changeEventSource: resolveChangeEventSource(scope, props, fail),
  };
  const resources = partial.map((r) => ({ ...r, lambda: { ...r.lambda, logRetention: hardening.functionLogRetention } }));
  return { api: plan, resources, declaredResources };
}

/** The one resource of an API without `resources`, as a resource entry. */
function topLevelResource(props: ServerlessCrudApiProps): CrudResourceProps {
  const entry: { [key: string]: unknown } = { name: props.resourceName ?? DEFAULTS.resourceName };
  for (const key of RESOURCE_DATA_PROPS) entry[key] = props[key];
  return entry as unknown as CrudResourceProps;
}

/** The `resources` rules: at least one, unique names, and no resource-level prop at the top level. */
function checkResourceEntries(props: ServerlessCrudApiProps, fail: (m: string) => never): CrudResourceProps[] {
  const entries = props.resources!;
  const topLevel = (['resourceName', ...RESOURCE_DATA_PROPS] as const).filter((k) => props[k] !== undefined);
  if (topLevel.length > 0) {
    fail(`${topLevel.map((k) => `'${k}'`).join(', ')} ${topLevel.length > 1 ? 'are' : 'is'} set on the API, but with 'resources' ` +
      `${topLevel.length > 1 ? 'they belong' : 'it belongs'} to each resource; move ${topLevel.length > 1 ? 'them' : 'it'} into the entries of 'resources'` +
      (topLevel.includes('resourceName') ? " ('resourceName' is the entry's 'name')" : ''));
  }
  if (entries.length === 0) {
    fail("'resources' is empty: declare at least one resource, e.g. [{ name: 'items' }], or omit the prop");
  }
  const seen = new Map<string, number>();
  entries.forEach((entry, i) => {
    if (Token.isUnresolved(entry.name)) fail(`'resources[${i}].name' is a token; a resource name is a path segment known at synth time`);
    const dup = seen.get(entry.name);
    if (dup !== undefined) fail(`'resources[${dup}]' and 'resources[${i}]' are both named '${entry.name}'; give each resource its own name`);
    if (API_CHILD_IDS.includes(entry.name)) {
      fail(`'resources[${i}].name' must not be '${entry.name}': the API's own ${entry.name} has that construct id; pick another name (e.g. '${entry.name.toLowerCase()}s')`);
    }
    seen.set(entry.name, i);
  });
  return entries;
}

/**
 * Places the props a message names in the resource entry: `'indexes[0].partitionKey'` becomes
 * `'resources[1].indexes[0].partitionKey'` (`where` is empty for an API without `resources`). `authorization` is
 * placed only when the entry has its own.
 */
function placeProps(message: string, where: string, entry: CrudResourceProps): string {
  if (!where) return message;
  const keys: string[] = [...RESOURCE_DATA_PROPS, ...RESOURCE_ONLY_PROPS, ...RESOURCE_LAMBDA_PROPS, ...(entry.authorization ? ['authorization'] : [])];
  return message.replace(new RegExp(`'(${keys.join('|')})(?=['.\\[])`, 'g'), `'${where}$1`);
}

/** A resource's Lambda settings: the API's defaults with the entry's overrides, checked. */
function resolveLambdaOverrides(entry: CrudResourceProps, defaults: Omit<LambdaPlan, 'logRetention'>, fail: (m: string) => never): Omit<LambdaPlan, 'logRetention'> {
  checkLambdaSettings(entry, fail);
  const merged = {
    ...defaults,
    runtime: entry.runtime ?? defaults.runtime,
    memorySize: entry.memorySize ?? defaults.memorySize,
    timeout: entry.timeout ?? defaults.timeout,
    reservedConcurrency: entry.reservedConcurrency ?? defaults.reservedConcurrency,
    provisionedConcurrency: entry.provisionedConcurrency ?? defaults.provisionedConcurrency,
    environment: { ...defaults.environment, ...entry.environment },
  };
  const known = (v: unknown) => v !== undefined && !Token.isUnresolved(v);
  if ((entry.provisionedConcurrency !== undefined || entry.reservedConcurrency !== undefined) && known(merged.provisionedConcurrency) &&
    known(merged.reservedConcurrency) && merged.provisionedConcurrency! > merged.reservedConcurrency!) {
    fail(`'provisionedConcurrency' (${merged.provisionedConcurrency}) exceeds 'reservedConcurrency' (${merged.reservedConcurrency}); lower the first or raise the second`);
  }
  return merged;
}

/** SINGLE mode: one function serves every resource, so the resources' Lambda settings must agree. */
function checkSingleFunctionSettings(resources: { lambda: Omit<LambdaPlan, 'logRetention'> }[], entries: CrudResourceProps[], fail: (m: string) => never) {
  const value = (l: Omit<LambdaPlan, 'logRetention'>, k: typeof RESOURCE_LAMBDA_PROPS[number]) =>
    k === 'timeout' ? l.timeout.toSeconds() : k === 'runtime' ? l.runtime.name : k === 'environment' ? JSON.stringify(Object.entries(l.environment).sort()) : l[k];
  const differing = RESOURCE_LAMBDA_PROPS.filter((k) => new Set(resources.map((r) => value(r.lambda, k))).size > 1);
  if (differing.length === 0) return;
  const named = entries.flatMap((e, i) => differing.filter((k) => e[k] !== undefined).map((k) => `'resources[${i}].${k}'`));
  fail(`handlerMode SINGLE runs every resource in one function, but ${named.join(', ')} give the resources different Lambda settings; ` +
    'set them once on the API, or use HandlerMode.PER_RESOURCE');
}

/** `GET /openapi.json` is served by the built-in handler from its config file, on a path no resource may take. */
function checkOpenApiRoute(props: ServerlessCrudApiProps, resources: Omit<ResourcePlan, 'lambda'>[], fail: (m: string) => never) {
  if (props.handlerCode) {
    fail("'openApiRoute' needs the built-in handler, which ships the document in its config file; remove 'handlerCode' or 'openApiRoute' " +
      "(the document is still in the cloud assembly and 'openApiDocument')");
  }
  const taken = resources.find((r) => r.parent === undefined && `/${r.name}` === OPENAPI_ROUTE_PATH); // a nested one lives under its parent
  if (taken) fail(`'openApiRoute' serves ${OPENAPI_ROUTE_PATH}, which is the path of resource '${taken.name}'; rename the resource or leave 'openApiRoute' off`);
}

/** Custom code gets the whole config in CRUD_CONFIG, so Lambda's 4 KB environment limit applies to it. */
function checkCustomCodeConfigSize(props: ServerlessCrudApiProps, resources: Omit<ResourcePlan, 'lambda'>[], fail: (m: string) => never) {
  const envBytes = Object.entries(props.environment ?? {}).reduce((n, [k, v]) => n + k.length + String(v).length, 0);
  const configBytes = Buffer.byteLength(JSON.stringify(resources.map((r) => ({ schema: r.schema ?? null, indexes: r.indexes }))), 'utf8');
  if (envBytes + configBytes > LAMBDA_ENV_LIMIT_BYTES - 1024) {
    fail('\'handlerCode\' receives its config (incl. \'schema\') in the CRUD_CONFIG environment variable, which would exceed Lambda\'s 4 KB limit ' +
      `(${envBytes + configBytes} bytes); shrink 'schema' or use the built-in handler, which ships the config in its code asset`);
  }
}

/** The Lambda numbers, environment names: one rule each, for the API's defaults and a resource's overrides. */
function checkLambdaSettings(p: Pick<ServerlessCrudApiProps, typeof RESOURCE_LAMBDA_PROPS[number]>, fail: (m: string) => never) {
  const known = (v: unknown) => v !== undefined && !Token.isUnresolved(v);
  checkRuntime(p.runtime, fail);
  if (known(p.memorySize) && (!Number.isInteger(p.memorySize) || p.memorySize! < 128 || p.memorySize! > 10240)) {
    fail(`'memorySize' must be an integer from 128 to 10240 MB (got ${p.memorySize})`);
  }
  if (p.timeout && !p.timeout.isUnresolved()) {
    const s = p.timeout.toSeconds();
    if (s < 1 || s > 30) {
      fail(`'timeout' must be between 1 and 30 seconds: API Gateway HTTP APIs stop waiting after 30 s (got ${p.timeout.toHumanString()})`);
    }
  }
  if (known(p.reservedConcurrency) && (!Number.isInteger(p.reservedConcurrency) || p.reservedConcurrency! < 1)) {
    fail(`'reservedConcurrency' must be a positive integer (got ${p.reservedConcurrency}); 0 would throttle every request — omit it instead`);
  }
  if (known(p.provisionedConcurrency) && (!Number.isInteger(p.provisionedConcurrency) || p.provisionedConcurrency! < 1)) {
    fail(`'provisionedConcurrency' must be a positive integer (got ${p.provisionedConcurrency}); omit it for on-demand only`);
  }
  for (const key of Object.keys(p.environment ?? {})) {
    if (key.startsWith('CRUD_')) {
      fail(`'environment' key '${key}' is reserved (CRUD_* variables are set by the construct: ${Object.values(ENV).join(', ')}); rename it`);
    }
  }
}

/** The Lambda settings (log retention is set with the hardening rules). */
function resolveLambda(props: ServerlessCrudApiProps, fail: (m: string) => never): Omit<LambdaPlan, 'logRetention'> {
  const known = (v: unknown) => v !== undefined && !Token.isUnresolved(v);
  checkLambdaSettings(props, fail);
  if (known(props.provisionedConcurrency) && known(props.reservedConcurrency) && props.provisionedConcurrency! > props.reservedConcurrency!) {
    fail(`'provisionedConcurrency' (${props.provisionedConcurrency}) exceeds 'reservedConcurrency' (${props.reservedConcurrency}); lower the first or raise the second`);
  }
  if ((props.vpcSubnets || props.securityGroups) && !props.vpc) {
    fail(`${props.vpcSubnets ? "'vpcSubnets'" : "'securityGroups'"} needs 'vpc'; set vpc or remove it`);
  }
  if (props.handlerEntrypoint !== undefined && !props.handlerCode) {
    fail("'handlerEntrypoint' applies to 'handlerCode'; set handlerCode too, or remove handlerEntrypoint");
  }

  return {
    handlerMode: props.handlerMode ?? HandlerMode.PER_OPERATION,
    runtime: props.runtime ?? newestNodeRuntime(),
    memorySize: props.memorySize ?? 1024,
    timeout: props.timeout ?? Duration.seconds(10),
    architecture: props.architecture ?? lambda.Architecture.ARM_64,
    reservedConcurrency: props.reservedConcurrency,
    provisionedConcurrency: props.provisionedConcurrency,
    tracing: props.tracing ?? lambda.Tracing.ACTIVE,
    logLevel: props.logLevel ?? lambda.ApplicationLogLevel.INFO,
    environment: { ...props.environment },
    layers: props.layers,
    vpc: props.vpc,
    vpcSubnets: props.vpcSubnets,
    securityGroups: props.securityGroups,
    customCode: props.handlerCode,
    handler: props.handlerEntrypoint ?? 'index.handler',
  };
}

/** The API's own settings: CORS, throttle, domain, URL output. */
function resolveApi(props: ServerlessCrudApiProps, fail: (m: string) => never) {
  const known = (v: unknown) => v !== undefined && !Token.isUnresolved(v);
  // ---- API
  const throttleRate = props.throttle?.rateLimit ?? DEFAULT_THROTTLE.rateLimit;
  const throttleBurst = props.throttle?.burstLimit ?? DEFAULT_THROTTLE.burstLimit;
  if (known(props.throttle?.rateLimit) && !(throttleRate > 0)) {
    fail(`'throttle.rateLimit' must be above 0 requests/s (got ${throttleRate})`);
  }
  if (known(props.throttle?.burstLimit) && (!Number.isInteger(throttleBurst) || throttleBurst < 1)) {
    fail(`'throttle.burstLimit' must be a positive integer (got ${throttleBurst})`);
  }
  if (props.customDomain?.mappingKey !== undefined && known(props.customDomain.mappingKey) && !/^[A-Za-z0-9._~/-]+$/.test(props.customDomain.mappingKey)) {
    fail(`'customDomain.mappingKey' '${props.customDomain.mappingKey}' is not a valid path; use e.g. 'v1'`);
  }


  return {
    cors: resolveCors(props.cors),
    throttle: { rateLimit: throttleRate, burstLimit: throttleBurst },
    domainMapping: props.customDomain,
    disableExecuteApiEndpoint: props.disableExecuteApiEndpoint ?? false,
    openApiRoute: props.openApiRoute ?? false,
    urlOutput: props.urlOutput ?? true,
  };
}

/** Alarms, thresholds, topic and dashboard. */
function resolveMonitoring(props: ServerlessCrudApiProps, fail: (m: string) => never) {
  const known = (v: unknown) => v !== undefined && !Token.isUnresolved(v);
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
    alarms: props.alarms ?? true,
    thresholds: { ...DEFAULT_ALARM_THRESHOLDS, ...definedFields(props.alarmThresholds ?? {}) },
    topic: props.alarmTopic,
    dashboard: props.dashboard ?? false,
  };
}

/** The `encryptionKey` and `hardened` rules; log retention defaults to a year when hardened (CT.CLOUDWATCH.PR.2). */
function resolveHardening(scope: IConstruct, props: ServerlessCrudApiProps, createsTables: boolean, fail: (m: string) => never) {
  const hardened = props.hardened ?? false;
  if (props.encryptionKey !== undefined && createsTables && Token.isUnresolved(Stack.of(scope).region)) {
    // TableV2 renders a customer-managed key per replica region, so it needs to know the stack's region.
    fail("'encryptionKey' encrypts the tables with a customer-managed key, which needs a stack with a concrete region; " +
      "set env: { region: 'eu-west-1' } (or account and region) on the stack");
  }
  const oneYear = logs.RetentionDays.ONE_YEAR;
  const retention = (prop: 'functionLogRetention' | 'accessLogRetention') => {
    const value = props[prop];
    if (value === undefined) return hardened ? oneYear : logs.RetentionDays.ONE_MONTH;
    if (hardened && !Token.isUnresolved(value) && value < oneYear) {
      fail(`'${prop}' is ${value} days, but 'hardened' keeps logs at least a year (Control Tower CT.CLOUDWATCH.PR.2); ` +
        'set logs.RetentionDays.ONE_YEAR or longer, or omit it');
    }
    return value;
  };
  if (hardened) {
    const needs: [keyof ServerlessCrudApiProps, string][] = [
      ['encryptionKey', "a customer-managed KMS key for the tables and log groups: pass new kms.Key(this, 'Key', { enableKeyRotation: true })"],
      ['vpc', 'the functions run in it: pass a VPC with private subnets and a DynamoDB gateway endpoint (no NAT needed)'],
      ['reservedConcurrency', 'a concurrency limit per function: pass e.g. 10, leaving at least 100 of the account limit unreserved'],
      ['alarmTopic', 'every alarm notifies it on ALARM, OK and INSUFFICIENT_DATA: pass an SNS topic encrypted with your key'],
    ];
    if (props.alarms === false) {
      fail("'hardened' needs the alarms, but 'alarms' is false; remove alarms: false or turn hardened off");
    }
    for (const [prop, fix] of needs) {
      if (props[prop] === undefined) fail(`'hardened' needs '${prop}' (${fix}), or turn hardened off`);
    }
  }
  return { hardened, functionLogRetention: retention('functionLogRetention'), accessLogRetention: retention('accessLogRetention') };
}


/** The fields of `o` that are set (so that spreading it over defaults keeps a default where a field is undefined). */
function definedFields<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
