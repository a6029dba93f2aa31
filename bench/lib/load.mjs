// Local server: the same mixed read/write load (lib/load-mix.cjs) against the local runner over HTTP and straight
// at DynamoDB Local through the SDK, in alternating rounds (ABBA); then a full scan of both tables proves that
// every acknowledged write is there.
import { awsEnv, createIdempotencyTable, createItemsTable, handlerLikeItem, listTables, scanAll, seed } from './ddb.mjs';
import { startRunnerCli } from './harness/server.mjs';
import { freePort } from './ports.mjs';
import { startOffline, tableRefs } from './offline.mjs';
import { cpuMs, runJsonChild } from './proc.mjs';
import { ratio, summary } from './stats.mjs';

const HTTP = new URL('./load-http.cjs', import.meta.url).pathname;
const SDK = new URL('./load-sdk.cjs', import.meta.url).pathname;
const HANDLER = new URL('./load-handler.cjs', import.meta.url).pathname;
const DIRECT_TABLE = 'bench-load-direct';
const HANDLER_TABLE = 'bench-load-handler';
const OFFLINE_TABLE = 'bench-load-offline';
const POOL = 1000;

/** Starts the bundled runner CLI on an assembly; resolves once it prints its route table. */
async function startRunner(root, assemblyDir, endpoint) {
  const runner = startRunnerCli('local runner', root, ['--assembly', assemblyDir, '--port', '0', '--endpoint', endpoint], {
    env: { ...process.env, ...awsEnv(endpoint), NO_COLOR: '1' }, freezeOnceReady: true,
  });
  const out = await runner.waitFor((o) => o.includes('Ctrl-C to stop.'));
  const url = /^\S+\/\S+\s+(http:\/\/127\.0\.0\.1:\d+)$/m.exec(out)?.[1];
  if (!url) { runner.child.kill('SIGKILL'); throw new Error(`no API URL in the runner's output:\n${out}`); }
  return { ...runner, url, startOutput: out };
}

/**
 * The proof that no acknowledged write was lost, from a consistent scan of the table: every create that was
 * answered 201 is there, and every item's version went up at least once per update that was answered 200 (each
 * successful create or update writes version + 1). Writes still in flight when the generator's clock ran out were
 * never acknowledged; they may or may not have landed, so at most that many extra writes may show.
 */
function verify(items, prefix, runs) {
  const byId = new Map(items.map((it) => [it.id.S, it]));
  const ackedCreates = runs.flatMap((x) => x.ackedCreates);
  const ackedUpdates = {};
  for (const x of runs) for (const [id, n] of Object.entries(x.ackedUpdates)) ackedUpdates[id] = (ackedUpdates[id] ?? 0) + n;
  const inFlight = runs.reduce((a, x) => a + x.inFlightAtEnd, 0);
  const missingCreates = ackedCreates.filter((id) => !byId.has(id));
  const lostUpdates = [];
  let bumps = 0;
  for (const it of items) bumps += Number(it.version?.N ?? 1) - 1;
  for (const [id, n] of Object.entries(ackedUpdates)) {
    const have = Number(byId.get(id)?.version?.N ?? 1) - 1;
    if (have < n) lostUpdates.push(`${id}: ${n} acknowledged, version shows ${have}`);
  }
  const createdFound = items.filter((it) => it.id.S.startsWith(`${prefix}-`)).length;
  const ackedUpdateTotal = Object.values(ackedUpdates).reduce((a, b) => a + b, 0);
  return {
    acknowledgedCreates: ackedCreates.length,
    acknowledgedUpdates: ackedUpdateTotal,
    inFlightAtEnd: inFlight,
    found: { items: items.length, created: createdFound, versionBumps: bumps },
    missingCreates: missingCreates.slice(0, 10),
    lostUpdates: lostUpdates.slice(0, 10),
    unacknowledgedExtra: (createdFound - ackedCreates.length) + (bumps - ackedUpdateTotal),
    noLostWrites: missingCreates.length === 0 && lostUpdates.length === 0,
  };
}

/**
 * @param assemblyDir the assembly served by the local runner (default per-operation functions)
 * @param singleAssemblyDir optional: the same API in HandlerMode.SINGLE, served by a second runner (an explanation)
 */
export async function runLoad({
  root, outDir, ddb, endpoint, ddbPid, assemblyDir, singleAssemblyDir, bareSdk, oursDir, eventsLib, rounds, durationS, warmupS, runnerWarmupS = 0, connections,
  lowLoad, log,
}) {
  const runners = { runner: await startRunner(root, assemblyDir, endpoint) };
  const errors = [];
  try {
    if (singleAssemblyDir) runners.single = await startRunner(root, singleAssemblyDir, endpoint);
    // serverless-offline serves the same assembly's functions, on tables of its own (same key schema).
    await createItemsTable(ddb, OFFLINE_TABLE);
    await createIdempotencyTable(ddb, `${OFFLINE_TABLE}-idempotency`);
    const refs = Object.fromEntries(tableRefs(assemblyDir).map((ref) => [ref, /Idempotency/.test(ref) ? `${OFFLINE_TABLE}-idempotency` : OFFLINE_TABLE]));
    runners.offline = await startOffline({ root, outDir, assemblyDir, endpoint, tables: refs, ports: { http: await freePort(), lambda: await freePort() }, log });
    // Each runner created its tables from its template; find the items tables (not the idempotency ones).
    const tables = await listTables(ddb);
    const runnerTable = tables.find((t) => /^BenchCrud0-Api(DefaultResource)?Table[0-9A-F]{8}$/.test(t));
    const singleTable = tables.find((t) => /^BenchSingle0-Api(DefaultResource)?Table[0-9A-F]{8}$/.test(t));
    if (!runnerTable || (singleAssemblyDir && !singleTable)) throw new Error(`the local runner created no items table (tables: ${tables.join(', ')})`);
    await createItemsTable(ddb, DIRECT_TABLE);
    await createItemsTable(ddb, HANDLER_TABLE);
    await createIdempotencyTable(ddb, `${HANDLER_TABLE}-idempotency`);
    const pool = Array.from({ length: POOL }, (_, i) => handlerLikeItem(`seed-${i}`, `item ${i}`));
    for (const t of [runnerTable, singleTable, DIRECT_TABLE, HANDLER_TABLE, OFFLINE_TABLE].filter(Boolean)) await seed(ddb, t, pool);

    const env = { PATH: process.env.PATH, ...awsEnv(endpoint) };
    const common = { connections, durationS, warmupS, poolSize: POOL };
    const runs = { runner: [], offline: [], direct: [], handler: [], ...(runners.single ? { single: [] } : {}) };
    const inputs = {
      runner: (r) => [HTTP, { ...common, url: runners.runner.url, prefix: `ld-http-r${r}`, seed: 1000 + r }],
      offline: (r) => [HTTP, { ...common, url: runners.offline.url, prefix: `ld-offline-r${r}`, seed: 1000 + r }],
      single: (r) => [HTTP, { ...common, url: runners.single.url, prefix: `ld-single-r${r}`, seed: 1000 + r }],
      direct: (r) => [SDK, { ...common, table: DIRECT_TABLE, bareSdk, prefix: `ld-sdk-r${r}`, seed: 1000 + r }],
      handler: (r) => [HANDLER, {
        ...common, table: HANDLER_TABLE, idempotencyTable: `${HANDLER_TABLE}-idempotency`, oursDir, eventsLib, prefix: `ld-fn-r${r}`, seed: 1000 + r,
      }],
    };
    // Each runner is one long-lived process (unlike the generators, started afresh per round): it gets one longer
    // warm-up first, so that the first round does not measure its JIT compiler, its heap growing, and the first
    // invocation (cold start) of each function. Its writes are verified like all others, its figures not counted.
    const warmups = { runner: [], single: [], offline: [] };
    if (runnerWarmupS > 0) {
      for (const key of Object.keys(runners)) {
        const prefix = { runner: 'ld-http-warm', single: 'ld-single-warm', offline: 'ld-offline-warm' }[key];
        const res = await runJsonChild(HTTP, { ...common, durationS: runnerWarmupS, url: runners[key].url, prefix, seed: 999 }, env);
        warmups[key].push(res);
        log(`  load: ${key} warm-up ${runnerWarmupS} s: ${res.rps.toFixed(0)} req/s (not counted)`);
      }
    }
    // The runner and serverless-offline go one after the other, their order alternating (ABBA); the references and
    // explanations (in-process handler, SINGLE mode, direct SDK) run after them, in alternating order too.
    const middle = ['handler', ...(runners.single ? ['single'] : [])];
    for (let r = 0; r < rounds; r++) {
      const order = r % 2 === 0 ? ['runner', 'offline', ...middle, 'direct'] : ['direct', ...[...middle].reverse(), 'offline', 'runner'];
      for (const side of order) {
        const served = runners[side];
        const before = { runner: served ? cpuMs(served.pid) : 0, ddb: cpuMs(ddbPid) };
        const [file, input] = inputs[side](r);
        const res = await runJsonChild(file, input, env);
        res.cpuMs = {
          generator: res.generatorCpuMs,
          runner: served ? cpuMs(served.pid) - before.runner : 0,
          dynamodbLocal: cpuMs(ddbPid) - before.ddb,
        };
        runs[side].push(res);
        log(`  load: round ${r + 1}/${rounds} ${side}: ${res.rps.toFixed(0)} req/s`);
      }
    }

    // Low load: one connection, the runner against the in-process handler, alternating — what HTTP and the runner add
    // to a request when nothing queues.
    const low = { runner: [], handler: [] };
    for (let r = 0; r < lowLoad.rounds; r++) {
      for (const side of r % 2 === 0 ? ['runner', 'handler'] : ['handler', 'runner']) {
        const [file, input] = inputs[side](r);
        const res = await runJsonChild(file, { ...input, connections: 1, durationS: lowLoad.durationS, warmupS: lowLoad.warmupS, prefix: `${input.prefix}-low` }, env);
        low[side].push(res);
        log(`  load: low load (1 connection) round ${r + 1}/${lowLoad.rounds} ${side}: p50 ${summary(res.latencies).p50.toFixed(3)} ms`);
      }
    }

    const verification = {
      runner: { table: runnerTable, seeded: POOL, ...verify(await scanAll(ddb, runnerTable), 'ld-http', [...warmups.runner, ...runs.runner, ...low.runner]) },
      offline: { table: OFFLINE_TABLE, seeded: POOL, ...verify(await scanAll(ddb, OFFLINE_TABLE), 'ld-offline', [...warmups.offline, ...runs.offline]) },
      direct: { table: DIRECT_TABLE, seeded: POOL, ...verify(await scanAll(ddb, DIRECT_TABLE), 'ld-sdk', runs.direct) },
      handler: { table: HANDLER_TABLE, seeded: POOL, ...verify(await scanAll(ddb, HANDLER_TABLE), 'ld-fn', [...runs.handler, ...low.handler]) },
      ...(runs.single ? { single: { table: singleTable, seeded: POOL, ...verify(await scanAll(ddb, singleTable), 'ld-single', [...warmups.single, ...runs.single]) } } : {}),
    };
    for (const v of Object.values(verification)) {
      if (v.unacknowledgedExtra < 0 || v.unacknowledgedExtra > v.inFlightAtEnd) errors.push(`load: ${v.table} holds ${v.unacknowledgedExtra} writes nobody acknowledged, ${v.inFlightAtEnd} were in flight`);
    }

    const side = (list) => {
      const requests = list.reduce((a, x) => a + x.requests, 0);
      const seconds = list.reduce((a, x) => a + x.durationS, 0);
      const failed = list.reduce((a, x) => a + Object.values(x.counts).reduce((b, c) => b + c.failed, 0), 0);
      // autocannon's `errors` counts connection errors and timeouts; the SDK side's failures are in `counts` already.
      const connErrors = list.reduce((a, x) => a + (typeof x.errors === 'number' ? x.errors : 0), 0);
      const cpu = (k) => list.reduce((a, x) => a + (x.cpuMs[k] || 0), 0) / requests;
      return {
        runs: list.length, requests, seconds: Number(seconds.toFixed(1)), rps: requests / seconds,
        perRunRps: list.map((x) => Math.round(x.rps)),
        inFlightAtEnd: list.reduce((a, x) => a + x.inFlightAtEnd, 0),
        latency: summary(list.flatMap((x) => x.latencies)),
        errors: failed + connErrors,
        statuses: list.reduce((a, x) => { for (const [k, v] of Object.entries(x.statuses ?? {})) a[k] = (a[k] ?? 0) + v; return a; }, {}),
        cpuMsPerRequest: { generator: cpu('generator'), runner: cpu('runner'), dynamodbLocal: cpu('dynamodbLocal') },
        warmupRequests: list.reduce((a, x) => a + x.warmup.requests, 0),
        errorSamples: list.flatMap((x) => (Array.isArray(x.errors) ? x.errors : [])).slice(0, 5),
      };
    };
    const result = {
      connections, durationS, warmupS, runnerWarmupS, rounds, mix: 'read 50% / create 20% / update (PATCH) 20% / list 10%',
      runner: side(runs.runner), offline: side(runs.offline), direct: side(runs.direct), handler: side(runs.handler), ...(runs.single ? { single: side(runs.single) } : {}),
      verification, offlineVersions: runners.offline.versions,
    };
    // Low load: latency only (the CPU columns are not taken there).
    const lowSide = (list) => ({ requests: list.reduce((a, x) => a + x.requests, 0), latency: summary(list.flatMap((x) => x.latencies)) });
    result.lowLoad = { ...lowLoad, runner: lowSide(low.runner), handler: lowSide(low.handler) };
    result.lowLoad.addedP50Ms = result.lowLoad.runner.latency.p50 - result.lowLoad.handler.latency.p50;
    result.lowLoad.addedP99Ms = result.lowLoad.runner.latency.p99 - result.lowLoad.handler.latency.p99;
    result.vsOffline = {
      throughput: ratio(result.runner.rps, result.offline.rps), p50: ratio(result.runner.latency.p50, result.offline.latency.p50), p99: ratio(result.runner.latency.p99, result.offline.latency.p99),
    };
    result.throughputRatio = ratio(result.runner.rps, result.direct.rps);
    result.p50Ratio = ratio(result.runner.latency.p50, result.direct.latency.p50);
    result.p99Ratio = ratio(result.runner.latency.p99, result.direct.latency.p99);
    result.handlerVsDirect = ratio(result.handler.rps, result.direct.rps);
    result.runnerVsHandler = ratio(result.runner.rps, result.handler.rps);
    if (result.single) result.singleVsDirect = ratio(result.single.rps, result.direct.rps);
    result.runnerLogLines = runners.runner.logLines();
    result.offlineLogLines = runners.offline.logLines();
    const sides = Object.keys(runs);
    if (sides.some((k) => result[k].errors)) {
      errors.push(`load: errors: ${sides.map((k) => `${k} ${result[k].errors}`).join(', ')} ` +
        `(${JSON.stringify(sides.flatMap((k) => result[k].errorSamples))}); runner log tail:\n${runners.runner.tail()}${runners.single ? `\n${runners.single.tail()}` : ''}` +
        (result.offline.errors ? `\nserverless-offline log tail:\n${runners.offline.tail()}` : ''));
    }
    if (!(result.offline.requests > 0)) errors.push(`load: serverless-offline answered no request; its log tail:\n${runners.offline.tail()}`);
    for (const [k, v] of Object.entries(verification)) {
      if (!v.noLostWrites) errors.push(`load (${k}): acknowledged writes missing: ${JSON.stringify(v)}`);
    }
    return { ...result, errors };
  } finally {
    for (const r of Object.values(runners)) await r.stop();
  }
}
