/**
 * End to end, faults survived under load (issue #15): the runner's own DynamoDB Local killed and back, and custom
 * function code that crashes or overruns its timeout. Bundled CLI (`npx projen bundle`); this suite starts the
 * runner with a DynamoDB Local of its own (it kills it), its data in a --persist folder.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Duration, Stack } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { CLI, Runner, startRunner } from './support/runner';
import { ApiAuthorization, Operation, ServerlessCrudApi } from '../../src';

interface Answer {
  readonly op: 'create' | 'read';
  readonly status: number;
  readonly contentType: string | null;
  readonly retryAfter: string | null;
  readonly ms: number;
  readonly at: number;
}

/**
 * Closed loops of creates and reads of what was created, until `stop()`; every answer is kept, and the ids of the
 * creates answered 201 (the acknowledged writes). A request that gets no answer in 15 s counts as a hang (status 0).
 */
function load(base: string, connections: number, prefix: string) {
  const answers: Answer[] = [];
  const acknowledged: string[] = [];
  let running = true;
  let n = 0;
  const once = async (op: 'create' | 'read', url: string, init?: RequestInit): Promise<Response | undefined> => {
    const t0 = Date.now();
    try {
      const r = await fetch(url, { ...init, signal: AbortSignal.timeout(15_000) });
      await r.arrayBuffer();
      answers.push({ op, status: r.status, contentType: r.headers.get('content-type'), retryAfter: r.headers.get('retry-after'), ms: Date.now() - t0, at: t0 });
      return r;
    } catch {
      answers.push({ op, status: 0, contentType: null, retryAfter: null, ms: Date.now() - t0, at: t0 });
      return undefined;
    }
  };
  const loop = async (c: number) => {
    while (running) {
      const id = `${prefix}-${c}-${++n}`;
      const r = await once('create', `${base}/items`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ id, title: id }) });
      if (r?.status === 201) acknowledged.push(id);
      if (acknowledged.length) await once('read', `${base}/items/${acknowledged[Math.floor(Math.random() * acknowledged.length)]}`);
    }
  };
  const loops = Promise.all(Array.from({ length: connections }, (_, c) => loop(c)));
  return { answers, acknowledged, stop: async () => { running = false; await loops; } };
}

describe('faults survived under load', () => {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'runner-faults-'));
  const assemblyDir = path.join(work, 'cdk.out');
  let runner: Runner;
  let store: string;
  let custom: string;

  beforeAll(async () => {
    expect(fs.existsSync(CLI)).toBe(true); // built by `npx projen bundle` (pre-compile)
    const codeDir = path.join(work, 'custom');
    fs.mkdirSync(codeDir);
    // ?do=crash ends the process, throw rejects, spin never yields (a busy loop), hang never settles.
    fs.writeFileSync(path.join(codeDir, 'index.js'), `
      exports.handler = async (event) => {
        const what = (event.queryStringParameters || {}).do;
        if (what === 'crash') process.exit(3);
        if (what === 'throw') throw new Error('boom');
        if (what === 'spin') for (;;) {}
        if (what === 'hang') await new Promise(() => {});
        return { statusCode: 200, body: 'ok' };
      };`);
    const app = new App({ outdir: assemblyDir, context: { 'aws:cdk:enable-asset-metadata': true } });
    const stack = new Stack(app, 'Faults');
    new ServerlessCrudApi(stack, 'Store', { authorization: ApiAuthorization.none(), throttle: { rateLimit: 10_000, burstLimit: 10_000 } });
    new ServerlessCrudApi(stack, 'Custom', {
      resourceName: 'custom',
      authorization: ApiAuthorization.none(),
      operations: [Operation.LIST],
      handlerCode: lambda.Code.fromAsset(codeDir),
      timeout: Duration.seconds(1),
      throttle: { rateLimit: 10_000, burstLimit: 10_000 },
    });
    app.synth();
    runner = await startRunner(['--assembly', assemblyDir, '--port', '0', '--persist', path.join(work, 'data')]);
    ({ 'Faults/Store': store, 'Faults/Custom': custom } = runner.urls);
    expect([store, custom].every(Boolean)).toBe(true);
  }, 90_000);

  afterAll(async () => {
    await runner?.stop();
    fs.rmSync(work, { recursive: true, force: true });
  });

  test('custom code that crashes, throws or overruns its timeout gets API Gateway\'s 500; the runner keeps serving', async () => {
    const traffic = load(store, 4, 'calm');
    try {
      for (const what of ['crash', 'throw', 'spin', 'hang', 'spin']) {
        const t0 = Date.now();
        const r = await fetch(`${custom}/custom?do=${what}`, { signal: AbortSignal.timeout(10_000) });
        expect([what, r.status, await r.json()]).toEqual([what, 500, { message: 'Internal Server Error' }]);
        expect(r.headers.get('content-type')).toBe('application/json');
        // A timeout is answered after the function's 1 s, not later.
        if (what === 'spin' || what === 'hang') expect(Date.now() - t0).toBeLessThan(3_000);
        // And the function serves the next request (a fresh environment after a crash or a busy loop).
        const next = await fetch(`${custom}/custom`);
        expect([what, next.status, await next.text()]).toEqual([what, 200, 'ok']);
      }
    } finally {
      await traffic.stop();
    }
    // The load on the other API never noticed.
    expect(traffic.answers.length).toBeGreaterThan(20);
    expect(traffic.answers.filter((a) => a.status !== (a.op === 'create' ? 201 : 200))).toEqual([]);
    expect(runner.output()).toMatch(/Sandbox\.Timedout: Task timed out after 1\.00 seconds/);
  }, 60_000);

  test('DynamoDB Local killed: 503 problem+json with Retry-After, no hang, no 500; back on its port without a restart; no acknowledged write lost', async () => {
    const pid = Number(/\(pid (\d+)\)/.exec(runner.output())![1]);
    const traffic = load(store, 6, 'outage');
    let killedAt = 0;
    try {
      await new Promise((r) => setTimeout(r, 1000));
      killedAt = Date.now();
      process.kill(pid, 'SIGKILL');
      // The outage is seen, then DynamoDB Local is back and writes succeed again.
      const deadline = Date.now() + 45_000;
      const okAfter = () => traffic.answers.filter((a) => a.at > killedAt && a.status === 201).length;
      while (!(/DynamoDB Local back on port/.test(runner.output()) && okAfter() >= 20)) {
        if (Date.now() > deadline) throw new Error(`no recovery; runner output:\n${runner.output()}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    } finally {
      await traffic.stop();
    }
    const during = traffic.answers.filter((a) => a.at >= killedAt);
    const unavailable = during.filter((a) => a.status === 503);
    expect(unavailable.length).toBeGreaterThan(0);
    // Every answer is a success or a 503 problem+json with Retry-After: no 500, no hang, nothing else.
    expect(traffic.answers.filter((a) => ![200, 201, 503].includes(a.status))).toEqual([]);
    expect(unavailable.filter((a) => a.contentType !== 'application/problem+json' || !a.retryAfter)).toEqual([]);
    expect(Math.max(...traffic.answers.map((a) => a.ms))).toBeLessThan(10_000);
    expect(runner.output()).toMatch(new RegExp(`DynamoDB Local \\(pid ${pid}\\) exited`));
    expect(runner.output()).toMatch(/DynamoDB Local back on port \d+ \(pid \d+\) after [\d.]+ (ms|s), data kept in /);

    // Every write that was acknowledged, before the kill as well as after, is there.
    const missing: string[] = [];
    for (const id of traffic.acknowledged) {
      const r = await fetch(`${store}/items/${id}`);
      if (r.status !== 200) missing.push(`${id}: ${r.status}`);
    }
    expect(missing).toEqual([]);
    // The old Java process is gone; the new one is the runner's (stopped with it).
    expect(() => process.kill(pid, 0)).toThrow();
    expect(execFileSync('ps', ['-o', 'pid=', '--ppid', String(runner.child.pid)]).toString().trim()).not.toBe('');
  }, 90_000);
});
