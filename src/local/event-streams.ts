/**
 * Change events of one API, locally: per resource with `changeEvents`, a reader of its table's stream hands the records
 * (in Lambda's shape, through the same `toLambdaRecord`) to the same `publishChanges` the publisher function runs, with
 * the local bus as its sink (rules matched, subscribers invoked, the `/_events` feed).
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { _Record, DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import type { LocalApi, LocalResourceEvents } from './assembly';
import { DeliveryStats, LocalEventBus } from './event-delivery';
import type { EventFeed } from './event-feed';
import type { LocalSubscriber } from './event-rules';
import type { FunctionInvoker } from './function-host';
import type { CheckpointStore } from './stream-checkpoints';
import { ReaderStats, StreamReader } from './stream-reader';
import { publishChanges } from '../handler/change-publisher';
import { loadConfig } from '../handler/load-config';
import { toLambdaRecord } from '../handler/stream-record';

/** How often an idle stream is polled. */
export const POLL_MS = 100;

/** Counts of every API's change events since the runner started. */
export interface EventStats {
  readonly delivery: DeliveryStats;
  readonly reading: ReaderStats;
}

export function newEventStats(): EventStats {
  return {
    delivery: { events: 0, delivered: 0, failedAttempts: 0, givenUp: 0 },
    reading: { records: 0, possibleDuplicates: 0, recoveries: {} },
  };
}

export interface ApiEventsOptions {
  readonly ddb: DynamoDBClient;
  readonly streams: DynamoDBStreamsClient;
  readonly region: string;
  readonly checkpoints?: CheckpointStore;
  /** Where a table's stream starts without a checkpoint (LATEST for tables the runner did not create). */
  readonly startAt: (tableName: string) => 'TRIM_HORIZON' | 'LATEST';
  /** The function served now for a logical id. */
  readonly invoker: (functionLogicalId: string) => FunctionInvoker | undefined;
  readonly feed: EventFeed;
  /** Show the publisher's every log line, not only its errors (`--function-logs`). */
  readonly allLogs: boolean;
  readonly log: (line: string) => void;
  readonly warn: (line: string) => void;
  readonly stats: EventStats;
  readonly pollMs?: number;
}

interface Running {
  readonly reader: StreamReader;
  events: LocalResourceEvents;
}

export class ApiChangeEvents {
  private readonly running = new Map<string, Running>();

  constructor(private api: LocalApi, private readonly o: ApiEventsOptions) {}

  /** Starts a reader per resource with change events. */
  start(): void {
    for (const events of this.api.changeEvents) this.startResource(events);
  }

  /** A new version of the API (`--watch`): new subscribers at once, readers started and stopped as resources come and go. */
  async update(api: LocalApi): Promise<void> {
    this.api = api;
    const wanted = new Map(api.changeEvents.map((e) => [e.tableName, e]));
    for (const [table, r] of [...this.running]) {
      const next = wanted.get(table);
      if (next && next.resource === r.events.resource) {
        r.events = next;
      } else {
        this.running.delete(table);
        await r.reader.stop();
      }
    }
    for (const e of api.changeEvents) if (!this.running.has(e.tableName)) this.startResource(e);
  }

  /** A write went through the API: its readers poll now (writes from elsewhere are seen at the next poll). */
  nudge(): void {
    for (const r of this.running.values()) r.reader.nudge();
  }

  async stop(): Promise<void> {
    await Promise.all([...this.running.values()].map((r) => r.reader.stop()));
    this.running.clear();
  }

  private startResource(events: LocalResourceEvents): void {
    const { o } = this;
    const config = loadConfig(events.configDir, {});
    const running: Running = { events, reader: undefined as unknown as StreamReader };
    const bus = new LocalEventBus({
      region: o.region,
      subscribers: (): readonly LocalSubscriber[] => running.events.subscribers.subscribers,
      invoker: o.invoker,
      feed: o.feed,
      log: o.log,
      warn: o.warn,
      stats: o.stats.delivery,
    });
    const publisherLog = (line: string) => {
      if (o.allLogs) o.log(`      [publisher ${events.resource}] ${line}`);
      else if (/"level"\s*:\s*"(ERROR|FATAL|WARN)"/.test(line)) o.warn(`      [publisher ${events.resource}] ${line}`);
    };
    const deliver = async (streamArn: string, records: _Record[]): Promise<string | undefined> => {
      // DynamoDB Local names its region `ddblocal` on every record; Lambda gives the table's region.
      const lambdaRecords = records.map((r) => toLambdaRecord(r, streamArn, o.region));
      const result = await publishChanges(lambdaRecords, {
        config, resource: events.resource, source: events.source, eventBusName: events.eventBusName, log: publisherLog,
      }, bus);
      return result.batchItemFailures[0]?.itemIdentifier;
    };
    const reader = new StreamReader({
      ddb: o.ddb,
      streams: o.streams,
      tableName: events.tableName,
      startAt: o.startAt(events.tableName),
      checkpoints: o.checkpoints,
      pollMs: o.pollMs ?? POLL_MS,
      deliver,
      warn: o.warn,
      stats: o.stats.reading,
    });
    (running as { reader: StreamReader }).reader = reader;
    this.running.set(events.tableName, running);
    reader.start();
  }
}

/** The start-up lines of an API's change events: per bus, its resources and subscribers, and what is not run locally. */
export function changeEventLines(api: LocalApi): { text: string; warn?: boolean }[] {
  const lines: { text: string; warn?: boolean }[] = [];
  const byBus = new Map<string, LocalResourceEvents[]>();
  for (const e of api.changeEvents) byBus.set(e.subscribers.busLabel, [...(byBus.get(e.subscribers.busLabel) ?? []), e]);
  for (const [bus, all] of byBus) {
    const e = all[0];
    const subs = e.subscribers.subscribers;
    lines.push({
      text: `  events ${all.map((x) => `/${x.resource}`).join(' ')} → bus ${bus} (source ${e.source}): ` +
        (subs.length ? subs.map((s) => `${s.rule} → ${s.functionLogicalId}`).join(', ') : 'no subscriber in the app'),
    });
    for (const u of e.subscribers.unserved) {
      lines.push({ text: `  events on ${bus}: ! ${u.rule}${u.targetId ? ` target ${u.targetId}` : ''} NOT RUN LOCALLY: ${u.reason}`, warn: true });
    }
  }
  return lines;
}
