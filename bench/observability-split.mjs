#!/usr/bin/env node
// Tracing + EMF split (#23), warm, a second design beside section 2d's: five variants on one table, one SDK copy and
// one handler each (lib/ab-calibrated-worker.cjs) — off, on, trace only (daemon + sampled header, no metrics), EMF only
// (metrics, no daemon) and off again (A/A) — on GET and POST, in rotating order. Prints p50 and the ratio to off.
// Needs a bench run first (bench/.out: the warm-calibrated bundle and lib/).
//
//   node bench/observability-split.mjs [<node binary>] [<iterations>] [<variants, e.g. off,on,off2>]
import dgram from 'node:dgram';
import { join } from 'node:path';
import { client, createIdempotencyTable, createItemsTable, handlerLikeItem, seed, startDdb } from './lib/ddb.mjs';
import { runWorker } from './lib/harness/worker.mjs';
import { summary } from './lib/stats.mjs';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
const OUT = new URL('./.out/', import.meta.url).pathname;
const node = process.argv[2] ?? process.execPath;
const iterations = Number(process.argv[3] ?? 800);
const libDir = join(OUT, 'lib');
const ddbLocal = await startDdb(libDir);
const ddb = client(ddbLocal.endpoint);
const T = ['x-a'];
for (const t of T) { await createItemsTable(ddb, t); await createIdempotencyTable(ddb, `${t}-idempotency`); await seed(ddb, t, Array.from({ length: 1000 }, (_, i) => handlerLikeItem(`warm-${i}`, `item ${i}`))); }
const sock = dgram.createSocket('udp4'); let got = 0; sock.on('message', () => got++);
await new Promise((r) => sock.bind(0, '127.0.0.1', r));
const daemon = `127.0.0.1:${sock.address().port}`;
const CFG = { version: 4, resources: [{ name: 'items', idAttribute: 'id', operations: ['create', 'read', 'list', 'update', 'delete'], indexes: [], defaultPageSize: 25, maxPageSize: 100, idempotencyTtlSeconds: 86400 }] };
const MCFG = { ...CFG, metrics: { api: 'Bench/Todos' } };
const HDR = 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1';
const env = (t, extra = {}) => ({ CRUD_TABLES: t, CRUD_IDEMPOTENCY_TABLES: `${t}-idempotency`, ...extra });
const variants = [
  { name: 'off', config: CFG, env: env('x-a') },
  { name: 'on', config: MCFG, env: env('x-a', { AWS_XRAY_DAEMON_ADDRESS: daemon, _X_AMZN_TRACE_ID: HDR }) },
  { name: 'trace only', config: CFG, env: env('x-a', { AWS_XRAY_DAEMON_ADDRESS: daemon, _X_AMZN_TRACE_ID: HDR }) },
  { name: 'emf only', config: MCFG, env: env('x-a') },
  { name: 'off2', config: CFG, env: env('x-a') },
];
// [<variants>]: a comma-separated subset of the names above (e.g. off,on,off2), to compare designs.
const keep = process.argv[4]?.split(',');
if (keep) variants.splice(0, variants.length, ...variants.filter((v) => keep.includes(v.name)));
const input = { entry: join(OUT, 'bundles', 'warm-calibrated', 'index.js'), eventsLib: join(libDir, 'events.cjs'), iterations, warmup: 150, poolSize: 1000, seed: 5, ops: ['read', 'create'], variants };
const m = await runWorker(new URL('./lib/ab-calibrated-worker.cjs', import.meta.url).pathname, input, { name: 'observability-split', endpoint: ddbLocal.endpoint, node });
for (const [op, s] of Object.entries(m.samples)) {
  const base = summary(s.off).p50;
  console.log(op, Object.entries(s).map(([n, v]) => `${n} ${summary(v).p50.toFixed(3)} (${(summary(v).p50 / base).toFixed(3)})`).join(' | '));
}
console.log('errors', m.errors.slice(0, 3), 'datagrams', got);
ddb.destroy(); await ddbLocal.stop(); sock.close();
