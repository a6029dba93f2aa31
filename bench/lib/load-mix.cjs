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

module.exports = { MIX, picker, tally };
