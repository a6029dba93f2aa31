#!/usr/bin/env node
// Where the time goes, for the benchmarks whose targets are missed: CPU profiles and per-thread CPU, summarized.
//
//   node bench/diagnose.mjs cold [runs=10]      cold starts of ours, the floor and Powertools under --cpu-prof
//   node bench/diagnose.mjs runner [seconds=15] the local runner under the load mix: CPU per thread, and profiles
//   node bench/diagnose.mjs synth [runs=3]      synth of 1 API, ours and hand-written, ts-node and compiled
//   node bench/diagnose.mjs ajv [runs=30]       cold starts of ours as shipped vs ours with ajv left out of the bundle
//
// Profiles are written to bench/.out/diagnose/<command>/; a JSON summary to bench/results/diagnose-<command>.json.
// Profiled code runs slower than unprofiled; compare the groups with each other, not with the benchmark's times.
import { spawn } from 'node:child_process';
import { cpSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { buildAll, DEFAULT_CONFIG, HANDLER_BUILD_OPTIONS, VARIANTS } from './lib/build.mjs';
import { coldStart, prepareCold } from './lib/cold.mjs';
import { awsEnv, client, handlerLikeItem, listTables, seed, startDdb } from './lib/ddb.mjs';
import { meanGroups, selfTimeByGroup } from './lib/profile.mjs';
import { runJsonChild } from './lib/proc.mjs';
import { printTable } from './lib/stats.mjs';
import { appBundle, prepareSynth, runSynth } from './lib/synth.mjs';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
const ROOT = new URL('..', import.meta.url).pathname.replace(/\/$/, '');
const OUT = join(ROOT, 'bench', '.out');
const [command, arg] = process.argv.slice(2);
const dir = join(OUT, 'diagnose', command ?? '');
const log = (s) => console.error(s);

/** Builds a bundle like the benchmark's, but with whitespace kept so that profiles map to source modules. */
async function profilingBuild(name, outDir) {
  const v = VARIANTS[name];
  const out = join(outDir, name);
  mkdirSync(out, { recursive: true });
  await build({
    ...HANDLER_BUILD_OPTIONS, minify: false, minifyIdentifiers: true, minifySyntax: true, minifyWhitespace: false, metafile: false,
    absWorkingDir: ROOT, entryPoints: [v.entry], outfile: join(out, 'index.js'), external: v.external ?? [],
  });
  if (v.entry === VARIANTS.ours.entry) writeFileSync(join(out, 'crud-config.json'), JSON.stringify(DEFAULT_CONFIG));
  return out;
}

const profilesIn = (d) => readdirSync(d).filter((f) => f.endsWith('.cpuprofile')).map((f) => JSON.parse(readFileSync(join(d, f), 'utf8')));

function groupTable(title, columns, limit = 18) {
  const keys = [...new Set(columns.flatMap(([, g]) => Object.keys(g)))];
  const first = columns[0][1];
  const rows = keys.map((k) => [k, ...columns.map(([, g]) => g[k] ?? 0)]);
  if (columns.length === 2) rows.sort((a, b) => (b[1] - b[2]) - (a[1] - a[2]));
  else rows.sort((a, b) => (first[b[0]] ?? 0) - (first[a[0]] ?? 0));
  const diff = columns.length === 2;
  printTable(title, ['group', ...columns.map(([n]) => `${n} ms`), ...(diff ? ['difference'] : [])],
    rows.slice(0, limit).map((r) => [r[0], ...r.slice(1).map((x) => x.toFixed(1)), ...(diff ? [(r[1] - r[2]).toFixed(1)] : [])]));
}

async function cold(runs) {
  const built = await buildAll(ROOT, OUT);
  const names = ['ours', 'floor', 'powertools'];
  const dirs = {};
  for (const n of names) dirs[n] = await profilingBuild(n, join(dir, 'bundles'));
  const ddbLocal = await startDdb(built.libDir);
  const ddb = client(ddbLocal.endpoint);
  const result = { runs, variants: {} };
  try {
    await prepareCold(ddb);
    const { apiEvent } = (await import('node:module')).createRequire(import.meta.url)(join(built.libDir, 'events.cjs'));
    const event = apiEvent('GET', '/items/cold-item');
    const times = Object.fromEntries(names.map((n) => [n, []]));
    for (let i = 0; i < runs; i++) {
      for (const n of names) {
        const profDir = join(dir, 'profiles', n);
        const r = coldStart(dirs[n], ddbLocal.endpoint, event, ['--cpu-prof', `--cpu-prof-dir=${profDir}`]);
        if (r.error) throw new Error(`${n}: ${r.error}`);
        times[n].push(r);
      }
    }
    for (const n of names) {
      const summaries = profilesIn(join(dir, 'profiles', n)).map((p) => selfTimeByGroup(p));
      result.variants[n] = {
        meanBusyMs: summaries.reduce((a, s) => a + s.busyMs, 0) / summaries.length,
        meanLoadMs: times[n].reduce((a, x) => a + x.load, 0) / runs,
        meanFirstCallMs: times[n].reduce((a, x) => a + x.invoke, 0) / runs,
        groups: meanGroups(summaries),
      };
    }
  } finally {
    ddb.destroy();
    await ddbLocal.stop();
  }
  const v = result.variants;
  printTable(`Cold start under --cpu-prof, mean of ${runs} (profiling build: whitespace kept)`, ['bundle', 'busy ms', 'load ms', 'first call ms'],
    names.map((n) => [n, v[n].meanBusyMs.toFixed(1), v[n].meanLoadMs.toFixed(1), v[n].meanFirstCallMs.toFixed(1)]));
  groupTable('Self time by module, ours vs floor (sorted by difference)', [['ours', v.ours.groups], ['floor', v.floor.groups]]);
  groupTable('Self time by module, ours vs Powertools (sorted by difference)', [['ours', v.ours.groups], ['powertools', v.powertools.groups]]);
  return result;
}

/** CPU ms of every thread of a process, from /proc/<pid>/task. */
function threadCpu(pid) {
  const out = {};
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const s = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
      out[tid] = { cpuMs: (Number(f[11]) + Number(f[12])) * 10, startTicks: Number(f[19]) };
    } catch { /* thread gone */ }
  }
  return out;
}

/** Starts the runner CLI; resolves once it serves. */
async function startRunner(assembly, endpoint, nodeArgs) {
  const child = spawn(process.execPath, [...nodeArgs, join(ROOT, 'assets/local/cli/index.js'), 'local', '--assembly', assembly, '--port', '0', '--endpoint', endpoint], {
    env: { ...process.env, ...awsEnv(endpoint), NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.on('data', (d) => { if (out.length < 1e5) out += d; });
  while (!out.includes('Ctrl-C to stop.')) {
    if (child.exitCode !== null) throw new Error(out);
    await new Promise((r) => setTimeout(r, 5));
  }
  const url = /^\S+\/\S+\s+(http:\/\/127\.0\.0\.1:\d+)$/m.exec(out)[1];
  const stop = async () => {
    if (child.exitCode === null) {
      child.kill('SIGINT');
      await new Promise((r) => child.on('exit', r));
    }
  };
  return { child, url, stop };
}

// The runner's threads. Our handler bundle runs in the main thread (src/local/function-host.ts); the other threads
// are V8's platform threads (garbage collector, compiler), libuv's pool, and workers of custom-code functions, if any.
const MAIN_THREAD = 'main thread: HTTP server, gateway, handlers + SDK';
const OTHER_THREADS = 'other threads: V8 platform (GC, compiler), libuv';

async function runner(seconds) {
  const built = await buildAll(ROOT, OUT);
  // An assembly of one default API; for the profiled pass its function code is the profiling build of our handler.
  const prep = await prepareSynth(ROOT, OUT);
  const synth = await runSynth({ root: ROOT, outDir: OUT, prep, plan: [{ n: 1, runs: 1 }], modes: ['compiled'], warmupRuns: 0, log });
  // The same API with HandlerMode.SINGLE: one function host (one isolate) serves every route.
  const single = await runSynth({
    root: ROOT, outDir: OUT, prep, plan: [{ n: 1, runs: 1 }], modes: ['compiled'], warmupRuns: 0, log, env: { BENCH_HANDLER_MODE: 'SINGLE' }, assemblyName: 'assembly-single',
  });
  if (synth.errors.length || single.errors.length) throw new Error([...synth.errors, ...single.errors].join('\n'));
  const assembly = join(dir, 'assembly');
  const profiledAssembly = join(dir, 'assembly-profiling');
  for (const d of [assembly, profiledAssembly]) {
    rmSync(d, { recursive: true, force: true });
    cpSync(synth.assembly, d, { recursive: true });
  }
  const profiled = await profilingBuild('ours', join(dir, 'bundles'));
  for (const d of readdirSync(profiledAssembly).filter((x) => x.startsWith('asset.'))) cpSync(join(profiled, 'index.js'), join(profiledAssembly, d, 'index.js'));

  const ddbLocal = await startDdb(built.libDir);
  const ddb = client(ddbLocal.endpoint);
  const profDir = join(dir, 'profiles');
  rmSync(profDir, { recursive: true, force: true });
  const env = { PATH: process.env.PATH, ...awsEnv(ddbLocal.endpoint) };
  const result = {};
  const seeded = new Set();
  const serve = async (asm, nodeArgs, measure) => {
    const runner = await startRunner(asm, ddbLocal.endpoint, nodeArgs);
    try {
      for (const table of (await listTables(ddb)).filter((t) => /^Bench(Crud|Single)0-ApiTable/.test(t) && !seeded.has(t))) {
        await seed(ddb, table, Array.from({ length: 1000 }, (_, i) => handlerLikeItem(`seed-${i}`, `item ${i}`)));
        seeded.add(table);
      }
      const load = (durationS, prefix) => runJsonChild(join(ROOT, 'bench/lib/load-http.cjs'),
        { url: runner.url, connections: 8, durationS, warmupS: 0.1, poolSize: 1000, prefix, seed: 7 }, env);
      await load(3, `${prefix(nodeArgs)}-warm`);
      const before = threadCpu(runner.child.pid);
      const ddbBefore = threadCpu(ddbLocal.pid);
      const r = await load(seconds, prefix(nodeArgs));
      if (measure) await measure(runner, before, ddbBefore, r);
    } finally {
      await runner.stop();
    }
  };
  const prefix = (nodeArgs) => (nodeArgs.length ? 'diag-prof' : 'diag');
  try {
    // Pass 1, no profiler: CPU per request of each thread, per-operation functions (the default) and SINGLE mode.
    const measure = (target, label) => async (runner, before, ddbBefore, r) => {
      const after = threadCpu(runner.child.pid);
      const ddbAfter = threadCpu(ddbLocal.pid);
      const n = r.requests;
      const threads = Object.entries(after).map(([tid, a]) => ({
        tid: Number(tid),
        kind: Number(tid) === runner.child.pid ? MAIN_THREAD : OTHER_THREADS,
        cpuMs: a.cpuMs - (before[tid]?.cpuMs ?? 0),
      })).filter((t) => t.cpuMs > 0).sort((a, b) => b.cpuMs - a.cpuMs);
      const byKind = {};
      for (const t of threads) byKind[t.kind] = (byKind[t.kind] ?? 0) + t.cpuMs;
      const ddbMs = Object.entries(ddbAfter).reduce((a, [tid, x]) => a + x.cpuMs - (ddbBefore[tid]?.cpuMs ?? 0), 0);
      Object.assign(target, {
        requests: n, rps: r.rps, statuses: r.statuses, generatorCpuMsPerRequest: r.generatorCpuMs / n, ddbCpuMsPerRequest: ddbMs / n,
        runnerCpuMsPerRequest: threads.reduce((a, t) => a + t.cpuMs, 0) / n,
        cpuMsPerRequestByKind: Object.fromEntries(Object.entries(byKind).map(([k, v]) => [k, v / n])), threads,
      });
      printTable(`Local runner (${label}) without profiler, ${seconds} s of the load mix at ${r.rps.toFixed(0)} req/s (${n} requests): CPU per request`, ['who', 'ms/request'], [
        ...Object.entries(byKind).map(([k, v]) => [k, (v / n).toFixed(3)]),
        ['runner total', (threads.reduce((a, t) => a + t.cpuMs, 0) / n).toFixed(3)],
        ['load generator (autocannon)', (r.generatorCpuMs / n).toFixed(3)],
        ['DynamoDB Local (java)', (ddbMs / n).toFixed(3)],
      ]);
    };
    // An unmeasured pass first: DynamoDB Local's JIT needs a while before its CPU per request settles.
    await serve(assembly, []);
    // ABBA, so that neither side always meets a colder DynamoDB Local or a busier machine.
    const passes = { perOperation: [], single: [] };
    for (const [key, asm, label] of [
      ['perOperation', assembly, 'per-operation functions, 1st'], ['single', single.assembly, 'HandlerMode.SINGLE: one function host, 1st'],
      ['single', single.assembly, 'HandlerMode.SINGLE: one function host, 2nd'], ['perOperation', assembly, 'per-operation functions, 2nd'],
    ]) {
      const target = {};
      await serve(asm, [], measure(target, label));
      passes[key].push(target);
    }
    result.perOperation = passes.perOperation;
    result.single = passes.single;
    const mean = (list, f) => list.reduce((a, x) => a + f(x), 0) / list.length;
    printTable('Per-operation functions vs SINGLE (mean of the two passes each)', ['', 'req/s', 'runner CPU ms/req', 'main thread', 'other threads'],
      Object.entries(passes).map(([k, list]) => [k, mean(list, (x) => x.rps).toFixed(0), mean(list, (x) => x.runnerCpuMsPerRequest).toFixed(3),
        ...[MAIN_THREAD, OTHER_THREADS]
          .map((kind) => mean(list, (x) => x.cpuMsPerRequestByKind[kind] ?? 0).toFixed(3))]));
    // Pass 2, under --cpu-prof (much slower): where each thread's time goes.
    await serve(profiledAssembly, ['--cpu-prof', `--cpu-prof-dir=${profDir}`]);
  } finally {
    ddb.destroy();
    await ddbLocal.stop();
  }
  // Thread 0 is the main thread; the others are workers of custom-code functions (none in this assembly).
  const files = readdirSync(profDir).filter((f) => f.endsWith('.cpuprofile'));
  const main = files.filter((f) => /\.\d+\.0\.\d+\.cpuprofile$/.test(f));
  const workers = files.filter((f) => !main.includes(f));
  const read = (f) => selfTimeByGroup(JSON.parse(readFileSync(join(profDir, f), 'utf8')));
  const sumGroups = (ss) => { const g = {}; for (const s of ss) for (const [k, v] of Object.entries(s.groups)) g[k] = (g[k] ?? 0) + v; return Object.fromEntries(Object.entries(g).sort((a, b) => b[1] - a[1]).map(([k, v]) => [k, Number(v.toFixed(1))])); };
  result.profiles = { main: sumGroups(main.map(read)), workers: sumGroups(workers.map(read)) };
  printTable('Profiled pass: main thread self time by module (whole run, start-up included)', ['group', 'ms'], Object.entries(result.profiles.main).slice(0, 30));
  if (workers.length) printTable('Profiled pass: worker threads self time by module, summed (whole run, start-up included)', ['group', 'ms'], Object.entries(result.profiles.workers).slice(0, 22));
  return result;
}

async function synthDiag(runs) {
  const prep = await prepareSynth(ROOT, OUT);
  const result = {};
  const apps = { ours: 'crud-apis', hand: 'hand-written' };
  for (const mode of ['ts-node', 'compiled']) {
    for (const [variant, app] of Object.entries(apps)) {
      const profDir = join(dir, `${mode}-${variant}`);
      rmSync(profDir, { recursive: true, force: true });
      for (let i = 0; i < runs; i++) {
        const outdir = join(dir, 'cdk.out');
        rmSync(outdir, { recursive: true, force: true });
        const args = mode === 'ts-node' ? ['-r', 'ts-node/register/transpile-only', `bench/synth/${app}.ts`] : [appBundle(prep.jsDir, app)];
        await new Promise((resolve, reject) => {
          const c = spawn(process.execPath, ['--cpu-prof', `--cpu-prof-dir=${profDir}`, ...args], {
            cwd: ROOT, stdio: 'inherit',
            env: { ...process.env, CDK_OUTDIR: outdir, BENCH_APIS: '1', BENCH_HANDLER_DIR: prep.handlerDir, JSII_DEPRECATED: 'quiet',
              CDK_CONTEXT_JSON: JSON.stringify({ 'aws:cdk:enable-asset-metadata': true, 'aws:cdk:enable-path-metadata': true }) },
          });
          c.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${app} exited ${code}`))));
        });
      }
      const groupOf = (cf) => {
        const m = /node_modules\/(aws-cdk-lib)\/([^/]+)/.exec(cf.url) ?? /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(cf.url);
        if (m) return m[2] && m[2] !== 'core' ? `${m[1]}/${m[2]}` : m[1] === 'aws-cdk-lib' ? 'aws-cdk-lib/core' : m[1];
        if (/\/src\//.test(cf.url)) return 'src (our construct)';
        if (/bench\//.test(cf.url)) return 'bench app';
        return undefined;
      };
      const summaries = profilesIn(profDir).map((p) => selfTimeByGroup(p, { groupOf }));
      result[`${mode}/${variant}`] = { meanBusyMs: summaries.reduce((a, s) => a + s.busyMs, 0) / summaries.length, groups: meanGroups(summaries) };
    }
    groupTable(`Synth of 1 API (${mode}), self time by module, mean of ${runs}, ours vs hand-written (sorted by difference)`,
      [['ours', result[`${mode}/ours`].groups], ['hand', result[`${mode}/hand`].groups]], 14);
    console.log(`busy: ours ${result[`${mode}/ours`].meanBusyMs.toFixed(0)} ms, hand-written ${result[`${mode}/hand`].meanBusyMs.toFixed(0)} ms`);
  }
  rmSync(join(dir, 'cdk.out'), { recursive: true, force: true });
  return result;
}

/** What the lazily required JSON Schema validator (ajv, ajv-formats, fast-uri) costs an API without a schema. */
async function ajv(runs) {
  const built = await buildAll(ROOT, OUT);
  const without = join(dir, 'ours-without-ajv');
  mkdirSync(without, { recursive: true });
  // Left external, ajv is never loaded by an API without a schema (validation.ts requires it on first use only).
  const result = await build({
    ...HANDLER_BUILD_OPTIONS, absWorkingDir: ROOT, entryPoints: [VARIANTS.ours.entry], outfile: join(without, 'index.js'),
    external: ['ajv', 'ajv/*', 'ajv-formats'],
  });
  writeFileSync(join(without, 'crud-config.json'), JSON.stringify(DEFAULT_CONFIG));
  const dirs = { ours: built.bundles.ours.dir, 'ours without ajv': without, floor: built.bundles.floor.dir };
  const ddbLocal = await startDdb(built.libDir);
  const ddb = client(ddbLocal.endpoint);
  const times = Object.fromEntries(Object.keys(dirs).map((n) => [n, []]));
  try {
    await prepareCold(ddb);
    const { apiEvent } = (await import('node:module')).createRequire(import.meta.url)(join(built.libDir, 'events.cjs'));
    const event = apiEvent('GET', '/items/cold-item');
    const names = Object.keys(dirs);
    for (let i = 0; i < runs; i++) {
      for (let k = 0; k < names.length; k++) {
        const n = names[(k + i) % names.length];
        const r = coldStart(dirs[n], ddbLocal.endpoint, event);
        if (r.error) throw new Error(`${n}: ${r.error}`);
        times[n].push(r);
      }
    }
  } finally {
    ddb.destroy();
    await ddbLocal.stop();
  }
  const { summary } = await import('./lib/stats.mjs');
  const sizes = { ours: built.bundles.ours.rawBytes, 'ours without ajv': readFileSync(join(without, 'index.js')).length, floor: built.bundles.floor.rawBytes };
  const out = Object.fromEntries(Object.entries(times).map(([n, t]) => [n, {
    rawBytes: sizes[n], total: summary(t.map((x) => x.total)), load: summary(t.map((x) => x.load)), invoke: summary(t.map((x) => x.invoke)),
  }]));
  printTable(`Cold start, ${runs} runs each, interleaved: the bundle with and without ajv (ms)`, ['bundle', 'raw KiB', 'p50', 'p10', 'p90', 'load p50', '1st call p50'],
    Object.entries(out).map(([n, v]) => [n, (v.rawBytes / 1024).toFixed(1), v.total.p50.toFixed(1), v.total.p10.toFixed(1), v.total.p90.toFixed(1), v.load.p50.toFixed(1), v.invoke.p50.toFixed(1)]));
  return { runs, metafileInputs: Object.keys(result.metafile.inputs).length, variants: out };
}

const commands = { cold: () => cold(Number(arg ?? 10)), runner: () => runner(Number(arg ?? 15)), synth: () => synthDiag(Number(arg ?? 3)), ajv: () => ajv(Number(arg ?? 30)) };
if (!commands[command]) {
  console.error('usage: node bench/diagnose.mjs cold [runs] | runner [seconds] | synth [runs] | ajv [runs]');
  process.exit(2);
}
mkdirSync(dir, { recursive: true });
rmSync(join(dir, 'profiles'), { recursive: true, force: true });
const result = await commands[command]();
const file = join(ROOT, 'bench', 'results', `diagnose-${command}.json`);
writeFileSync(file, JSON.stringify({ date: new Date().toISOString(), command, arg: arg ?? null, ...result }, null, 2) + '\n');
log(`\nwrote ${file.slice(ROOT.length + 1)}`);
