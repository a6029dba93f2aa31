/**
 * What the runner knows of a Lambda function and how one invocation runs, as Lambda runs it (a context object, the
 * function's timeout, errors as Lambda reports them), whichever way the function is hosted (src/local/function-host.ts).
 */
import type { RequestUsage } from './function-logs';

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

export type Handler = (event: unknown, context: unknown) => Promise<unknown>;

/** Looks up the handler export of a loaded module. */
export function handlerOf(spec: FunctionSpec, exports: unknown): Handler {
  const name = spec.handler.slice(spec.handler.lastIndexOf('.') + 1);
  const handler = (exports as Record<string, unknown> | undefined)?.[name];
  if (typeof handler !== 'function') throw new Error(`${spec.handler} is not a function in ${spec.assetDir}`);
  return handler as Handler;
}

/** One invocation as Lambda runs it: a context object, the function's timeout, errors as Lambda reports them. */
export async function invokeHandler(spec: FunctionSpec, handler: Handler, event: unknown, requestId: string): Promise<InvokeResult> {
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

export const importError = (e: Error): InvokeResult => ({ error: { name: 'Runtime.ImportModuleError', message: e.message, stack: e.stack }, durationMs: 0 });

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

