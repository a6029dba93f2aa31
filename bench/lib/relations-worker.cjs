'use strict';
// Relations warm latency, in this one process: our bundled handler serving projects and their tasks (a nested
// resource with a `due` index) against the bare SDK commands of the same operation (bench/references/bare-relations.ts),
// interleaved pair by pair, as lib/warm-worker.cjs does for single resources. Handler log lines go to this process's
// stdout, which the parent discards. Input: JSON in argv[2]. Output: one IPC message with the samples.
const { randomUUID } = require('crypto');
const { CURSOR_SECRET, interleave, lambdaContext, reply, timeBare, timeInvoke } = require('./harness/interleave.cjs');
const o = JSON.parse(process.argv[2]);
Object.assign(process.env, { CRUD_TABLES: `${o.projectsTable},${o.tasksTable}`, CRUD_CURSOR_SECRET: CURSOR_SECRET });
const ours = require(`${o.oursDir}/index.js`).handler;
const bare = require(o.bareRelations);
const { apiEvent } = require(o.eventsLib);

const context = lambdaContext('relations');
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
  const errors = [];
  const samples = await interleave({
    ops: Object.keys(all), variants: ['ours', 'bare'], warmup: o.warmup, iterations: o.iterations, errors,
    // Alternate who goes first, so neither always runs right after the other's DynamoDB write.
    orders: [['ours', 'bare'], ['bare', 'ours']], opTurn: (i) => i & 0xffff,
    measure: async (variant, op, _shared, i) => {
      // The 1,000-item page is slow: a tenth as many samples.
      if (INFO[op] && i % 10 !== 0) return undefined;
      const spec = all[op];
      if (variant === 'bare') return timeBare(spec.bare, (e) => errors.push(`${op}: bare SDK ${e.name}: ${e.message}`));
      const event = spec.event(); // built before the clock starts: API Gateway builds it, not the handler
      const { ms: d, response: res } = await timeInvoke(ours, event, context);
      if (res.statusCode !== spec.status) errors.push(`${op}: ours answered ${res.statusCode} ${String(res.body).slice(0, 200)}`);
      return d;
    },
  });
  return { samples, info: Object.keys(INFO), errors };
}
reply(main, { info: [] });
