/**
 * Runs the Lambda functions of the assembly, each with its own environment and its own module state — the way
 * Lambda gives each function its own execution environment. The exact code from the assembly's asset folder is
 * loaded once per function (its init runs once, like a cold start) and invoked per request.
 *
 * Two ways, chosen per function by what its code is:
 * - **This library's handler bundle** (a self-contained `index.js`, SDK inside, beside its `crud-config.json`) runs
 *   in the runner's own thread: the bundle is compiled once per asset and evaluated once per function, each
 *   evaluation with its own `process.env`, `process.stdout`/`stderr` and `console`. Every function still has its
 *   own clients, config and environment; what it does not get is a thread of its own, which this code, fully
 *   asynchronous and reading its environment only through `process.env`, does not need. A worker per function
 *   (an isolate each, with its own compiler and garbage collector, and a message hop per request) cost the runner
 *   about half of its throughput.
 * - **Any other code** (a custom `handlerCode`) gets a worker thread per function, with the function's environment
 *   as the worker's own, and is loaded with `require`: nothing is assumed about it.
 */
import { EventEmitter } from 'events';
import * as fs from 'fs';
import { createRequire } from 'module';
import * as path from 'path';
import { pathToFileURL } from 'url';
import * as vm from 'vm';
import { parentPort, Worker, workerData } from 'worker_threads';
import { CONFIG_FILE_NAME } from '../shared/config';
import { VALIDATION_RUNTIME_FILE_NAME, VALIDATORS_FILE_NAME } from '../shared/validation-code';

/** One Lambda function to run. */
export interface FunctionSpec {
  readonly functionName: string;
  /** How log lines of this function are labelled (its logical id). */
  readonly label: string;
  readonly assetDir: string;
  /** `file.export`, e.g. `index.handler`. */
  readonly handler: string;
  readonly environment: Record<string, string>;
  readonly timeoutSeconds: number;
  readonly memoryMb: number;
  /**
   * `node_modules` folders searched for packages the code does not bring itself (Lambda's runtime provides the AWS
   * SDK; locally the app's own dependencies stand in for it). Worker-hosted code only.
   */
  readonly moduleDirs?: string[];
}

export interface InvokeResult {
  readonly result?: unknown;
  readonly error?: { name: string; message: string; stack?: string };
  readonly durationMs: number;
  /** What the request cost in DynamoDB, from this library's request log line (absent for other code). */
  readonly usage?: RequestUsage;
}

/** The capacity units of one request, as its log line reports them (src/handler/log.ts `dynamodb`). */
export interface RequestUsage {
  readonly calls: number;
  readonly readUnits: number;
  readonly writeUnits: number;
}

/**
 * The usage in a request log line of this library's handler, by request id; undefined for any other line. Cheap for
 * the lines that are not (one `includes`).
 */
export function usageOfLogLine(line: string): { requestId: string; usage: RequestUsage } | undefined {
  if (!line.includes('"dynamodb":{')) return undefined;
  try {
    const parsed = JSON.parse(line) as { message?: string; requestId?: unknown; dynamodb?: Partial<RequestUsage> };
    const d = parsed.dynamodb;
    if (parsed.message !== 'request' || typeof parsed.requestId !== 'string' || !d) return undefined;
    if (typeof d.calls !== 'number' || typeof d.readUnits !== 'number' || typeof d.writeUnits !== 'number') return undefined;
    return { requestId: parsed.requestId, usage: { calls: d.calls, readUnits: d.readUnits, writeUnits: d.writeUnits } };
  } catch {
    return undefined;
  }
}

/** What the API server calls for one function. */
export interface FunctionInvoker {
  invoke(event: unknown, requestId: string): Promise<InvokeResult>;
}

/** A running function, with a way to stop it. */
export interface HostedFunction extends FunctionInvoker {
  stop(): Promise<void>;
}

/** Receives the log lines to show: every line with `allLogs`, else only stderr and ERROR/FATAL lines. */
export type LogListener = (label: string, line: string, stream: 'stdout' | 'stderr') => void;

export interface HostOptions {
  /** Show every log line of the functions (`--function-logs`), not only their errors. */
  readonly allLogs: boolean;
  readonly onLog: LogListener;
  /** The file a worker thread starts from: the runner's own bundle (see cli.ts). */
  readonly workerEntry: string;
}

/** The files of this library's handler asset: the bundle and its config, and with a schema its validation code. */
const BUNDLE_FILES = new Set([
  ['index.js', CONFIG_FILE_NAME].sort().join('\n'),
  ['index.js', CONFIG_FILE_NAME, VALIDATORS_FILE_NAME, VALIDATION_RUNTIME_FILE_NAME].sort().join('\n'),
]);

/**
 * True when the function's code is this library's self-contained handler bundle: `index.handler` in a folder
 * holding exactly `index.js` and `crud-config.json`, or those and the two validation files (the construct stages its built-in handler so; a custom
 * `handlerCode` gets its config through the environment instead).
 */
export function isHandlerBundle(fn: Pick<FunctionSpec, 'assetDir' | 'handler'>): boolean {
  if (fn.handler !== 'index.handler') return false;
  try {
    return BUNDLE_FILES.has(fs.readdirSync(fn.assetDir).sort().join('\n'));
  } catch {
    return false;
  }
}

/** Whether a log line is shown when not every line is (`--function-logs` off): stderr and ERROR/FATAL lines. */
export function isErrorLogLine(line: string, stream: 'stdout' | 'stderr'): boolean {
  return stream === 'stderr' || (line.includes('"level"') && /"level"\s*:\s*"(ERROR|FATAL)"/.test(line));
}

/**
 * Starts the functions: this library's bundle in this thread (one compile per asset), any other code in a worker
 * thread each. Returns an invoker per function name.
 */
export function hostFunctions(specs: FunctionSpec[], options: HostOptions): Map<string, HostedFunction> {
  const compiled = new Map<string, CompiledBundle>();
  const hosted = new Map<string, HostedFunction>();
  for (const spec of specs) {
    if (isHandlerBundle(spec)) {
      const file = path.resolve(spec.assetDir, 'index.js');
      hosted.set(spec.functionName, new InProcessFunction(spec, () => {
        if (!compiled.has(file)) compiled.set(file, compileBundle(file));
        return compiled.get(file)!;
      }, options));
    } else {
      hosted.set(spec.functionName, new WorkerFunction(spec, options));
    }
  }
  return hosted;
}

type Handler = (event: unknown, context: unknown) => Promise<unknown>;

/** Looks up the handler export of a loaded module. */
function handlerOf(spec: FunctionSpec, exports: unknown): Handler {
  const name = spec.handler.slice(spec.handler.lastIndexOf('.') + 1);
  const handler = (exports as Record<string, unknown> | undefined)?.[name];
  if (typeof handler !== 'function') throw new Error(`${spec.handler} is not a function in ${spec.assetDir}`);
  return handler as Handler;
}

/** One invocation as Lambda runs it: a context object, the function's timeout, errors as Lambda reports them. */
async function invokeHandler(spec: FunctionSpec, handler: Handler, event: unknown, requestId: string): Promise<InvokeResult> {
  const started = Date.now();
  const deadline = started + spec.timeoutSeconds * 1000;
  const region = spec.environment.AWS_REGION ?? 'us-east-1';
  const context = {
    awsRequestId: requestId,
    functionName: spec.functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${region}:123456789012:function:${spec.functionName}`,
    memoryLimitInMB: String(spec.memoryMb),
    logGroupName: `/aws/lambda/${spec.functionName}`,
    logStreamName: 'local',
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
  };
  let timer: NodeJS.Timeout | undefined;
  try {
    const result = await Promise.race([
      Promise.resolve().then(() => handler(event, context)),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(Object.assign(new Error(`Task timed out after ${spec.timeoutSeconds.toFixed(2)} seconds`), { name: 'Sandbox.Timedout' })), spec.timeoutSeconds * 1000);
      }),
    ]);
    return { result, durationMs: Date.now() - started };
  } catch (e) {
    const err = e as Error;
    return { error: { name: err?.name ?? 'Error', message: String(err?.message ?? err), stack: err?.stack }, durationMs: Date.now() - started };
  } finally {
    clearTimeout(timer);
  }
}

const importError = (e: Error): InvokeResult => ({ error: { name: 'Runtime.ImportModuleError', message: e.message, stack: e.stack }, durationMs: 0 });

// ---- this library's bundle, in this thread ----

/** The bundle as a CommonJS module function that also takes its own `process` and `console`. */
interface CompiledBundle {
  readonly file: string;
  readonly moduleFunction: (...args: unknown[]) => void;
}

const MODULE_PARAMETERS = ['exports', 'require', 'module', '__filename', '__dirname', 'process', 'console'];

function compileBundle(file: string): CompiledBundle {
  const source = fs.readFileSync(file, 'utf8').replace(/^#!.*/, '');
  return { file, moduleFunction: vm.compileFunction(source, MODULE_PARAMETERS, { filename: file }) as (...args: unknown[]) => void };
}

/**
 * A function of this library's bundle, evaluated as its own module on first use: its `process.env` is the
 * function's environment, and its stdout/stderr (and a console writing to them) hand complete lines to the log
 * listener, labelled with the function — only the lines that will be shown.
 */
class InProcessFunction implements HostedFunction {
  private handler?: Handler;
  private initError?: Error;
  private readonly stdout: LineSink;
  private readonly stderr: LineSink;
  /** Usage from request log lines written during invocations in flight, by request id (taken when they end). */
  private readonly usage = new Map<string, RequestUsage>();

  constructor(private readonly spec: FunctionSpec, private readonly bundle: () => CompiledBundle, options: HostOptions) {
    ({ stdout: this.stdout, stderr: this.stderr } = logSinks(spec, options, (line) => {
      const found = usageOfLogLine(line);
      if (found) this.usage.set(found.requestId, found.usage);
    }));
    // Init at start-up, as the worker-hosted functions do, so that a broken bundle shows before the first request.
    this.load();
  }

  async invoke(event: unknown, requestId: string): Promise<InvokeResult> {
    if (!this.handler) return importError(this.initError!);
    // The handler writes its request line before it returns, in this thread: it is here when the invocation ends.
    const result = await invokeHandler(this.spec, this.handler, event, requestId);
    const usage = this.usage.get(requestId);
    if (usage === undefined) return result;
    this.usage.delete(requestId);
    return { ...result, usage };
  }

  async stop(): Promise<void> {
    this.handler = undefined;
    this.initError = new Error('the runner is stopping');
  }

  private load(): void {
    try {
      const { file, moduleFunction } = this.bundle();
      const env = { ...this.spec.environment };
      const { stdout, stderr } = this;
      const ownProcess = new Proxy(process, {
        get(target, key) {
          if (key === 'env') return env;
          if (key === 'stdout') return stdout;
          if (key === 'stderr') return stderr;
          return Reflect.get(target, key, target);
        },
      });
      const asStream = (sink: LineSink) => sink as unknown as NodeJS.WritableStream;
      const ownConsole = new console.Console({ stdout: asStream(stdout), stderr: asStream(stderr) });
      const module = { exports: {} as unknown, filename: file, id: file, loaded: false };
      moduleFunction.call(module.exports, module.exports, createRequire(file), module, file, path.dirname(file), ownProcess, ownConsole);
      module.loaded = true;
      this.handler = handlerOf(this.spec, module.exports);
    } catch (e) {
      this.initError = e as Error;
    }
  }
}

/** A function's stdout and stderr: complete lines, only those to show, to the log listener. */
function logSinks(spec: FunctionSpec, options: HostOptions, onStdoutLine?: (line: string) => void): { stdout: LineSink; stderr: LineSink } {
  return {
    stdout: new LineSink((line) => {
      onStdoutLine?.(line);
      if (options.allLogs || isErrorLogLine(line, 'stdout')) options.onLog(spec.label, line, 'stdout');
    }),
    stderr: new LineSink((line) => options.onLog(spec.label, line, 'stderr')),
  };
}

type WriteCallback = (error?: Error | null) => void;

/**
 * What the function's `process.stdout`/`stderr` are: a minimal writable that hands on complete lines. Not a stream
 * (the handler writes a log line per request, and a Writable's bookkeeping per write showed in the runner's
 * profile); it has what code writing to stdout uses: `write` (with the optional callback, called asynchronously as
 * streams do), `end`, the events of an EventEmitter, and `isTTY`/`writable`.
 */
class LineSink extends EventEmitter {
  readonly isTTY = false;
  readonly writable = true;
  private partial = '';

  constructor(private readonly onLine: (line: string) => void) {
    super();
  }

  write(chunk: string | Uint8Array, encoding?: BufferEncoding | WriteCallback, callback?: WriteCallback): boolean {
    const done = typeof encoding === 'function' ? encoding : callback;
    const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString(typeof encoding === 'string' ? encoding : 'utf8');
    let rest = this.partial + text;
    let nl: number;
    while ((nl = rest.indexOf('\n')) >= 0) {
      this.onLine(rest.slice(0, nl));
      rest = rest.slice(nl + 1);
    }
    this.partial = rest;
    if (done) queueMicrotask(() => done(null));
    return true;
  }

  end(chunk?: string | Uint8Array | (() => void), callback?: () => void): this {
    if (typeof chunk === 'string' || chunk instanceof Uint8Array) this.write(chunk);
    if (this.partial) this.onLine(this.partial);
    this.partial = '';
    const done = typeof chunk === 'function' ? chunk : callback;
    if (done) queueMicrotask(done);
    return this;
  }
}

// ---- any other code, in a worker thread per function ----

/** How long after its timeout a worker that has not answered is considered stuck. */
const TIMEOUT_GRACE_MS = 250;

/**
 * A function in its own worker thread, whose environment is the function's. A worker that dies (an uncaught
 * exception, a `process.exit`) fails the invocations in flight and is started afresh on the next one — a new cold
 * start, as Lambda replaces a crashed execution environment.
 */
class WorkerFunction implements HostedFunction {
  private current?: { worker: Worker; pending: Map<number, (r: InvokeResult) => void> };
  private nextId = 1;
  private stopped = false;

  constructor(private readonly spec: FunctionSpec, private readonly options: HostOptions) {
    this.start();
  }

  invoke(event: unknown, requestId: string): Promise<InvokeResult> {
    if (this.stopped) return Promise.resolve({ error: { name: 'Runtime.ExitError', message: 'the runner is stopping' }, durationMs: 0 });
    const current = this.current ?? this.start();
    const id = this.nextId++;
    const started = Date.now();
    return new Promise((resolve) => {
      // The worker answers a handler that overruns its timeout asynchronously; one that never yields (a busy loop)
      // cannot answer at all. Then, as Lambda does, the execution environment is thrown away: the worker is
      // terminated (invocations still on it fail) and the next invocation gets a fresh one.
      const timer = setTimeout(() => {
        if (!current.pending.has(id)) return;
        current.pending.delete(id);
        resolve({ error: { name: 'Sandbox.Timedout', message: `Task timed out after ${this.spec.timeoutSeconds.toFixed(2)} seconds` }, durationMs: Date.now() - started });
        this.replace(current, new Error(`function ${this.spec.functionName} was stopped after timing out`));
      }, this.spec.timeoutSeconds * 1000 + TIMEOUT_GRACE_MS);
      current.pending.set(id, (r) => { clearTimeout(timer); resolve(r); });
      current.worker.postMessage({ id, event, requestId });
    });
  }

  /** Terminates a worker that is stuck, failing what is still in flight on it. */
  private replace(current: NonNullable<WorkerFunction['current']>, reason: Error): void {
    if (this.current === current) this.current = undefined;
    current.worker.removeAllListeners('exit');
    for (const done of current.pending.values()) done({ error: { name: 'Runtime.ExitError', message: reason.message }, durationMs: 0 });
    current.pending.clear();
    void current.worker.terminate();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    const worker = this.current?.worker;
    this.current = undefined;
    if (worker) {
      worker.removeAllListeners('exit');
      await worker.terminate();
    }
  }

  private start(): NonNullable<WorkerFunction['current']> {
    const { spec, options } = this;
    const worker = new Worker(options.workerEntry, {
      workerData: { role: 'function-host', spec },
      env: { ...spec.environment },
      stdout: true,
      stderr: true,
    });
    // Invocations in flight on this worker (not on one that replaces it).
    const pending = new Map<number, (r: InvokeResult) => void>();
    const current = { worker, pending };
    this.current = current;
    // A worker's stdout and stderr arrive here as streams (decoded whole characters at a time).
    const sinks = logSinks(spec, options);
    worker.stdout.setEncoding('utf8').on('data', (chunk: string) => sinks.stdout.write(chunk));
    worker.stderr.setEncoding('utf8').on('data', (chunk: string) => sinks.stderr.write(chunk));
    worker.on('message', (m: { id: number } & InvokeResult) => {
      const done = pending.get(m.id);
      pending.delete(m.id);
      done?.(m);
    });
    const fail = (e: Error) => {
      if (this.current === current) this.current = undefined;
      for (const done of pending.values()) done({ error: { name: 'Runtime.ExitError', message: e.message }, durationMs: 0 });
      pending.clear();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`function ${spec.functionName} exited with code ${code}`)));
    return current;
  }
}

/** True when this thread is a function's worker started by {@link WorkerFunction}. */
export function isFunctionHostThread(): boolean {
  return parentPort !== null && workerData?.role === 'function-host';
}

/**
 * Worker side: loads the function as Lambda's Node.js runtime does — `<file>.js`, `.mjs` or `.cjs`, an ES module when
 * it is `.mjs` or a `.js` under a package.json of `"type": "module"`, CommonJS otherwise — and serves invocations
 * (once it is loaded) until terminated.
 */
export function runFunctionHost(): void {
  const spec = workerData.spec as FunctionSpec;
  const port = parentPort!;
  const loaded: Promise<Handler | Error> = loadHandler(spec).catch((e) => withSdkHint(e as Error));
  port.on('message', async ({ id, event, requestId }: { id: number; event: unknown; requestId: string }) => {
    const handler = await loaded;
    const result = handler instanceof Error ? importError(handler) : await invokeHandler(spec, handler, event, requestId);
    port.postMessage({ id, ...result });
  });
}

/**
 * A package of the AWS SDK that is neither in the asset nor in the app's node_modules: Lambda's runtime would provide
 * it, the runner cannot; the message says how to make it resolvable locally.
 */
function withSdkHint(e: Error): Error {
  const missing = /Cannot find (?:module|package) '(@aws-sdk\/[^'/]+)/.exec(e?.message ?? '')?.[1];
  if (!missing) return e;
  return Object.assign(new Error(`${e.message}\n${missing} is provided by Lambda's Node.js runtime; to run the function locally, install it in ` +
    `your app (npm install --save-dev ${missing}) or bundle it into the function's code`), { name: e.name, stack: e.stack });
}

async function loadHandler(spec: FunctionSpec): Promise<Handler> {
  const dot = spec.handler.lastIndexOf('.');
  const file = handlerFile(path.join(spec.assetDir, spec.handler.slice(0, dot)));
  if (!file) throw Object.assign(new Error(`Cannot find module '${spec.handler.slice(0, dot)}' (.js, .mjs or .cjs) in ${spec.assetDir}`), { name: 'Runtime.ImportModuleError' });
  if (spec.moduleDirs?.length) withModuleDirs(spec.moduleDirs);
  if (isEsm(file, spec.assetDir)) {
    // A real dynamic import (the bundler must not turn it into require: this file is bundled as CommonJS).
    const load = new Function('url', 'return import(url)') as (url: string) => Promise<unknown>;
    return handlerOf(spec, await load(pathToFileURL(file).href));
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return handlerOf(spec, require(file));
}

/** The handler's file, as Lambda looks for it. */
function handlerFile(base: string): string | undefined {
  return ['.js', '.mjs', '.cjs'].map((ext) => base + ext).find((f) => fs.existsSync(f));
}

/** Whether Node loads `file` as an ES module: `.mjs`, or `.js` whose nearest package.json (within the asset) says so. */
function isEsm(file: string, assetDir: string): boolean {
  if (file.endsWith('.mjs')) return true;
  if (file.endsWith('.cjs')) return false;
  const root = path.resolve(assetDir);
  for (let dir = path.dirname(file); ; dir = path.dirname(dir)) {
    const pkg = path.join(dir, 'package.json');
    if (fs.existsSync(pkg)) {
      try {
        return JSON.parse(fs.readFileSync(pkg, 'utf8')).type === 'module';
      } catch {
        return false;
      }
    }
    if (dir === root || path.dirname(dir) === dir) return false;
  }
}

/**
 * Packages the code does not bring (the AWS SDK, which Lambda's runtime provides) are looked up in `dirs` last, like
 * Lambda's NODE_PATH: for CommonJS through the global module paths, for ES modules through a resolve hook that retries
 * a bare specifier from there.
 */
function withModuleDirs(dirs: string[]): void {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const Module = require('module');
  process.env.NODE_PATH = [...(process.env.NODE_PATH ?? '').split(path.delimiter).filter(Boolean), ...dirs].join(path.delimiter);
  Module._initPaths();
  if (typeof Module.register === 'function') {
    Module.register(`data:text/javascript,${encodeURIComponent(ESM_FALLBACK_HOOK)}`, { data: { parents: dirs.map((d) => pathToFileURL(path.join(d, 'x.js')).href) } });
  }
}

const ESM_FALLBACK_HOOK = `
let parents = [];
export function initialize(data) { parents = data.parents; }
export async function resolve(specifier, context, next) {
  try {
    return await next(specifier, context);
  } catch (e) {
    if (e?.code !== 'ERR_MODULE_NOT_FOUND' || /^[./]|^[a-z]+:/i.test(specifier)) throw e;
    for (const parentURL of parents) {
      try { return await next(specifier, { ...context, parentURL }); } catch { /* next */ }
    }
    throw e;
  }
}`;

/**
 * A hosted function that counts its invocations in flight, so that it can be retired without cutting them off: in
 * `--watch`, the code a request started on is the code it finishes on.
 */
export class DrainingFunction implements HostedFunction {
  private inFlight = 0;
  private idle?: () => void;

  constructor(private readonly fn: HostedFunction) {}

  async invoke(event: unknown, requestId: string): Promise<InvokeResult> {
    this.inFlight++;
    try {
      return await this.fn.invoke(event, requestId);
    } finally {
      if (--this.inFlight === 0) this.idle?.();
    }
  }

  /** Stops the function once its invocations in flight have finished (at the latest after `maxWaitMs`). */
  async retire(maxWaitMs: number): Promise<void> {
    if (this.inFlight > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, maxWaitMs);
        this.idle = () => { clearTimeout(timer); resolve(); };
      });
    }
    await this.fn.stop();
  }

  stop(): Promise<void> {
    return this.fn.stop();
  }
}
