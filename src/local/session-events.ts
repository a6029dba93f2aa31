/**
 * The change events of a run of the runner: one stream reader per table of a resource with `changeEvents`, one live
 * feed per API, the checkpoints in the `--persist` folder, and the counts printed when the runner stops.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import type { LocalApi } from './assembly';
import { EventFeed } from './event-feed';
import { ApiChangeEvents, EventStats, newEventStats } from './event-streams';
import type { FunctionInvoker } from './function-host';
import { CheckpointStore } from './stream-checkpoints';

export interface SessionEventsOptions {
  readonly endpoint: string;
  readonly region: string;
  /** The runner runs its own DynamoDB Local (no --endpoint). */
  readonly local: boolean;
  readonly persist?: string;
  readonly functionLogs: boolean;
  readonly out: (line: string) => void;
  readonly warn: (s: string) => string;
}

export class SessionEvents {
  readonly stats: EventStats = newEventStats();
  private readonly streams: DynamoDBStreamsClient;
  private readonly checkpoints?: CheckpointStore;
  private readonly feeds = new Map<string, EventFeed>();
  private readonly apis = new Map<string, ApiChangeEvents>();
  /** Tables this run created (their streams are read from the start; others, with --endpoint, from now). */
  private readonly created = new Set<string>();

  constructor(private readonly o: SessionEventsOptions) {
    this.streams = new DynamoDBStreamsClient({
      endpoint: o.endpoint, region: o.region, credentials: o.local ? { accessKeyId: 'local', secretAccessKey: 'local' } : undefined,
    });
    this.checkpoints = o.persist ? CheckpointStore.load(o.persist) : undefined;
  }

  /** Notes a table the run created. */
  tableCreated(tableName: string): void {
    this.created.add(tableName);
  }

  /** The API's live feed (created on first use), when it publishes change events. */
  feedOf(api: LocalApi): EventFeed | undefined {
    if (!api.changeEvents.length) return undefined;
    let feed = this.feeds.get(api.manifest.path);
    if (!feed) this.feeds.set(api.manifest.path, feed = new EventFeed());
    return feed;
  }

  /** Starts (or, on reload, updates) the readers of an API. */
  async serve(api: LocalApi, ddb: DynamoDBClient, invoker: (logicalId: string) => FunctionInvoker | undefined): Promise<void> {
    const key = api.manifest.path;
    const running = this.apis.get(key);
    if (running) return running.update(api);
    const feed = this.feedOf(api);
    if (!feed) return;
    const { o } = this;
    const events = new ApiChangeEvents(api, {
      ddb,
      streams: this.streams,
      region: o.region,
      checkpoints: this.checkpoints,
      startAt: (table) => (o.local || this.created.has(table) ? 'TRIM_HORIZON' : 'LATEST'),
      invoker,
      feed,
      allLogs: o.functionLogs,
      log: o.out,
      warn: (line) => o.out(o.warn(line)),
      stats: this.stats,
    });
    this.apis.set(key, events);
    events.start();
  }

  /** A write went through the API's server: its readers look at their streams now. */
  nudge(apiPath: string): void {
    this.apis.get(apiPath)?.nudge();
  }

  /** Stops the readers of an API that is no longer served. */
  async remove(apiPath: string): Promise<void> {
    await this.apis.get(apiPath)?.stop();
    this.apis.delete(apiPath);
    this.feeds.get(apiPath)?.close();
    this.feeds.delete(apiPath);
  }

  async stop(): Promise<void> {
    await Promise.all([...this.apis.keys()].map((k) => this.remove(k)));
    this.streams.destroy();
  }

  /** What happened, for the line printed when the runner stops (undefined: no change events). */
  summary(): string | undefined {
    const { delivery: d, reading: r } = this.stats;
    if (r.records === 0 && d.events === 0) return undefined;
    const recoveries = Object.entries(r.recoveries).map(([k, n]) => `${k} ×${n}`).join(', ');
    return `change events: ${r.records} stream records read, ${d.events} events, ${d.delivered} deliveries to subscribers, ` +
      `${d.failedAttempts} failed attempts, ${d.givenUp} given up, ${r.possibleDuplicates} possible duplicates after a restart` +
      `${recoveries ? `; recovered from DynamoDB Local's stream quirks: ${recoveries}` : ''}`;
  }
}
