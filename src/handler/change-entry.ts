/**
 * A change event as a PutEvents entry, within EventBridge's size limit. An event too large is never refused (that
 * would block its shard): it is sent smaller, marked `truncated: true`, in steps —
 * 1. without `previous` (on `deleted`, where `previous` is all there is, `previous` cut to the key attributes);
 * 2. `item` and `previous` cut to the key attributes (id and ancestors' ids);
 * 3. (an item with so many attributes that their names alone are too large) `changed` left empty as well.
 * A consumer that sees `truncated` reads the item from the API.
 */
import type { ItemModel } from './item';
import { setOwn } from './marshal';
import { ChangeCloudEvent, ChangeEventData, ChangeEventEntry, MAX_EVENT_ENTRY_BYTES } from '../shared/change-events';

/**
 * The size EventBridge counts for an entry (its documented rule, "Calculating PutEvents event entry size"): 14 bytes
 * for `Time` when set, the UTF-8 bytes of `Source`, `DetailType` and `Detail` (and of each `Resources` element, which we
 * never set). `EventBusName` does not count.
 */
export function entrySize(entry: ChangeEventEntry): number {
  return (entry.Time !== undefined ? 14 : 0)
    + Buffer.byteLength(entry.Source, 'utf8')
    + Buffer.byteLength(entry.DetailType, 'utf8')
    + Buffer.byteLength(entry.Detail, 'utf8');
}

/**
 * Whether entries of this total size fit one PutEvents request (and one entry alone): EventBridge documents that "the
 * total entry size must be less than 256KB".
 */
export function fitsPutEvents(totalSize: number): boolean {
  return totalSize < MAX_EVENT_ENTRY_BYTES;
}

/** An entry ready to put, with its size and how far it was cut (0: whole). */
export interface SizedEntry {
  readonly entry: ChangeEventEntry;
  readonly size: number;
  readonly truncation: 0 | 1 | 2 | 3;
}

/**
 * The entry of an event, cut down as needed to fit; undefined when not even the smallest form fits (impossible for
 * items DynamoDB stores: ids are at most 1 KB each and sources 256 characters).
 */
export function entryOf(model: ItemModel, event: ChangeCloudEvent, eventBusName: string): SizedEntry | { readonly size: number } {
  let size = 0;
  for (const truncation of [0, 1, 2, 3] as const) {
    const detail = truncation === 0 ? event : { ...event, data: cutData(model, event.data, truncation) };
    const entry: ChangeEventEntry = {
      Source: event.source,
      DetailType: event.type,
      Detail: JSON.stringify(detail),
      EventBusName: eventBusName,
      Time: new Date(event.time),
    };
    size = entrySize(entry);
    if (fitsPutEvents(size)) return { entry, size, truncation };
  }
  return { size };
}

function cutData(model: ItemModel, data: ChangeEventData, truncation: 1 | 2 | 3): ChangeEventData {
  const { item, previous, changed, reason } = data;
  const deleted = item === undefined;
  const keepPrevious = truncation === 1 ? (deleted ? previous && keysOf(model, previous) : undefined) : previous && keysOf(model, previous);
  return {
    ...(item ? { item: truncation === 1 ? item : keysOf(model, item) } : {}),
    ...(keepPrevious ? { previous: keepPrevious } : {}),
    changed: truncation === 3 ? [] : changed,
    ...(reason ? { reason } : {}),
    truncated: true,
  };
}

/** The key attributes of a presented item: its id and its ancestors' ids. */
export function keysOf(model: ItemModel, item: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const name of [model.idAttribute, ...model.ancestors.map((a) => a.attribute)]) {
    if (Object.prototype.hasOwnProperty.call(item, name)) setOwn(out, name, item[name]);
  }
  return out;
}
