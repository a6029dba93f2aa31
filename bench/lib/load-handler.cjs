'use strict';
// The same mixed workload again, with our bundled handler invoked in-process (payload-2.0 events, no HTTP, no
// worker threads): separates what the handler costs from what the local runner's HTTP server and function hosts
// cost. `connections` concurrent closed loops. Input: JSON in argv[2]. Output: `@@BENCH {...}` on stdout (the
// handler's log lines go to stdout too, before it).
const { measureAndReport, picker } = require('./load-mix.cjs');

const o = JSON.parse(process.argv[2]);
// A fixed cursor key (the runner and AWS use a secret per deployment): list functions refuse to start without one.
Object.assign(process.env, {
  CRUD_TABLES: o.table, CRUD_IDEMPOTENCY_TABLES: o.idempotencyTable, CRUD_CURSOR_SECRET: 'bench-cursor-key-0123456789abcdef0123456789abcdef',
});
const handler = require(`${o.oursDir}/index.js`).handler;
const { apiEvent } = require(o.eventsLib);
const p = picker(o.seed, o.poolSize);
const EXPECTED = { read: 200, list: 200, create: 201, update: 200 };
let created = 0;
const ackedCreates = [];
const ackedUpdates = {};
const context = { awsRequestId: 'load', getRemainingTimeInMillis: () => 10_000 };

async function once(op) {
  let event;
  let id;
  switch (op) {
    case 'read': event = apiEvent('GET', `/items/${p.id()}`); break;
    case 'list': event = apiEvent('GET', '/items', { query: { limit: 25 } }); break;
    case 'create':
      id = `${o.prefix}-${process.pid}-${++created}`;
      event = apiEvent('POST', '/items', { json: { id, title: p.title(), done: false } });
      break;
    default:
      id = p.id();
      event = apiEvent('PATCH', `/items/${id}`, { json: { title: p.title() }, contentType: 'application/merge-patch+json' });
  }
  const res = await handler(event, context);
  if (res.statusCode !== EXPECTED[op]) throw new Error(`${op} answered ${res.statusCode}: ${String(res.body).slice(0, 200)}`);
  if (op === 'create') ackedCreates.push(id);
  if (op === 'update') ackedUpdates[id] = (ackedUpdates[id] ?? 0) + 1;
}

measureAndReport(o, p, once, { creates: ackedCreates, updates: ackedUpdates });
