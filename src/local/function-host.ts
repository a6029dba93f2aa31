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

/** The files of this library's handler asset: the bundle and its config, and with a schema its validation code. */
import * as fs from 'fs';
import { createRequire } from 'module';
import * as path from 'path';
import * as vm from 'vm';
import {
  FunctionSpec, Handler, handlerOf, HostedFunction, HostOptions, importError, invokeHandler, InvokeResult,
} from './function-invoke';
import { LineSink, logSinks, RequestUsage, usageOfLogLine } from './function-logs';
import { WorkerFunction } from './function-worker';
import { CONFIG_FILE_NAME } from '../shared/config';
import { VALIDATION_RUNTIME_FILE_NAME, VALIDATORS_FILE_NAME } from '../shared/validation-code';

export { DrainingFunction, FunctionInvoker, FunctionSpec, HostedFunction, HostOptions, InvokeResult, LogListener } from './function-invoke';
export { isErrorLogLine, RequestUsage, usageOfLogLine } from './function-logs';
export { isFunctionHostThread, runFunctionHost } from './function-worker';

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

