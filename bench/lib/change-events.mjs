// Change events in the local runner (#21), measured end to end with the bundled CLI and its own DynamoDB Local:
//  - write → event at a local subscriber: one client, one POST at a time; from the request sent to the subscriber's
//    invocation (its own clock: the same machine), p50/p99;
//  - a kill: --persist, writers creating and patching orders, the runner SIGKILLed mid-stream (a slow subscriber keeps
//    a backlog), started again: acknowledged changes never delivered (target 0), duplicates (by the event's id) and
//    what the runner counted, per-item order violations in first-delivery order (target 0).
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fmtMs, printTable, summary } from './stats.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function synth(root, dir, eventsFile) {
  const out = join(dir, 'cdk.out');
  const r = spawnSync(process.execPath, ['-r', 'ts-node/register/transpile-only', 'bench/apps/change-events/app.ts'], {
    cwd: root,
    encoding: 'utf8',
    timeout: 300_000,
    env: {
      ...process.env, CDK_OUTDIR: out, BENCH_EVENTS_FILE: eventsFile, JSII_DEPRECATED: 'quiet',
      CDK_CONTEXT_JSON: JSON.stringify({ 'aws:cdk:enable-asset-metadata': true, 'aws:cdk:enable-path-metadata': true }),
    },
  });
  if (r.status !== 0) throw new Error(`change events: synth failed:\n${r.stderr}`);
  return out;
}

async function startRunner(root, args) {
  const child = spawn(process.execPath, [join(root, 'assets', 'local', 'cli', 'index.js'), 'local', ...args], {
    env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d) => { out += d; });
  child.stderr.on('data', (d) => { out += d; });
  const exited = new Promise((resolve) => child.on('exit', resolve));
  const deadline = Date.now() + 90_000;
  while (!out.includes('Ctrl-C to stop.')) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`change events: the runner did not start:\n${out}`);
    }
    await sleep(50);
  }
  return {
    child, exited, output: () => out,
    url: /^\S+\/\S+\s+(http:\/\/127\.0\.0\.1:\d+)$/m.exec(out)[1],
    ddbPid: Number(/\(pid (\d+)\)/.exec(out)[1]),
    stop: async () => { if (child.exitCode === null) child.kill('SIGINT'); await exited; },
  };
}

/** Reads the subscriber's file as it grows. */
class Tail {
  constructor(file) { this.file = file; this.offset = 0; this.partial = ''; this.records = []; }
  poll() {
    if (!existsSync(this.file)) return this.records;
    const size = statSync(this.file).size;
    if (size > this.offset) {
      const fd = openSync(this.file, 'r');
      const buf = Buffer.alloc(size - this.offset);
      readSync(fd, buf, 0, buf.length, this.offset);
      closeSync(fd);
      this.offset = size;
      const lines = (this.partial + buf.toString('utf8')).split('\n');
      this.partial = lines.pop();
      for (const l of lines) if (l) this.records.push(JSON.parse(l));
    }
    return this.records;
  }
}

const post = (url, body, method = 'POST', path = '/orders') => fetch(`${url}${path}`, {
  method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), signal: AbortSignal.timeout(30_000),
});

export async function runChangeEvents({ root, outDir, latencyWrites, killWriters, killAfterAcknowledged, log }) {
  const dir = join(outDir, 'change-events');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const eventsFile = join(dir, 'received.jsonl');
  const data = join(dir, 'data');
  const errors = [];
  let runner;
  try {
    const assembly = synth(root, dir, eventsFile);
    const args = ['--assembly', assembly, '--port', '0', '--persist', data];
    runner = await startRunner(root, args);
    const tail = new Tail(eventsFile);

    // 1. Latency, one write at a time.
    const latencies = [];
    for (let i = 0; i < latencyWrites + 5; i++) {
      const subject = `/orders/lat-${i}`;
      const t0 = Date.now();
      const res = await post(runner.url, { id: `lat-${i}`, total: i });
      if (res.status !== 201) throw new Error(`change events: POST answered ${res.status}`);
      await res.arrayBuffer();
      const deadline = Date.now() + 30_000;
      let rec;
      while (!(rec = tail.poll().find((r) => r.subject === subject))) {
        if (Date.now() > deadline) throw new Error(`change events: ${subject} never reached the subscriber`);
        await sleep(1);
      }
      if (i >= 5) latencies.push(rec.at - t0); // the first five warm the functions up
    }
    log(`  change events: write → event at the subscriber p50 ${fmtMs(summary(latencies).p50)} ms, p99 ${fmtMs(summary(latencies).p99)} ms`);

    // 2. Kill under writes.
    const acknowledged = [];
    let writing = true;
    const loop = async (c) => {
      for (let n = 0; writing; n++) {
        const id = `kill-${c}-${n}`;
        try {
          const created = await post(runner.url, { id, total: n });
          await created.arrayBuffer();
          if (created.status !== 201) continue;
          acknowledged.push(`/orders/${id} 1`);
          const patched = await post(runner.url, { total: n + 1 }, 'PATCH', `/orders/${id}`);
          await patched.arrayBuffer();
          if (patched.status === 200) acknowledged.push(`/orders/${id} 2`);
        } catch {
          await sleep(20); // the runner is gone
        }
      }
    };
    const writers = Promise.all(Array.from({ length: killWriters }, (_, c) => loop(c)));
    while (acknowledged.length < killAfterAcknowledged) await sleep(10);
    const ddbPid = runner.ddbPid;
    runner.child.kill('SIGKILL');
    await runner.exited;
    writing = false;
    await writers;
    const atKill = acknowledged.length;
    const deliveredAtKill = new Set(tail.poll().filter((r) => r.subject.startsWith('/orders/kill-')).map((r) => r.id)).size;
    for (let i = 0; i < 200; i++) {
      try { process.kill(ddbPid, 0); } catch { break; }
      await sleep(50);
    }
    runner = await startRunner(root, args);
    const deadline = Date.now() + 120_000;
    const arrived = () => new Set(tail.poll().map((r) => `${r.subject} ${r.version}`));
    let missing = acknowledged.filter((k) => !arrived().has(k));
    while (missing.length && Date.now() < deadline) {
      await sleep(50);
      missing = missing.filter((k) => !arrived().has(k));
    }
    await runner.stop();
    const counted = Number(/(\d+) possible duplicates after a restart/.exec(runner.output())?.[1] ?? NaN);
    const records = tail.poll().filter((r) => r.subject.startsWith('/orders/kill-'));
    const first = new Map();
    for (const r of records) if (!first.has(r.id)) first.set(r.id, r);
    let orderViolations = 0;
    const last = new Map();
    for (const r of first.values()) {
      if ((last.get(r.subject) ?? 0) > r.version) orderViolations++;
      last.set(r.subject, Math.max(r.version, last.get(r.subject) ?? 0));
    }
    const kill = {
      writers: killWriters, acknowledged: acknowledged.length, acknowledgedAtKill: atKill, deliveredAtKill,
      lost: missing.length, duplicates: records.length - first.size, countedPossibleDuplicates: counted, orderViolations,
    };
    log(`  change events: killed with ${atKill - deliveredAtKill} of ${atKill} acknowledged changes undelivered; ${kill.lost} lost, ` +
      `${kill.duplicates} duplicates (${counted} counted by the runner), ${orderViolations} order violations`);
    if (kill.lost || orderViolations || !(kill.duplicates <= counted)) errors.push(`changeEvents: ${JSON.stringify(kill)}`);
    return { latency: summary(latencies), latencyWrites: latencies.length, kill, errors };
  } catch (e) {
    return { errors: [...errors, `changeEvents: ${e.message}`] };
  } finally {
    if (runner && runner.child.exitCode === null) runner.child.kill('SIGINT');
    await runner?.exited;
  }
}

export function changeEventsTargets(r) {
  const e = r.changeEvents;
  if (!e?.kill) return [];
  const k = e.kill;
  return [
    {
      name: 'change events: events lost after a SIGKILL of the runner (--persist) under writes', value: `${k.lost} of ${k.acknowledged} (${k.duplicates} duplicates, ${k.countedPossibleDuplicates} counted by the runner)`,
      target: '0 lost', met: k.lost === 0, note: `${k.acknowledgedAtKill - k.deliveredAtKill} acknowledged changes undelivered at the kill`,
    },
    { name: 'change events: per-item order violations at the subscriber', value: String(k.orderViolations), target: '0', met: k.orderViolations === 0, note: 'first delivery of each event id, versions per item' },
  ];
}

export function printChangeEvents(r) {
  const e = r.changeEvents;
  if (!e?.latency) return;
  printTable('Change events in the local runner', ['what', 'value'], [
    [`write → event at a local subscriber, p50 (${e.latencyWrites} writes, one at a time)`, `${fmtMs(e.latency.p50)} ms`],
    ['write → event at a local subscriber, p99', `${fmtMs(e.latency.p99)} ms`],
    [`SIGKILL under writes (${e.kill.writers} writers): acknowledged / lost`, `${e.kill.acknowledged} / ${e.kill.lost}`],
    ['  duplicates (counted by the runner)', `${e.kill.duplicates} (${e.kill.countedPossibleDuplicates})`],
    ['  per-item order violations', String(e.kill.orderViolations)],
  ]);
}
