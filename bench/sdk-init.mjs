// Decides #2's question: bundle AWS SDK v3 into the handler asset, or leave it to the Lambda runtime?
// Builds the same probe handler twice (SDK bundled+minified vs @aws-sdk/* external, resolved from node_modules as
// the runtime would from /var/runtime/node_modules), then times module init in fresh node processes.
// Usage: node bench/sdk-init.mjs [runs=25]
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, statSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { readFileSync } from 'node:fs';

const runs = Number(process.argv[2] ?? 25);
const root = process.cwd();
const dir = mkdtempSync(join(root, 'node_modules', '.sdk-init-'));
const entry = join(dir, 'probe.ts');
writeFileSync(entry, `
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
const client = new DynamoDBClient({});
export const handler = async () => client.send(new GetItemCommand({ TableName: 't', Key: { id: { S: 'x' } } }));
`);

const variants = {
  bundled: { external: [] },
  external: { external: ['@aws-sdk/*'] },
};
const results = {};
const outfiles = {};
for (const [name, opts] of Object.entries(variants)) {
  const outdir = join(dir, name);
  mkdirSync(outdir);
  outfiles[name] = join(outdir, 'index.js');
  await build({ entryPoints: [entry], bundle: true, platform: 'node', target: 'node22', minify: true, outfile: outfiles[name], ...opts, logLevel: 'error' });
}
const timeInit = (outfile) => Number(String(execFileSync(process.execPath, ['-e', `
  const t0 = process.hrtime.bigint();
  require(${JSON.stringify(outfile)});
  console.log(Number(process.hrtime.bigint() - t0) / 1e6);
`], { stdio: ['ignore', 'pipe', 'ignore'], env: { ...process.env, NODE_NO_WARNINGS: '1', AWS_REGION: 'us-east-1' } })).trim());
// Interleaved, so that drift in machine load hits both variants alike.
const times = Object.fromEntries(Object.keys(variants).map((n) => [n, []]));
for (let i = 0; i < runs; i++) for (const name of Object.keys(variants)) times[name].push(timeInit(outfiles[name]));
for (const name of Object.keys(variants)) {
  const t = times[name].sort((a, b) => a - b);
  const q = (f) => t[Math.min(t.length - 1, Math.floor(t.length * f))].toFixed(1);
  results[name] = {
    runs,
    medianMs: q(0.5),
    p10Ms: q(0.1),
    p90Ms: q(0.9),
    bundleBytes: statSync(outfiles[name]).size,
    gzipBytes: gzipSync(readFileSync(outfiles[name])).length,
  };
}
console.table(results);
console.log(`ratio bundled/external (median init): ${(results.bundled.medianMs / results.external.medianMs).toFixed(2)}`);
