'use strict';
// Warm cost of tracing and EMF, in this one process: the same bundle in three folders (off, on, on-copy; see
// observability.mjs), each its own module with its own config, invoked with the same payload-2.0 events, variants
// interleaved with the order rotating. Log lines go to this process's stdout, which the parent discards.
// Input: JSON in argv[2]. Output: one IPC message with the samples.
const o = JSON.parse(process.argv[2]);
const CURSOR_SECRET = 'bench-cursor-key-0123456789abcdef0123456789abcdef';
Object.assign(process.env, { CRUD_CURSOR_SECRET: CURSOR_SECRET });
delete process.env.CRUD_ROUTES; // every operation
// `off` finds no daemon when it loads (the emitter is made once per execution environment); the others do.
const daemon = process.env.AWS_XRAY_DAEMON_ADDRESS;
delete process.env.AWS_XRAY_DAEMON_ADDRESS;
const handlers = { off: require(`${o.dirs.off}/index.js`).handler };
process.env.AWS_XRAY_DAEMON_ADDRESS = daemon;
handlers.on = require(`${o.dirs.on}/index.js`).handler;
handlers['on-copy'] = require(`${o.dirs['on-copy']}/index.js`).handler;
const { apiEvent } = require(o.eventsLib);

const now = () => process.hrtime.bigint();
const ms = (t0) => Number(process.hrtime.bigint() - t0) / 1e6;
let rnd = o.seed >>> 0;
const random = () => { rnd = (Math.imul(rnd, 1664525) + 1013904223) >>> 0; return rnd / 4294967296; };
const pickId = () => `obs-${Math.floor(random() * o.poolSize)}`;
const context = { awsRequestId: 'warm', getRemainingTimeInMillis: () => 10_000 };

/** One DynamoDB call each (GetItem, Scan, PutItem): one subsegment per request of a traced variant. */
const OPS = {
  read: { event: () => apiEvent('GET', `/items/${pickId()}`), status: 200 },
  list: { event: () => apiEvent('GET', '/items', { query: { limit: 25 } }), status: 200 },
  create: { event: () => apiEvent('POST', '/items', { json: { title: 'warm create', done: false } }), status: 201 },
};

async function main() {
  const names = Object.keys(handlers);
  const samples = {};
  for (const op of Object.keys(OPS)) samples[op] = Object.fromEntries(names.map((n) => [n, []]));
  const errors = [];
  let sampledCalls = 0;
  const opNames = Object.keys(OPS);
  for (let i = -o.warmup; i < o.iterations; i++) {
    for (let k = 0; k < opNames.length; k++) {
      const op = opNames[(k + (i & 0xffff)) % opNames.length];
      for (let j = 0; j < names.length; j++) {
        const name = names[(j + (i & 0xffff)) % names.length];
        const event = OPS[op].event(); // built before the clock starts: API Gateway builds it, not the handler
        const t0 = now();
        const res = await handlers[name](event, context);
        const d = ms(t0);
        if (res.statusCode !== OPS[op].status) errors.push(`${op} (${name}): ${res.statusCode} ${String(res.body).slice(0, 200)}`);
        if (name !== 'off') sampledCalls++;
        if (i >= 0) samples[op][name].push(d);
      }
      if (errors.length > 20) break;
    }
    if (errors.length > 20) break;
  }
  process.send({ samples, errors, sampledCalls }, () => process.exit(0));
}
main().catch((e) => { process.send({ samples: {}, errors: [String(e.stack || e)], sampledCalls: 0 }, () => process.exit(1)); });
