/**
 * The runner's stream reader (src/local/stream-reader.ts) against the tests' DynamoDB Local: each quirk it recovers
 * from is first shown to happen (so that a DynamoDB Local that no longer does it shows here), then recovered from,
 * every record handed on once, in order; and a checkpoint resumes after what was delivered.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { CreateTableCommand, DeleteTableCommand, DescribeTableCommand, DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import {
  _Record, DynamoDBStreamsClient, GetRecordsCommand, GetShardIteratorCommand, DescribeStreamCommand,
} from '@aws-sdk/client-dynamodb-streams';
import { CheckpointStore } from '../../src/local/stream-checkpoints';
import { ReaderStats, StreamReader } from '../../src/local/stream-reader';

const endpoint = process.env.AWS_ENDPOINT_URL_DYNAMODB!;
const ddb = new DynamoDBClient({ endpoint });
const streams = new DynamoDBStreamsClient({ endpoint });
let n = 0;

async function streamedTable(): Promise<string> {
  const name = `reader-${process.pid}-${Date.now()}-${n++}`;
  await ddb.send(new CreateTableCommand({
    TableName: name,
    BillingMode: 'PAY_PER_REQUEST',
    KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
    AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
    StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' },
  }));
  return name;
}

const put = (table: string, id: string, v = 1) => ddb.send(new PutItemCommand({ TableName: table, Item: { id: { S: id }, v: { N: String(v) } } }));

async function firstShard(table: string): Promise<{ arn: string; shardId: string }> {
  const arn = (await ddb.send(new DescribeTableCommand({ TableName: table }))).Table!.LatestStreamArn!;
  const shardId = (await streams.send(new DescribeStreamCommand({ StreamArn: arn }))).StreamDescription!.Shards![0].ShardId!;
  return { arn, shardId };
}

/** A reader that collects what it delivers; `client` lets a test put itself between the reader and DynamoDB Streams. */
function reader(table: string, o: { client?: DynamoDBStreamsClient; checkpoints?: CheckpointStore } = {}) {
  const delivered: _Record[] = [];
  const warnings: string[] = [];
  const stats: ReaderStats = { records: 0, possibleDuplicates: 0, recoveries: {} };
  const r = new StreamReader({
    ddb,
    streams: o.client ?? streams,
    tableName: table,
    startAt: 'TRIM_HORIZON',
    checkpoints: o.checkpoints,
    pollMs: 20,
    stats,
    deliver: async (_arn, records) => { delivered.push(...records); return undefined; },
    warn: (line) => warnings.push(line),
  });
  r.start();
  return { r, delivered, warnings, stats, ids: () => delivered.map((x) => `${x.eventName} ${x.dynamodb!.Keys!.id.S}`) };
}

async function until(cond: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((res) => setTimeout(res, 20));
  }
}

afterAll(() => {
  ddb.destroy();
  streams.destroy();
});

describe('StreamReader against DynamoDB Local', () => {
  test('quirk: a fresh table\'s first record comes after its shard\'s advertised start → TrimmedDataAccessException at TRIM_HORIZON', async () => {
    // DynamoDB Local numbers stream records across all its tables.
    const other = await streamedTable();
    const table = await streamedTable();
    const { arn, shardId } = await firstShard(table);
    const iterator = (await streams.send(new GetShardIteratorCommand({ StreamArn: arn, ShardId: shardId, ShardIteratorType: 'TRIM_HORIZON' }))).ShardIterator!;
    await put(other, 'x');
    await put(table, 'a');
    await expect(streams.send(new GetRecordsCommand({ ShardIterator: iterator }))).rejects.toThrow(expect.objectContaining({ name: 'TrimmedDataAccessException' }));
  });

  test('reads a fresh table from its start through that quirk: every record once, in order', async () => {
    const other = await streamedTable();
    const table = await streamedTable();
    const { r, ids, stats } = reader(table);
    try {
      await new Promise((res) => setTimeout(res, 100)); // the reader holds an iterator of the empty shard
      await put(other, 'x');
      for (const id of ['a', 'b', 'c']) await put(table, id);
      await put(table, 'a', 2);
      await until(() => ids().length >= 4, 'four records');
      await new Promise((res) => setTimeout(res, 200));
      expect(ids()).toEqual(['INSERT a', 'INSERT b', 'INSERT c', 'MODIFY a']);
      expect(stats.recoveries.trimmed).toBe(1);
    } finally {
      await r.stop();
    }
  });

  test('quirk: an iterator older than 15 minutes is refused as expired; the reader takes a new one after the last record', async () => {
    const table = await streamedTable();
    await put(table, 'a');
    // The iterator carries the time it was issued (`<stream>|001|base64(shard|sequence|millis)`); one 16 minutes old:
    const age = (it: string) => {
      const [head, version, body] = it.split('|');
      const [shard, seq, millis] = Buffer.from(body, 'base64').toString('utf8').split('|');
      const old = String(Number(millis) - 16 * 60_000).padStart(millis.length, '0');
      return [head, version, Buffer.from([shard, seq, old].join('|')).toString('base64')].join('|');
    };
    const { arn, shardId } = await firstShard(table);
    const fresh = (await streams.send(new GetShardIteratorCommand({ StreamArn: arn, ShardId: shardId, ShardIteratorType: 'TRIM_HORIZON' }))).ShardIterator!;
    await expect(streams.send(new GetRecordsCommand({ ShardIterator: age(fresh) }))).rejects.toThrow(expect.objectContaining({ name: 'ExpiredIteratorException' }));

    // The reader's next GetRecords after the first record gets an expired iterator, once.
    let aged = false;
    const client = new DynamoDBStreamsClient({ endpoint });
    const send = client.send.bind(client);
    (client as any).send = (command: any) => {
      if (command instanceof GetRecordsCommand && !aged && reading.delivered.length === 1) {
        aged = true;
        return send(new GetRecordsCommand({ ...command.input, ShardIterator: age(command.input.ShardIterator!) }));
      }
      return send(command);
    };
    const reading = reader(table, { client });
    try {
      await until(() => reading.delivered.length === 1, 'the first record');
      await put(table, 'b');
      await until(() => reading.delivered.length === 2, 'the second record');
      expect(aged).toBe(true);
      expect(reading.ids()).toEqual(['INSERT a', 'INSERT b']);
      expect(reading.stats.recoveries['iterator expired']).toBe(1);
    } finally {
      await reading.r.stop();
      client.destroy();
    }
  });

  test('a table deleted and created again: its new stream is read from its start', async () => {
    const table = await streamedTable();
    const reading = reader(table);
    try {
      await put(table, 'a');
      await until(() => reading.delivered.length === 1, 'the first record');
      await ddb.send(new DeleteTableCommand({ TableName: table }));
      await ddb.send(new CreateTableCommand({
        TableName: table,
        BillingMode: 'PAY_PER_REQUEST',
        KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
        StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' },
      }));
      await put(table, 'b');
      await until(() => reading.delivered.length === 2, 'the record of the new stream');
      expect(reading.ids()).toEqual(['INSERT a', 'INSERT b']);
      expect(reading.stats.recoveries['stream re-created']).toBe(1);
    } finally {
      await reading.r.stop();
    }
  });

  test('with checkpoints, a new reader resumes after what was delivered; the file is replaced whole', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'reader-checkpoints-'));
    try {
      const table = await streamedTable();
      for (const id of ['a', 'b', 'c']) await put(table, id);
      const first = reader(table, { checkpoints: CheckpointStore.load(dir) });
      await until(() => first.delivered.length === 3, 'three records');
      await first.r.stop();
      expect(fs.readdirSync(dir)).toEqual(['crud-api-local-streams.json']);
      await put(table, 'd');
      const second = reader(table, { checkpoints: CheckpointStore.load(dir) });
      await until(() => second.delivered.length === 1, 'the new record');
      await new Promise((res) => setTimeout(res, 200));
      await second.r.stop();
      expect(second.ids()).toEqual(['INSERT d']);
      expect(second.stats.possibleDuplicates).toBe(0);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
