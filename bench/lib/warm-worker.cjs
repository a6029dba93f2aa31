'use strict';
// Warm latency, in this one process: our bundled handler (invoked with payload-2.0 events) against the bare SDK
// commands for the same operation (bench/references/bare-sdk.ts, bundled alike), interleaved pair by pair.
// Handler log lines go to this process's stdout, which the parent discards (Lambda would ship them to CloudWatch).
// Input: JSON in argv[2]. Output: one IPC message with the samples.
const { randomUUID } = require('crypto');
const { CURSOR_SECRET, interleave, lambdaContext, reply, seededRandom, timeBare, timeInvoke } = require('./harness/interleave.cjs');
const o = JSON.parse(process.argv[2]);
Object.assign(process.env, { CRUD_TABLES: o.table, CRUD_IDEMPOTENCY_TABLES: o.idempotencyTable, CRUD_CURSOR_SECRET: CURSOR_SECRET });
const ours = require(`${o.oursDir}/index.js`).handler;
// The owner-scoped API: the same bundle in another folder (its own module, config and environment) on an owner-keyed table.
Object.assign(process.env, { CRUD_TABLES: o.ownerTable, CRUD_IDEMPOTENCY_TABLES: o.ownerIdempotencyTable });
const owned = require(`${o.ownerDir}/index.js`).handler;
const OWNER = 'tenant-a|user-1';
const bare = require(o.bareSdk);
const { apiEvent } = require(o.eventsLib);

const random = seededRandom(o.seed);
const pickId = () => `warm-${Math.floor(random() * o.poolSize)}`;
const context = lambdaContext('warm');

/** Each operation: how to build our event, what status means success, and the bare SDK call(s). */
const OPS = {
  read: {
    event: () => apiEvent('GET', `/items/${pickId()}`), status: 200,
    bare: async () => { const out = await bare.getItem(o.table, pickId()); if (!out.Item) throw new Error('GetItem: no item'); },
  },
  list: {
    event: () => apiEvent('GET', '/items', { query: { limit: 25 } }), status: 200,
    bare: async () => { const out = await bare.scanPage(o.table, 25); if ((out.Items ?? []).length !== 25) throw new Error('Scan: short page'); },
  },
  create: {
    event: () => apiEvent('POST', '/items', { json: { title: 'warm create', done: false } }), status: 201,
    bare: async () => {
      const at = new Date().toISOString();
      await bare.putItem(o.table, {
        id: { S: randomUUID() }, title: { S: 'warm create' }, done: { BOOL: false }, version: { N: '1' }, createdAt: { S: at }, updatedAt: { S: at },
      });
    },
  },
  'owner read': {
    handler: owned,
    event: () => apiEvent('GET', `/items/${pickId()}`, { sub: OWNER }), status: 200,
    bare: async () => { const out = await bare.getOwnedItem(o.ownerTable, OWNER, pickId()); if (!out.Item) throw new Error('GetItem: no item'); },
  },
  'owner list': {
    handler: owned,
    event: () => apiEvent('GET', '/items', { query: { limit: 25 }, sub: OWNER }), status: 200,
    bare: async () => { const out = await bare.queryOwner(o.ownerTable, OWNER, 25); if ((out.Items ?? []).length !== 25) throw new Error('Query: short page'); },
  },
  'owner create': {
    handler: owned,
    event: () => apiEvent('POST', '/items', { json: { title: 'warm create', done: false }, sub: OWNER }), status: 201,
    bare: async () => {
      const at = new Date().toISOString();
      await bare.putItem(o.ownerTable, {
        owner: { S: OWNER }, id: { S: randomUUID() }, title: { S: 'warm create' }, done: { BOOL: false }, version: { N: '1' },
        createdAt: { S: at }, updatedAt: { S: at }, _generation: { S: 'benchGen000' },
      });
    },
  },
  update: {
    event: () => apiEvent('PATCH', `/items/${pickId()}`, { json: { title: `t${random()}` }, contentType: 'application/merge-patch+json' }),
    status: 200,
    bare: async () => { await bare.updateItem(o.table, pickId(), `t${random()}`, new Date().toISOString()); },
  },
};
// Not a target, an explanation: the same two round trips our PATCH makes (read, then conditional update).
const EXTRA = {
  'update (GetItem+UpdateItem)': async () => {
    const id = pickId();
    await bare.getItem(o.table, id);
    await bare.updateItem(o.table, id, `t${random()}`, new Date().toISOString());
  },
};

async function main() {
  const errors = [];
  const extra = Object.fromEntries(Object.keys(EXTRA).map((name) => [name, { bare: [] }]));
  const samples = await interleave({
    ops: Object.keys(OPS), variants: ['ours', 'bare'], warmup: o.warmup, iterations: o.iterations, errors,
    // Alternate who goes first, so neither always runs right after the other's DynamoDB write.
    orders: [['ours', 'bare'], ['bare', 'ours']], opTurn: (i) => i & 0xffff,
    measure: async (variant, op) => {
      const spec = OPS[op];
      if (variant === 'bare') return timeBare(spec.bare, (e) => errors.push(`${op}: bare SDK ${e.name}: ${e.message}`));
      const event = spec.event(); // built before the clock starts: API Gateway builds it, not the handler
      const { ms: d, response: res } = await timeInvoke(spec.handler ?? ours, event, context);
      if (res.statusCode !== spec.status) errors.push(`${op}: ours answered ${res.statusCode} ${String(res.body).slice(0, 200)}`);
      return d;
    },
    afterIteration: async (i, record) => {
      for (const [name, fn] of Object.entries(EXTRA)) {
        const d = await timeBare(fn, (e) => errors.push(`${name}: ${e.name}: ${e.message}`));
        if (record) extra[name].bare.push(d);
      }
    },
  });
  return { samples: { ...samples, ...extra }, errors };
}
reply(main, {});
