'use strict';
// Warm latency of our handler under two settings, calibrated (#23 tracing + EMF, #21 a table with a stream): one
// bundle (bench/lib/warm-calibrated-entry.ts), ONE SDK copy and ONE DynamoDB client, and one handler per variant made by
// createHandler from that bundle — so the variants differ only by the config and environment each is given. The first
// variant is the reference, the last a second handler of the reference's settings (on its own table where the
// variants have tables): the A/A. Per iteration and operation every variant runs once, in rotating order (every
// rotation of the variants and its reverse in turn: for three, all six permutations), and the operations rotate too.
// The event of a request is built before the clock starts (API Gateway builds it, not the handler) and is the same
// for every variant of the request. Handler log lines go to this process's stdout (the parent discards it).
// Input: JSON in argv[2] { entry, eventsLib, variants: [{ name, config, env | envs }], ops, iterations, warmup, poolSize, seed }.
// Output: one IPC message { samples: { op: { variant: ms[] } }, errors, requests: { variant: n } }.
const { CURSOR_SECRET, interleave, lambdaContext, reply, rotations, seededRandom, timeInvoke } = require('./harness/interleave.cjs');
const o = JSON.parse(process.argv[2]);
const { DynamoDBClient, createHandler, DYNAMODB_CLIENT_CONFIG } = require(o.entry);
const { apiEvent } = require(o.eventsLib);

const client = new DynamoDBClient(DYNAMODB_CLIENT_CONFIG);
// Each handler reads only the environment it is given (the trace header too, per invocation): nothing of one variant
// leaks into another through process.env.
const base = { PATH: process.env.PATH, AWS_REGION: process.env.AWS_REGION, CRUD_CURSOR_SECRET: CURSOR_SECRET };
// A variant given several environments (`envs`: e.g. one table each) has one handler per environment, used in turn
// (one after each full turn of the orders), so that what one table does differently (DynamoDB Local serves some tables a few % slower
// than others, measured) averages out over the variant's tables instead of counting as the variant's cost.
const handlers = Object.fromEntries(o.variants.map((v) => [v.name, (v.envs ?? [v.env]).map((env) => createHandler(v.config, { ...base, ...env }, { dynamodb: client }))]));
const names = o.variants.map((v) => v.name);

const random = seededRandom(o.seed);
const pickId = () => `warm-${Math.floor(random() * o.poolSize)}`;
const context = lambdaContext('warm');

/** The requests (the items table of every variant is seeded with the same ids). */
const OPS = {
  read: { event: () => apiEvent('GET', `/items/${pickId()}`), status: 200 },
  list: { event: () => apiEvent('GET', '/items', { query: { limit: 25 } }), status: 200 },
  create: { event: () => apiEvent('POST', '/items', { json: { title: 'warm create', done: false } }), status: 201 },
  update: {
    event: () => apiEvent('PATCH', `/items/${pickId()}`, { json: { title: `t${random()}` }, contentType: 'application/merge-patch+json' }), status: 200,
  },
};

const ORDERS = rotations(names);

async function main() {
  const requests = Object.fromEntries(names.map((n) => [n, 0]));
  const errors = [];
  const samples = await interleave({
    ops: o.ops, variants: names, orders: ORDERS, warmup: o.warmup, iterations: o.iterations, errors,
    share: (op) => OPS[op].event(),
    measure: async (name, op, event, i) => {
      // The same request for every variant; a copy each, so no variant sees what another's run left on the event.
      const ev = structuredClone(event);
      const hs = handlers[name];
      // The table changes after each full turn of the orders, so that every table of a variant sees every order.
      const handler = hs[Math.floor((i + o.warmup) / ORDERS.length) % hs.length];
      const { ms: d, response: res } = await timeInvoke(handler, ev, context, o.settle);
      requests[name]++;
      if (res.statusCode !== OPS[op].status) errors.push(`${op} (${name}): ${res.statusCode} ${String(res.body).slice(0, 200)}`);
      return d;
    },
  });
  return { samples, errors, requests };
}
reply(main, { requests: {} });
