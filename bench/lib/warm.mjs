// Warm latency: runs lib/warm-worker.cjs in a child process (lib/harness/worker.mjs: its stdout, where the handler logs, is discarded).
import { join } from 'node:path';
import { createWarmTables } from './harness/warm-tables.mjs';
import { runWorker, summariseOps } from './harness/worker.mjs';
import { ratio } from './stats.mjs';

const WORKER = new URL('./warm-worker.cjs', import.meta.url).pathname;
const TABLE = 'bench-warm';
const POOL = 1000;
const OWNER_TABLE = 'bench-warm-owned';

export async function runWarm({ ddb, endpoint, bundles, ownerDir, bareSdk, libDir, iterations, warmup }) {
  await createWarmTables(ddb, { table: TABLE, ownedTable: OWNER_TABLE, pool: POOL });
  const input = {
    table: TABLE, idempotencyTable: `${TABLE}-idempotency`, oursDir: bundles.ours.dir, bareSdk, eventsLib: join(libDir, 'events.cjs'),
    ownerTable: OWNER_TABLE, ownerIdempotencyTable: `${OWNER_TABLE}-idempotency`, ownerDir,
    iterations, warmup, poolSize: POOL, seed: 42,
  };
  const message = await runWorker(WORKER, input, { name: 'warm', endpoint });
  const ops = summariseOps(message.samples, ({ ours, bare }) => (!ours ? { bare, info: true } : {
    ours, bare,
    ratioP50: ratio(ours.p50, bare.p50),
    ratioP99: ratio(ours.p99, bare.p99),
    overheadP50Ms: ours.p50 - bare.p50,
  }));
  // Our PATCH against the two round trips it makes, to separate design (one extra read) from per-request CPU.
  if (ops.update && ops['update (GetItem+UpdateItem)']) {
    const two = ops['update (GetItem+UpdateItem)'].bare;
    ops['update (GetItem+UpdateItem)'].ratioOursP50 = ratio(ops.update.ours.p50, two.p50);
    ops['update (GetItem+UpdateItem)'].ratioOursP99 = ratio(ops.update.ours.p99, two.p99);
  }
  return { iterations, warmup, table: `${POOL} seeded items`, ops, errors: message.errors };
}
