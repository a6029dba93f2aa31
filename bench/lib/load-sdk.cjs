'use strict';
// The same mixed workload as load-http.cjs, driven straight at DynamoDB Local through the SDK (the bare commands of
// bench/references/bare-sdk.ts): `connections` concurrent closed loops. Input: JSON in argv[2]. Output: `@@BENCH`.
const { picker, tally } = require('./load-mix.cjs');

const o = JSON.parse(process.argv[2]);
const bare = require(o.bareSdk);
const p = picker(o.seed, o.poolSize);
let created = 0;
const ackedCreates = [];
const ackedUpdates = {};

async function once(op) {
  switch (op) {
    case 'read': {
      const out = await bare.getItem(o.table, p.id());
      if (!out.Item) throw new Error('GetItem: no item');
      return;
    }
    case 'list': await bare.scanPage(o.table, 25); return;
    case 'create': {
      const at = new Date().toISOString();
      const id = `${o.prefix}-${process.pid}-${++created}`;
      await bare.putItem(o.table, {
        id: { S: id }, title: { S: p.title() }, done: { BOOL: false }, version: { N: '1' }, createdAt: { S: at }, updatedAt: { S: at },
      });
      ackedCreates.push(id);
      return;
    }
    default: {
      const id = p.id();
      await bare.updateItem(o.table, id, p.title(), new Date().toISOString());
      ackedUpdates[id] = (ackedUpdates[id] ?? 0) + 1;
    }
  }
}

async function run(durationS, record) {
  const counts = tally();
  const latencies = [];
  const errors = [];
  const start = process.hrtime.bigint();
  const end = start + BigInt(Math.round(durationS * 1e9));
  let requests = 0;
  const loop = async () => {
    while (process.hrtime.bigint() < end) {
      const op = p.op();
      const t0 = process.hrtime.bigint();
      try {
        await once(op);
        counts[op].ok++;
      } catch (e) {
        counts[op].failed++;
        if (errors.length < 20) errors.push(`${op}: ${e.name}: ${e.message}`);
      }
      if (record) latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
      requests++;
    }
  };
  await Promise.all(Array.from({ length: o.connections }, loop));
  const elapsed = Number(process.hrtime.bigint() - start) / 1e9;
  return { requests, elapsed, counts, latencies, errors };
}

(async () => {
  const warm = await run(o.warmupS, false);
  const main = await run(o.durationS, true);
  process.stdout.write(`@@BENCH ${JSON.stringify({
    warmup: { requests: warm.requests, counts: warm.counts, errors: warm.errors },
    inFlightAtEnd: 0, // every loop awaits its last call
    ackedCreates,
    ackedUpdates,
    requests: main.requests,
    durationS: main.elapsed,
    rps: main.requests / main.elapsed,
    latencies: main.latencies.map((x) => Math.round(x * 1000) / 1000),
    counts: main.counts,
    errors: main.errors.length ? main.errors : 0,
    failed: Object.values(main.counts).reduce((a, c) => a + c.failed, 0),
  })}\n`, () => process.exit(0)); // exit once written: the SDK's keep-alive sockets would hold the process open
})().catch((e) => { process.stdout.write(`@@BENCH ${JSON.stringify({ fatal: String(e.stack || e) })}\n`); process.exit(1); });
