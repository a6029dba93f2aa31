#!/usr/bin/env node
// The calibrated warm benchmark on its own (bench/lib/warm-calibrated.mjs), for re-measuring and profiling:
//
//   node bench/warm.mjs [--iterations=2000] [--warmup=200] [--node=<path to a node binary>] [--cache-middleware=true|false]
//                       [--ops=read,list] [--cpu-prof=<dir>] [--out=<file.json>]
//                       [--cache-ab --cache-middleware=false] (both sides also on a client with cacheMiddleware: true, same run)
//                       [--explain] (two more variants that split the gap: our exact request sent bare; ours without its log line)
//
// Starts its own DynamoDB Local. Prints the A/A rows and the ratios; exits non-zero only on errors (a failed request),
// never on a missed target or an A/A out of tolerance (the output says so).
import { writeFileSync } from 'node:fs';
// The SDK's notice about Node 20's end of support would only clutter the output.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { client, startDdb } from './lib/ddb.mjs';
import { printWarmCalibrated, runWarmCalibrated } from './lib/warm-calibrated.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const OUT = join(ROOT, 'bench', '.out');
const arg = (name, fallback) => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback;

const libDir = join(OUT, 'lib');
await build({ absWorkingDir: ROOT, entryPoints: ['src/local/dynamodb-local.ts'], outfile: join(libDir, 'dynamodb-local.cjs'), bundle: true, platform: 'node', target: 'node20', format: 'cjs', logLevel: 'error' });
await build({ absWorkingDir: ROOT, entryPoints: ['test/handler/support/events.ts'], outfile: join(libDir, 'events.cjs'), bundle: true, platform: 'node', target: 'node20', format: 'cjs', logLevel: 'error' });
const ddbLocal = await startDdb(libDir);
const ddb = client(ddbLocal.endpoint);
let failed = false;
try {
  const cpuProf = arg('cpu-prof');
  const w = await runWarmCalibrated({
    ddb, endpoint: ddbLocal.endpoint, root: ROOT, outDir: OUT, libDir,
    iterations: Number(arg('iterations', '2000')), warmup: Number(arg('warmup', '200')),
    node: arg('node', process.execPath), cacheMiddleware: arg('cache-middleware') === undefined ? undefined : arg('cache-middleware') === 'true',
    ops: arg('ops')?.split(','), explain: process.argv.includes('--explain'), cacheAB: process.argv.includes('--cache-ab'),
    execArgv: cpuProf ? ['--cpu-prof', `--cpu-prof-dir=${cpuProf}`] : [],
  });
  printWarmCalibrated(w);
  const out = arg('out');
  if (out) writeFileSync(out, JSON.stringify(w, null, 2) + '\n');
  if (w.errors.length) {
    console.error(w.errors.join('\n'));
    failed = true;
  }
} finally {
  ddb.destroy();
  await ddbLocal.stop();
}
process.exit(failed ? 1 : 0);
