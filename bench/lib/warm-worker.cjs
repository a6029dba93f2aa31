'use strict';
// Warm latency, in this one process: our bundled handler (invoked with payload-2.0 events) against the bare SDK
// commands for the same operation (bench/references/bare-sdk.ts, bundled alike), interleaved pair by pair.
// Handler log lines go to this process's stdout, which the parent discards (Lambda would ship them to CloudWatch).
// Input: JSON in argv[2]. Output: one IPC message with the samples.
const { randomUUID } = require('crypto');
const o = JSON.parse(process.argv[2]);
// A fixed cursor key (the runner and AWS use a secret per deployment): list functions refuse to start without one.
const CURSOR_SECRET = 'bench-cursor-key-0123456789abcdef0123456789abcdef';
Object.assign(process.env, { CRUD_TABLES: o.table, CRUD_IDEMPOTENCY_TABLES: o.idempotencyTable, CRUD_CURSOR_SECRET: CURSOR_SECRET });
const ours = require(`${o.oursDir}/index.js`).handler;
// The owner-scoped API: the same bundle in another folder (its own module, config and environment) on an owner-keyed table.
Object.assign(process.env, { CRUD_TABLES: o.ownerTable, CRUD_IDEMPOTENCY_TABLES: o.ownerIdempotencyTable });
const owned = require(`${o.ownerDir}/index.js`).handler;
const OWNER = 'tenant-a|user-1';
const bare = require(o.bareSdk);
const { apiEvent } = require(o.eventsLib);

const now = () => process.hrtime.bigint();
const ms = (t0) => Number(process.hrtime.bigint() - t0) / 1e6;
let rnd = o.seed >>> 0;
const random = () => { rnd = (Math.imul(rnd, 1664525) + 1013904223) >>> 0; return rnd / 4294967296; };
const pickId = () => `warm-${Math.floor(random() * o.poolSize)}`;
const context = { awsRequestId: 'warm', getRemainingTimeInMillis: () => 10_000 };

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
  const samples = {};
  for (const op of Object.keys(OPS)) samples[op] = { ours: [], bare: [] };
  for (const name of Object.keys(EXTRA)) samples[name] = { bare: [] };
  const errors = [];
  const opNames = Object.keys(OPS);
  for (let i = -o.warmup; i < o.iterations; i++) {
    const record = i >= 0;
    for (let k = 0; k < opNames.length; k++) {
      const op = opNames[(k + (i & 0xffff)) % opNames.length];
      const spec = OPS[op];
      const runOurs = async () => {
        const event = spec.event(); // built before the clock starts: API Gateway builds it, not the handler
        const t0 = now();
        const res = await (spec.handler ?? ours)(event, context);
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
      // Alternate who goes first, so neither always runs right after the other's DynamoDB write.
      if (i % 2 === 0) { await runOurs(); await runBare(); } else { await runBare(); await runOurs(); }
      if (errors.length > 20) break;
    }
    for (const [name, fn] of Object.entries(EXTRA)) {
      const t0 = now();
      try { await fn(); } catch (e) { errors.push(`${name}: ${e.name}: ${e.message}`); }
      if (record) samples[name].bare.push(ms(t0));
    }
    if (errors.length > 20) break;
  }
  process.send({ samples, errors }, () => process.exit(0));
}
main().catch((e) => { process.send({ samples: {}, errors: [String(e.stack || e)] }, () => process.exit(1)); });
