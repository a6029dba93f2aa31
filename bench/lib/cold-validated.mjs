// Cold start plus the first validated create (#22): a fresh node process loads the handler asset and answers one
// `POST /items` with 20 properties, as a create function (CRUD_ROUTES=items:create), with and without a 20-property
// JSON Schema. With the schema the first create loads the validation code compiled at synth (nothing is compiled at
// run time); without one, nothing of validation is loaded. Variants alternate (ABBA) so drift hits both alike.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { HARNESS, lambdaEnv } from './cold.mjs';
import { createIdempotencyTable, createItemsTable } from './ddb.mjs';
import { ratio, summary } from './stats.mjs';

const require = createRequire(import.meta.url);
const TABLE = 'bench-cold-create';
export const COLD_VALIDATED_TARGET = 1.05;

export async function runColdValidated({ ddb, endpoint, libDir, plainDir, schemaDir, runs, log, node = process.execPath }) {
  await createItemsTable(ddb, TABLE);
  await createIdempotencyTable(ddb, `${TABLE}-idempotency`);
  const { apiEvent } = require(join(libDir, 'events.cjs'));
  const body = Object.fromEntries(Array.from({ length: 20 }, (_, k) => [`field${k}`, `value ${k}`]));
  const event = apiEvent('POST', '/items', { json: body });
  const variants = { 'no schema': plainDir, '20-property schema': schemaDir };
  const samples = { 'no schema': [], '20-property schema': [] };
  const errors = [];
  const names = Object.keys(variants);
  for (let i = 0; i < runs; i++) {
    const order = i % 4 === 0 || i % 4 === 3 ? names : [...names].reverse();
    for (const name of order) {
      const dir = variants[name];
      const r = spawnSync(node, [HARNESS, dir, JSON.stringify(event)], {
        env: { ...lambdaEnv(endpoint, dir), CRUD_TABLES: TABLE, CRUD_IDEMPOTENCY_TABLES: `${TABLE}-idempotency`, CRUD_ROUTES: 'items:create' },
        encoding: 'utf8', timeout: 60_000, maxBuffer: 16 * 1024 * 1024,
      });
      const line = (r.stdout ?? '').split('\n').reverse().find((l) => l.startsWith('@@BENCH '));
      const out = line ? JSON.parse(line.slice('@@BENCH '.length)) : { error: `no result (exit ${r.status}): ${(r.stderr ?? '').slice(-500)}` };
      if (out.error || out.status !== 201) {
        errors.push(`cold-validated ${name}: ${out.error ?? `status ${out.status} ${String(out.body).slice(0, 200)}`}`);
        continue;
      }
      samples[name].push(out);
    }
    if ((i + 1) % 10 === 0) log(`  cold validated create: ${i + 1}/${runs}`);
  }
  const variantsOut = Object.fromEntries(names.map((n) => [n, {
    runs: samples[n].length, total: summary(samples[n].map((x) => x.total)), load: summary(samples[n].map((x) => x.load)),
    invoke: summary(samples[n].map((x) => x.invoke)),
  }]));
  return {
    event: 'POST /items with 20 properties, create function (CRUD_ROUTES=items:create), fresh process each',
    runsPerVariant: runs, variants: variantsOut,
    ratioP50: ratio(variantsOut['20-property schema'].total.p50, variantsOut['no schema'].total.p50),
    firstCallRatioP50: ratio(variantsOut['20-property schema'].invoke.p50, variantsOut['no schema'].invoke.p50),
    errors,
  };
}
