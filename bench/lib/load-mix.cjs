'use strict';
// The mixed read/write workload both load generators draw from, so the local runner and the direct-SDK run do the
// same operations in the same proportions on the same seeded items.

/** Share of each operation. */
const MIX = [['read', 0.5], ['create', 0.2], ['update', 0.2], ['list', 0.1]];

/** Deterministic operation picker (LCG) seeded per connection/worker. */
function picker(seed, poolSize) {
  let s = seed >>> 0;
  const random = () => { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; return s / 4294967296; };
  return {
    op() {
      let x = random();
      for (const [name, share] of MIX) {
        if ((x -= share) < 0) return name;
      }
      return MIX[0][0];
    },
    id: () => `seed-${Math.floor(random() * poolSize)}`,
    title: () => `t${Math.floor(random() * 1e9)}`,
  };
}

/** A fresh tally: per operation, acknowledged (expected status) and failed. */
function tally() {
  return Object.fromEntries(MIX.map(([name]) => [name, { ok: 0, failed: 0 }]));
}

/**
 * Runs `connections` concurrent closed loops of `once(op)` for `durationS` seconds, the operation drawn from `pick`.
 * Latencies are kept only when `record` is set (warm-up runs count but do not record).
 */
async function closedLoops({ durationS, connections, pick, once, record }) {
  const counts = tally();
  const latencies = [];
  const errors = [];
  const start = process.hrtime.bigint();
  const end = start + BigInt(Math.round(durationS * 1e9));
  let requests = 0;
  const loop = async () => {
    while (process.hrtime.bigint() < end) {
      const op = pick.op();
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
  await Promise.all(Array.from({ length: connections }, loop));
  const elapsed = Number(process.hrtime.bigint() - start) / 1e9;
  return { requests, elapsed, counts, latencies, errors };
}

/**
 * A warm-up, then the measured run; prints the `@@BENCH {...}` line and exits once it is written (the SDK's
 * keep-alive sockets would hold the process open). Every loop awaits its last call, so nothing is in flight.
 */
async function measureAndReport(o, pick, once, acked) {
  const warm = await closedLoops({ durationS: o.warmupS, connections: o.connections, pick, once, record: false });
  const main = await closedLoops({ durationS: o.durationS, connections: o.connections, pick, once, record: true });
  process.stdout.write(`\n@@BENCH ${JSON.stringify({
    warmup: { requests: warm.requests, counts: warm.counts, errors: warm.errors },
    inFlightAtEnd: 0,
    ackedCreates: acked.creates,
    ackedUpdates: acked.updates,
    requests: main.requests,
    durationS: main.elapsed,
    rps: main.requests / main.elapsed,
    latencies: main.latencies.map((x) => Math.round(x * 1000) / 1000),
    counts: main.counts,
    errors: main.errors.length ? main.errors : 0,
    failed: Object.values(main.counts).reduce((a, c) => a + c.failed, 0),
  })}\n`, () => process.exit(0));
}

module.exports = { MIX, picker, tally, closedLoops, measureAndReport };
