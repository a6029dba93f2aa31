/**
 * Any code other than this library's bundle (a custom `handlerCode`, a user's function): a worker thread per
 * function, with the function's environment as the worker's own, loaded as Lambda's Node.js runtime loads it.
 */
import * as fs from 'fs';
import * as path from 'path';
import { pathToFileURL } from 'url';
import { parentPort, Worker, workerData } from 'worker_threads';
import { FunctionSpec, Handler, handlerOf, HostedFunction, HostOptions, importError, invokeHandler, InvokeResult } from './function-invoke';
import { logSinks } from './function-logs';

/** How long after its timeout a worker that has not answered is considered stuck. */
const TIMEOUT_GRACE_MS = 250;

/**
 * A function in its own worker thread, whose environment is the function's. A worker that dies (an uncaught
 * exception, a `process.exit`) fails the invocations in flight and is started afresh on the next one — a new cold
 * start, as Lambda replaces a crashed execution environment.
 */
export class WorkerFunction implements HostedFunction {
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

