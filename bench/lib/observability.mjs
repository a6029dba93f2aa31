// Tracing and metrics (#23): what the X-Ray subsegments and the EMF log line cost, cold and warm.
//
// The same bundle (ours) in three folders: `off` (config without metrics, no X-Ray daemon: the request line and the
// capacity figures only), `on` (metrics in the config, AWS_XRAY_DAEMON_ADDRESS set and every request sampled, so each
// DynamoDB call sends a subsegment) and `on (copy)`, a byte-identical copy of `on` in its own folder: the A/A row, whose
// ratio to `on` says how far apart two identical variants read in this run on this machine. A UDP socket of this
// process stands in for the daemon and counts what arrives, so `on` is known to have sent.
//
// Cold: fresh node processes (lib/cold-harness.cjs), GET /items/{id}, variants interleaved with the order rotating.
// Warm: one child process (lib/observability-worker.cjs) holding the three handlers, read/list/create interleaved.
import { spawnSync, fork } from 'node:child_process';
import dgram from 'node:dgram';
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { DEFAULT_CONFIG } from './build.mjs';
import { awsEnv, createIdempotencyTable, createItemsTable, handlerLikeItem, seed } from './ddb.mjs';
import { fmtMs, printTable, ratio, summary } from './stats.mjs';

const require = createRequire(import.meta.url);
const HARNESS = new URL('./cold-harness.cjs', import.meta.url).pathname;
const WORKER = new URL('./observability-worker.cjs', import.meta.url).pathname;
const TABLE = 'bench-observability';
const ITEM_ID = 'obs-item';
const POOL = 500;
const TRACE_HEADER = 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1';

export const OBSERVABILITY_VARIANTS = {
  off: 'off: request line + capacity, no EMF, no daemon',
  on: 'on: EMF + X-Ray subsegments (sampled)',
  'on-copy': 'on, a copy of itself (A/A)',
};

/** The three folders: the bundle with the config of each variant. */
function prepareBundles(oursDir, outDir) {
  const dirs = {};
  for (const name of Object.keys(OBSERVABILITY_VARIANTS)) {
    const dir = join(outDir, 'bundles', `observability-${name}`);
    mkdirSync(dir, { recursive: true });
    copyFileSync(join(oursDir, 'index.js'), join(dir, 'index.js'));
    const config = name === 'off' ? DEFAULT_CONFIG : { ...DEFAULT_CONFIG, metrics: { api: 'Bench/Todos' } };
    writeFileSync(join(dir, 'crud-config.json'), JSON.stringify(config, null, 2) + '\n');
    dirs[name] = dir;
  }
  return dirs;
}

/** The environment of a variant, as Lambda would set it (X-Ray only where tracing is on). */
function variantEnv(name, endpoint, dir, daemon) {
  return {
    PATH: process.env.PATH, ...awsEnv(endpoint), TZ: 'UTC', LAMBDA_TASK_ROOT: dir,
    AWS_LAMBDA_FUNCTION_NAME: 'bench-read', AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '1024', AWS_LAMBDA_LOG_FORMAT: 'JSON',
    CRUD_TABLES: TABLE, CRUD_IDEMPOTENCY_TABLES: `${TABLE}-idempotency`, CRUD_ROUTES: 'items:read',
    ...(name === 'off' ? {} : { AWS_XRAY_DAEMON_ADDRESS: daemon, _X_AMZN_TRACE_ID: TRACE_HEADER }),
  };
}

/** A stand-in daemon: counts datagrams. */
async function startDaemon() {
  const socket = dgram.createSocket('udp4');
  let received = 0;
  socket.on('message', () => { received++; });
  await new Promise((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return { address: `127.0.0.1:${socket.address().port}`, received: () => received, close: () => new Promise((r) => socket.close(r)) };
}

export async function runObservability({ ddb, endpoint, oursDir, outDir, libDir, coldRuns, iterations, warmup, log }) {
  await createItemsTable(ddb, TABLE);
  await createIdempotencyTable(ddb, `${TABLE}-idempotency`);
  await seed(ddb, TABLE, [handlerLikeItem(ITEM_ID, 'cold start'), ...Array.from({ length: POOL }, (_, i) => handlerLikeItem(`obs-${i}`, `item ${i}`))]);
  const dirs = prepareBundles(oursDir, outDir);
  const names = Object.keys(dirs);
  const daemon = await startDaemon();
  try {
    // ---- cold
    const { apiEvent } = require(join(libDir, 'events.cjs'));
    const event = apiEvent('GET', `/items/${ITEM_ID}`);
    const cold = Object.fromEntries(names.map((n) => [n, []]));
    const errors = [];
    for (let round = 0; round < coldRuns; round++) {
      for (const name of names.map((_, i) => names[(i + round) % names.length])) {
        const r = spawnSync(process.execPath, [HARNESS, dirs[name], JSON.stringify(event)], {
          env: variantEnv(name, endpoint, dirs[name], daemon.address), encoding: 'utf8', timeout: 60_000, maxBuffer: 16 * 1024 * 1024,
        });
        const line = (r.stdout ?? '').split('\n').reverse().find((l) => l.startsWith('@@BENCH '));
        const out = line ? JSON.parse(line.slice('@@BENCH '.length)) : { error: `no result (exit ${r.status}): ${(r.stderr ?? '').slice(-500)}` };
        if (out.error || out.status !== 200) errors.push(`cold ${name}: ${out.error ?? `status ${out.status}`}`);
        else cold[name].push(out);
      }
      if ((round + 1) % 10 === 0) log(`  observability cold: ${round + 1}/${coldRuns} rounds`);
    }
    // spawnSync held this event loop: let the datagrams that arrived meanwhile be counted.
    await new Promise((resolve) => setTimeout(resolve, 300));
    const coldDatagrams = daemon.received();

    // ---- warm
    const child = fork(WORKER, [JSON.stringify({ dirs, eventsLib: join(libDir, 'events.cjs'), iterations, warmup, poolSize: POOL, seed: 7 })], {
      env: { ...variantEnv('on', endpoint, dirs.on, daemon.address), CRUD_ROUTES: '' }, stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    });
    const message = await new Promise((resolve, reject) => {
      let got;
      child.on('message', (m) => { got = m; });
      child.on('error', reject);
      child.on('exit', (code) => (got ? resolve(got) : reject(new Error(`observability worker exited ${code} without a result`))));
    });
    errors.push(...message.errors);

    const coldSummary = Object.fromEntries(names.map((n) => [n, { total: summary(cold[n].map((x) => x.total)), load: summary(cold[n].map((x) => x.load)), invoke: summary(cold[n].map((x) => x.invoke)) }]));
    const warmOps = {};
    for (const [op, s] of Object.entries(message.samples)) {
      const v = Object.fromEntries(names.map((n) => [n, summary(s[n])]));
      warmOps[op] = {
        ...v,
        onVsOff: { p50: ratio(v.on.p50, v.off.p50), p99: ratio(v.on.p99, v.off.p99) },
        aa: { p50: ratio(v['on-copy'].p50, v.on.p50), p99: ratio(v['on-copy'].p99, v.on.p99) },
      };
    }
    return {
      event: 'GET /items/{id}', coldRuns, iterations, warmup,
      cold: {
        variants: coldSummary,
        onVsOff: ratio(coldSummary.on.total.p50, coldSummary.off.total.p50),
        aa: ratio(coldSummary['on-copy'].total.p50, coldSummary.on.total.p50),
      },
      warm: warmOps,
      datagrams: { cold: coldDatagrams, warm: daemon.received() - coldDatagrams, expectedCold: cold.on.length + cold['on-copy'].length, expectedWarm: message.sampledCalls },
      errors,
    };
  } finally {
    await daemon.close();
  }
}

export function printObservability(r) {
  const o = r.observability;
  if (!o) return;
  const v = o.cold.variants;
  printTable(`Tracing + EMF, cold: fresh node process → first ${o.event} answered, ms (${o.coldRuns} runs each, interleaved)`,
    ['variant', 'p50', 'p10', 'p90', 'load p50', '1st call p50', 'vs off'],
    Object.entries(OBSERVABILITY_VARIANTS).map(([k, label]) => [label, fmtMs(v[k].total.p50), fmtMs(v[k].total.p10), fmtMs(v[k].total.p90),
      fmtMs(v[k].load.p50), fmtMs(v[k].invoke.p50), `${ratio(v[k].total.p50, v.off.total.p50).toFixed(2)}×`]));
  printTable(`Tracing + EMF, warm in one process, ms (${o.iterations} iterations after ${o.warmup} warm-up, interleaved)`,
    ['operation', 'off p50', 'on p50', 'copy p50', 'on/off p50', 'A/A p50', 'off p99', 'on p99', 'on/off p99', 'A/A p99'],
    Object.entries(o.warm).map(([op, w]) => [op, fmtMs(w.off.p50), fmtMs(w.on.p50), fmtMs(w['on-copy'].p50), `${w.onVsOff.p50.toFixed(2)}×`, `${w.aa.p50.toFixed(2)}×`,
      fmtMs(w.off.p99), fmtMs(w.on.p99), `${w.onVsOff.p99.toFixed(2)}×`, `${w.aa.p99.toFixed(2)}×`]));
  console.log(`subsegments received by the stand-in daemon: cold ${o.datagrams.cold} of ${o.datagrams.expectedCold}, warm ${o.datagrams.warm} of ${o.datagrams.expectedWarm}`);
}

/** The issue's targets: cold and warm with tracing and EMF on ≤ 1.03× off (p50), each read beside its A/A ratio. */
export const OBSERVABILITY_TARGET = 1.03;

export function observabilityTargets(r) {
  const o = r.observability;
  if (!o) return [];
  return [
    {
      name: `tracing + EMF on, cold ≤ ${OBSERVABILITY_TARGET.toFixed(2)}× off`,
      value: `${o.cold.onVsOff.toFixed(2)}× (A/A ${o.cold.aa.toFixed(2)}×)`,
      target: `≤ ${OBSERVABILITY_TARGET.toFixed(2)}×`,
      met: o.cold.onVsOff <= OBSERVABILITY_TARGET,
      note: 'p50 of fresh processes, GET /items/{id}',
    },
    ...Object.entries(o.warm).map(([op, w]) => ({
      name: `tracing + EMF on, warm ${op} ≤ ${OBSERVABILITY_TARGET.toFixed(2)}× off`,
      value: `${w.onVsOff.p50.toFixed(2)}× (A/A ${w.aa.p50.toFixed(2)}×)`,
      target: `≤ ${OBSERVABILITY_TARGET.toFixed(2)}×`,
      met: w.onVsOff.p50 <= OBSERVABILITY_TARGET,
      note: 'p50 ratio, one process, interleaved',
    })),
  ];
}
