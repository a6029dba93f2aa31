'use strict';
// The calibrated warm benchmark's worker (see warm-calibrated.mjs): one bundle, one SDK copy, one DynamoDB client.
// Per iteration and operation, three variants run in a rotating order (every permutation of the three in turn, so
// each variant holds each position and follows each other variant equally often):
//   ours  — our handler (createHandler, the shipped code) invoked with a payload-2.0 event built before the clock starts;
//   bare  — the bare SDK command of the same operation;
//   bare² — the same bare command again: the A/A row. bare²/bare is what the method reads for two identical sides.
// Handler log lines go to this process's stdout, which the parent discards. Input: JSON in argv[2]. Output: one IPC
// message with the samples (ms).
const { randomUUID } = require('crypto');
const o = JSON.parse(process.argv[2]);
const { DynamoDBClient, createHandler, DYNAMODB_CLIENT_CONFIG, bare, bareRelations } = require(o.entry);
const { apiEvent } = require(o.eventsLib);

const client = new DynamoDBClient({ ...DYNAMODB_CLIENT_CONFIG, ...(o.cacheMiddleware ? { cacheMiddleware: true } : {}) });
bare.useClient(client);
bareRelations.useClient(client);
const CURSOR_SECRET = 'bench-cursor-key-0123456789abcdef0123456789abcdef';
const handlerFor = (config, env) => createHandler(config, { ...process.env, CRUD_CURSOR_SECRET: CURSOR_SECRET, ...env }, { dynamodb: client });
const items = handlerFor(o.items.config, o.items.env);
const owned = handlerFor(o.owned.config, o.owned.env);
const nested = handlerFor(o.nested.config, o.nested.env);

const now = () => process.hrtime.bigint();
const ms = (t0) => Number(process.hrtime.bigint() - t0) / 1e6;
let rnd = o.seed >>> 0;
const random = () => { rnd = (Math.imul(rnd, 1664525) + 1013904223) >>> 0; return rnd / 4294967296; };
const pickId = () => `warm-${Math.floor(random() * o.poolSize)}`;
const context = { awsRequestId: 'warm', getRemainingTimeInMillis: () => 10_000 };
const T = o.items.table;
const OT = o.owned.table;
const OWNER = o.owned.owner;
const R = o.nested;
const partition = { name: '_parent', value: R.parentPartition };
const stamp = () => { const at = new Date().toISOString(); return { version: { N: '1' }, createdAt: { S: at }, updatedAt: { S: at } }; };
const expectPage = (n) => (out) => { if ((out.Items ?? []).length !== n) throw new Error(`short page: ${(out.Items ?? []).length}`); };
const expectItem = (out) => { if (!out.Item) throw new Error('no item'); };

/** Each operation: our handler and event (built before the clock starts), the status that means success, the bare call. */
const OPS = {
  read: { handler: items, event: () => apiEvent('GET', `/items/${pickId()}`), status: 200, bare: () => bare.getItem(T, pickId()).then(expectItem) },
  list: { handler: items, event: () => apiEvent('GET', '/items', { query: { limit: 25 } }), status: 200, bare: () => bare.scanPage(T, 25).then(expectPage(25)) },
  create: {
    handler: items, event: () => apiEvent('POST', '/items', { json: { title: 'warm create', done: false } }), status: 201,
    bare: () => bare.putItem(T, { id: { S: randomUUID() }, title: { S: 'warm create' }, done: { BOOL: false }, ...stamp() }),
  },
  update: {
    handler: items, status: 200,
    event: () => apiEvent('PATCH', `/items/${pickId()}`, { json: { title: `t${random()}` }, contentType: 'application/merge-patch+json' }),
    bare: () => bare.updateItem(T, pickId(), `t${random()}`, new Date().toISOString()),
  },
  'owner read': {
    handler: owned, event: () => apiEvent('GET', `/items/${pickId()}`, { sub: OWNER }), status: 200,
    bare: () => bare.getOwnedItem(OT, OWNER, pickId()).then(expectItem),
  },
  'owner list': {
    handler: owned, event: () => apiEvent('GET', '/items', { query: { limit: 25 }, sub: OWNER }), status: 200,
    bare: () => bare.queryOwner(OT, OWNER, 25).then(expectPage(25)),
  },
  'owner create': {
    handler: owned, event: () => apiEvent('POST', '/items', { json: { title: 'warm create', done: false }, sub: OWNER }), status: 201,
    bare: () => bare.putItem(OT, {
      owner: { S: OWNER }, id: { S: randomUUID() }, title: { S: 'warm create' }, done: { BOOL: false }, ...stamp(), _generation: { S: 'benchGen000' },
    }),
  },
  'children list': {
    handler: nested, event: () => apiEvent('GET', `/projects/${R.parentId}/tasks`, { query: { limit: R.pageSize }, routeKeys: R.routeKeys }), status: 200,
    bare: () => bareRelations.queryPartition(R.tasksTable, undefined, partition, R.pageSize).then(expectPage(R.pageSize)),
  },
  'range list': {
    handler: nested, status: 200,
    event: () => apiEvent('GET', `/projects/${R.parentId}/tasks`, { query: `due=gte.${R.range.low}&due=lte.${R.range.high}&limit=${R.pageSize}`, routeKeys: R.routeKeys }),
    bare: () => bareRelations.queryPartition(R.tasksTable, 'byDue', partition, R.pageSize, { name: 'due', low: R.range.low, high: R.range.high }).then(expectPage(R.pageSize)),
  },
  'nested create': {
    handler: nested, status: 201,
    event: () => apiEvent('POST', `/projects/${R.parentId}/tasks`, { json: { title: 'warm create', due: '2025-06-01' }, routeKeys: R.routeKeys }),
    bare: () => bareRelations.createUnderParent(R.projectsTable, { id: { S: R.parentId } }, R.tasksTable, {
      _parent: { S: R.parentPartition }, id: { S: randomUUID() }, projectId: { S: R.parentId }, title: { S: 'warm create' }, due: { S: '2025-06-01' },
      ...stamp(), _generation: { S: 'benchGen000' },
    }),
  },
};

const VARIANTS = ['ours', 'bare', 'bare²'];
/** Every order of the three variants; iteration i uses ORDERS[i % 6]. */
const ORDERS = [[0, 1, 2], [1, 2, 0], [2, 0, 1], [0, 2, 1], [2, 1, 0], [1, 0, 2]].map((p) => p.map((k) => VARIANTS[k]));

async function main() {
  const ops = (o.ops ?? Object.keys(OPS));
  const samples = Object.fromEntries(ops.map((op) => [op, Object.fromEntries(VARIANTS.map((v) => [v, []]))]));
  const errors = [];
  const runVariant = async (op, variant, record) => {
    const spec = OPS[op];
    if (variant === 'ours') {
      const event = spec.event();
      const t0 = now();
      const res = await spec.handler(event, context);
      const d = ms(t0);
      if (res.statusCode !== spec.status) errors.push(`${op}: ours answered ${res.statusCode} ${String(res.body).slice(0, 200)}`);
      if (record) samples[op].ours.push(d);
      return;
    }
    const t0 = now();
    try {
      await spec.bare();
    } catch (e) {
      errors.push(`${op}: bare SDK ${e.name}: ${e.message}`);
    }
    if (record) samples[op][variant].push(ms(t0));
  };
  for (let i = -o.warmup; i < o.iterations && errors.length <= 20; i++) {
    const order = ORDERS[((i % 6) + 6) % 6];
    for (let k = 0; k < ops.length; k++) {
      // The operations rotate too, so that no operation always follows the same one.
      const op = ops[(k + ((i + o.warmup) % ops.length)) % ops.length];
      for (const variant of order) await runVariant(op, variant, i >= 0);
    }
  }
  process.send({ samples, errors }, () => process.exit(0));
}
main().catch((e) => { process.send({ samples: {}, errors: [String(e.stack || e)] }, () => process.exit(1)); });
