/**
 * A hosted function's output: its stdout and stderr as complete lines, which of them are shown, and the capacity units
 * a request's log line reports.
 */
import { EventEmitter } from 'events';
import type { FunctionSpec, HostOptions } from './function-invoke';

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

/** Whether a log line is shown when not every line is (`--function-logs` off): stderr and ERROR/FATAL lines. */
export function isErrorLogLine(line: string, stream: 'stdout' | 'stderr'): boolean {
  return stream === 'stderr' || (line.includes('"level"') && /"level"\s*:\s*"(ERROR|FATAL)"/.test(line));
}

/** A function's stdout and stderr: complete lines, only those to show, to the log listener. */
export function logSinks(spec: FunctionSpec, options: HostOptions, onStdoutLine?: (line: string) => void): { stdout: LineSink; stderr: LineSink } {
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
export class LineSink extends EventEmitter {
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

