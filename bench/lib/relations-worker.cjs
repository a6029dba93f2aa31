'use strict';
// Relations warm latency, in this one process: our bundled handler serving projects and their tasks (a nested
// resource with a `due` index) against the bare SDK commands of the same operation (bench/references/bare-relations.ts),
// interleaved pair by pair, as lib/warm-worker.cjs does for single resources. Handler log lines go to this process's
// stdout, which the parent discards. Input: JSON in argv[2]. Output: one IPC message with the samples.
const { randomUUID } = require('crypto');
const o = JSON.parse(process.argv[2]);
Object.assign(process.env, {
  CRUD_TABLES: `${o.projectsTable},${o.tasksTable}`, CRUD_CURSOR_SECRET: 'bench-cursor-key-0123456789abcdef0123456789abcdef',
});
const ours = require(`${o.oursDir}/index.js`).handler;
const bare = require(o.bareRelations);
const { apiEvent } = require(o.eventsLib);

const now = () => process.hrtime.bigint();
const ms = (t0) => Number(process.hrtime.bigint() - t0) / 1e6;
const context = { awsRequestId: 'relations', getRemainingTimeInMillis: () => 10_000 };
const routeKeys = o.routeKeys;
const partition = { name: '_parent', value: o.parentPartition };

/** Each operation: how to build our event, what status means success, and the bare SDK call. */
const OPS = {
  'children list': {
    event: () => apiEvent('GET', `/projects/${o.parentId}/tasks`, { query: { limit: o.pageSize }, routeKeys }), status: 200,
    bare: async () => {
      const out = await bare.queryPartition(o.tasksTable, undefined, partition, o.pageSize);
      if ((out.Items ?? []).length !== o.pageSize) throw new Error('Query: short page');
    },
  },
  'range list': {
    event: () => apiEvent('GET', `/projects/${o.parentId}/tasks`, { query: `due=gte.${o.range.low}&due=lte.${o.range.high}&limit=${o.pageSize}`, routeKeys }),
    status: 200,
    bare: async () => {
      const out = await bare.queryPartition(o.tasksTable, 'byDue', partition, o.pageSize, { name: 'due', low: o.range.low, high: o.range.high });
      if ((out.Items ?? []).length !== o.pageSize) throw new Error('Query: short page');
    },
  },
  'nested create': {
    event: () => apiEvent('POST', `/projects/${o.parentId}/tasks`, { json: { title: 'warm create', due: '2025-06-01' }, routeKeys }), status: 201,
    bare: async () => {
      const at = new Date().toISOString();
      await bare.createUnderParent(o.projectsTable, { id: { S: o.parentId } }, o.tasksTable, {
        _parent: { S: o.parentPartition }, id: { S: randomUUID() }, projectId: { S: o.parentId }, title: { S: 'warm create' }, due: { S: '2025-06-01' },
        version: { N: '1' }, createdAt: { S: at }, updatedAt: { S: at }, _generation: { S: 'benchGen000' },
      });
    },
  },
};
// Not a target, an explanation: a whole page of the 1,000 children, where per-item work (presenting, JSON) dominates.
const INFO = {
  'children list, limit 1000': {
    event: () => apiEvent('GET', `/projects/${o.parentId}/tasks`, { query: { limit: 1000 }, routeKeys }), status: 200,
    bare: async () => {
      const out = await bare.queryPartition(o.tasksTable, undefined, partition, 1000);
      if ((out.Items ?? []).length !== 1000) throw new Error('Query: short page');
    },
  },
};

async function main() {
  const all = { ...OPS, ...INFO };
  const samples = {};
  for (const op of Object.keys(all)) samples[op] = { ours: [], bare: [] };
  const errors = [];
  const names = Object.keys(all);
  for (let i = -o.warmup; i < o.iterations; i++) {
    const record = i >= 0;
    for (let k = 0; k < names.length; k++) {
      const op = names[(k + (i & 0xffff)) % names.length];
      // The 1,000-item page is slow: a tenth as many samples.
      if (INFO[op] && i % 10 !== 0) continue;
      const spec = all[op];
      const runOurs = async () => {
        const event = spec.event(); // built before the clock starts: API Gateway builds it, not the handler
        const t0 = now();
        const res = await ours(event, context);
        const d = ms(t0);
        if (res.statusCode !== spec.status) errors.push(`${op}: ours answered ${res.statusCode} ${String(res.body).slice(0, 200)}`);
        if (record) samples[op].ours.push(d);
      };
      const runBare = async () => {
        const t0 = now();
        try {
          await spec.bare();
        } catch (e) {
          errors.push(`${op}: bare SDK ${e.name}: ${e.message}`);
        }
        if (record) samples[op].bare.push(ms(t0));
      };
      if (i % 2 === 0) { await runOurs(); await runBare(); } else { await runBare(); await runOurs(); }
      if (errors.length > 20) break;
    }
    if (errors.length > 20) break;
  }
  process.send({ samples, info: Object.keys(INFO), errors }, () => process.exit(0));
}
main().catch((e) => { process.send({ samples: {}, info: [], errors: [String(e.stack || e)] }, () => process.exit(1)); });
