'use strict';
// Load against the local runner over HTTP with autocannon: the mixed workload of load-mix.cjs, closed loop over
// `connections` keep-alive connections. Latencies are taken from autocannon's per-response event (sub-ms
// precision; its own histogram rounds to whole ms). Input: JSON in argv[2]. Output: `@@BENCH {...}` on stdout.
const autocannon = require('autocannon');
const { picker, tally } = require('./load-mix.cjs');

const o = JSON.parse(process.argv[2]);
const EXPECTED = { read: 200, list: 200, create: 201, update: 200 };
// One picker for all connections (single-threaded, so the operation sequence is deterministic overall); ids of
// created items are unique over the warm-up and the measured run.
const p = picker(o.seed, o.poolSize);
let created = 0;

function run(durationS, record) {
  const counts = tally();
  const ackedCreates = [];
  const ackedUpdates = {};
  const latencies = [];
  const statuses = {};
  return new Promise((resolve, reject) => {
    const instance = autocannon({
      url: o.url,
      connections: o.connections,
      duration: durationS,
      timeout: 10,
      requests: [{
        setupRequest: (req, context) => {
          const op = p.op();
          context.op = op;
          switch (op) {
            case 'read': return { ...req, method: 'GET', path: `/items/${p.id()}`, body: undefined, headers: {} };
            case 'list': return { ...req, method: 'GET', path: '/items?limit=25', body: undefined, headers: {} };
            case 'create':
              context.id = `${o.prefix}-${process.pid}-${++created}`;
              return {
                ...req, method: 'POST', path: '/items', headers: { 'content-type': 'application/json' },
                body: JSON.stringify({ id: context.id, title: p.title(), done: false }),
              };
            default:
              context.id = p.id();
              return {
                ...req, method: 'PATCH', path: `/items/${context.id}`, headers: { 'content-type': 'application/merge-patch+json' },
                body: JSON.stringify({ title: p.title() }),
              };
          }
        },
        onResponse: (status, _body, context) => {
          statuses[status] = (statuses[status] ?? 0) + 1;
          const c = counts[context.op];
          if (status === EXPECTED[context.op]) c.ok++; else c.failed++;
          if (context.op === 'create' && status === 201) ackedCreates.push(context.id);
          if (context.op === 'update' && status === 200) ackedUpdates[context.id] = (ackedUpdates[context.id] ?? 0) + 1;
        },
      }],
      initialContext: {},
    }, (err, result) => (err ? reject(err) : resolve({ result, counts, latencies, statuses, ackedCreates, ackedUpdates })));
    instance.on('response', (_client, _status, _bytes, responseTime) => { if (record) latencies.push(responseTime); });
  });
}

function merge(a, b) {
  const out = { ...a };
  for (const [k, v] of Object.entries(b)) out[k] = (out[k] ?? 0) + v;
  return out;
}

(async () => {
  const warm = await run(o.warmupS, false);
  const main = await run(o.durationS, true);
  const r = main.result;
  process.stdout.write(`@@BENCH ${JSON.stringify({
    warmup: { requests: warm.result.requests.total, counts: warm.counts, errors: warm.result.errors, timeouts: warm.result.timeouts },
    // Requests autocannon had sent when its clock ran out: answered or not, nobody was told the outcome.
    inFlightAtEnd: (warm.result.requests.sent - warm.result.requests.total) + (r.requests.sent - r.requests.total),
    ackedCreates: [...warm.ackedCreates, ...main.ackedCreates],
    ackedUpdates: merge(warm.ackedUpdates, main.ackedUpdates),
    requests: r.requests.total,
    durationS: r.duration,
    rps: r.requests.total / r.duration,
    latencies: main.latencies.map((x) => Math.round(x * 1000) / 1000),
    counts: main.counts,
    statuses: main.statuses,
    errors: r.errors,
    timeouts: r.timeouts,
    non2xx: r.non2xx,
  })}\n`, () => process.exit(0));
})().catch((e) => { process.stdout.write(`@@BENCH ${JSON.stringify({ fatal: String(e.stack || e) })}\n`); process.exit(1); });
