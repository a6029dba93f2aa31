/**
 * The change events of an API as an AsyncAPI 3.0 document: one channel per resource that publishes change events, one
 * `send` operation per channel, three messages per resource (`<resource>.created|updated|deleted`) whose payload is the
 * CloudEvents envelope of src/shared/change-events.ts around items described as in the OpenAPI document. A pure
 * function: no aws-cdk-lib, no I/O, so the construct (synth time) and the local runner can both call it.
 *
 * EventBridge has no AsyncAPI binding. What identifies the events there is written as follows:
 * - each event bus is a server (`events.{region}.amazonaws.com`, https: where PutEvents is called), its name in the
 *   server's title and description and in `x-eventbridge.eventBusName`;
 * - a channel's address is the events' `detail-type`, `<resource>.{change}`; its description, and `x-eventbridge`, give
 *   the bus, the `source`, the detail-types and the event pattern a rule needs to receive them;
 * - a message's payload is the EventBridge event's `detail`; the rest of the EventBridge event is its headers.
 */
import { createHash } from 'crypto';
import { EventSchemaNames, eventBridgeEnvelopeSchema, eventSchemaNames, eventSchemas } from './asyncapi-payloads';
import { CHANGE_TYPES, ChangeType, detailTypeOf } from './change-events';
import { ResourceConfig } from './config';
import { Json, schemaNames } from './openapi-schemas';
import { resourceChain } from './routes';

/** The AsyncAPI version written. */
export const ASYNCAPI_VERSION = '3.0.0';

/** An event bus change events are put on. */
export interface AsyncApiEventBus {
  /** Tells buses apart within one document: resources whose buses have the same id share a server (e.g. the bus's construct path). */
  readonly id: string;
  /** The bus's name, when known at synth time; absent: it is assigned at deployment (a bus the stack creates). */
  readonly name?: string;
}

/** One resource of the API. */
export interface AsyncApiResource {
  readonly config: ResourceConfig;
  /** Where its change events go; absent: it publishes none (no channel, but it may be another's ancestor). */
  readonly eventBus?: AsyncApiEventBus;
}

/** What the document is generated from. */
export interface AsyncApiInput {
  /** `info.title`. */
  readonly title: string;
  /** `info.description`, prepended to the generated text. */
  readonly description?: string;
  /** `info.version`; default: a digest of what shapes the events, so it changes when they do. */
  readonly version?: string;
  /** The events' source (`changeEventSource`), when known at synth time; absent: any string. */
  readonly source?: string;
  /** The region of the buses, when known at synth time; absent: a server variable. */
  readonly region?: string;
  /** Every resource of the API, in config order (a nested resource's ancestors are found among them). */
  readonly resources: readonly AsyncApiResource[];
}

/** Whether any resource of the input publishes change events (else there is no document to write). */
export function hasChangeEvents(input: AsyncApiInput): boolean {
  return input.resources.some((r) => r.eventBus !== undefined);
}

/** The AsyncAPI 3.0 document of an API's change events. Deterministic: the same input gives the same document. */
export function asyncApiDocument(input: AsyncApiInput): Json {
  const configs = input.resources.map((r) => r.config);
  const keys = new UniqueKeys();
  const servers: Json = {};
  const serverKeys = new Map<string, string>();
  const channels: Json = {};
  const operations: Json = {};
  const messages: Json = {};
  const schemas: Json = {};
  for (const resource of input.resources) {
    const bus = resource.eventBus;
    if (bus === undefined) continue;
    const r = resource.config;
    const ancestors = resourceChain(configs, r.name).slice(0, -1).map((node) => configs.find((c) => c.name === node.name)!);
    const names = eventSchemaNames(keys.names(r.name));
    Object.assign(schemas, eventSchemas({ config: r, ancestors, names, source: input.source }));
    let server = serverKeys.get(bus.id);
    if (server === undefined) {
      server = serverKeys.size === 0 ? 'eventBus' : `eventBus${serverKeys.size + 1}`;
      serverKeys.set(bus.id, server);
      servers[server] = serverObject(bus, input.region);
    }
    const channel = keys.key(r.name);
    const channelMessages: Json = {};
    for (const type of CHANGE_TYPES) {
      const message = keys.key(detailTypeOf(r.name, type));
      messages[message] = messageObject(r, type, names, input.source);
      channelMessages[type] = { $ref: `#/components/messages/${message}` };
    }
    channels[channel] = channelObject(r, bus, server, channelMessages, input.source);
    operations[`send${names.pascal}Changes`] = {
      action: 'send',
      channel: { $ref: `#/channels/${channel}` },
      title: `Publish the changes of ${r.name}`,
      summary: `Every committed create, update and delete of a \`${r.name}\` item, published from its table's stream.`,
      messages: CHANGE_TYPES.map((type) => ({ $ref: `#/channels/${channel}/messages/${type}` })),
    };
  }
  return {
    asyncapi: ASYNCAPI_VERSION,
    info: {
      title: input.title,
      version: input.version ?? contractVersion(input),
      description: [input.description, GUARANTEES].filter(Boolean).join('\n\n'),
    },
    defaultContentType: 'application/json',
    servers,
    channels,
    operations,
    components: { schemas, messages },
  };
}

/** What every consumer must know: how the events are delivered, and what they promise. */
const GUARANTEES = [
  'Generated by cdk-serverless-crud-api from the API\'s configuration. Every committed change of an item is one event ' +
  'on Amazon EventBridge, put there by the API\'s publisher function from the table\'s DynamoDB stream. Its `detail` is a ' +
  'CloudEvents 1.0 event (JSON format) whose `data` holds the item as the API shows it (hidden attributes never).',
  'Guarantees:',
  '- **At least once.** A change may be delivered more than once (retried puts, redelivered stream batches, EventBridge ' +
  'retries of a target). Every copy has the same CloudEvent `id` (the stream record\'s `eventID`): drop duplicates by `id`.',
  '- **Per-item order at the publisher, none after it.** The events of one item are put on the bus in commit order, an ' +
  'event only after the one before it was accepted; EventBridge does not keep order, so order one item\'s events by ' +
  '`version` (a `deleted` event carries the version it deleted, after the events of that version). An id deleted and ' +
  'created again starts at version 1 with a new `etag`. There is no order across items.',
  '- **Only real changes.** The API\'s own bookkeeping publishes nothing: delete leases, idempotency records, a write that ' +
  'changed nothing. A deletion by the table\'s TTL is a `deleted` event with `data.reason` `expired`.',
  '- **Never blocked by size.** An event over EventBridge\'s 256 KB is sent without `data.previous`, then with `data.item` ' +
  'and `data.previous` cut down to the key attributes, with `data.truncated` true.',
].join('\n');

function serverObject(bus: AsyncApiEventBus, region: string | undefined): Json {
  const named = bus.name !== undefined ? `\`${bus.name}\`` : 'created with the stack (its name is assigned at deployment)';
  return {
    'host': 'events.{region}.amazonaws.com',
    'protocol': 'https',
    'title': `Amazon EventBridge: the event bus ${bus.name ?? 'of the API'}`,
    'description': `The Amazon EventBridge event bus ${named}. The API's publisher puts the events with PutEvents; receive them ` +
      'with an EventBridge rule on this bus whose pattern is the channel\'s `x-eventbridge.eventPattern` (AsyncAPI has no ' +
      'EventBridge binding: the bus, `source` and `detail-type` are in these descriptions and the `x-eventbridge` fields).',
    'variables': {
      region: {
        default: region ?? 'REGION',
        description: region !== undefined ? 'The stack\'s region.' : 'The region the stack is deployed to.',
      },
    },
    'x-eventbridge': { ...(bus.name !== undefined ? { eventBusName: bus.name } : {}) },
  };
}

function channelObject(r: ResourceConfig, bus: AsyncApiEventBus, server: string, messages: Json, source: string | undefined): Json {
  const detailTypes = CHANGE_TYPES.map((type) => detailTypeOf(r.name, type));
  return {
    'address': `${r.name}.{change}`,
    'title': `Changes of ${r.name}`,
    'description': `The changes of \`${r.name}\` items: EventBridge events on the bus ${bus.name !== undefined ? `\`${bus.name}\`` : 'of the API'} ` +
      `with \`source\` ${source !== undefined ? `\`${source}\`` : 'the API\'s event source'} and \`detail-type\` ` +
      `${detailTypes.map((t) => `\`${t}\``).join(', ')}.`,
    'servers': [{ $ref: `#/servers/${server}` }],
    'parameters': { change: { enum: [...CHANGE_TYPES], description: 'What happened to the item.' } },
    messages,
    'x-eventbridge': {
      ...(bus.name !== undefined ? { eventBusName: bus.name } : {}),
      ...(source !== undefined ? { source } : {}),
      detailTypes,
      eventPattern: { ...(source !== undefined ? { source: [source] } : {}), 'detail-type': detailTypes },
    },
  };
}

const TITLES: Record<ChangeType, string> = { created: 'created', updated: 'updated (PUT or PATCH)', deleted: 'deleted' };

function messageObject(r: ResourceConfig, type: ChangeType, names: EventSchemaNames, source: string | undefined): Json {
  return {
    name: detailTypeOf(r.name, type),
    title: `A ${r.name} item was ${TITLES[type]}`,
    contentType: 'application/json',
    headers: eventBridgeEnvelopeSchema(r.name, type, source),
    payload: { $ref: `#/components/schemas/${names.events[type]}` },
  };
}

/**
 * `info.version`: a digest of what shapes the events (the resources, which publish, the source), so that it changes
 * when the contract does, and not with deploy-time values such as a bus's name.
 */
function contractVersion(input: AsyncApiInput): string {
  const shape = { resources: input.resources.map((r) => ({ config: r.config, events: r.eventBus !== undefined })), source: input.source ?? null };
  return createHash('sha256').update(JSON.stringify(shape)).digest('hex').slice(0, 12);
}

/** Component keys (`^[\w.-]+$`) and schema names, unique within one document. */
class UniqueKeys {
  private readonly taken = new Set<string>();
  private readonly pascals = new Set<string>();

  /** A resource name or detail-type as a component key (`~`, which resource names allow, becomes `_`). */
  public key(name: string): string {
    return this.unique(name.replace(/[^\w.-]/g, '_'), this.taken);
  }

  /** The schema names of a resource; two resources whose names differ only in punctuation get distinct ones. */
  public names(resourceName: string): ReturnType<typeof schemaNames> {
    const base = schemaNames(resourceName);
    const pascal = this.unique(base.pascal, this.pascals);
    return pascal === base.pascal ? base : { ...schemaNames(pascal), pascal };
  }

  private unique(base: string, taken: Set<string>): string {
    let out = base;
    for (let i = 2; taken.has(out); i++) out = `${base}${i}`;
    taken.add(out);
    return out;
  }
}
