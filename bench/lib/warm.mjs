// Warm latency: runs lib/warm-worker.cjs in a child process (its stdout, where the handler logs, is discarded).
import { fork } from 'node:child_process';
import { join } from 'node:path';
import { awsEnv, createIdempotencyTable, createItemsTable, handlerLikeItem, seed } from './ddb.mjs';
import { ratio, summary } from './stats.mjs';

const WORKER = new URL('./warm-worker.cjs', import.meta.url).pathname;
const TABLE = 'bench-warm';
const POOL = 1000;
const OWNER_TABLE = 'bench-warm-owned';
/** The owner of the owner-mode rows (the worker sends it as the JWT `sub`). */
const OWNER = 'tenant-a|user-1';

export async function runWarm({ ddb, endpoint, bundles, ownerDir, bareSdk, libDir, iterations, warmup }) {
  await createItemsTable(ddb, TABLE);
  await createIdempotencyTable(ddb, `${TABLE}-idempotency`);
  await seed(ddb, TABLE, Array.from({ length: POOL }, (_, i) => handlerLikeItem(`warm-${i}`, `item ${i}`)));
  // Owner mode: the table keyed by (owner, id); the owner has the same pool, another tenant as many items again.
  await createItemsTable(ddb, OWNER_TABLE, true);
  await createIdempotencyTable(ddb, `${OWNER_TABLE}-idempotency`);
  await seed(ddb, OWNER_TABLE, Array.from({ length: POOL }, (_, i) => handlerLikeItem(`warm-${i}`, `item ${i}`, OWNER)));
  await seed(ddb, OWNER_TABLE, Array.from({ length: POOL }, (_, i) => handlerLikeItem(`warm-${i}`, `item ${i}`, 'tenant-b|user-2')));
  const input = {
    table: TABLE, idempotencyTable: `${TABLE}-idempotency`, oursDir: bundles.ours.dir, bareSdk, eventsLib: join(libDir, 'events.cjs'),
    ownerTable: OWNER_TABLE, ownerIdempotencyTable: `${OWNER_TABLE}-idempotency`, ownerDir,
    iterations, warmup, poolSize: POOL, seed: 42,
  };
  const child = fork(WORKER, [JSON.stringify(input)], {
    env: { PATH: process.env.PATH, ...awsEnv(endpoint), TZ: 'UTC' }, stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const message = await new Promise((resolve, reject) => {
    let got;
    child.on('message', (m) => { got = m; });
    child.on('error', reject);
    child.on('exit', (code) => (got ? resolve(got) : reject(new Error(`warm worker exited ${code} without a result`))));
  });
  const ops = {};
  for (const [op, s] of Object.entries(message.samples)) {
    const bare = summary(s.bare);
    if (!s.ours) {
      ops[op] = { bare, info: true };
      continue;
    }
    const ours = summary(s.ours);
    ops[op] = {
      ours, bare,
      ratioP50: ratio(ours.p50, bare.p50),
      ratioP99: ratio(ours.p99, bare.p99),
      overheadP50Ms: ours.p50 - bare.p50,
    };
  }
  // Our PATCH against the two round trips it makes, to separate design (one extra read) from per-request CPU.
  if (ops.update && ops['update (GetItem+UpdateItem)']) {
    const two = ops['update (GetItem+UpdateItem)'].bare;
    ops['update (GetItem+UpdateItem)'].ratioOursP50 = ratio(ops.update.ours.p50, two.p50);
    ops['update (GetItem+UpdateItem)'].ratioOursP99 = ratio(ops.update.ours.p99, two.p99);
  }
  return { iterations, warmup, table: `${POOL} seeded items`, ops, errors: message.errors };
}
