// Keys and relations (#13), warm, in one process against DynamoDB Local: our handler serving a nested resource
// (`/projects/{projectId}/tasks`, a `due` index partitioned by the parent) against the bare SDK command of the same
// operation, measured in the same run (bench/lib/relations-worker.cjs, bench/references/bare-relations.ts):
// - children list: one page of a parent's 1,000 children (`GET …/tasks?limit=25`) vs one Query of that partition;
// - range list: `?due=gte.…&due=lte.…` vs the Query with the same key condition (BETWEEN) on the index;
// - nested create: `POST …/tasks` vs TransactWriteItems of the parent's ConditionCheck and the conditional Put.
import { build } from 'esbuild';
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CreateTableCommand } from '@aws-sdk/client-dynamodb';
import { seed } from './ddb.mjs';
import { HANDLER_BUILD_OPTIONS } from './build.mjs';
import { runWorker, summariseOps } from './harness/worker.mjs';
import { fmtMs, printTable, ratio } from './stats.mjs';

const WORKER = new URL('./relations-worker.cjs', import.meta.url).pathname;
const PROJECTS = 'bench-rel-projects';
const TASKS = 'bench-rel-tasks';
export const PARENT = 'p-bench';
/** The parent's partition value: scopeValue(undefined, [PARENT]) of src/shared/keys.ts (each id length-prefixed). */
export const PARENT_PARTITION = `${PARENT.length}:${PARENT}`;
export const CHILDREN = 1000;
export const PAGE = 25;
/** The range listed: about a third of the children. */
export const RANGE = { low: '2025-03-01', high: '2025-06-30' };

/** Targets of #13, as ratios of p50 measured in the same run. */
export const RELATIONS_TARGETS = { 'children list': 1.10, 'range list': 1.10, 'nested create': 1.15 };

const RESOURCE = { idAttribute: 'id', operations: ['create', 'read', 'list', 'update', 'delete'], defaultPageSize: 25, maxPageSize: 1000, idempotencyTtlSeconds: 86400 };
/** The handler config the construct writes for projects and their tasks (config v4). */
export const CONFIG = {
  version: 4,
  resources: [
    { ...RESOURCE, name: 'projects', pathParameter: 'projectId', indexes: [] },
    { ...RESOURCE, name: 'tasks', parent: 'projects', indexes: [{ indexName: 'byDue', sortKey: 'due' }] },
  ],
};
/** The API's routes, as API Gateway matches them. */
export const ROUTE_KEYS = [
  'GET /projects', 'POST /projects', 'GET /projects/{projectId}', 'PUT /projects/{projectId}', 'PATCH /projects/{projectId}', 'DELETE /projects/{projectId}',
  'GET /projects/{projectId}/tasks', 'POST /projects/{projectId}/tasks', 'GET /projects/{projectId}/tasks/{id}', 'PUT /projects/{projectId}/tasks/{id}',
  'PATCH /projects/{projectId}/tasks/{id}', 'DELETE /projects/{projectId}/tasks/{id}',
];

/** The projects and tasks tables, seeded: one parent with its children (also used by warm-calibrated.mjs). */
export async function setupRelationsTables(ddb, projects = PROJECTS, tasks = TASKS) {
  await createTables(ddb, projects, tasks);
  await seed(ddb, projects, [stored({ id: { S: PARENT }, title: { S: 'bench project' } })]);
  await seed(ddb, tasks, Array.from({ length: CHILDREN }, (_, i) => stored({
    _parent: { S: PARENT_PARTITION }, id: { S: `t-${String(i).padStart(4, '0')}` }, projectId: { S: PARENT }, title: { S: `task ${i}` }, done: { BOOL: false },
    due: { S: `2025-${String((i % 12) + 1).padStart(2, '0')}-${String((i % 28) + 1).padStart(2, '0')}` },
  })));
}

async function createTables(ddb, PROJECTS, TASKS) {
  await ddb.send(new CreateTableCommand({
    TableName: PROJECTS,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
    KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
  }));
  // The key layout of src/shared/keys.ts for a nested resource: (_parent, id); an index without partition key is
  // partitioned by _parent too.
  await ddb.send(new CreateTableCommand({
    TableName: TASKS,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: ['_parent', 'id', 'due'].map((AttributeName) => ({ AttributeName, AttributeType: 'S' })),
    KeySchema: [{ AttributeName: '_parent', KeyType: 'HASH' }, { AttributeName: 'id', KeyType: 'RANGE' }],
    GlobalSecondaryIndexes: [{
      IndexName: 'byDue',
      KeySchema: [{ AttributeName: '_parent', KeyType: 'HASH' }, { AttributeName: 'due', KeyType: 'RANGE' }],
      Projection: { ProjectionType: 'ALL' },
    }],
  }));
}

function stored(attrs) {
  const at = new Date().toISOString();
  return { ...attrs, version: { N: '1' }, createdAt: { S: at }, updatedAt: { S: at }, _generation: { S: 'benchGen000' } };
}

export async function runRelations({ root, outDir, ddb, endpoint, oursDir, libDir, iterations, warmup }) {
  const dir = join(outDir, 'bundles', 'ours-relations');
  mkdirSync(dir, { recursive: true });
  copyFileSync(join(oursDir, 'index.js'), join(dir, 'index.js'));
  writeFileSync(join(dir, 'crud-config.json'), JSON.stringify(CONFIG, null, 2) + '\n');
  const bareRelations = join(outDir, 'bundles', 'bare-relations', 'index.js');
  await build({ ...HANDLER_BUILD_OPTIONS, absWorkingDir: root, entryPoints: ['bench/references/bare-relations.ts'], outfile: bareRelations });

  await setupRelationsTables(ddb);
  const input = {
    oursDir: dir, bareRelations, eventsLib: join(libDir, 'events.cjs'), projectsTable: PROJECTS, tasksTable: TASKS,
    parentId: PARENT, parentPartition: PARENT_PARTITION, pageSize: PAGE, range: RANGE, routeKeys: ROUTE_KEYS, iterations, warmup,
  };
  const message = await runWorker(WORKER, input, { name: 'relations', endpoint });
  const ops = summariseOps(message.samples, ({ ours, bare }, op) => (
    { ours, bare, ratioP50: ratio(ours.p50, bare.p50), ratioP99: ratio(ours.p99, bare.p99), ...(message.info.includes(op) ? { info: true } : {}) }));
  return {
    iterations, warmup, children: CHILDREN, pageSize: PAGE, range: RANGE, ops, errors: message.errors.slice(0, 20).map((e) => `relations ${e}`),
  };
}

/** The #13 target rows of a run with a `relations` section. */
export function relationsTargets(r) {
  if (!r.relations) return [];
  return Object.entries(RELATIONS_TARGETS).filter(([op]) => r.relations.ops[op]).map(([op, target]) => {
    const o = r.relations.ops[op];
    return {
      name: `${op} ≤ ${target.toFixed(2)}× bare ${op === 'nested create' ? 'TransactWriteItems' : 'Query'}`,
      value: `${o.ratioP50.toFixed(2)}× (p99 ${o.ratioP99.toFixed(2)}×)`,
      target: `≤ ${target.toFixed(2)}×`,
      met: o.ratioP50 <= target,
      note: 'p50 ratio',
    };
  });
}

export function printRelations(r) {
  if (!r.relations) return;
  const x = r.relations;
  printTable(`Relations, warm, in one process, ms (${x.iterations} iterations after ${x.warmup} warm-up, interleaved; a parent with ${x.children} children)`,
    ['operation', 'ours p50', 'bare p50', 'ratio p50', 'ours p99', 'bare p99', 'ratio p99'],
    Object.entries(x.ops).map(([op, o]) => [`${op}${o.info ? ' (info)' : ''}`, fmtMs(o.ours.p50), fmtMs(o.bare.p50), `${o.ratioP50.toFixed(2)}×`,
      fmtMs(o.ours.p99), fmtMs(o.bare.p99), `${o.ratioP99.toFixed(2)}×`]));
}
