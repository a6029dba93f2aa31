import { Duration, Token } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as sqs from 'aws-cdk-lib/aws-sqs';

/*
 * The public side of change events (`changeEvents`): the static-factory class that turns them on, its options, and
 * the options of `api.eventPattern()` / `api.addSubscriber()`. The event itself is typed in src/shared/change-events.ts;
 * defaults and rules are applied by src/resolve-change-events.ts.
 */

/** What happened to an item: the last part of a change event's `detail-type` (`orders.created`). */
export enum ChangeEventType {
  /** An item was created (POST, or a PUT that created it). */
  CREATED = 'created',
  /** An item was replaced or patched, and something the API shows changed. */
  UPDATED = 'updated',
  /** An item was deleted (by a request, or by DynamoDB's TTL: then `data.reason` is `expired`). */
  DELETED = 'deleted',
}

/** How the publisher reads the table's stream: the settings of its event source mapping and of its alarm. */
export interface ChangeEventsOptions {
  /**
   * Most stream records in one invocation of the publisher (1 to 10,000). It puts them on the bus 10 entries per
   * PutEvents request.
   * @default 100
   */
  readonly batchSize?: number;

  /**
   * How long Lambda gathers records before it invokes the publisher (0 to 5 minutes): the delay a quiet table adds
   * to an event, traded for fewer invocations on a busy one.
   * @default Duration.seconds(1)
   */
  readonly batchingWindow?: Duration;

  /**
   * How often Lambda retries a failed batch (0 to 10,000; the batch is bisected on each error, so one bad record is
   * isolated in a few attempts). After the last one the records go to the failure bucket (and its alarm fires).
   * @default 10
   */
  readonly retryAttempts?: number;

  /**
   * Records older than this are not retried but sent to the failure bucket (1 minute to 7 days; DynamoDB keeps
   * stream records 24 hours).
   * @default Duration.days(1)
   */
  readonly maxRecordAge?: Duration;

  /**
   * The iterator age (how far the publisher is behind the table's newest change) that raises the stream-lag alarm
   * (at least 1 minute: Lambda's batching window and retries alone add seconds).
   * @default Duration.minutes(5)
   */
  readonly iteratorAgeAlarmThreshold?: Duration;
}

/** The settings of {@link ChangeEventsOptions}, every default applied (internal). */
export interface ChangeEventsSettings {
  readonly batchSize: number;
  readonly batchingWindow: Duration;
  readonly retryAttempts: number;
  readonly maxRecordAge: Duration;
  readonly iteratorAgeAlarmThreshold: Duration;
}

/** What {@link ChangeEvents} binds to (internal): absent for `none()`. */
export interface ChangeEventsBinding {
  /** The user's bus; absent: the API's own bus (one per API, created by the construct). */
  readonly bus?: events.IEventBus;
  readonly settings: ChangeEventsSettings;
}

/** The defaults of {@link ChangeEventsOptions}, documented there. */
export const CHANGE_EVENTS_DEFAULTS: ChangeEventsSettings = {
  batchSize: 100,
  batchingWindow: Duration.seconds(1),
  retryAttempts: 10,
  maxRecordAge: Duration.days(1),
  iteratorAgeAlarmThreshold: Duration.minutes(5),
};

/**
 * Whether (and where) each committed change of a resource's items is published as an event: `toEventBus()` or
 * `none()`.
 *
 * Turning them on enables the table's stream (NEW_AND_OLD_IMAGES) and adds one publisher function per table, fed by
 * a Lambda event source mapping (a stream shard tolerates two readers, so fan-out goes through the bus).
 *
 * @example
 * new ServerlessCrudApi(this, 'Shop', {
 *   changeEvents: ChangeEvents.toEventBus(),
 * });
 */
export abstract class ChangeEvents {
  /**
   * Publish every change on an EventBridge bus: `bus`, or one the construct creates for the API (shared by its
   * resources; encrypted, with `encryptionKey` when set).
   *
   * @example
   * ChangeEvents.toEventBus(undefined, { batchingWindow: Duration.seconds(0) })
   *
   * @param bus the bus to put the events on (its account and region may differ: the publisher names it by ARN)
   * @param options how the publisher reads the stream
   */
  public static toEventBus(bus?: events.IEventBus, options: ChangeEventsOptions = {}): ChangeEvents {
    return new EventBusChangeEvents(bus, checkedSettings(options));
  }

  /** No change events (the default): no stream is enabled and no publisher is created. */
  public static none(): ChangeEvents {
    return new NoChangeEvents();
  }

  /**
   * What the construct builds for this choice.
   * @internal
   */
  public abstract _bind(): ChangeEventsBinding | undefined;
}

class EventBusChangeEvents extends ChangeEvents {
  constructor(private readonly bus: events.IEventBus | undefined, private readonly settings: ChangeEventsSettings) {
    super();
  }

  public _bind(): ChangeEventsBinding {
    return { ...(this.bus ? { bus: this.bus } : {}), settings: this.settings };
  }
}

class NoChangeEvents extends ChangeEvents {
  public _bind(): undefined {
    return undefined;
  }
}

/** The options checked (values that are tokens are left to deploy time) with every default applied. */
function checkedSettings(o: ChangeEventsOptions): ChangeEventsSettings {
  const fail = (m: string): never => {
    throw new Error(`ChangeEvents.toEventBus: ${m}`);
  };
  const known = (v: unknown) => v !== undefined && !Token.isUnresolved(v);
  const seconds = (d?: Duration) => (d !== undefined && !d.isUnresolved() ? d.toSeconds() : undefined);
  if (known(o.batchSize) && (!Number.isInteger(o.batchSize) || o.batchSize! < 1 || o.batchSize! > 10000)) {
    fail(`'batchSize' must be an integer from 1 to 10000 (got ${o.batchSize}); the default is 100`);
  }
  const window = seconds(o.batchingWindow);
  if (window !== undefined && (window < 0 || window > 300)) {
    fail(`'batchingWindow' must be between 0 and 5 minutes (got ${o.batchingWindow!.toHumanString()})`);
  }
  if (known(o.retryAttempts) && (!Number.isInteger(o.retryAttempts) || o.retryAttempts! < 0 || o.retryAttempts! > 10000)) {
    fail(`'retryAttempts' must be an integer from 0 to 10000 (got ${o.retryAttempts}); records still failing after them go to the failure bucket`);
  }
  const age = seconds(o.maxRecordAge);
  if (age !== undefined && (age < 60 || age > 7 * 24 * 3600)) {
    fail(`'maxRecordAge' must be between 1 minute and 7 days (got ${o.maxRecordAge!.toHumanString()})`);
  }
  const lag = seconds(o.iteratorAgeAlarmThreshold);
  if (lag !== undefined && lag < 60) {
    fail(`'iteratorAgeAlarmThreshold' must be at least 1 minute (got ${o.iteratorAgeAlarmThreshold!.toHumanString()}): ` +
      'the batching window and retries alone add seconds of lag');
  }
  return {
    batchSize: o.batchSize ?? CHANGE_EVENTS_DEFAULTS.batchSize,
    batchingWindow: o.batchingWindow ?? CHANGE_EVENTS_DEFAULTS.batchingWindow,
    retryAttempts: o.retryAttempts ?? CHANGE_EVENTS_DEFAULTS.retryAttempts,
    maxRecordAge: o.maxRecordAge ?? CHANGE_EVENTS_DEFAULTS.maxRecordAge,
    iteratorAgeAlarmThreshold: o.iteratorAgeAlarmThreshold ?? CHANGE_EVENTS_DEFAULTS.iteratorAgeAlarmThreshold,
  };
}

/** Which change events an event pattern (`api.eventPattern()`, `api.addSubscriber()`) matches. */
export interface ChangeEventPatternOptions {
  /**
   * The resources (their `name`s) whose events match.
   * @default - every resource with change events
   */
  readonly resources?: string[];

  /**
   * The kinds of change that match.
   * @default - all: created, updated and deleted
   */
  readonly types?: ChangeEventType[];

  /**
   * Only the events of this owner (the CloudEvents `tenant` extension): every resource matched must be owner-scoped.
   * @default - every owner's events
   */
  readonly tenant?: string;
}

/** A subscriber of change events: which events (the pattern) and how failed deliveries are retried and kept. */
export interface SubscriberOptions extends ChangeEventPatternOptions {
  /**
   * Where EventBridge puts an event it could not deliver after its retries (an alarm fires on any message in it).
   * @default - an encrypted SQS queue (with `encryptionKey` when set), kept 14 days
   */
  readonly deadLetterQueue?: sqs.IQueue;

  /**
   * How often EventBridge retries a failed delivery to the target (0 to 185), with exponential back-off.
   * @default 185 — EventBridge's most, spread over `maxEventAge`
   */
  readonly retryAttempts?: number;

  /**
   * How long EventBridge keeps retrying an event (1 minute to 24 hours) before it goes to the dead-letter queue.
   * @default Duration.hours(24)
   */
  readonly maxEventAge?: Duration;

  /**
   * Description of the rule.
   * @default - names the API and the events matched
   */
  readonly description?: string;
}
