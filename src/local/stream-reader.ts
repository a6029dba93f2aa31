/**
 * Reads one table's DynamoDB stream the way Lambda's event source mapping does: shard by shard, parents before
 * children, each from TRIM_HORIZON (or after its checkpoint), `GetRecords` in a loop with a short poll interval, and a
 * batch handed on only after the previous one was delivered (per-item order).
 *
 * DynamoDB Local's streams have quirks the reader recovers from (read in DynamoDBLocal.jar 2026-01-16's
 * LocalDynamoDbStreamsClient, and reported: localstack#12036, localstack#12360, aws-sdk-java#2923):
 * - an iterator is refused as expired 15 min after it was issued (also when the clock moved back: it compares the
 *   absolute difference), and as invalid when it cannot be parsed → a new one after the last record read;
 * - `TrimmedDataAccessException` when the iterator points before the shard's oldest record: on the first write to a
 *   fresh table (seen: DynamoDB Local numbers records across all its tables, so a stream's first record comes after
 *   the start its shard advertises), and on a shard whose records are all older than 24 h (a `--persist` folder used
 *   again a day later), even at TRIM_HORIZON → a new iterator after the last record read (or at the trim horizon), at
 *   once the first time, after a pause when it repeats;
 * - `ResourceNotFoundException: Invalid ShardId in ShardIterator` once a shard has expired → the stream is described
 *   again and the shard dropped;
 * - a closed shard answers without `NextShardIterator` once read → on to its children;
 * - a table deleted and created again (`--watch`, a DynamoDB Local restarted in memory) has a new stream → read from
 *   its start.
 * Any other failure (DynamoDB Local restarting) is retried with a growing pause, from where the reader was.
 */
import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  _Record, DescribeStreamCommand, DynamoDBStreamsClient, GetRecordsCommand, GetShardIteratorCommand, Shard, ShardIteratorType,
} from '@aws-sdk/client-dynamodb-streams';
import { CheckpointStore, compareSequenceNumbers } from './stream-checkpoints';

/** What a reader counts. */
export interface ReaderStats {
  records: number;
  /** Records delivered again after a restart that may have been delivered before it (at-least-once). */
  possibleDuplicates: number;
  /** Recoveries from DynamoDB Local's quirks, by kind. */
  readonly recoveries: Record<string, number>;
}

export interface StreamReaderOptions {
  readonly ddb: DynamoDBClient;
  readonly streams: DynamoDBStreamsClient;
  readonly tableName: string;
  /** Where a shard without checkpoint starts. */
  readonly startAt: 'TRIM_HORIZON' | 'LATEST';
  readonly checkpoints?: CheckpointStore;
  readonly pollMs: number;
  /**
   * Delivers records in stream order; resolves with the sequence number of the first record not delivered (read again
   * after a pause), or undefined when every record was.
   */
  readonly deliver: (streamArn: string, records: _Record[]) => Promise<string | undefined>;
  readonly warn: (line: string) => void;
  readonly stats: ReaderStats;
}

/** Records per GetRecords: the batch size of the publisher's event source mapping. */
export const BATCH_SIZE = 100;
/** A batch that keeps failing is given up after this many attempts (the event source mapping's retryAttempts + 1). */
export const MAX_BATCH_ATTEMPTS = 11;
const MAX_BACKOFF_MS = 5000;

class ShardGone extends Error {}

export class StreamReader {
  private stopped = false;
  private running?: Promise<void>;
  private streamArn?: string;
  /** Last record handed on, per shard, in this run. */
  private readonly position = new Map<string, string>();
  private readonly finished = new Set<string>();
  /** Attempts of a batch that failed, by the sequence number it failed at. */
  private readonly attempts = new Map<string, number>();
  private wake?: () => void;
  /** A nudge came while the reader was not waiting: its next wait is skipped. */
  private nudged = false;

  constructor(private readonly o: StreamReaderOptions) {}

  start(): void {
    this.running ??= this.run();
  }

  /** A write was just made to the table (through the API): poll now rather than at the next interval. */
  nudge(): void {
    if (this.wake) this.wake();
    else this.nudged = true;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    await this.running;
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (!this.stopped) {
      try {
        const arn = await this.latestStreamArn();
        if (!arn) {
          await this.sleep(this.o.pollMs * 10);
          continue;
        }
        if (this.streamArn && arn !== this.streamArn) {
          this.recovered('stream re-created', `${this.o.tableName}: its stream was created anew; reading the new one from its start`);
          this.position.clear();
          this.finished.clear();
        }
        this.streamArn = arn;
        const shard = await this.nextShard(arn);
        if (failures > 0) this.o.warn(`      ${this.o.tableName}: reading its stream again`);
        failures = 0;
        if (!shard) {
          await this.sleep(this.o.pollMs);
          continue;
        }
        await this.readShard(arn, shard);
      } catch (e) {
        if (this.stopped) return;
        if (failures++ === 0) this.o.warn(`      ${this.o.tableName}: stream not readable (${(e as Error).name}: ${(e as Error).message.split('\n')[0]}); retrying`);
        await this.sleep(Math.min(MAX_BACKOFF_MS, 100 * 2 ** failures));
      }
    }
  }

  private async latestStreamArn(): Promise<string | undefined> {
    const d = await this.o.ddb.send(new DescribeTableCommand({ TableName: this.o.tableName }));
    return d.Table?.StreamSpecification?.StreamEnabled ? d.Table.LatestStreamArn : undefined;
  }

  /** The first shard, in lineage order, not read to its end whose parent is (or is gone). */
  private async nextShard(arn: string): Promise<Shard | undefined> {
    const shards: Shard[] = [];
    let start: string | undefined;
    do {
      const d = await this.o.streams.send(new DescribeStreamCommand({ StreamArn: arn, ExclusiveStartShardId: start }));
      shards.push(...(d.StreamDescription?.Shards ?? []));
      start = d.StreamDescription?.LastEvaluatedShardId;
    } while (start);
    const listed = new Set(shards.map((s) => s.ShardId!));
    const done = (id: string) => this.finished.has(id) || this.o.checkpoints?.get(arn, id)?.done === true;
    return shards.find((s) => !done(s.ShardId!) && (!s.ParentShardId || !listed.has(s.ParentShardId) || done(s.ParentShardId)));
  }

  private async iterator(arn: string, shardId: string): Promise<string | undefined> {
    const after = this.position.get(shardId) ?? this.o.checkpoints?.get(arn, shardId)?.delivered;
    const get = (type: ShardIteratorType, SequenceNumber?: string) =>
      this.o.streams.send(new GetShardIteratorCommand({ StreamArn: arn, ShardId: shardId, ShardIteratorType: type, SequenceNumber }));
    if (after) {
      try {
        return (await get('AFTER_SEQUENCE_NUMBER', after)).ShardIterator;
      } catch (e) {
        if ((e as Error).name === 'ResourceNotFoundException') throw new ShardGone();
        if ((e as Error).name !== 'TrimmedDataAccessException' && (e as Error).name !== 'ValidationException') throw e;
        this.recovered('checkpoint trimmed', `      ${this.o.tableName}: records after ${after} of ${shardId} are gone from the stream (older than 24 h); reading from its trim horizon`);
      }
    }
    try {
      return (await get(after ? 'TRIM_HORIZON' : this.o.startAt)).ShardIterator;
    } catch (e) {
      if ((e as Error).name === 'ResourceNotFoundException') throw new ShardGone();
      throw e;
    }
  }

  private async readShard(arn: string, shard: Shard): Promise<void> {
    const shardId = shard.ShardId!;
    let iterator: string | undefined;
    try {
      iterator = await this.iterator(arn, shardId);
      let idleSince = Date.now();
      let trimmedInARow = 0;
      while (!this.stopped && iterator) {
        let res;
        try {
          res = await this.o.streams.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: BATCH_SIZE }));
          trimmedInARow = 0;
        } catch (e) {
          const name = (e as Error).name;
          const message = (e as Error).message ?? '';
          if (name === 'ExpiredIteratorException' || (name === 'ValidationException' && /iterator/i.test(message))) {
            this.recovered('iterator expired', `      ${this.o.tableName}: ${name} on ${shardId}; a new iterator after the last record read`);
            iterator = await this.iterator(arn, shardId);
            continue;
          }
          if (name === 'TrimmedDataAccessException') {
            // Seen on a fresh table: DynamoDB Local numbers records across all its tables, so a stream's first record
            // comes after the start its shard advertises. At once from where the reader is (or the trim horizon); a
            // shard whose records are all older than 24 h says so on every read: after a pause.
            this.recovered('trimmed', `      ${this.o.tableName}: TrimmedDataAccessException on ${shardId}; reading again from ` +
              `${this.position.has(shardId) ? 'the last record read' : 'its trim horizon'}`);
            if (trimmedInARow++ > 0) await this.sleep(this.o.pollMs * 10);
            iterator = await this.iterator(arn, shardId);
            continue;
          }
          if (name === 'ResourceNotFoundException') throw new ShardGone();
          throw e;
        }
        const records = res.Records ?? [];
        if (records.length) {
          const failedAt = await this.deliverBatch(arn, shardId, records);
          idleSince = Date.now();
          if (failedAt) {
            iterator = (await this.o.streams.send(new GetShardIteratorCommand({
              StreamArn: arn, ShardId: shardId, ShardIteratorType: 'AT_SEQUENCE_NUMBER', SequenceNumber: failedAt,
            }))).ShardIterator;
            continue;
          }
        } else {
          // Idle: look for a re-created stream now and then; else wait for the next poll.
          if (Date.now() - idleSince > 2000) {
            idleSince = Date.now();
            if (await this.latestStreamArn() !== arn) return;
          }
          if (res.NextShardIterator) await this.sleep(this.o.pollMs);
        }
        iterator = res.NextShardIterator;
      }
      if (!this.stopped && !iterator) {
        // A closed shard read to its end: its children come next.
        this.finished.add(shardId);
        await this.o.checkpoints?.delivered(arn, shardId, this.position.get(shardId), true);
      }
    } catch (e) {
      if (!(e instanceof ShardGone)) throw e;
      this.recovered('shard gone', `      ${this.o.tableName}: ${shardId} is no longer in the stream (expired); describing the stream again`);
      this.finished.add(shardId);
    }
  }

  /** Delivers one batch; the sequence number to read again from when part of it failed. */
  private async deliverBatch(arn: string, shardId: string, records: _Record[]): Promise<string | undefined> {
    const last = records[records.length - 1].dynamodb!.SequenceNumber!;
    const checkpoint = this.o.checkpoints?.get(arn, shardId);
    const seenUpTo = checkpoint?.inFlight;
    if (seenUpTo) {
      const again = records.filter((r) => compareSequenceNumbers(r.dynamodb!.SequenceNumber!, seenUpTo) <= 0
        && (!checkpoint.delivered || compareSequenceNumbers(r.dynamodb!.SequenceNumber!, checkpoint.delivered) > 0)).length;
      if (again > 0 && !this.position.has(shardId)) {
        this.o.stats.possibleDuplicates += again;
        this.o.warn(`      ${this.o.tableName}: ${again} record(s) of ${shardId} delivered again after the restart: their events may have ` +
          `been delivered before it (at-least-once; consumers drop duplicates by the event's id); ${this.o.stats.possibleDuplicates} in all`);
      }
    }
    await this.o.checkpoints?.inFlight(arn, shardId, last);
    const failedAt = await this.o.deliver(arn, records);
    const delivered = failedAt === undefined ? records : records.filter((r) => compareSequenceNumbers(r.dynamodb!.SequenceNumber!, failedAt) < 0);
    this.o.stats.records += delivered.length;
    if (failedAt !== undefined) {
      const attempts = (this.attempts.get(failedAt) ?? 0) + 1;
      this.attempts.set(failedAt, attempts);
      if (attempts < MAX_BATCH_ATTEMPTS) {
        if (delivered.length) await this.advance(arn, shardId, delivered[delivered.length - 1].dynamodb!.SequenceNumber!);
        await this.sleep(Math.min(MAX_BACKOFF_MS, 100 * 2 ** attempts));
        return failedAt;
      }
      this.attempts.delete(failedAt);
      this.o.warn(`      ${this.o.tableName}: records from ${failedAt} of ${shardId} failed ${attempts} times; skipped (in AWS: the on-failure destination)`);
    }
    await this.advance(arn, shardId, last);
    return undefined;
  }

  private async advance(arn: string, shardId: string, sequenceNumber: string): Promise<void> {
    this.position.set(shardId, sequenceNumber);
    await this.o.checkpoints?.delivered(arn, shardId, sequenceNumber);
  }

  private recovered(kind: string, line: string): void {
    const n = (this.o.stats.recoveries[kind] ?? 0) + 1;
    this.o.stats.recoveries[kind] = n;
    // The first of a kind is shown; the rest are counted (a trimmed shard would say so every few seconds).
    if (n === 1) this.o.warn(line);
  }

  private sleep(ms: number): Promise<void> {
    if (this.stopped) return Promise.resolve();
    if (this.nudged) {
      this.nudged = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const timer = setTimeout(() => { this.wake = undefined; resolve(); }, ms);
      this.wake = () => { clearTimeout(timer); this.wake = undefined; resolve(); };
    });
  }
}
