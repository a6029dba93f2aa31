// Writes with change events on vs off (#21): `changeEvents` enables the items table's stream (NEW_AND_OLD_IMAGES)
// and leaves the CRUD handler as it is, so what a write pays is whatever the table's stream costs the write. Measured
// on DynamoDB Local, warm, with the calibrated method (lib/ab-calibrated-worker.cjs: one bundle, one SDK copy, one
// client, one handler per variant): the same handler config against
//   off  — a table without a stream;
//   on   — the same table with a NEW_AND_OLD_IMAGES stream;
//   off² — a second table without a stream: the A/A.
// All three seeded alike; POST /items and PATCH /items/{id} interleaved in rotating order. Afterwards the stream is
// read back from its start, so `on` is known to have produced one record per write.
//
// What it measures is DynamoDB Local's cost of a stream (it writes the stream record with the item, in the same
// request). In AWS the stream is asynchronous to the write: DynamoDB acknowledges the write, and the record reaches
// the stream afterwards; no reader (the publisher) runs here, as none runs in the write's path in AWS either.
import { CreateTableCommand, DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { DescribeStreamCommand, DynamoDBStreamsClient, GetRecordsCommand, GetShardIteratorCommand } from '@aws-sdk/client-dynamodb-streams';
import { join } from 'node:path';
import { DEFAULT_CONFIG } from './build.mjs';
import { createIdempotencyTable, handlerLikeItem, seed } from './ddb.mjs';
import { aaOffOps, loadAverage, nodeVersion as versionOf, onOffRow, runWorker, summariseOps } from './harness/worker.mjs';
import { fmtMs, printTable } from './stats.mjs';
import { buildWarmEntry } from './warm-calibrated.mjs';

const WORKER = new URL('./ab-calibrated-worker.cjs', import.meta.url).pathname;
const POOL = 1000;
export const STREAM_WRITES_VARIANTS = { off: 'table without a stream', on: 'table with a NEW_AND_OLD_IMAGES stream', 'off²': 'another table without a stream (A/A)' };
const NAMES = Object.keys(STREAM_WRITES_VARIANTS);
/**
 * Three tables per variant, created interleaved (off 0, on 0, off² 0, off 1, …) and used in turn: DynamoDB Local serves
 * some tables a few % faster than others (two tables created one after the other read 5 % apart, measured), so each
 * variant's figure is the average over its tables rather than the luck of one.
 */
const TABLES_PER_VARIANT = 3;
const TABLES = Object.fromEntries(NAMES.map((n) => [n, Array.from({ length: TABLES_PER_VARIANT }, (_, k) => `bench-sw-${n === 'off²' ? 'off2' : n}-${k}`)]));
export const STREAM_WRITES_OPS = ['create', 'update'];
/** The issue's target (#21): warm write latency with change events on ≤ 1.05× off, at p50. */
export const STREAM_WRITES_TARGET = 1.05;
/** The A/A bound (±2 %: the target's margin is 5 %; the instrument's own error should be well under half of it). */
export const STREAM_WRITES_AA = 0.02;

async function prepare(ddb, pool) {
  for (const [name, table] of Array.from({ length: TABLES_PER_VARIANT }, (_, k) => NAMES.map((n) => [n, TABLES[n][k]])).flat()) {
    await ddb.send(new CreateTableCommand({
      TableName: table,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      ...(name === 'on' ? { StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' } } : {}),
    }));
    await createIdempotencyTable(ddb, `${table}-idempotency`);
    await seed(ddb, table, Array.from({ length: pool }, (_, i) => handlerLikeItem(`warm-${i}`, `item ${i}`)));
  }
}

/** Counts the records of a table's stream, from the start of every shard. */
async function countStreamRecords(ddb, endpoint, table) {
  const arn = (await ddb.send(new DescribeTableCommand({ TableName: table }))).Table.LatestStreamArn;
  const streams = new DynamoDBStreamsClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  const byType = {};
  try {
    const shards = (await streams.send(new DescribeStreamCommand({ StreamArn: arn }))).StreamDescription.Shards ?? [];
    for (const shard of shards) {
      let iterator = (await streams.send(new GetShardIteratorCommand({ StreamArn: arn, ShardId: shard.ShardId, ShardIteratorType: 'TRIM_HORIZON' }))).ShardIterator;
      for (let empty = 0; iterator && empty < 2;) {
        const out = await streams.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 1000 }));
        for (const rec of out.Records ?? []) byType[rec.eventName] = (byType[rec.eventName] ?? 0) + 1;
        empty = (out.Records ?? []).length ? 0 : empty + 1;
        iterator = out.NextShardIterator;
      }
    }
  } finally {
    streams.destroy();
  }
  return byType;
}

export async function runStreamWrites({ ddb, endpoint, root, outDir, libDir, iterations, warmup, node = process.execPath, pool = POOL }) {
  // `pool`: items seeded per table (the quick mode seeds few: nine tables of 1,000 would cost the test task seconds).
  await prepare(ddb, pool);
  const entry = await buildWarmEntry(root, outDir);
  const input = {
    entry, eventsLib: join(libDir, 'events.cjs'), iterations, warmup, poolSize: pool, seed: 21, ops: STREAM_WRITES_OPS,
    variants: NAMES.map((name) => ({ name, config: DEFAULT_CONFIG, envs: TABLES[name].map((t) => ({ CRUD_TABLES: t, CRUD_IDEMPOTENCY_TABLES: `${t}-idempotency` })) })),
  };
  const nodeVersion = versionOf(node);
  const loadAverageAtStart = loadAverage();
  const started = Date.now();
  const message = await runWorker(WORKER, input, { name: 'stream-writes', endpoint, node });
  const seconds = Math.round((Date.now() - started) / 1000);
  const loadAverageAtEnd = loadAverage();
  const ops = summariseOps(message.samples, (s) => onOffRow(s));
  const aaOff = aaOffOps(ops, STREAM_WRITES_AA);
  const errors = message.errors.slice(0, 20).map((e) => `streamWrites ${e}`);
  // Seeding wrote POOL items through BatchWriteItem: those are records too (INSERT).
  const records = {};
  for (const table of TABLES.on) for (const [k, n] of Object.entries(await countStreamRecords(ddb, endpoint, table))) records[k] = (records[k] ?? 0) + n;
  const writes = message.requests.on ?? 0;
  const expectedRecords = pool * TABLES_PER_VARIANT + writes;
  const gotRecords = Object.values(records).reduce((a, b) => a + b, 0);
  if (gotRecords !== expectedRecords) errors.push(`streamWrites: the stream holds ${gotRecords} records, expected ${expectedRecords} (${pool} seeded per table + ${writes} writes)`);
  return {
    method: `one bundle, one SDK copy, one client; the same handler config against tables without a stream (off), with one (on) and without again (off², the A/A), ${TABLES_PER_VARIANT} tables each used in turn; rotating order`, tablesPerVariant: TABLES_PER_VARIANT,
    node: nodeVersion, iterations, warmup, seconds, loadAverageAtStart, loadAverageAtEnd, aaBound: STREAM_WRITES_AA, target: STREAM_WRITES_TARGET,
    ops, aaWithinTolerance: aaOff.length === 0, aaOff, streamRecords: { ...records, expected: expectedRecords }, errors,
  };
}

export const streamWritesKey = (w) => `node${w.node.replace(/^v(\d+).*/, '$1')}`;

export function printStreamWrites(r) {
  for (const [key, w] of Object.entries(r.streamWrites ?? {})) {
    printTable(`Writes, change events on (a stream on the table) vs off (${key}, ${w.node}): ${w.iterations} iterations after ${w.warmup}; load ${w.loadAverageAtStart.join('/')} → ` +
      `${w.loadAverageAtEnd.join('/')}; ${w.aaWithinTolerance ? `A/A within ±${w.aaBound * 100} %: trusted` : `A/A OFF by more than ±${w.aaBound * 100} %: UNTRUSTED`}`,
    ['operation', 'A/A p50', 'off p50', 'on p50', 'on/off p50', 'added µs', 'A/A p99', 'on/off p99'],
    Object.entries(w.ops).map(([op, o]) => [op, `${o.aaP50.toFixed(3)}×`, fmtMs(o.off.p50), fmtMs(o.on.p50), `${o.ratioP50.toFixed(3)}×`, o.addedP50Us, `${o.aaP99.toFixed(3)}×`, `${o.ratioP99.toFixed(3)}×`]));
    console.log(`stream records: ${JSON.stringify(w.streamRecords)}`);
  }
}

export function streamWritesTargets(r) {
  return Object.entries(r.streamWrites ?? {}).flatMap(([key, w]) => Object.entries(w.ops).map(([op, o]) => ({
    name: `change events on, warm ${op === 'create' ? 'POST' : 'PATCH'} ≤ ${STREAM_WRITES_TARGET.toFixed(2)}× off (${key})`,
    value: `${o.ratioP50.toFixed(3)}× (+${o.addedP50Us} µs; A/A ${o.aaP50.toFixed(3)}×)${Math.abs(o.aaP50 - 1) <= STREAM_WRITES_AA ? '' : ' untrusted'}`,
    target: `≤ ${STREAM_WRITES_TARGET.toFixed(2)}×`, met: Math.abs(o.aaP50 - 1) <= STREAM_WRITES_AA && o.ratioP50 <= STREAM_WRITES_TARGET,
    note: `p50, DynamoDB Local's stream (synchronous there; asynchronous to the write in AWS), A/A bound ±${STREAM_WRITES_AA * 100} %`,
  })));
}
