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
const { CURSOR_SECRET, interleave, lambdaContext, reply, rotations, seededRandom, timeBare, timeInvoke } = require('./harness/interleave.cjs');
const o = JSON.parse(process.argv[2]);
const entry = require(o.entry);
const { DynamoDBClient, createHandler, DYNAMODB_CLIENT_CONFIG, bare, bareRelations } = entry;
const { apiEvent } = require(o.eventsLib);

// The shipped client options; --cache-middleware=false|true overrides that one option on the shared client.
const client = new DynamoDBClient({ ...DYNAMODB_CLIENT_CONFIG, ...(o.cacheMiddleware !== undefined ? { cacheMiddleware: o.cacheMiddleware } : {}) });
bare.useClient(client);
bareRelations.useClient(client);
const handlerFor = (config, env, deps = {}) => createHandler(config, { ...process.env, CRUD_CURSOR_SECRET: CURSOR_SECRET, ...env }, { dynamodb: client, ...deps });
const items = handlerFor(o.items.config, o.items.env);
const owned = handlerFor(o.owned.config, o.owned.env);
const nested = handlerFor(o.nested.config, o.nested.env);

// --explain: two more variants that split the gap. 'bare, our request' sends exactly the request our handler sent
// last for this operation (captured on the shared client, ids made fresh for creates): the cost of the request's shape
// (SDK serialisation, signing, log filtering, DynamoDB Local's own work). 'ours, no log line' is our handler writing
// its log line nowhere. The capture middleware runs for every variant alike, and only in this mode.
const captured = {};
let capturing;
if (o.explain) {
  client.middlewareStack.add((next, context) => (args) => {
    if (capturing) captured[capturing] = { commandName: context.commandName, input: structuredClone(args.input) };
    return next(args);
  }, { step: 'initialize', name: 'benchCapture' });
}
const quiet = o.explain ? {
  items: handlerFor(o.items.config, o.items.env, { log: () => undefined }),
  owned: handlerFor(o.owned.config, o.owned.env, { log: () => undefined }),
  nested: handlerFor(o.nested.config, o.nested.env, { log: () => undefined }),
} : {};
/** A captured request with fresh ids for the items it puts (a replayed create must not meet its own item). */
function fresh(input) {
  const copy = structuredClone(input);
  const renew = (item) => { if (item?.id?.S) item.id.S = randomUUID(); };
  renew(copy.Item);
  for (const t of copy.TransactItems ?? []) renew(t.Put?.Item);
  return copy;
}
async function replay(op) {
  const c = captured[op];
  if (!c) return;
  await client.send(new entry[c.commandName](fresh(c.input)));
}

const random = seededRandom(o.seed);
const pickId = () => `warm-${Math.floor(random() * o.poolSize)}`;
const context = lambdaContext('warm');
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
  read: { handler: items, quiet: 'items', event: () => apiEvent('GET', `/items/${pickId()}`), status: 200, bare: () => bare.getItem(T, pickId()).then(expectItem) },
  list: { handler: items, quiet: 'items', event: () => apiEvent('GET', '/items', { query: { limit: 25 } }), status: 200, bare: () => bare.scanPage(T, 25).then(expectPage(25)) },
  create: {
    handler: items, quiet: 'items', event: () => apiEvent('POST', '/items', { json: { title: 'warm create', done: false } }), status: 201,
    bare: () => bare.putItem(T, { id: { S: randomUUID() }, title: { S: 'warm create' }, done: { BOOL: false }, ...stamp() }),
  },
  update: {
    handler: items, quiet: 'items', status: 200,
    event: () => apiEvent('PATCH', `/items/${pickId()}`, { json: { title: `t${random()}` }, contentType: 'application/merge-patch+json' }),
    bare: () => bare.updateItem(T, pickId(), `t${random()}`, new Date().toISOString()),
  },
  'owner read': {
    handler: owned, quiet: 'owned', event: () => apiEvent('GET', `/items/${pickId()}`, { sub: OWNER }), status: 200,
    bare: () => bare.getOwnedItem(OT, OWNER, pickId()).then(expectItem),
  },
  'owner list': {
    handler: owned, quiet: 'owned', event: () => apiEvent('GET', '/items', { query: { limit: 25 }, sub: OWNER }), status: 200,
    bare: () => bare.queryOwner(OT, OWNER, 25).then(expectPage(25)),
  },
  'owner create': {
    handler: owned, quiet: 'owned', event: () => apiEvent('POST', '/items', { json: { title: 'warm create', done: false }, sub: OWNER }), status: 201,
    bare: () => bare.putItem(OT, {
      owner: { S: OWNER }, id: { S: randomUUID() }, title: { S: 'warm create' }, done: { BOOL: false }, ...stamp(), _generation: { S: 'benchGen000' },
    }),
  },
  'children list': {
    handler: nested, quiet: 'nested', event: () => apiEvent('GET', `/projects/${R.parentId}/tasks`, { query: { limit: R.pageSize }, routeKeys: R.routeKeys }), status: 200,
    bare: () => bareRelations.queryPartition(R.tasksTable, undefined, partition, R.pageSize).then(expectPage(R.pageSize)),
  },
  'range list': {
    handler: nested, quiet: 'nested', status: 200,
    event: () => apiEvent('GET', `/projects/${R.parentId}/tasks`, { query: `due=gte.${R.range.low}&due=lte.${R.range.high}&limit=${R.pageSize}`, routeKeys: R.routeKeys }),
    bare: () => bareRelations.queryPartition(R.tasksTable, 'byDue', partition, R.pageSize, { name: 'due', low: R.range.low, high: R.range.high }).then(expectPage(R.pageSize)),
  },
  'nested create': {
    handler: nested, quiet: 'nested', status: 201,
    event: () => apiEvent('POST', `/projects/${R.parentId}/tasks`, { json: { title: 'warm create', due: '2025-06-01' }, routeKeys: R.routeKeys }),
    bare: () => bareRelations.createUnderParent(R.projectsTable, { id: { S: R.parentId } }, R.tasksTable, {
      _parent: { S: R.parentPartition }, id: { S: randomUUID() }, projectId: { S: R.parentId }, title: { S: 'warm create' }, due: { S: '2025-06-01' },
      ...stamp(), _generation: { S: 'benchGen000' },
    }),
  },
};

// --cache-ab (with --cache-middleware=false): both sides again on a second client with cacheMiddleware: true, same run.
const cacheClient = o.cacheAB ? new DynamoDBClient({ ...DYNAMODB_CLIENT_CONFIG, cacheMiddleware: true }) : undefined;
if (o.cacheAB && client.config.cacheMiddleware) throw new Error('--cache-ab compares against the shared client without cacheMiddleware: add --cache-middleware=false');
const cached = o.cacheAB ? {
  items: handlerFor(o.items.config, o.items.env, { dynamodb: cacheClient }),
  owned: handlerFor(o.owned.config, o.owned.env, { dynamodb: cacheClient }),
  nested: handlerFor(o.nested.config, o.nested.env, { dynamodb: cacheClient }),
} : {};

const VARIANTS = ['ours', 'bare', 'bare²', ...(o.explain ? ['bare, our request', 'ours, no log line'] : []),
  ...(o.cacheAB ? ['ours, cacheMiddleware', 'bare, cacheMiddleware'] : [])];
/** The orders of the variants, in turn: every rotation and its reverse (for three: all six permutations). */
const ORDERS = o.only ? [[o.only]] : rotations(VARIANTS);

async function main() {
  const errors = [];
  const runVariant = async (variant, op) => {
    const spec = OPS[op];
    if (variant.startsWith('ours')) {
      const handler = variant === 'ours' ? spec.handler : variant === 'ours, no log line' ? quiet[spec.quiet] : cached[spec.quiet];
      const event = spec.event();
      if (variant === 'ours') capturing = op;
      const { ms: d, response: res } = await timeInvoke(handler, event, context);
      capturing = undefined;
      if (res.statusCode !== spec.status) errors.push(`${op}: ours answered ${res.statusCode} ${String(res.body).slice(0, 200)}`);
      return d;
    }
    const d = await timeBare(async () => {
      if (variant === 'bare, cacheMiddleware') {
        bare.useClient(cacheClient);
        bareRelations.useClient(cacheClient);
      }
      await (variant === 'bare, our request' ? replay(op) : spec.bare());
    }, (e) => errors.push(`${op}: bare SDK ${e.name}: ${e.message}`));
    if (variant === 'bare, cacheMiddleware') {
      bare.useClient(client);
      bareRelations.useClient(client);
    }
    return d;
  };
  // The operations rotate too (interleave's default), so that no operation always follows the same one.
  const samples = await interleave({
    ops: o.ops ?? Object.keys(OPS), variants: VARIANTS, orders: ORDERS, warmup: o.warmup, iterations: o.iterations, errors, measure: runVariant,
  });
  return { samples, errors };
}
reply(main, {});
