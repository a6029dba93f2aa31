/**
 * The local event bus: the sink the runner gives the publisher (the same `publishChanges` the publisher function
 * runs). Each entry becomes the event EventBridge would build from it, goes to the live feed (`/_events`), and is
 * delivered to every subscriber whose rule's pattern matches it: the function is invoked with the event, as EventBridge
 * invokes a Lambda target (asynchronously: the result is not looked at, a failure is retried). One line per event.
 *
 * Delivery is awaited before `putEvents` returns, so that what the reader checkpoints has been delivered. It is
 * bounded: a failing subscriber is retried {@link LocalSubscriber.retries} times with a short backoff, then given up
 * (printed, counted; in AWS it would go to the target's dead-letter queue) — it never holds the stream back for long.
 */
import { randomUUID } from 'crypto';
import type { EventFeed } from './event-feed';
import type { LocalSubscriber } from './event-rules';
import type { FunctionInvoker } from './function-host';
import type { ChangeEventEntry, ChangeEventSink, PutEntryFailure } from '../shared/change-events';

/** The account id the runner gives everything local (as `AWS::AccountId` resolves locally). */
export const LOCAL_ACCOUNT_ID = '123456789012';

/** First retry delay; doubled per retry (Lambda waits a minute, then two: shortened locally). */
export const RETRY_BASE_DELAY_MS = 100;

/** The event EventBridge delivers to a target for one PutEvents entry. */
export interface EventBridgeEvent {
  readonly 'version': '0';
  readonly 'id': string;
  readonly 'detail-type': string;
  readonly 'source': string;
  readonly 'account': string;
  readonly 'time': string;
  readonly 'region': string;
  readonly 'resources': string[];
  readonly 'detail': unknown;
}

/** Counts since the runner started. */
export interface DeliveryStats {
  events: number;
  /** Successful invocations of subscribers. */
  delivered: number;
  /** Failed attempts (each retry counts). */
  failedAttempts: number;
  /** Events a subscriber never took, after every retry. */
  givenUp: number;
}

export interface LocalBusOptions {
  readonly region: string;
  /** The subscribers of the bus now (a reload may change them). */
  readonly subscribers: () => readonly LocalSubscriber[];
  /** The function to invoke for a logical id, as served now. */
  readonly invoker: (functionLogicalId: string) => FunctionInvoker | undefined;
  readonly feed?: EventFeed;
  readonly log: (line: string) => void;
  readonly warn: (line: string) => void;
  readonly stats: DeliveryStats;
  readonly retryBaseDelayMs?: number;
}

/** EventBridge's `time`: RFC 3339 in UTC, to the second. */
export function eventTime(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** The event EventBridge builds from a PutEvents entry. */
export function eventOf(entry: ChangeEventEntry, region: string, now = new Date()): EventBridgeEvent {
  return {
    'version': '0',
    'id': randomUUID(),
    'detail-type': entry.DetailType,
    'source': entry.Source,
    'account': LOCAL_ACCOUNT_ID,
    'time': eventTime(entry.Time ?? now),
    region,
    'resources': [],
    'detail': JSON.parse(entry.Detail),
  };
}

export class LocalEventBus implements ChangeEventSink {
  constructor(private readonly o: LocalBusOptions) {}

  async putEvents(entries: readonly ChangeEventEntry[]): Promise<(PutEntryFailure | undefined)[]> {
    const results: (PutEntryFailure | undefined)[] = [];
    for (const entry of entries) {
      let event: EventBridgeEvent;
      try {
        event = eventOf(entry, this.o.region);
      } catch (e) {
        // EventBridge refuses an entry whose Detail is not a JSON object.
        results.push({ errorCode: 'MalformedDetail', errorMessage: (e as Error).message });
        continue;
      }
      await this.deliver(event);
      results.push(undefined);
    }
    return results;
  }

  private async deliver(event: EventBridgeEvent): Promise<void> {
    const { o } = this;
    const started = Date.now();
    o.stats.events++;
    const detail = event.detail as { id?: string; subject?: string };
    o.feed?.publish(detail.id ?? event.id, event['detail-type'], event);
    const matched = o.subscribers().filter((s) => s.matches(event));
    const outcomes = await Promise.all(matched.map((s) => this.invoke(s, event)));
    const who = matched.map((s, i) => `${s.functionLogicalId}${outcomes[i] ? ' ✓' : ' ✗'}`).join(', ');
    o.log(`event ${event['detail-type']} ${detail.subject ?? ''} → ${matched.length ? who : 'no subscriber'} ${Date.now() - started} ms`);
  }

  /** Invokes one subscriber, with its retries; true when it took the event. */
  private async invoke(s: LocalSubscriber, event: EventBridgeEvent): Promise<boolean> {
    const { o } = this;
    const base = o.retryBaseDelayMs ?? RETRY_BASE_DELAY_MS;
    const born = Date.parse(event.time);
    for (let attempt = 0; ; attempt++) {
      const fn = o.invoker(s.functionLogicalId);
      const outcome = fn
        ? await fn.invoke(event, randomUUID()).catch((e: Error) => ({ error: { name: e.name, message: e.message } }))
        : { error: { name: 'FunctionNotFound', message: `${s.functionLogicalId} is not served` } };
      if (!('error' in outcome) || !outcome.error) {
        o.stats.delivered++;
        return true;
      }
      o.stats.failedAttempts++;
      const tooOld = s.maxEventAgeSeconds !== undefined && Date.now() - born > s.maxEventAgeSeconds * 1000;
      const last = attempt >= s.retries || tooOld;
      o.warn(`      [${s.functionLogicalId}] ${event['detail-type']} ${(event.detail as { id?: string }).id ?? event.id}: ` +
        `${outcome.error.name}: ${outcome.error.message} (attempt ${attempt + 1} of ${s.retries + 1}` +
        `${last ? `; given up${s.deadLetterQueue ? `: in AWS it would go to ${s.deadLetterQueue}` : ''}` : ''})`);
      if (last) {
        o.stats.givenUp++;
        return false;
      }
      await new Promise((r) => setTimeout(r, base * 2 ** attempt));
    }
  }
}
