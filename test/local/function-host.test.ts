/**
 * How the runner hosts functions: this library's handler bundle in the runner's own thread, one module per function
 * with its own environment and state; any other code in a worker thread per function. Worker threads start from the
 * bundled CLI (assets/local/cli/index.js, built by `npx projen bundle`), as in the runner.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { threadId } from 'worker_threads';
import { FunctionSpec, HostedFunction, hostFunctions, isErrorLogLine, isHandlerBundle, usageOfLogLine } from '../../src/local/function-host';
import { LineBuffer } from '../../src/local/line-buffer';
import { CONFIG_FILE_NAME } from '../../src/shared/config';
import { VALIDATION_RUNTIME_FILE_NAME, VALIDATORS_FILE_NAME } from '../../src/shared/validation-code';

const CLI = path.join(__dirname, '..', '..', 'assets', 'local', 'cli', 'index.js');

/** A handler that reports what it sees: its environment (at init and now), its module state, its thread. */
const REPORTER = `
const { threadId } = require('worker_threads');
const atInit = process.env.CRUD_OPERATIONS;
let calls = 0;
exports.handler = async (event, context) => {
  calls++;
  if (event.hang) return new Promise(() => undefined);
  if (event.crash) { setTimeout(() => { throw new Error('crash outside the handler'); }, 1); return new Promise(() => undefined); }
  if (event.fail) throw Object.assign(new Error('handler failed'), { name: 'HandlerError' });
  process.stdout.write(JSON.stringify({ level: 'INFO', message: 'request', calls }) + '\\n');
  if (event.logError) process.stdout.write(JSON.stringify({ level: 'ERROR', message: 'went wrong' }) + '\\n');
  if (event.consoleError) console.error('to stderr');
  if (event.callback) await new Promise((resolve) => process.stdout.write('written\\n', resolve));
  if (event.partial) { process.stdout.write('{"level":"ERR'); process.stdout.write('OR","message":"split"}\\n'); }
  return {
    atInit, now: process.env.CRUD_OPERATIONS, shared: process.env.SHARED, calls, threadId,
    functionName: context.functionName, remainingMs: context.getRemainingTimeInMillis(),
  };
};
`;

describe('hostFunctions', () => {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'function-host-'));
  const hosted: HostedFunction[] = [];
  const logs: string[] = [];
  const asset = (name: string, code: string, withConfig: boolean) => {
    const dir = path.join(work, name);
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, 'index.js'), code);
    if (withConfig) fs.writeFileSync(path.join(dir, CONFIG_FILE_NAME), '{}');
    return dir;
  };
  const spec = (assetDir: string, name: string, env: Record<string, string>, timeoutSeconds = 5): FunctionSpec => ({
    functionName: name, label: `${name}Label`, assetDir, handler: 'index.handler', environment: { SHARED: 'same', ...env }, timeoutSeconds, memoryMb: 128,
  });
  const start = (specs: FunctionSpec[], allLogs = false) => {
    const map = hostFunctions(specs, { allLogs, workerEntry: CLI, onLog: (label, line, stream) => logs.push(`${label} ${stream} ${line}`) });
    hosted.push(...map.values());
    return map;
  };
  const bundleDir = asset('bundle', REPORTER, true);
  const customDir = asset('custom', REPORTER, false);

  beforeAll(() => expect(fs.existsSync(CLI)).toBe(true));
  beforeEach(() => { logs.length = 0; });
  afterAll(async () => {
    for (const h of hosted) await h.stop();
    fs.rmSync(work, { recursive: true, force: true });
  });

  test('only a folder of exactly index.js and crud-config.json with index.handler counts as the handler bundle', () => {
    expect(isHandlerBundle({ assetDir: bundleDir, handler: 'index.handler' })).toBe(true);
    expect(isHandlerBundle({ assetDir: bundleDir, handler: 'index.other' })).toBe(false);
    expect(isHandlerBundle({ assetDir: customDir, handler: 'index.handler' })).toBe(false);
    const extra = asset('extra', REPORTER, true);
    fs.writeFileSync(path.join(extra, 'helper.js'), '');
    expect(isHandlerBundle({ assetDir: extra, handler: 'index.handler' })).toBe(false);
    expect(isHandlerBundle({ assetDir: path.join(work, 'missing'), handler: 'index.handler' })).toBe(false);
  });

  test('with a schema, the bundle also has the validation code compiled at synth and its runtime beside it', () => {
    const validated = asset('validated', REPORTER, true);
    fs.writeFileSync(path.join(validated, VALIDATORS_FILE_NAME), '');
    expect(isHandlerBundle({ assetDir: validated, handler: 'index.handler' })).toBe(false); // one without the other: not ours
    fs.writeFileSync(path.join(validated, VALIDATION_RUNTIME_FILE_NAME), '');
    expect(isHandlerBundle({ assetDir: validated, handler: 'index.handler' })).toBe(true);
  });

  test('functions of the handler bundle run in this thread, each with its own environment and module state', async () => {
    const fns = start([spec(bundleDir, 'Read', { CRUD_OPERATIONS: 'read' }), spec(bundleDir, 'List', { CRUD_OPERATIONS: 'list' })]);
    const read = fns.get('Read')!;
    const list = fns.get('List')!;
    const r1 = (await read.invoke({}, 'r1')).result as any;
    const l1 = (await list.invoke({}, 'l1')).result as any;
    const r2 = (await read.invoke({}, 'r2')).result as any;
    expect(r1).toMatchObject({ atInit: 'read', now: 'read', shared: 'same', calls: 1, threadId, functionName: 'Read' });
    expect(l1).toMatchObject({ atInit: 'list', now: 'list', calls: 1, threadId, functionName: 'List' });
    expect(r2).toMatchObject({ now: 'read', calls: 2 });
    expect(r1.remainingMs).toBeGreaterThan(4000);
    // The runner's own environment is untouched.
    expect(process.env.CRUD_OPERATIONS).toBeUndefined();
  });

  test('other code runs in a worker thread of its own, with its environment as the worker\'s', async () => {
    const fns = start([spec(customDir, 'Custom', { CRUD_OPERATIONS: 'create' })]);
    const out = (await fns.get('Custom')!.invoke({}, 'c1')).result as any;
    expect(out).toMatchObject({ atInit: 'create', now: 'create', shared: 'same', calls: 1, functionName: 'Custom' });
    expect(out.threadId).not.toBe(threadId);
  });

  test.each([['in this thread', bundleDir], ['in a worker', customDir]])('%s: only error lines are shown unless every line is asked for', async (_, dir) => {
    const quiet = start([spec(dir, 'Quiet', {})]).get('Quiet')!;
    expect((await quiet.invoke({ logError: true, consoleError: true, partial: true, callback: true }, 'q1')).result).toMatchObject({ calls: 1 });
    await new Promise((r) => setTimeout(r, 100)); // a worker's output arrives as a stream
    expect(logs.sort()).toEqual([
      'QuietLabel stderr to stderr',
      'QuietLabel stdout {"level":"ERROR","message":"split"}',
      'QuietLabel stdout {"level":"ERROR","message":"went wrong"}',
    ]);
    logs.length = 0;
    const loud = start([spec(dir, 'Loud', {})], true).get('Loud')!;
    await loud.invoke({}, 'l1');
    await new Promise((r) => setTimeout(r, 100));
    expect(logs).toEqual(['LoudLabel stdout {"level":"INFO","message":"request","calls":1}']);
  });

  test.each([['in this thread', bundleDir], ['in a worker', customDir]])('%s: errors and timeouts are reported as Lambda reports them', async (_, dir) => {
    const fn = start([spec(dir, 'Slow', {}, 1)]).get('Slow')!;
    expect((await fn.invoke({ fail: true }, 'f1')).error).toMatchObject({ name: 'HandlerError', message: 'handler failed' });
    expect((await fn.invoke({ hang: true }, 'h1')).error).toMatchObject({ name: 'Sandbox.Timedout', message: 'Task timed out after 1.00 seconds' });
    expect((await fn.invoke({}, 'ok')).result).toMatchObject({ calls: 3 });
  });

  test.each([['in this thread', true], ['in a worker', false]])('%s: code that fails at init answers every invocation with Runtime.ImportModuleError', async (_, bundle) => {
    const dir = asset(`broken-${bundle}`, 'throw new Error("no config");', bundle);
    const fn = start([spec(dir, 'Broken', {})]).get('Broken')!;
    expect((await fn.invoke({}, 'b1')).error).toMatchObject({ name: 'Runtime.ImportModuleError', message: 'no config' });
  });

  test('a worker that crashes fails what is in flight and is replaced by a fresh one (a new cold start)', async () => {
    const fn = start([spec(customDir, 'Crashy', {})]).get('Crashy')!;
    expect((await fn.invoke({}, 'c1')).result).toMatchObject({ calls: 1 });
    const crashed = await fn.invoke({ crash: true }, 'c2');
    expect(crashed.error).toMatchObject({ name: 'Runtime.ExitError' });
    expect((await fn.invoke({}, 'c3')).result).toMatchObject({ calls: 1 });
  });
});

describe('isErrorLogLine', () => {
  test.each([
    ['{"level":"ERROR","message":"x"}', 'stdout', true],
    ['{"level": "FATAL"}', 'stdout', true],
    ['{"level":"INFO","message":"ERROR"}', 'stdout', false],
    ['plain text', 'stdout', false],
    ['plain text', 'stderr', true],
  ] as const)('%s on %s → %s', (line, stream, shown) => expect(isErrorLogLine(line, stream)).toBe(shown));
});

describe('LineBuffer', () => {
  const sink = () => {
    const writes: string[] = [];
    return { writes, stream: { write: (s: string) => { writes.push(s); return true; } } as unknown as NodeJS.WritableStream };
  };

  test('writes the lines of a burst in one write, after the delay', async () => {
    const { writes, stream } = sink();
    const out = new LineBuffer(stream, 20);
    out.write('a');
    out.write('b');
    expect(writes).toEqual([]);
    await new Promise((r) => setTimeout(r, 60));
    expect(writes).toEqual(['a\nb\n']);
  });

  test('writes at once when the batch is full, and flush() writes what is left', () => {
    const { writes, stream } = sink();
    const out = new LineBuffer(stream, 10_000, 3);
    for (const l of ['1', '2', '3', '4']) out.write(l);
    expect(writes).toEqual(['1\n2\n3\n']);
    out.flush();
    expect(writes).toEqual(['1\n2\n3\n', '4\n']);
    out.flush();
    expect(writes).toHaveLength(2);
  });
});

describe('usage of a request log line (the access line prints it)', () => {
  const line = (fields: Record<string, unknown>) => JSON.stringify({ timestamp: 't', level: 'INFO', message: 'request', requestId: 'r1', status: 200, ...fields });
  test.each([
    [line({ dynamodb: { calls: 2, readUnits: 1, writeUnits: 4.5, tables: {} } }), { requestId: 'r1', usage: { calls: 2, readUnits: 1, writeUnits: 4.5 } }],
    [line({}), undefined],
    [line({ message: 'other', dynamodb: { calls: 1, readUnits: 1, writeUnits: 0 } }), undefined],
    [line({ dynamodb: { calls: 1, readUnits: '1', writeUnits: 0 } }), undefined],
    ['not json "dynamodb":{', undefined],
    ['START RequestId: x', undefined],
  ])('%s', (text, expected) => {
    expect(usageOfLogLine(text)).toEqual(expected);
  });
});
