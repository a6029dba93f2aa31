// Faults under load, measured: the runner's own DynamoDB Local (with --persist) killed in the middle of a write-heavy
// load and started again by the runner. Reports what clients saw — the answers during the outage, the longest wait,
// how long until writes succeeded again — and whether every acknowledged write is still there.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { summary } from './stats.mjs';

export async function runFaults({ root, outDir, assemblyDir, connections, beforeS, afterS, log }) {
  const data = mkdtempSync(join(outDir, 'faults-data-'));
  const cli = join(root, 'assets', 'local', 'cli', 'index.js');
  const child = spawn(process.execPath, [cli, 'local', '--assembly', assemblyDir, '--port', '0', '--persist', data], {
    env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d) => { out += d; });
  child.stderr.on('data', (d) => { out += d; });
  const exited = new Promise((resolve) => child.on('exit', resolve));
  const killOnExit = () => child.kill('SIGKILL');
  process.on('exit', killOnExit);
  const errors = [];
  try {
    const deadline = Date.now() + 60_000;
    while (!out.includes('Ctrl-C to stop.')) {
      if (child.exitCode !== null || Date.now() > deadline) throw new Error(`faults: the runner did not start:\n${out}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    const url = /^\S+\/\S+\s+(http:\/\/127\.0\.0\.1:\d+)$/m.exec(out)[1];
    const pid = Number(/\(pid (\d+)\)/.exec(out)[1]);

    const answers = [];
    const acknowledged = [];
    let running = true;
    let n = 0;
    const loop = async (c) => {
      while (running) {
        const id = `fault-${c}-${++n}`;
        const t0 = performance.now();
        let status = 0;
        let problem = false;
        try {
          const r = await fetch(`${url}/items`, {
            method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ id, title: id }), signal: AbortSignal.timeout(30_000),
          });
          await r.arrayBuffer();
          status = r.status;
          problem = r.headers.get('content-type') === 'application/problem+json' && !!r.headers.get('retry-after');
        } catch {
          status = 0; // no answer: a hang or a reset
        }
        answers.push({ at: t0, ms: performance.now() - t0, status, problem });
        if (status === 201) acknowledged.push(id);
        if (status !== 201) await new Promise((r) => setTimeout(r, 50)); // a client honouring Retry-After would wait longer
      }
    };
    const loops = Promise.all(Array.from({ length: connections }, (_, c) => loop(c)));
    await new Promise((r) => setTimeout(r, beforeS * 1000));
    const killedAt = performance.now();
    process.kill(pid, 'SIGKILL');
    log(`  faults: DynamoDB Local (pid ${pid}) killed under load`);
    while (!/DynamoDB Local back on port/.test(out) && performance.now() - killedAt < 60_000) await new Promise((r) => setTimeout(r, 20));
    const backAt = performance.now();
    await new Promise((r) => setTimeout(r, afterS * 1000));
    running = false;
    await loops;

    const after = answers.filter((a) => a.at >= killedAt);
    const firstOk = after.find((a) => a.status === 201);
    const missing = [];
    for (const id of acknowledged) {
      const r = await fetch(`${url}/items/${id}`);
      if (r.status !== 200) missing.push(id);
    }
    const statuses = {};
    for (const a of answers) statuses[a.status] = (statuses[a.status] ?? 0) + 1;
    const result = {
      connections,
      requests: answers.length,
      statuses,
      answered503: after.filter((a) => a.status === 503).length,
      answered503AsProblemWithRetryAfter: after.filter((a) => a.status === 503 && a.problem).length,
      answered500: answers.filter((a) => a.status === 500).length,
      unanswered: answers.filter((a) => a.status === 0).length,
      longestWaitMs: Math.max(...answers.map((a) => a.ms)),
      latencyDuringOutage: summary(after.filter((a) => a.at < backAt).map((a) => a.ms)),
      runnerReportsBackAfterMs: backAt - killedAt,
      firstWriteAfterKillMs: firstOk ? firstOk.at + firstOk.ms - killedAt : NaN,
      acknowledgedWrites: acknowledged.length,
      lostWrites: missing.length,
      restartLine: /DynamoDB Local back on port[^\n]*/.exec(out)?.[0],
    };
    if (result.answered500 || result.unanswered || result.lostWrites || result.answered503 !== result.answered503AsProblemWithRetryAfter || !firstOk) {
      errors.push(`faults: ${JSON.stringify(result)}`);
    }
    log(`  faults: ${result.answered503} × 503, ${result.answered500} × 500, back after ${(result.runnerReportsBackAfterMs / 1000).toFixed(1)} s, ${result.lostWrites} of ${result.acknowledgedWrites} acknowledged writes lost`);
    return { ...result, errors };
  } catch (e) {
    return { errors: [...errors, e.message] };
  } finally {
    if (child.exitCode === null) child.kill('SIGINT');
    await exited;
    process.removeListener('exit', killOnExit);
    rmSync(data, { recursive: true, force: true });
  }
}
