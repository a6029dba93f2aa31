/**
 * The contract of change events (`changeEvents`): what the construct configures, what the publisher function puts on
 * the event bus, and what the local runner delivers. Imported by the construct, the publisher (src/handler) and the
 * runner (src/local), so every name and shape is typed once. No aws-cdk-lib, no AWS SDK here.
 *
 * One committed change of an item is one EventBridge entry:
 * - `Source`: the API's event source (`changeEventSource`, default the API's construct path);
 * - `DetailType`: `<resource>.created|updated|deleted` ({@link detailTypeOf});
 * - `Detail`: a CloudEvents 1.0 JSON object ({@link ChangeCloudEvent}).
 */

/** What happened to the item. Values are stable: they are part of every event's type. */
export type ChangeType = 'created' | 'updated' | 'deleted';

/** Every change type, in lifecycle order. */
export const CHANGE_TYPES: readonly ChangeType[] = ['created', 'updated', 'deleted'];

/** The EventBridge `detail-type` (and the CloudEvents `type`) of a change of one resource's item. */
export function detailTypeOf(resource: string, type: ChangeType): string {
  return `${resource}.${type}`;
}

/** The `data` of a change event. */
export interface ChangeEventData {
  /** The item as the API shows it after the change (ancestors' ids included, hidden attributes never); absent on `deleted`. */
  readonly item?: Record<string, unknown>;
  /** The item as the API showed it before the change: on `updated` and `deleted` only. */
  readonly previous?: Record<string, unknown>;
  /** The top-level attribute names whose value the change set, changed or removed (sorted). */
  readonly changed: string[];
  /** `expired` on a `deleted` event caused by DynamoDB's TTL, not by a request. */
  readonly reason?: 'expired';
  /**
   * Present (true) when the entry would have exceeded EventBridge's size limit: `previous` was left out, and if still
   * too large, `item`/`previous` were cut down to the key attributes (id and ancestors' ids). (On `deleted`, where
   * `previous` is all there is, the first step cuts it to the key attributes instead; and for an item whose attribute
   * names alone exceed the limit, `changed` is left empty as well.)
   */
  readonly truncated?: boolean;
}

/** The `detail` of a change event: a CloudEvents 1.0 event in its JSON format, with three extensions. */
export interface ChangeCloudEvent {
  readonly specversion: '1.0';
  /** The DynamoDB stream record's eventID: the same change always has the same id, so consumers drop duplicates by it. */
  readonly id: string;
  /** The API's event source, as in the entry's `Source`. */
  readonly source: string;
  /** `<resource>.<change type>`, as in the entry's `DetailType`. */
  readonly type: string;
  /** When DynamoDB committed the change (the stream record's approximate creation time), RFC 3339. */
  readonly time: string;
  /** The item's path in the API, ids URI-encoded: `/projects/p1/tasks/t9`. */
  readonly subject: string;
  readonly datacontenttype: 'application/json';
  /** Extension: the owner of the item, on owner-scoped resources only. */
  readonly tenant?: string;
  /** Extension: the item's version after the change (on `deleted`: the version that was deleted). Orders one item's events. */
  readonly version: number;
  /** Extension: the item's strong entity tag after the change (on `deleted`: of the version deleted), as the API's `ETag`. */
  readonly etag: string;
  readonly data: ChangeEventData;
}

/** One PutEvents entry, as the publisher builds it (the SDK's `PutEventsRequestEntry` fields it uses). */
export interface ChangeEventEntry {
  readonly Source: string;
  readonly DetailType: string;
  /** The {@link ChangeCloudEvent} as JSON. */
  readonly Detail: string;
  readonly EventBusName: string;
  readonly Time?: Date;
}

/** EventBridge's limit on one PutEvents entry (and on one PutEvents request), in bytes as EventBridge counts them. */
export const MAX_EVENT_ENTRY_BYTES = 256 * 1024;

/** Most entries in one PutEvents request. */
export const MAX_ENTRIES_PER_PUT = 10;

/** What an entry put on the bus came back as: undefined when accepted, else the error EventBridge gave for it. */
export interface PutEntryFailure {
  readonly errorCode: string;
  readonly errorMessage?: string;
}

/**
 * Where the publisher puts entries: EventBridge's PutEvents in Lambda, the runner's local delivery locally. The result
 * has one element per entry, in order: undefined when the entry was accepted.
 */
export interface ChangeEventSink {
  putEvents(entries: readonly ChangeEventEntry[]): Promise<(PutEntryFailure | undefined)[]>;
}

/** Environment variables the construct sets on a publisher function (its config file is the API's crud-config.json). */
export const PUBLISHER_ENV = {
  /** The name of the resource whose table's stream the function reads. */
  RESOURCE: 'CRUD_EVENTS_RESOURCE',
  /** The event bus's name or ARN (PutEvents `EventBusName`). */
  EVENT_BUS: 'CRUD_EVENT_BUS',
  /** The events' source. */
  SOURCE: 'CRUD_EVENT_SOURCE',
} as const;

/** What the construct records for the runner about one resource's change events (local manifest, per resource). */
export interface LocalChangeEvents {
  /** The events' source. */
  readonly source: string;
  /**
   * The bus: its name as a string, or a CloudFormation intrinsic (`{ Ref: <bus logical id> }`, `Fn::GetAtt` …) the runner
   * resolves against the template to find the rules on it.
   */
  readonly bus: unknown;
  /** Logical id of the publisher function (the runner runs the same publisher module in-process instead). */
  readonly publisherLogicalId: string;
}

/**
 * The IAM actions the publisher function's code sends, all to its event bus (its entries' `EventBusName`): the construct
 * grants exactly these on that bus only. Reading the stream is the event source mapping's (Lambda's) doing, with the
 * stream-read actions on that table's stream; the failure destination is written by Lambda too.
 */
export const PUBLISHER_EVENT_BUS_ACTIONS: readonly string[] = ['events:PutEvents'];

/**
 * The publisher's metrics, in its batch log line (CloudWatch Embedded Metric Format, namespace METRICS_NAMESPACE,
 * dimensions Api and Resource of src/shared/metrics.ts), when the config has `metrics`. Each is the batch's count, in
 * every batch line (0 included): alarm on the `Sum` of `FAILED` to see entries EventBridge kept refusing, which are not
 * Lambda `Errors` (the batch returns them as batchItemFailures).
 */
export const CHANGE_EVENT_METRIC_NAMES = {
  /** Events the bus accepted. */
  PUBLISHED: 'ChangeEventsPublished',
  /** Records given up in an invocation (refused after the retries, or not publishable): delivered again by Lambda. */
  FAILED: 'ChangeEventsFailed',
  /** Events sent cut down to fit EventBridge's size limit. */
  TRUNCATED: 'ChangeEventsTruncated',
  /** Records that publish nothing (writes that changed nothing the API shows, delete leases). */
  SKIPPED: 'ChangeEventsSkipped',
} as const;
