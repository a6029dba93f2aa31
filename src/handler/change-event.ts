/**
 * One stream record → the change event it publishes, or why it publishes nothing. Pure: no clock, no I/O.
 *
 * Rules (issue #21, the lead's design):
 * - INSERT → `created`, MODIFY → `updated`, REMOVE → `deleted` (`reason: 'expired'` when DynamoDB's TTL deleted it);
 * - items are shown as the API shows them (presentItem): public attributes, ancestors' ids, never a hidden one;
 * - a MODIFY that changed nothing the API shows (a delete lease taken or given back, a write of the same content)
 *   publishes nothing; the managed `version` and `updatedAt` do not count as a change;
 * - `version` and `etag` are the item's after the change (on `deleted`: of the version deleted).
 */
import type { DynamoDBRecord } from 'aws-lambda';
import { ItemModel, itemModel, presentItem, tagOf, versionOf } from './item';
import type { JsonObject } from './json';
import { etagOf } from './preconditions';
import { fromStreamImage, scopeParts } from './stream-image';
import { ChangeCloudEvent, ChangeEventData, ChangeType, detailTypeOf } from '../shared/change-events';
import { HandlerConfig, MANAGED_ATTRIBUTES, ResourceConfig } from '../shared/config';
import { PARENT_KEY_ATTRIBUTE } from '../shared/keys';
import { PathNode, resourceChain } from '../shared/routes';

/** What the builder needs of one resource, prepared once per publisher (see {@link changeEventContext}). */
export interface ChangeEventContext {
  readonly resource: ResourceConfig;
  readonly model: ItemModel;
  /** The resource and its ancestors, root first: the subject's path. */
  readonly chain: readonly PathNode[];
  readonly source: string;
}

/** Prepares the builder for one resource of the API; throws when the config has no such resource. */
export function changeEventContext(config: HandlerConfig, resource: string, source: string): ChangeEventContext {
  const r = config.resources.find((x) => x.name === resource);
  if (!r) throw new Error(`the config has no resource '${resource}' (it has ${config.resources.map((x) => x.name).join(', ')})`);
  return { resource: r, model: itemModel(r, config.resources), chain: resourceChain(config.resources, resource), source };
}

/** What one stream record comes to. */
export type RecordOutcome =
  | { readonly kind: 'event'; readonly event: ChangeCloudEvent }
  /** A MODIFY that changed nothing the API shows (delete lease, same content written again). */
  | { readonly kind: 'unchanged' }
  /** The record cannot be published (wrong stream view type, not a DynamoDB record …): `reason` says why. */
  | { readonly kind: 'invalid'; readonly reason: string };

/** Managed attributes that every write sets: they never make a change on their own, and are not in `changed`. */
const NOT_CHANGES: ReadonlySet<string> = new Set([MANAGED_ATTRIBUTES.VERSION, MANAGED_ATTRIBUTES.CREATED_AT, MANAGED_ATTRIBUTES.UPDATED_AT]);

/** The TTL's identity on a stream record (DynamoDB's documented `userIdentity` of a TTL delete). */
const TTL_IDENTITY = { type: 'Service', principalId: 'dynamodb.amazonaws.com' } as const;

/** The change event of one record (Lambda's shape), or why there is none. */
export function buildChangeEvent(ctx: ChangeEventContext, record: DynamoDBRecord): RecordOutcome {
  const s = record.dynamodb;
  if (record.eventID === undefined || s === undefined) return { kind: 'invalid', reason: 'not a DynamoDB stream record (no eventID or dynamodb)' };
  const type = CHANGE_OF[record.eventName ?? ''];
  if (type === undefined) return { kind: 'invalid', reason: `unknown eventName ${JSON.stringify(record.eventName)}` };
  const needsNew = type !== 'deleted';
  const needsOld = type !== 'created';
  if ((needsNew && !s.NewImage) || (needsOld && !s.OldImage)) {
    return {
      kind: 'invalid',
      reason: `a ${record.eventName} record without its ${needsNew && !s.NewImage ? 'NewImage' : 'OldImage'}: the stream's view type is `
        + `${s.StreamViewType ?? 'unknown'}; change events need NEW_AND_OLD_IMAGES`,
    };
  }
  const rawNew = s.NewImage ? fromStreamImage(s.NewImage) : undefined;
  const rawOld = s.OldImage ? fromStreamImage(s.OldImage) : undefined;
  const item = rawNew && presentItem(ctx.model, rawNew);
  const previous = rawOld && presentItem(ctx.model, rawOld);
  const changed = changedNames(item ?? {}, previous ?? {});
  if (type === 'updated' && changed.length === 0 && sameValue(item![MANAGED_ATTRIBUTES.CREATED_AT], previous![MANAGED_ATTRIBUTES.CREATED_AT])) {
    return { kind: 'unchanged' };
  }
  const raw = (rawNew ?? rawOld)!;
  const expired = type === 'deleted' && record.userIdentity?.type === TTL_IDENTITY.type
    && record.userIdentity?.principalId === TTL_IDENTITY.principalId;
  const data: ChangeEventData = {
    ...(item ? { item } : {}),
    ...(previous ? { previous } : {}),
    changed,
    ...(expired ? { reason: 'expired' as const } : {}),
  };
  const tenant = tenantOf(ctx, raw);
  const event: ChangeCloudEvent = {
    specversion: '1.0',
    id: record.eventID,
    source: ctx.source,
    type: detailTypeOf(ctx.resource.name, type),
    time: timeOf(s.ApproximateCreationDateTime, raw),
    subject: subjectOf(ctx, raw),
    datacontenttype: 'application/json',
    ...(tenant !== undefined ? { tenant } : {}),
    version: versionOf(raw),
    etag: etagOf(tagOf(raw)),
    data,
  };
  return { kind: 'event', event };
}

const CHANGE_OF: Readonly<Record<string, ChangeType>> = { INSERT: 'created', MODIFY: 'updated', REMOVE: 'deleted' };

/** Top-level names whose shown value differs between the two (sorted), without the managed version and timestamps. */
export function changedNames(after: JsonObject, before: JsonObject): string[] {
  const names = new Set([...Object.keys(after), ...Object.keys(before)]);
  const has = (o: JsonObject, k: string) => Object.prototype.hasOwnProperty.call(o, k);
  return [...names]
    .filter((k) => !NOT_CHANGES.has(k))
    .filter((k) => has(after, k) !== has(before, k) || !sameValue(after[k], before[k]))
    .sort();
}

/** Presented values are canonical (members sorted at every level), so equal values serialise equally. */
function sameValue(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/**
 * The item's path in the API, ids URI-encoded (`/projects/p1/tasks/t9`). A nested item's ancestors' ids come from
 * the attributes the API stores them in, else from its partition key (items written by other tools).
 */
export function subjectOf(ctx: ChangeEventContext, raw: JsonObject): string {
  const ancestorIds = ancestorIdsOf(ctx, raw);
  const parts: string[] = [];
  ctx.chain.forEach((node, i) => {
    const id = i < ctx.chain.length - 1 ? ancestorIds[i] : raw[ctx.model.idAttribute];
    parts.push(node.name, encodeURIComponent(String(id ?? '')));
  });
  return '/' + parts.join('/');
}

function ancestorIdsOf(ctx: ChangeEventContext, raw: JsonObject): unknown[] {
  const { ancestors } = ctx.model;
  if (ancestors.length === 0) return [];
  if (ancestors.every((a) => raw[a.attribute] !== undefined)) return ancestors.map((a) => raw[a.attribute]);
  const fromKey = partitionParts(ctx, raw);
  return ancestors.map((a, i) => raw[a.attribute] ?? fromKey?.[i]);
}

/** A nested item's partition key split into its ancestors' ids (the owner, when owner-scoped, left out). */
function partitionParts(ctx: ChangeEventContext, raw: JsonObject): string[] | undefined {
  const key = raw[PARENT_KEY_ATTRIBUTE];
  const parts = typeof key === 'string' ? scopeParts(key) : undefined;
  return parts && (ctx.model.ownerAttribute !== undefined ? parts.slice(1) : parts);
}

/** The item's owner, on owner-scoped resources: its owner attribute, else the owner in a nested item's partition key. */
export function tenantOf(ctx: ChangeEventContext, raw: JsonObject): string | undefined {
  const attribute = ctx.model.ownerAttribute;
  if (attribute === undefined) return undefined;
  const owner = raw[attribute];
  if (typeof owner === 'string') return owner;
  const key = raw[PARENT_KEY_ATTRIBUTE];
  return typeof key === 'string' ? scopeParts(key)?.[0] : undefined;
}

/** RFC 3339: the record's approximate creation time, else the item's `updatedAt`, else the epoch (never seen). */
function timeOf(epochSeconds: number | undefined, raw: JsonObject): string {
  if (epochSeconds !== undefined && Number.isFinite(epochSeconds)) return new Date(epochSeconds * 1000).toISOString();
  const updatedAt = raw[MANAGED_ATTRIBUTES.UPDATED_AT];
  if (typeof updatedAt === 'string' && !Number.isNaN(Date.parse(updatedAt))) return new Date(updatedAt).toISOString();
  return new Date(0).toISOString();
}
