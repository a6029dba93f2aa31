/**
 * Stream records for the publisher's tests: built from JSON items (unit tests), or read back from a DynamoDB Local
 * table's stream and converted exactly as the runner converts them (src/handler/stream-record.ts).
 */
import { DescribeTableCommand, PutItemCommand, UpdateTableCommand } from '@aws-sdk/client-dynamodb';
import {
  _Record, DescribeStreamCommand, DynamoDBStreamsClient, GetRecordsCommand, GetShardIteratorCommand, Shard,
} from '@aws-sdk/client-dynamodb-streams';
import type { DynamoDBRecord } from 'aws-lambda';
import { ddb } from './api';
import { toItem } from '../../../src/handler/marshal';
import { toLambdaImage, toLambdaRecord } from '../../../src/handler/stream-record';

/** A stream client on the same DynamoDB Local (its streams endpoint is the DynamoDB endpoint). */
export const streams = new DynamoDBStreamsClient({ endpoint: process.env.AWS_ENDPOINT_URL_DYNAMODB });

let sequence = 1000;

/** A record as Lambda delivers it, for the given JSON items (stored shape: hidden attributes included). */
export function lambdaRecord(r: {
  readonly eventName: 'INSERT' | 'MODIFY' | 'REMOVE';
  readonly keys: Record<string, unknown>;
  readonly newItem?: Record<string, unknown>;
  readonly oldItem?: Record<string, unknown>;
  readonly eventID?: string;
  readonly sequenceNumber?: string;
  readonly time?: number;
  readonly userIdentity?: { type: string; principalId: string };
  readonly viewType?: 'KEYS_ONLY' | 'NEW_IMAGE' | 'OLD_IMAGE' | 'NEW_AND_OLD_IMAGES';
}): DynamoDBRecord {
  const seq = r.sequenceNumber ?? String(++sequence).padStart(21, '0');
  const image = (item: Record<string, unknown>) => toLambdaImage(toItem(item as any));
  return {
    eventID: r.eventID ?? `ev-${seq}`,
    eventName: r.eventName,
    eventVersion: '1.1',
    eventSource: 'aws:dynamodb',
    awsRegion: 'us-east-1',
    dynamodb: {
      ApproximateCreationDateTime: r.time ?? 1_767_225_600,
      Keys: image(r.keys),
      ...(r.newItem ? { NewImage: image(r.newItem) } : {}),
      ...(r.oldItem ? { OldImage: image(r.oldItem) } : {}),
      SequenceNumber: seq,
      SizeBytes: 100,
      StreamViewType: r.viewType ?? 'NEW_AND_OLD_IMAGES',
    },
    eventSourceARN: 'arn:aws:dynamodb:us-east-1:123456789012:table/t/stream/2026-01-01T00:00:00.000',
    ...(r.userIdentity ? { userIdentity: r.userIdentity } : {}),
  };
}

/** Turns on the table's stream (NEW_AND_OLD_IMAGES, as the construct does) and returns its ARN. */
export async function enableStream(tableName: string): Promise<string> {
  await ddb.send(new UpdateTableCommand({ TableName: tableName, StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' } }));
  const table = await ddb.send(new DescribeTableCommand({ TableName: tableName }));
  const arn = table.Table?.LatestStreamArn;
  if (!arn) throw new Error(`no stream on ${tableName}`);
  return arn;
}

/**
 * Every record of the stream so far, read from TRIM_HORIZON of every shard (parents before children), in Lambda's
 * shape. Reads each shard until reads return nothing three times, 20 ms apart (an open shard's iterator never ends,
 * and a read may come back empty before a record just written is readable). With `until`, reads again (up to 10 s)
 * until a record it accepts is there: write a marker item last, and every record committed before it is read.
 */
export async function readStream(streamArn: string, until?: (record: DynamoDBRecord) => boolean): Promise<DynamoDBRecord[]> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const records = await readStreamOnce(streamArn);
    if (!until || records.some(until)) return records;
    if (Date.now() > deadline) throw new Error(`the stream ${streamArn} has no record of the marker after 10 s`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Writes a marker item straight to the table (no API): its record comes after every record committed before. */
export async function writeMarker(tableName: string, key: Record<string, string>): Promise<(record: DynamoDBRecord) => boolean> {
  await ddb.send(new PutItemCommand({ TableName: tableName, Item: toItem(key) }));
  return (r) => Object.entries(key).every(([k, v]) => r.dynamodb?.Keys?.[k]?.S === v);
}

async function readStreamOnce(streamArn: string): Promise<DynamoDBRecord[]> {
  const shards: Shard[] = [];
  let start: string | undefined;
  do {
    const page = await streams.send(new DescribeStreamCommand({ StreamArn: streamArn, ExclusiveStartShardId: start }));
    shards.push(...(page.StreamDescription?.Shards ?? []));
    start = page.StreamDescription?.LastEvaluatedShardId;
  } while (start);
  const ids = new Set(shards.map((s) => s.ShardId));
  const ordered: Shard[] = [];
  const visit = (s: Shard) => {
    if (ordered.includes(s)) return;
    const parent = shards.find((p) => p.ShardId === s.ParentShardId);
    if (parent && ids.has(parent.ShardId)) visit(parent);
    ordered.push(s);
  };
  shards.forEach(visit);
  const out: DynamoDBRecord[] = [];
  for (const shard of ordered) {
    const it = await streams.send(new GetShardIteratorCommand({ StreamArn: streamArn, ShardId: shard.ShardId, ShardIteratorType: 'TRIM_HORIZON' }));
    let iterator = it.ShardIterator;
    let empty = 0;
    while (iterator && empty < 3) {
      const page = await streams.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 1000 }));
      const records: _Record[] = page.Records ?? [];
      out.push(...records.map((r) => toLambdaRecord(r, streamArn, 'us-east-1')));
      empty = records.length === 0 ? empty + 1 : 0;
      if (empty > 0 && empty < 3) await new Promise((resolve) => setTimeout(resolve, 20));
      iterator = page.NextShardIterator;
    }
  }
  return out;
}
