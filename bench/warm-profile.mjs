#!/usr/bin/env node
// Where the warm gap goes, measured on the same SDK copy (#22): the calibrated warm worker runs ONE side only (ours,
// then bare) under --cpu-prof, each for the same number of calls of the same operation, on one bundle with a source
// map; every sampled frame is attributed to its source (our src/ file, an SDK package, node's internals, GC) and the
// two sides are compared in CPU µs per call.
//
//   node bench/warm-profile.mjs [--ops=read,list] [--iterations=3000] [--node=<node binary>] [--cache-middleware=false] [--top=12]
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { client, startDdb } from './lib/ddb.mjs';
import { printTable } from './lib/stats.mjs';
import { runWarmCalibrated } from './lib/warm-calibrated.mjs';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const OUT = join(ROOT, 'bench', '.out');
const arg = (name, fallback) => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback;
const ops = arg('ops', 'read,list,create').split(',');
const iterations = Number(arg('iterations', '3000'));
const warmup = Number(arg('warmup', '300'));
const top = Number(arg('top', '12'));

/** Self time (µs) per source category and per function, from one .cpuprofile. */
function attribute(profileFile, bundleFile) {
  const profile = JSON.parse(readFileSync(profileFile, 'utf8'));
  const map = new SourceMap(JSON.parse(readFileSync(`${bundleFile}.map`, 'utf8')));
  const self = new Map();
  profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const byCategory = {};
  const byFunction = {};
  for (const node of profile.nodes) {
    const t = self.get(node.id) ?? 0;
    if (!t) continue;
    const { url, functionName, lineNumber, columnNumber } = node.callFrame;
    let category;
    let fn = functionName || '(anonymous)';
    if (!url) category = functionName.startsWith('(') ? functionName : 'native';
    else if (url.endsWith(bundleFile) || url.endsWith('warm-calibrated/index.js')) {
      const entry = map.findEntry(lineNumber, columnNumber);
      const src = entry?.originalSource ?? 'bundle (unmapped)';
      const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(src);
      category = pkg ? pkg[1] : src.replace(/^.*?(src|bench|test)\//, '$1/');
      fn = `${entry?.name ?? fn} (${category}:${(entry?.originalLine ?? 0) + 1})`;
    } else if (url.startsWith('node:')) category = 'node internals';
    else category = url.replace(/^.*\//, '');
    byCategory[category] = (byCategory[category] ?? 0) + t;
    byFunction[fn] = (byFunction[fn] ?? 0) + t;
  }
  return { byCategory, byFunction };
}

const libDir = join(OUT, 'lib');
await build({ absWorkingDir: ROOT, entryPoints: ['src/local/dynamodb-local.ts'], outfile: join(libDir, 'dynamodb-local.cjs'), bundle: true, platform: 'node', target: 'node20', format: 'cjs', logLevel: 'error' });
await build({ absWorkingDir: ROOT, entryPoints: ['test/handler/support/events.ts'], outfile: join(libDir, 'events.cjs'), bundle: true, platform: 'node', target: 'node20', format: 'cjs', logLevel: 'error' });
const ddbLocal = await startDdb(libDir);
const ddb = client(ddbLocal.endpoint);
const bundleFile = join(OUT, 'bundles', 'warm-calibrated', 'index.js');
try {
  for (const op of ops) {
    const sides = {};
    for (const side of ['ours', 'bare']) {
      const dir = join(OUT, 'profiles', `${op.replace(/ /g, '-')}-${side}`);
      rmSync(dir, { recursive: true, force: true });
      mkdirSync(dir, { recursive: true });
      const w = await runWarmCalibrated({
        ddb, endpoint: ddbLocal.endpoint, root: ROOT, outDir: OUT, libDir, iterations, warmup, node: arg('node', process.execPath),
        cacheMiddleware: process.argv.includes('--cache-middleware=false') ? false : undefined, ops: [op], only: side, sourcemap: true,
        execArgv: ['--cpu-prof', `--cpu-prof-dir=${dir}`, '--enable-source-maps'],
      });
      const file = join(dir, readdirSync(dir).find((f) => f.endsWith('.cpuprofile')));
      sides[side] = { ...attribute(file, bundleFile), calls: iterations + warmup, p50: w.ops[op][side].p50 };
    }
    const perCall = (side, m, k) => (sides[side][m][k] ?? 0) / sides[side].calls;
    const cats = [...new Set([...Object.keys(sides.ours.byCategory), ...Object.keys(sides.bare.byCategory)])].filter((c) => c !== '(idle)');
    const total = (side) => cats.reduce((n, c) => n + perCall(side, 'byCategory', c), 0);
    const rows = cats.map((c) => [c, perCall('ours', 'byCategory', c).toFixed(1), perCall('bare', 'byCategory', c).toFixed(1), (perCall('ours', 'byCategory', c) - perCall('bare', 'byCategory', c)).toFixed(1)])
      .sort((a, b) => Math.abs(Number(b[3])) - Math.abs(Number(a[3]))).slice(0, top);
    printTable(`${op}: CPU µs per call by source, same SDK copy (ours p50 ${sides.ours.p50.toFixed(3)} ms, bare p50 ${sides.bare.p50.toFixed(3)} ms; ` +
      `CPU per call ours ${total('ours').toFixed(0)} µs, bare ${total('bare').toFixed(0)} µs, idle excluded)`, ['source', 'ours', 'bare', 'ours − bare'], rows);
    const fns = [...new Set([...Object.keys(sides.ours.byFunction), ...Object.keys(sides.bare.byFunction)])]
      .map((f) => [f, perCall('ours', 'byFunction', f), perCall('bare', 'byFunction', f)]).filter(([f]) => f !== '(idle)')
      .sort((a, b) => Math.abs(b[1] - b[2]) - Math.abs(a[1] - a[2])).slice(0, top);
    printTable(`${op}: functions with the largest difference, CPU µs per call`, ['function (source:line)', 'ours', 'bare', 'ours − bare'],
      fns.map(([f, a, b]) => [f.slice(0, 110), a.toFixed(1), b.toFixed(1), (a - b).toFixed(1)]));
  }
} finally {
  ddb.destroy();
  await ddbLocal.stop();
}
