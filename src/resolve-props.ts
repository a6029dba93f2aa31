import { Duration, Stack, Token } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { IConstruct } from 'constructs';
import { ApiAuthorization } from './authorization';
import { resolveCors } from './cors';
import { HandlerMode } from './crud-operation';
import type { AlarmThresholdsPlan, ApiPlan, CrudApiPlan, LambdaPlan } from './plan';
import type { ServerlessCrudApiProps } from './props';
import { resolveResource } from './resolve-resource';
import { ENV } from './shared/config';

/*
 * resolvePlan: the one place where ServerlessCrudApiProps become a plan, every default applied and every rule checked.
 * This file holds the API-wide settings and the Lambda defaults; src/resolve-resource.ts the per-resource ones.
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

/**
 * Checks the props and applies every default. Every message names the prop(s), the bad value and the fix. Values
 * that are unresolved tokens are skipped: they are only known at deploy time.
 */
export function resolvePlan(scope: IConstruct, props: ServerlessCrudApiProps): CrudApiPlan {
  const fail = (message: string): never => {
    throw new Error(`ServerlessCrudApi: ${message}`);
  };
  const authorization = (props.authorization ?? ApiAuthorization.iam())._bind(scope);
  const resource = resolveResource(scope, props, authorization, fail);
  const lambdaDefaults = resolveLambda(props, fail);
  const api = resolveApi(props, fail);
  const monitoring = resolveMonitoring(props, fail);
  const hardening = resolveHardening(scope, props, resource.operations.includes('create'), fail);
  const plan: ApiPlan = {
    ...api,
    authorization,
    monitoring,
    hardened: hardening.hardened,
    accessLogRetention: hardening.accessLogRetention,
    encryptionKey: props.encryptionKey,
    lambdaDefaults: { ...lambdaDefaults, logRetention: hardening.functionLogRetention },
  };
  // No per-resource Lambda overrides yet: the resource takes the API's defaults.
  return { api: plan, resources: [{ ...resource, lambda: plan.lambdaDefaults }] };
}

/** The Lambda settings (log retention is set with the hardening rules). */
function resolveLambda(props: ServerlessCrudApiProps, fail: (m: string) => never): Omit<LambdaPlan, 'logRetention'> {
  const known = (v: unknown) => v !== undefined && !Token.isUnresolved(v);
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

  return {
    handlerMode: props.handlerMode ?? HandlerMode.PER_OPERATION,
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
function resolveHardening(scope: IConstruct, props: ServerlessCrudApiProps, createsIdempotencyTable: boolean, fail: (m: string) => never) {
  const hardened = props.hardened ?? false;
  if (props.encryption !== undefined && props.encryptionKey !== undefined && !props.existingTable) {
    fail("'encryption' and 'encryptionKey' are both set: encryptionKey already encrypts the tables (and the log groups) " +
      'with a customer-managed key; remove encryption');
  }
  if (props.encryptionKey !== undefined && (!props.existingTable || createsIdempotencyTable) && Token.isUnresolved(Stack.of(scope).region)) {
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
