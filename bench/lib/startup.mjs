// The developer's loop with the local runner on the example app (examples/todo-app), wall clock:
// - command → first request served: `cdk-serverless-crud-api local --app-dir <app>` started, GET polled until 200;
//   beside it, in the same run, its two longest parts alone: the app's synth and DynamoDB Local's start;
// - edit → first request on the new code in --watch: the Notes schema's title maxLength raised by one, and a POST
//   with a title of exactly the new length polled until it is accepted (201 instead of 422).
import { spawn } from 'node:child_process';
import { startRunnerCli } from './harness/server.mjs';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { freePort } from './ports.mjs';
import { summary } from './stats.mjs';

const require = createRequire(import.meta.url);

/** The runner CLI on the example app; its whole output is kept (the ready and reload lines are read from it). */
const startCli = (root, args) => startRunnerCli('the runner', root, args, { env: { ...process.env, NO_COLOR: '1' } });

/** Polls `attempt()` every 10 ms until it is true; the time of the first success, ms since `t0`. */
async function until(t0, attempt, what, output, limitMs = 60_000) {
  for (;;) {
    if (await attempt().catch(() => false)) return performance.now() - t0;
    if (performance.now() - t0 > limitMs) throw new Error(`startup: ${what} not seen in ${limitMs / 1000} s; runner output (tail):\n${output().slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** The synth command of the example app, as the runner runs it (npx resolved to the local bin). */
function synthOnce(appDir, outdir) {
  const cdkJson = JSON.parse(readFileSync(join(appDir, 'cdk.json'), 'utf8'));
  const command = cdkJson.app.replace(/^npx ts-node/, JSON.stringify(require.resolve('ts-node/dist/bin.js')).replace(/^/, `${JSON.stringify(process.execPath)} `));
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(command, { cwd: appDir, shell: true, stdio: 'ignore', env: { ...process.env, CDK_OUTDIR: outdir, JSII_DEPRECATED: 'quiet' } });
    child.on('exit', (code) => (code === 0 ? resolve(performance.now() - t0) : reject(new Error(`synth exited ${code}`))));
  });
}

/** A copy of the example app in the benchmark's output folder, importing this repository's construct sources. */
function copyExample(root, outDir) {
  const dir = mkdtempSync(join(outDir, 'watch-app-'));
  cpSync(join(root, 'examples', 'todo-app'), dir, { recursive: true, filter: (src) => !/cdk\.out|client/.test(src) });
  const app = readFileSync(join(dir, 'app.ts'), 'utf8').replace(/from '\.\.\/\.\.\/src'/g, `from ${JSON.stringify(join(root, 'src'))}`);
  writeFileSync(join(dir, 'app.ts'), app);
  return dir;
}

export async function runStartup({ root, outDir, libDir, runs, reloads, components = true, log }) {
  const errors = [];
  const appDir = join(root, 'examples', 'todo-app');
  const { startDynamoDbLocal } = require(join(libDir, 'dynamodb-local.cjs'));
  const start = [];
  const printedReady = [];
  const synth = [];
  const ddbStart = [];
  // Interleaved: the runner, then its parts alone, so that all three see the same machine.
  for (let i = 0; i < runs; i++) {
    const port = await freePort();
    const t0 = performance.now();
    const runner = startCli(root, ['--app-dir', appDir, '--port', String(port)]);
    try {
      const ms = await until(t0, async () => (await fetch(`http://127.0.0.1:${port}/items`)).status === 200, 'the first request', runner.output);
      start.push(ms);
      const ready = /Ready in ([\d.]+) s/.exec(runner.output());
      if (ready) printedReady.push(Number(ready[1]) * 1000);
    } catch (e) {
      errors.push(e.message);
    } finally {
      await runner.stop();
    }
    if (!components) continue;
    const out = mkdtempSync(join(outDir, 'startup-synth-'));
    synth.push(await synthOnce(appDir, out));
    rmSync(out, { recursive: true, force: true });
    const d0 = performance.now();
    const ddb = await startDynamoDbLocal();
    ddbStart.push(performance.now() - d0);
    await ddb.stop();
    log(`  startup: run ${i + 1}/${runs}: first request after ${start.at(-1)?.toFixed(0)} ms (synth alone ${synth.at(-1).toFixed(0)} ms, DynamoDB Local alone ${ddbStart.at(-1).toFixed(0)} ms)`);
  }

  // Edits in watch mode.
  const dir = copyExample(root, outDir);
  const port = await freePort();
  // The Notes API is the second one: port + 1.
  const notes = `http://127.0.0.1:${port + 1}/notes`;
  const reload = [];
  const printed = [];
  const w0 = performance.now();
  const runner = startCli(root, ['--app-dir', dir, '--port', String(port), '--watch']);
  let watchStart = NaN;
  try {
    watchStart = await until(w0, async () => (await fetch(notes)).status === 200, 'the watch runner', runner.output);
    // Edits count once the runner watches (it says so right after its banner).
    await until(w0, async () => /Watching .* for changes/.test(runner.output()), 'the watcher', runner.output);
    let max = 200;
    for (let i = 0; i < reloads; i++) {
      max += 1;
      const title = 'x'.repeat(max);
      const post = async () => (await fetch(notes, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ title }) })).status === 201;
      if (await post()) throw new Error(`startup: a title of ${max} characters was accepted before the edit`);
      const mark = runner.output().length;
      const source = readFileSync(join(dir, 'app.ts'), 'utf8');
      const t0 = performance.now();
      writeFileSync(join(dir, 'app.ts'), source.replace(/maxLength: \d+ \}/, `maxLength: ${max} }`));
      reload.push(await until(t0, post, `the reload to maxLength ${max}`, runner.output));
      const line = /watch: ✓ .* in ([\d.]+) (ms|s) \(synth ([\d.]+) s\)/.exec(runner.output().slice(mark));
      if (line) printed.push({ totalMs: Number(line[1]) * (line[2] === 's' ? 1000 : 1), synthMs: Number(line[3]) * 1000 });
      log(`  startup: edit ${i + 1}/${reloads}: first request on the new code after ${reload.at(-1).toFixed(0)} ms`);
      await new Promise((r) => setTimeout(r, 300));
    }
  } catch (e) {
    errors.push(e.message);
  } finally {
    await runner.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  return {
    app: 'examples/todo-app (3 APIs, 5 resources)',
    runs, reloads,
    // Without separate runs (quick mode), the watch runner's own start is the one sample.
    firstRequest: summary(start.length ? start : [watchStart].filter(Number.isFinite)), watchRunnerStartMs: watchStart, printedReady: summary(printedReady), synthAlone: summary(synth), dynamoDbLocalAlone: summary(ddbStart),
    editToNewCode: summary(reload),
    printedReload: { total: summary(printed.map((p) => p.totalMs)), synth: summary(printed.map((p) => p.synthMs)) },
    errors,
  };
}
