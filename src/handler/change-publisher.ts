/**
 * The change-event publisher: one batch of a table's stream records → CloudEvents on the bus, in per-item stream order,
 * nothing lost. The Lambda entry (change-publisher.lambda.ts) wraps it with an EventBridge sink; the local runner calls
 * the same function with its own sink.
 *
 * Guarantees:
 * - per item, stream order at the publisher: an item's next event is put only after its previous one was accepted
 *   (two events of one item are never in one PutEvents request, whose entries EventBridge may accept in part);
 * - at least once: entries EventBridge refuses are retried (bounded, with backoff); what is still unpublished then is
 *   reported as `batchItemFailures` from the earliest unpublished record, which Lambda delivers again with everything
 *   after it (so duplicates, never loss; consumers drop duplicates by the event's `id`);
 * - an item too large for an entry is sent cut down (src/handler/change-entry.ts), never refused: it cannot block its
 *   shard;
 * - no order across items.
 */
import type { DynamoDBRecord } from 'aws-lambda';
import { entryOf, fitsPutEvents, SizedEntry } from './change-entry';
import { ChangeEventContext, buildChangeEvent, changeEventContext } from './change-event';
import { publisherMetrics } from './change-metrics';
import { describeError, LogWriter, stdoutWriter } from './log';
import { ChangeEventSink, MAX_ENTRIES_PER_PUT, PutEntryFailure } from '../shared/change-events';
import type { HandlerConfig } from '../shared/config';

/** Bounded retries of refused entries within one invocation (then Lambda's own retries take over). */
export interface PublisherRetryPolicy {
  /** Attempts per entry, the first included. */
  readonly maxAttempts: number;
  /** Backoff before retry n is random in [0, min(maxDelayMs, baseDelayMs × 2^(n-1))] ("full jitter"). */
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
}

/** The defaults: 4 attempts, at most ~0.7 s of backoff in all. */
export const DEFAULT_PUBLISHER_RETRY: PublisherRetryPolicy = { maxAttempts: 4, baseDelayMs: 100, maxDelayMs: 1_000 };

/** Most PutEvents requests in flight at once (one invocation). */
export const DEFAULT_MAX_PARALLEL_PUTS = 10;

/**
 * No new PutEvents is started with less than this left of the invocation (or a third of what was left when the batch
 * began, if less: a short timeout still publishes): the rest is reported for redelivery rather than cut off by the
 * timeout, which would deliver the whole batch again.
 */
export const DEFAULT_RESERVE_MS = 10_000;

/** What the publisher of one resource's table works with. */
export interface PublisherSettings {
  readonly config: HandlerConfig;
  /** The resource whose table's stream the records come from. */
  readonly resource: string;
  /** The events' source (entry `Source`, CloudEvents `source`). */
  readonly source: string;
  /** The bus's name or ARN (entry `EventBusName`). */
  readonly eventBusName: string;
  /** Where the JSON log lines go. @default stdout */
  readonly log?: LogWriter;
  /** @default DEFAULT_PUBLISHER_RETRY */
  readonly retry?: PublisherRetryPolicy;
  /** @default DEFAULT_MAX_PARALLEL_PUTS */
  readonly maxParallelPuts?: number;
  /** Milliseconds left of the invocation (Lambda's `context.getRemainingTimeInMillis`). @default unbounded */
  readonly remainingMs?: () => number;
  /** @default DEFAULT_RESERVE_MS */
  readonly reserveMs?: number;
  /** Waits between retries (tests pass a fake). @default setTimeout */
  readonly sleep?: (ms: number) => Promise<void>;
  /** Random in [0, 1) for the backoff's jitter. @default Math.random */
  readonly random?: () => number;
}

/** What a batch came to. */
export interface PublishResult {
  /** For Lambda's ReportBatchItemFailures: the earliest record not published (empty: all done). */
  readonly batchItemFailures: { itemIdentifier: string }[];
  /** Entries the bus accepted. */
  readonly published: number;
  /** Records that publish nothing (a MODIFY that changed nothing the API shows). */
  readonly skipped: number;
  /** Entries sent cut down to fit EventBridge's size limit. */
  readonly truncated: number;
  /** Records given up in this invocation (refused after the retries, or not publishable): Lambda delivers them again. */
  readonly failed: number;
}

/** An event waiting to be put: its record's position, and its attempts. */
interface Pending {
  readonly index: number;
  readonly sized: SizedEntry;
  attempts: number;
  lastFailure?: PutEntryFailure;
}

/** Entry errors that another attempt cannot fix (EventBridge's PutEvents entry and request errors). */
const PERMANENT_ERRORS: ReadonlySet<string> = new Set([
  'MalformedDetail', 'InvalidArgument', 'ValidationException', 'AccessDeniedException', 'NotAuthorizedForSourceException',
  'NotAuthorizedForDetailTypeException', 'ResourceNotFoundException', 'UnrecognizedClientException',
]);

const contexts = new WeakMap<HandlerConfig, Map<string, ChangeEventContext>>();

/** The builder's context, prepared once per config, resource and source. */
function contextOf(settings: PublisherSettings): ChangeEventContext {
  let byKey = contexts.get(settings.config);
  if (!byKey) contexts.set(settings.config, byKey = new Map());
  const key = JSON.stringify([settings.resource, settings.source]);
  let ctx = byKey.get(key);
  if (!ctx) byKey.set(key, ctx = changeEventContext(settings.config, settings.resource, settings.source));
  return ctx;
}

/** Publishes the change events of one batch of stream records (Lambda's shape, in stream order). */
export async function publishChanges(records: DynamoDBRecord[], settings: PublisherSettings, sink: ChangeEventSink): Promise<PublishResult> {
  const started = Date.now();
  const log = settings.log ?? stdoutWriter;
  const retry = settings.retry ?? DEFAULT_PUBLISHER_RETRY;
  const ctx = contextOf(settings);
  const reserveMs = settings.remainingMs ? Math.min(settings.reserveMs ?? DEFAULT_RESERVE_MS, settings.remainingMs() / 3) : 0;

  // Per item (by its table key), its events in stream order; `done[i]`: record i needs nothing more.
  const queues = new Map<string, Pending[]>();
  const done: boolean[] = records.map(() => false);
  let skipped = 0;
  let truncated = 0;
  const failed = new Set<number>();
  const blockedItems = new Set<string>();
  records.forEach((record, index) => {
    const itemKey = itemKeyOf(record);
    const outcome = buildChangeEvent(ctx, record);
    if (outcome.kind === 'unchanged') {
      skipped++;
      done[index] = true;
      return;
    }
    if (outcome.kind === 'invalid') {
      failed.add(index);
      blockedItems.add(itemKey);
      logLine(log, 'ERROR', 'change event not published', { ...recordFields(settings, record), reason: 'invalid-record', detail: outcome.reason });
      return;
    }
    const sized = entryOf(ctx.model, outcome.event, settings.eventBusName);
    if (!('entry' in sized)) {
      failed.add(index);
      blockedItems.add(itemKey);
      logLine(log, 'ERROR', 'change event not published', {
        ...recordFields(settings, record), subject: outcome.event.subject, reason: 'entry-too-large', entryBytes: sized.size,
      });
      return;
    }
    if (sized.truncation > 0) {
      truncated++;
      logLine(log, 'WARN', 'change event truncated', {
        ...recordFields(settings, record), subject: outcome.event.subject, reason: 'entry-too-large', truncation: sized.truncation, entryBytes: sized.size,
      });
    }
    if (!queues.has(itemKey)) queues.set(itemKey, []);
    queues.get(itemKey)!.push({ index, sized, attempts: 0 });
  });

  let published = 0;
  let putCalls = 0;
  let retries = 0;
  let outOfTime = false;
  const sleep = settings.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const random = settings.random ?? Math.random;
  for (let round = 0; ; round++) {
    // Each item's next event, unless an earlier event of the item was given up (it must come first, on redelivery).
    const ready: Pending[] = [];
    for (const [itemKey, queue] of queues) {
      if (queue.length > 0 && !blockedItems.has(itemKey)) ready.push(queue[0]);
    }
    if (ready.length === 0) break;
    if (settings.remainingMs && settings.remainingMs() < reserveMs) {
      outOfTime = true;
      break;
    }
    const retrying = ready.filter((p) => p.attempts > 0);
    if (retrying.length > 0) {
      const n = Math.max(...retrying.map((p) => p.attempts));
      await sleep(Math.floor(random() * Math.min(retry.maxDelayMs, retry.baseDelayMs * 2 ** (n - 1))));
      retries += retrying.length;
    }
    ready.sort((a, b) => a.index - b.index);
    const results = await putAll(chunk(ready), sink, settings.maxParallelPuts ?? DEFAULT_MAX_PARALLEL_PUTS);
    putCalls += results.length;
    for (const { entries, failures } of results) {
      entries.forEach((p, i) => {
        const key = itemKeyOf(records[p.index]);
        const failure = failures[i];
        p.attempts++;
        if (failure === undefined) {
          queues.get(key)!.shift();
          done[p.index] = true;
          published++;
          return;
        }
        p.lastFailure = failure;
        if (p.attempts >= retry.maxAttempts || PERMANENT_ERRORS.has(failure.errorCode)) {
          failed.add(p.index);
          blockedItems.add(key);
          logLine(log, 'ERROR', 'change event not published', {
            ...recordFields(settings, records[p.index]),
            reason: 'put-failed',
            errorCode: failure.errorCode,
            ...(failure.errorMessage !== undefined ? { errorMessage: failure.errorMessage } : {}),
            attempts: p.attempts,
          });
        }
      });
    }
  }

  const firstUnpublished = done.findIndex((d) => !d);
  const failureId = firstUnpublished < 0 ? undefined : records[firstUnpublished].dynamodb?.SequenceNumber;
  const result: PublishResult = {
    batchItemFailures: firstUnpublished < 0 ? [] : [{ itemIdentifier: failureId ?? '' }],
    published,
    skipped,
    truncated,
    failed: failed.size,
  };
  logLine(log, firstUnpublished < 0 ? 'INFO' : 'WARN', 'change events', {
    resource: settings.resource,
    records: records.length,
    published,
    skipped,
    truncated,
    failed: failed.size,
    // Not attempted (behind a failure of their item, or out of time): Lambda delivers them again.
    deferred: done.filter((d) => !d).length - failed.size,
    putCalls,
    retries,
    ...(outOfTime ? { outOfTime: true } : {}),
    ...(firstUnpublished >= 0 ? { retryFrom: failureId } : {}),
    latencyMs: Date.now() - started,
    ...(settings.config.metrics ? publisherMetrics(settings.config.metrics, settings.resource, result, Date.now()) : {}),
  });
  return result;
}

/** An item's identity in the stream: its table key (attribute names sorted). */
function itemKeyOf(record: DynamoDBRecord): string {
  const keys = record.dynamodb?.Keys ?? {};
  return JSON.stringify(Object.keys(keys).sort().map((k) => [k, keys[k]]));
}

/** PutEvents requests: at most 10 entries and, together, under EventBridge's size limit; in record order. */
export function chunk<T extends { readonly sized: { readonly size: number } }>(pending: readonly T[]): T[][] {
  const out: T[][] = [];
  let current: T[] = [];
  let bytes = 0;
  for (const p of pending) {
    if (current.length > 0 && (current.length === MAX_ENTRIES_PER_PUT || !fitsPutEvents(bytes + p.sized.size))) {
      out.push(current);
      current = [];
      bytes = 0;
    }
    current.push(p);
    bytes += p.sized.size;
  }
  if (current.length > 0) out.push(current);
  return out;
}

/** One PutEvents request's entries and what became of each. */
interface PutResult {
  readonly entries: Pending[];
  readonly failures: (PutEntryFailure | undefined)[];
}

/** Puts the chunks, at most `parallel` at a time; a request that fails as a whole fails each of its entries. */
async function putAll(chunks: Pending[][], sink: ChangeEventSink, parallel: number): Promise<PutResult[]> {
  const results: PutResult[] = [];
  let next = 0;
  const worker = async () => {
    while (next < chunks.length) {
      const entries = chunks[next++];
      let failures: (PutEntryFailure | undefined)[];
      try {
        failures = await sink.putEvents(entries.map((p) => p.sized.entry));
        if (failures.length !== entries.length) {
          throw new Error(`the sink answered ${failures.length} results for ${entries.length} entries`);
        }
      } catch (e) {
        const error = describeError(e);
        const failure: PutEntryFailure = { errorCode: String(error.name ?? 'Error'), errorMessage: String(error.message) };
        failures = entries.map(() => failure);
      }
      results.push({ entries, failures });
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(parallel, chunks.length)) }, worker));
  return results;
}

function recordFields(settings: PublisherSettings, record: DynamoDBRecord): Record<string, unknown> {
  return {
    resource: settings.resource,
    eventID: record.eventID,
    eventName: record.eventName,
    sequenceNumber: record.dynamodb?.SequenceNumber,
  };
}

function logLine(log: LogWriter, level: 'INFO' | 'WARN' | 'ERROR', message: string, fields: Record<string, unknown>): void {
  log(JSON.stringify({ timestamp: new Date().toISOString(), level, message, ...fields }));
}
