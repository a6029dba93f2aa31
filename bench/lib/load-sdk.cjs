'use strict';
// The same mixed workload as load-http.cjs, driven straight at DynamoDB Local through the SDK (the bare commands of
// bench/references/bare-sdk.ts): `connections` concurrent closed loops. Input: JSON in argv[2]. Output: `@@BENCH`.
const { measureAndReport, picker } = require('./load-mix.cjs');

const o = JSON.parse(process.argv[2]);
const bare = require(o.bareSdk);
const p = picker(o.seed, o.poolSize);
let created = 0;
const ackedCreates = [];
const ackedUpdates = {};

async function once(op) {
  switch (op) {
    case 'read': {
      const out = await bare.getItem(o.table, p.id());
      if (!out.Item) throw new Error('GetItem: no item');
      return;
    }
    case 'list': await bare.scanPage(o.table, 25); return;
    case 'create': {
      const at = new Date().toISOString();
      const id = `${o.prefix}-${process.pid}-${++created}`;
      await bare.putItem(o.table, {
        id: { S: id }, title: { S: p.title() }, done: { BOOL: false }, version: { N: '1' }, createdAt: { S: at }, updatedAt: { S: at },
      });
      ackedCreates.push(id);
      return;
    }
    default: {
      const id = p.id();
      await bare.updateItem(o.table, id, p.title(), new Date().toISOString());
      ackedUpdates[id] = (ackedUpdates[id] ?? 0) + 1;
    }
  }
}

measureAndReport(o, p, once, { creates: ackedCreates, updates: ackedUpdates });
