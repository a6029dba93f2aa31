/**
 * The schemas of one resource's change events in the AsyncAPI document (asyncapi.ts): the CloudEvents 1.0 envelope
 * (src/shared/change-events.ts `ChangeCloudEvent`) of each change type, its `data`, the item cut down to its key (a
 * truncated event), and the EventBridge event around it. The item itself is the OpenAPI document's item schema
 * (openapi-schemas.ts): an event shows an item exactly as the API returns it.
 */
import { ChangeType, detailTypeOf } from './change-events';
import { MANAGED_ATTRIBUTES, ResourceConfig } from './config';
import { ETAG_PATTERN, idSchemaOf, Json, resourceSchemas, SchemaNames } from './openapi-schemas';
import { pathParameterOf } from './routes';

/** The component names of one resource's event schemas (the item's come from {@link SchemaNames}). */
export interface EventSchemaNames extends SchemaNames {
  /** The item cut down to its key attributes (id and ancestors' ids). */
  readonly key: string;
  /** The CloudEvent of each change type. */
  readonly events: Record<ChangeType, string>;
}

export function eventSchemaNames(names: SchemaNames): EventSchemaNames {
  const p = names.pascal;
  return { ...names, key: `${p}Key`, events: { created: `${p}Created`, updated: `${p}Updated`, deleted: `${p}Deleted` } };
}

/** What a resource's event schemas are built from. */
export interface EventSchemaInput {
  readonly config: ResourceConfig;
  /** The resource's ancestors, root first (a nested resource's items carry their ids). */
  readonly ancestors: readonly ResourceConfig[];
  readonly names: EventSchemaNames;
  /** The events' source, when known at synth time. */
  readonly source?: string;
}

/** Every component schema of one resource's events: its attributes, item, key, and one CloudEvent per change type. */
export function eventSchemas(x: EventSchemaInput): Json {
  const { config: r, ancestors, names } = x;
  const itemSchemas = resourceSchemas(r, names, ancestors);
  const key: Json = {
    type: 'object',
    description: 'An item cut down to its key attributes: its id' + (ancestors.length ? ' and its ancestors\' ids' : '') + ' (a truncated event).',
    required: [r.idAttribute, ...ancestors.map(pathParameterOf)],
    properties: {
      [r.idAttribute]: idSchemaOf(r),
      ...Object.fromEntries(ancestors.map((a) => [pathParameterOf(a), idSchemaOf(a)])),
    },
  };
  return {
    [names.attributes]: itemSchemas[names.attributes],
    [names.item]: itemSchemas[names.item],
    [names.key]: key,
    ...Object.fromEntries((['created', 'updated', 'deleted'] as const).map((type) => [names.events[type], cloudEventSchema(x, type)])),
  };
}

/** `/projects/{projectId}/tasks/{id}` as a pattern: the collections literally, each id one percent-encoded segment. */
function subjectPattern(r: ResourceConfig, ancestors: readonly ResourceConfig[]): string {
  const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return '^' + [...ancestors, r].map((c) => `/${escape(c.name)}/[^/]+`).join('') + '$';
}

/** The `detail` of one change type's events: a CloudEvents 1.0 event in its JSON format (`ChangeCloudEvent`). */
function cloudEventSchema(x: EventSchemaInput, type: ChangeType): Json {
  const r = x.config;
  const owned = r.ownerScoping !== undefined;
  const detailType = detailTypeOf(r.name, type);
  const properties: Json = {
    specversion: { const: '1.0', description: 'CloudEvents 1.0.' },
    id: {
      type: 'string',
      minLength: 1,
      description: 'The DynamoDB stream record\'s `eventID`: every delivery of the same change has the same id. Drop duplicates by it.',
    },
    source: x.source !== undefined
      ? { const: x.source, description: 'The API\'s event source (the EventBridge event\'s `source`).' }
      : { type: 'string', minLength: 1, description: 'The API\'s event source (the EventBridge event\'s `source`).' },
    type: { const: detailType, description: 'The change: the EventBridge event\'s `detail-type`.' },
    time: { type: 'string', format: 'date-time', description: 'When DynamoDB committed the change (the stream record\'s approximate creation time), RFC 3339.' },
    subject: {
      type: 'string',
      pattern: subjectPattern(r, x.ancestors),
      description: `The item's path in the API, ids percent-encoded (\`/${[...x.ancestors, r].map((c) => `${c.name}/{${pathParameterOf(c)}}`).join('/')}\`, no base path).`,
    },
    datacontenttype: { const: 'application/json' },
    ...(owned ? { tenant: { type: 'string', minLength: 1, description: `Extension: the item's owner (its \`${r.ownerScoping!.attribute}\`, the JWT \`sub\` of its creator).` } } : {}),
    version: {
      type: 'integer',
      minimum: 0,
      description: 'Extension: the item\'s version after the change' + (type === 'deleted' ? ' (here: the version that was deleted)' : '') +
        '; orders one item\'s events. 0 for an item written by another tool without one.',
    },
    etag: {
      type: 'string',
      pattern: ETAG_PATTERN,
      description: 'Extension: the item\'s strong entity tag after the change' + (type === 'deleted' ? ' (here: of the version deleted)' : '') +
        ', as the API\'s `ETag` header: usable in `If-Match`.',
    },
    data: dataSchema(x.names, type),
  };
  return {
    type: 'object',
    title: detailType,
    description: `The \`detail\` of an \`${detailType}\` event: a CloudEvents 1.0 event (JSON format).`,
    required: ['specversion', 'id', 'source', 'type', 'time', 'subject', 'datacontenttype', ...(owned ? ['tenant'] : []), 'version', 'etag', 'data'],
    properties,
    additionalProperties: false,
  };
}

const CHANGED_EXCLUDES = [MANAGED_ATTRIBUTES.VERSION, MANAGED_ATTRIBUTES.CREATED_AT, MANAGED_ATTRIBUTES.UPDATED_AT];

/**
 * `data` of one change type. Whole items, except in a truncated event (too large for EventBridge), where `previous` may
 * be left out and `item`/`previous` may be cut down to their key.
 */
function dataSchema(names: EventSchemaNames, type: ChangeType): Json {
  const hasItem = type !== 'deleted';
  const hasPrevious = type !== 'created';
  const properties: Json = {};
  if (hasItem) properties.item = { description: 'The item as the API shows it after the change (hidden attributes never).' };
  if (hasPrevious) properties.previous = { description: 'The item as the API showed it before the change.' };
  properties.changed = {
    type: 'array',
    description: 'The top-level attribute names the change set, changed or removed, sorted (never the server-managed ' +
      `${CHANGED_EXCLUDES.map((a) => `\`${a}\``).join(', ')}).`,
    items: { type: 'string', not: { enum: CHANGED_EXCLUDES } },
    uniqueItems: true,
  };
  if (type === 'deleted') properties.reason = { const: 'expired', description: 'Present when DynamoDB\'s TTL deleted the item, not a request.' };
  properties.truncated = {
    const: true,
    description: 'Present when the event would have exceeded EventBridge\'s 256 KB: `previous` was left out, and if still too large, ' +
      '`item` and `previous` were cut down to the key attributes. Read the item from the API if you need it.',
  };
  const whole = { $ref: `#/components/schemas/${names.item}` };
  const cut = { $ref: `#/components/schemas/${names.key}` };
  const shapes = (schema: Json): Json => ({ ...(hasItem ? { item: schema } : {}), ...(hasPrevious ? { previous: schema } : {}) });
  return {
    type: 'object',
    required: [...(hasItem ? ['item'] : []), 'changed'],
    properties,
    additionalProperties: false,
    if: { required: ['truncated'] },
    then: { properties: shapes(cut) },
    else: { ...(hasPrevious ? { required: ['previous'] } : {}), properties: shapes(whole) },
  };
}

/**
 * The EventBridge event a rule's target receives, around the payload (its `detail`). Described as the message's
 * headers: AsyncAPI has no EventBridge binding.
 */
export function eventBridgeEnvelopeSchema(resource: string, type: ChangeType, source: string | undefined): Json {
  return {
    type: 'object',
    description: 'The EventBridge event around the payload, which is its `detail`: what a rule\'s target receives is ' +
      '`{ version, id, detail-type, source, account, time, region, resources, detail }`.',
    required: ['detail-type', 'source'],
    properties: {
      'detail-type': { const: detailTypeOf(resource, type) },
      'source': source !== undefined ? { const: source } : { type: 'string', minLength: 1 },
      'id': { type: 'string', description: 'EventBridge\'s own id: not stable across redeliveries; drop duplicates by the payload\'s `id`.' },
      'time': { type: 'string', format: 'date-time' },
      'account': { type: 'string' },
      'region': { type: 'string' },
      'resources': { type: 'array', items: { type: 'string' } },
      'version': { const: '0' },
    },
  };
}
