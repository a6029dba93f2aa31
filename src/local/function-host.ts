/**
 * Runs one Lambda function of the assembly in a worker thread, with that function's own environment — the way
 * Lambda gives each function its own execution environment. The exact bundled handler from the assembly's asset
 * folder is loaded once (its init runs once, like a cold start) and invoked per request.
 */
import * as path from 'path';
import { parentPort, Worker, workerData } from 'worker_threads';

export interface FunctionHostOptions {
  readonly functionName: string;
  readonly assetDir: string;
  /** `file.export`, e.g. `index.handler`. */
  readonly handler: string;
  readonly environment: Record<string, string>;
  readonly timeoutSeconds: number;
  readonly memoryMb: number;
}

export interface InvokeResult {
  readonly result?: unknown;
  readonly error?: { name: string; message: string; stack?: string };
  readonly durationMs: number;
}

/** Main-thread side: starts the worker and invokes it. */
export class FunctionHost {
  private readonly worker: Worker;
  private readonly pending = new Map<number, (r: InvokeResult) => void>();
  private nextId = 1;
  private exited?: Error;

  constructor(entryFile: string, readonly options: FunctionHostOptions, onLog: (line: string, stream: 'stdout' | 'stderr') => void) {
    this.worker = new Worker(entryFile, {
      workerData: { role: 'function-host', options },
      env: { ...options.environment },
      stdout: true,
      stderr: true,
    });
    const relay = (stream: 'stdout' | 'stderr') => {
      let buf = '';
      return (chunk: Buffer) => {
        buf += chunk.toString('utf8');
        let nl: number;
        while ((nl = buf.indexOf('\n')) >= 0) {
          onLog(buf.slice(0, nl), stream);
          buf = buf.slice(nl + 1);
        }
      };
    };
    this.worker.stdout.on('data', relay('stdout'));
    this.worker.stderr.on('data', relay('stderr'));
    this.worker.on('message', (m: { id: number } & InvokeResult) => {
      const done = this.pending.get(m.id);
      this.pending.delete(m.id);
      done?.(m);
    });
    const fail = (e: Error) => {
      this.exited = e;
      for (const done of this.pending.values()) done({ error: { name: 'Runtime.ExitError', message: e.message }, durationMs: 0 });
      this.pending.clear();
    };
    this.worker.on('error', fail);
    this.worker.on('exit', (code) => fail(new Error(`function ${options.functionName} exited with code ${code}`)));
  }

  invoke(event: unknown, requestId: string): Promise<InvokeResult> {
    if (this.exited) return Promise.resolve({ error: { name: 'Runtime.ExitError', message: this.exited.message }, durationMs: 0 });
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.pending.set(id, resolve);
      this.worker.postMessage({ id, event, requestId });
    });
  }

  async stop(): Promise<void> {
    this.worker.removeAllListeners('exit');
    await this.worker.terminate();
  }
}

/** True when this thread is a function host started by {@link FunctionHost}. */
export function isFunctionHostThread(): boolean {
  return parentPort !== null && workerData?.role === 'function-host';
}

/** Worker side: loads the handler and serves invocations until terminated. */
export function runFunctionHost(): void {
  const options = workerData.options as FunctionHostOptions;
  const dot = options.handler.lastIndexOf('.');
  const file = path.join(options.assetDir, options.handler.slice(0, dot));
  const exportName = options.handler.slice(dot + 1);
  let handler: (event: unknown, context: unknown) => Promise<unknown>;
  let initError: Error | undefined;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const mod = require(file);
    handler = mod[exportName];
    if (typeof handler !== 'function') throw new Error(`${options.handler} is not a function in ${options.assetDir}`);
  } catch (e) {
    initError = e as Error;
  }
  const region = process.env.AWS_REGION ?? 'us-east-1';
  parentPort!.on('message', async ({ id, event, requestId }: { id: number; event: unknown; requestId: string }) => {
    const started = Date.now();
    if (initError) {
      parentPort!.postMessage({ id, error: { name: 'Runtime.ImportModuleError', message: initError.message, stack: initError.stack }, durationMs: 0 });
      return;
    }
    const deadline = started + options.timeoutSeconds * 1000;
    const context = {
      awsRequestId: requestId,
      functionName: options.functionName,
      functionVersion: '$LATEST',
      invokedFunctionArn: `arn:aws:lambda:${region}:123456789012:function:${options.functionName}`,
      memoryLimitInMB: String(options.memoryMb),
      logGroupName: `/aws/lambda/${options.functionName}`,
      logStreamName: 'local',
      callbackWaitsForEmptyEventLoop: true,
      getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    };
    let timer: NodeJS.Timeout | undefined;
    try {
      const result = await Promise.race([
        Promise.resolve().then(() => handler(event, context)),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(Object.assign(new Error(`Task timed out after ${options.timeoutSeconds.toFixed(2)} seconds`), { name: 'Sandbox.Timedout' })), options.timeoutSeconds * 1000);
        }),
      ]);
      parentPort!.postMessage({ id, result, durationMs: Date.now() - started });
    } catch (e) {
      const err = e as Error;
      parentPort!.postMessage({ id, error: { name: err?.name ?? 'Error', message: String(err?.message ?? err), stack: err?.stack }, durationMs: Date.now() - started });
    } finally {
      clearTimeout(timer);
    }
  });
}
