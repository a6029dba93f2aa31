/**
 * The functions of a run of the runner: each function of the assembly (CRUD handlers, the user's route functions,
 * change-event subscribers) with its environment resolved for local use, hosted (src/local/function-host.ts), and
 * fingerprinted so that a reload replaces only those whose code or configuration changed.
 */
import { createHash, randomBytes } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { LocalApi, localTableName, resolveLocalValue } from './assembly';
import { DrainingFunction, FunctionSpec, hostFunctions } from './function-host';

/** Environment names of the list-cursor key: the deployed functions' secret ARN, and the local stand-in. */
const CURSOR_SECRET_ARN_ENV = 'CRUD_CURSOR_SECRET_ARN';
const CURSOR_SECRET_ENV = 'CRUD_CURSOR_SECRET';

/** One random cursor key per runner process, given to every function (never printed). */
const cursorSecret = randomBytes(32).toString('hex');

/** A function being served, with what decides whether a reload must replace it. */
export interface ServedFunction {
  readonly fingerprint: string;
  readonly fn: DrainingFunction;
  readonly timeoutSeconds: number;
}

/** What the functions of a run need to know about it. */
export interface FunctionContext {
  readonly endpoint: string;
  readonly region: string;
  /** The runner runs its own DynamoDB Local (no --endpoint): local credentials. */
  readonly local: boolean;
  readonly appDir: string;
  readonly functionLogs: boolean;
  readonly out: (line: string) => void;
  readonly dim: (s: string) => string;
  readonly warn: (s: string) => string;
}

/**
 * What decides whether a function is replaced on reload: its code (the asset folder is named by the hash of its
 * content), handler, resolved environment, timeout and memory.
 */
export function functionFingerprint(spec: Pick<FunctionSpec, 'assetDir' | 'handler' | 'environment' | 'timeoutSeconds' | 'memoryMb'>): string {
  const env = Object.keys(spec.environment).sort().map((k) => [k, spec.environment[k]]);
  return createHash('sha256')
    .update(JSON.stringify([path.basename(spec.assetDir), spec.handler, env, spec.timeoutSeconds, spec.memoryMb]))
    .digest('hex');
}

/** The function specs of an API, its environment resolved for local use. */
export function specsOf(api: LocalApi, c: FunctionContext, warnUnset: boolean): FunctionSpec[] {
  const refs = new Map<string, string>();
  for (const t of api.tables) if (t.logicalId) refs.set(t.logicalId, localTableName(api.stackName, t.logicalId));
  const specs: FunctionSpec[] = [];
  for (const fn of api.functions.values()) {
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(fn.environment)) {
      // The cursor key's secret lives in Secrets Manager; locally the per-run CRUD_CURSOR_SECRET stands in for it.
      if (k === CURSOR_SECRET_ARN_ENV) continue;
      const resolved = resolveLocalValue(v, refs, c.region);
      if (resolved === undefined) {
        if (warnUnset) c.out(c.warn(`      ${fn.logicalId}: environment ${k} is only known at deploy time; left unset`));
      } else {
        env[k] = resolved;
      }
    }
    const functionName = `${api.stackName}-${fn.logicalId}`.slice(0, 64);
    Object.assign(env, {
      AWS_REGION: c.region,
      AWS_DEFAULT_REGION: c.region,
      AWS_ENDPOINT_URL_DYNAMODB: c.endpoint,
      AWS_LAMBDA_FUNCTION_NAME: functionName,
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(fn.memoryMb),
      AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
      AWS_LAMBDA_LOG_FORMAT: 'JSON',
      TZ: 'UTC',
      [CURSOR_SECRET_ENV]: cursorSecret,
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      ...(c.local ? { AWS_ACCESS_KEY_ID: 'local', AWS_SECRET_ACCESS_KEY: 'local' } : pickAwsCredentials()),
    });
    specs.push({
      functionName,
      label: fn.logicalId,
      assetDir: fn.assetDir,
      handler: fn.handler,
      environment: env,
      timeoutSeconds: fn.timeoutSeconds,
      memoryMb: fn.memoryMb,
      // Lambda's runtime provides the AWS SDK; locally, the user's functions find it where the app finds its packages.
      moduleDirs: appModuleDirs(c.appDir),
    });
  }
  return specs;
}

/** Loads the functions of the given specs (init runs now, like a cold start); by logical id. */
export function hostSpecs(specs: FunctionSpec[], c: FunctionContext): Map<string, ServedFunction> {
  const hosted = hostFunctions(specs, {
    allLogs: c.functionLogs, workerEntry: workerEntry(), onLog: (label, line) => c.out(c.dim(`      [${label}] `) + line),
  });
  const served = new Map<string, ServedFunction>();
  for (const spec of specs) {
    const fn = new DrainingFunction(hosted.get(spec.functionName)!);
    served.set(spec.label, { fingerprint: functionFingerprint(spec), fn, timeoutSeconds: spec.timeoutSeconds });
  }
  return served;
}

export function invokersOf(functions: Map<string, ServedFunction>): Map<string, DrainingFunction> {
  return new Map([...functions].map(([k, v]) => [k, v.fn]));
}

/**
 * The file worker threads and the synth process start from: the runner's own bundle (cli.ts and this module are
 * bundled into one file).
 */
export function workerEntry(): string {
  return __filename;
}

/** The `node_modules` folders the app's own code resolves packages from: its folder's and each parent's. */
function appModuleDirs(appDir: string): string[] {
  const dirs: string[] = [];
  for (let d = path.resolve(appDir); ; d = path.dirname(d)) {
    const modules = path.join(d, 'node_modules');
    if (fs.existsSync(modules)) dirs.push(modules);
    if (path.dirname(d) === d) return dirs;
  }
}

function pickAwsCredentials(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_PROFILE']) {
    if (process.env[k]) out[k] = process.env[k]!;
  }
  return out;
}
