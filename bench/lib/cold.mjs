// Cold init: fresh node processes, each loading one bundle and invoking it once (GET /items/{id}) against DynamoDB
// Local. Variants are interleaved (the order rotates every round) so drift in machine load hits all alike.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { awsEnv, createItemsTable, handlerLikeItem, seed } from './ddb.mjs';
import { summary } from './stats.mjs';

const require = createRequire(import.meta.url);
export const HARNESS = new URL('./cold-harness.cjs', import.meta.url).pathname;
export const COLD_TABLE = 'bench-cold';
const ITEM_ID = 'cold-item';

/** What a deployed read function gets besides its code (Lambda's standard variables and the construct's). */
export function lambdaEnv(endpoint, dir) {
  return {
    PATH: process.env.PATH,
    ...awsEnv(endpoint),
    AWS_LAMBDA_FUNCTION_NAME: 'bench-read', AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '1024', AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs24.x', AWS_LAMBDA_LOG_FORMAT: 'JSON', LAMBDA_TASK_ROOT: dir, TZ: 'UTC',
    CRUD_TABLES: COLD_TABLE, CRUD_ROUTES: 'items:read',
    // The reference handlers (bench/references) read their table from CRUD_TABLE_NAME.
    CRUD_TABLE_NAME: COLD_TABLE,
  };
}

export async function prepareCold(ddb) {
  await createItemsTable(ddb, COLD_TABLE);
  await seed(ddb, COLD_TABLE, [handlerLikeItem(ITEM_ID, 'cold start')]);
}

/** Runs one cold start; returns the harness's figures plus the wall time the parent saw (spawn → exit). */
export function coldStart(dir, endpoint, event, extraArgs = [], expectItem = true) {
  const t = process.hrtime.bigint();
  const r = spawnSync(process.execPath, [...extraArgs, HARNESS, dir, JSON.stringify(event)], {
    env: lambdaEnv(endpoint, dir), encoding: 'utf8', timeout: 60_000, maxBuffer: 16 * 1024 * 1024,
  });
  const wall = Number(process.hrtime.bigint() - t) / 1e6;
  const line = (r.stdout ?? '').split('\n').reverse().find((l) => l.startsWith('@@BENCH '));
  if (!line) return { error: `no result (exit ${r.status}, signal ${r.signal}): ${(r.stderr ?? '').slice(-2000)}` };
  const out = JSON.parse(line.slice('@@BENCH '.length));
  if (out.error) return { error: out.error };
  if (out.status !== 200 || (expectItem && !String(out.body).includes(ITEM_ID))) return { error: `status ${out.status}, body ${String(out.body).slice(0, 300)}` };
  return { ...out, wall };
}

/**
 * @param bundles name → { dir } from build.mjs
 * @param runs measured runs per variant
 * @param warmupRounds rounds run first and reported apart (they fill the page cache), not in the figures
 */
export async function runCold({ bundles, libDir, endpoint, runs, warmupRounds, log }) {
  const { apiEvent } = require(join(libDir, 'events.cjs'));
  const event = apiEvent('GET', `/items/${ITEM_ID}`);
  const names = Object.keys(bundles);
  const samples = Object.fromEntries(names.map((n) => [n, []]));
  const warmup = Object.fromEntries(names.map((n) => [n, []]));
  const errors = [];
  for (let round = -warmupRounds; round < runs; round++) {
    const order = names.map((_, i) => names[(i + Math.max(round, 0)) % names.length]);
    for (const name of order) {
      // floor-noop answers without reading the item; every other bundle must return it.
      const r = coldStart(bundles[name].dir, endpoint, event, [], name !== 'floor-noop');
      if (r.error) {
        errors.push(`cold ${name}: ${r.error}`);
        continue;
      }
      (round < 0 ? warmup : samples)[name].push(r);
    }
    if (round >= 0 && (round + 1) % 10 === 0) log(`  cold: ${round + 1}/${runs} rounds`);
  }
  const result = {};
  for (const name of names) {
    const s = samples[name];
    result[name] = {
      runs: s.length,
      total: summary(s.map((x) => x.total)),
      load: summary(s.map((x) => x.load)),
      invoke: summary(s.map((x) => x.invoke)),
      boot: summary(s.map((x) => x.boot)),
      wall: summary(s.map((x) => x.wall)),
      warmupTotal: warmup[name].map((x) => x.total),
    };
  }
  return { event: 'GET /items/{id} (one item, read function env: CRUD_ROUTES=items:read)', runsPerVariant: runs, warmupRounds, variants: result, errors };
}
