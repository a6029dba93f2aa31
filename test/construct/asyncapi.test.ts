/**
 * The AsyncAPI 3.0 document of an API's change events: generated from the resources' configuration (as the construct
 * resolves it), valid for the AsyncAPI initiative's own parser (@asyncapi/parser), with exactly the expected channels,
 * operations and messages, and payload schemas that accept real events (built from the contract types, items presented
 * as the handler presents them) and refuse wrong ones. The construct side writes it into the cloud assembly at synth.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Parser } from '@asyncapi/parser';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import { App, Stack } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import { Construct } from 'constructs';
import { ApiAuthorization, IdType, Operation, ServerlessCrudApi } from '../../src';
import { attachAsyncApiContract, asyncApiFileName } from '../../src/construct/asyncapi-contract';
import { CrudResource } from '../../src/construct/crud-resource';
import { itemModel, presentItem } from '../../src/handler/item';
import { ASYNCAPI_VERSION, AsyncApiInput, AsyncApiResource, asyncApiDocument, hasChangeEvents } from '../../src/shared/asyncapi';
import { ChangeCloudEvent, detailTypeOf } from '../../src/shared/change-events';
import { ResourceConfig } from '../../src/shared/config';
import { OWNER_INDEX_KEY_PREFIX } from '../../src/shared/keys';

// The parser runs Spectral's whole ruleset: ~3-5 s a document on this machine.
jest.setTimeout(60_000);

const ORDER_SCHEMA = {
  type: 'object',
  required: ['sku'],
  additionalProperties: false,
  properties: { sku: { type: 'string' }, lines: { type: 'array', items: { $ref: '#/$defs/line' } } },
  $defs: { line: { type: 'object', required: ['qty'], properties: { qty: { type: 'integer', minimum: 1 } } } },
};

/** The resources' configs exactly as the construct resolves them (defaults, path parameters, ancestry). */
function shopConfigs(): ResourceConfig[] {
  const stack = new Stack(new App(), 'Shop');
  const api = new ServerlessCrudApi(stack, 'Api', {
    resources: [
      { name: 'projects', pathParameter: 'projectId' },
      { name: 'tasks', parent: 'projects', idType: IdType.NUMBER, operations: [Operation.CREATE, Operation.READ, Operation.DELETE] },
      { name: 'orders', ownerScoping: true, authorization: ApiAuthorization.jwt({ issuer: 'https://issuer.example.com/', audience: ['api'] }), schema: ORDER_SCHEMA },
      {
        name: 'legacy',
        schema: { $schema: 'http://json-schema.org/draft-07/schema#', type: 'object', properties: { code: { $ref: '#/definitions/code' } }, definitions: { code: { type: 'string' } } },
      },
      { name: 'a~b' },
    ],
  });
  return api.resources.map((r) => (r as CrudResource).handlerConfig());
}

const configs = shopConfigs();
const byName = (name: string) => configs.find((c) => c.name === name)!;
const SHOP_BUS = { id: 'Shop/Events', name: 'shop-events' };

/** projects publish nothing (but are tasks' ancestor); the rest do, `a~b` on another bus whose name is not known. */
const shopInput: AsyncApiInput = {
  title: 'Shop/Api',
  source: 'Shop/Api',
  region: 'eu-west-1',
  resources: configs.map((config): AsyncApiResource => (config.name === 'projects' ? { config }
    : { config, eventBus: config.name === 'a~b' ? { id: 'Shop/Other' } : SHOP_BUS })),
};
const shop = asyncApiDocument(shopInput) as any;

const parser = new Parser();

async function errorsOf(doc: unknown): Promise<string[]> {
  const diagnostics = await parser.validate(doc as any);
  return diagnostics.filter((d) => d.severity === 0).map((d) => `${d.code} ${d.path.join('/')}: ${d.message}`);
}

describe('the document is valid AsyncAPI 3.0 (@asyncapi/parser)', () => {
  test('several resources: top-level without a schema, nested with numeric ids, owner-scoped with $defs, draft-07, two buses', async () => {
    const started = Date.now();
    expect(await errorsOf(shop)).toEqual([]);
    // Recorded for the closing note: how long the parser takes.
    process.stdout.write(`asyncapi parser: ${Date.now() - started} ms for ${JSON.stringify(shop).length} bytes\n`);
  });

  test('one resource, nothing known at synth (source, region, bus name)', async () => {
    const doc = asyncApiDocument({ title: 'Todos', resources: [{ config: byName('legacy'), eventBus: { id: 'bus' } }] }) as any;
    expect(await errorsOf(doc)).toEqual([]);
    expect(doc.servers.eventBus.variables.region.default).toBe('REGION');
    expect(doc.servers.eventBus['x-eventbridge']).toEqual({});
    expect(doc.components.schemas.LegacyCreated.properties.source).toEqual(expect.objectContaining({ type: 'string' }));
    expect(doc.channels.legacy['x-eventbridge'].eventPattern).toEqual({ 'detail-type': ['legacy.created', 'legacy.updated', 'legacy.deleted'] });
  });

  test('a broken $ref is an error for the parser (the checks above can fail)', async () => {
    const broken = asyncApiDocument({ title: 'Broken', resources: [{ config: byName('orders'), eventBus: { id: 'bus' } }] }) as any;
    broken.components.schemas.OrdersAttributes.properties.lines.items.$ref = '#/components/schemas/OrdersAttributes/$defs/nope';
    expect(await errorsOf(broken)).toEqual([expect.stringMatching(/invalid-ref/)]);
  });
});

describe('channels, operations, messages', () => {
  test('one channel per resource that publishes, addressed by its detail-type, on its bus', () => {
    expect(shop.asyncapi).toBe(ASYNCAPI_VERSION);
    expect(Object.keys(shop.channels)).toEqual(['tasks', 'orders', 'legacy', 'a_b']);
    expect(shop.channels.orders).toEqual(expect.objectContaining({
      'address': 'orders.{change}',
      'parameters': { change: { enum: ['created', 'updated', 'deleted'], description: expect.any(String) } },
      'servers': [{ $ref: '#/servers/eventBus' }],
      'messages': {
        created: { $ref: '#/components/messages/orders.created' },
        updated: { $ref: '#/components/messages/orders.updated' },
        deleted: { $ref: '#/components/messages/orders.deleted' },
      },
      'x-eventbridge': {
        eventBusName: 'shop-events',
        source: 'Shop/Api',
        detailTypes: ['orders.created', 'orders.updated', 'orders.deleted'],
        eventPattern: { 'source': ['Shop/Api'], 'detail-type': ['orders.created', 'orders.updated', 'orders.deleted'] },
      },
    }));
    expect(shop.channels.a_b.address).toBe('a~b.{change}');
    expect(shop.channels.a_b.servers).toEqual([{ $ref: '#/servers/eventBus2' }]);
  });

  test('one server per bus: EventBridge in the region, the bus named where known', () => {
    expect(Object.keys(shop.servers)).toEqual(['eventBus', 'eventBus2']);
    expect(shop.servers.eventBus).toEqual(expect.objectContaining({
      'host': 'events.{region}.amazonaws.com',
      'protocol': 'https',
      'variables': { region: { default: 'eu-west-1', description: expect.any(String) } },
      'x-eventbridge': { eventBusName: 'shop-events' },
    }));
    expect(shop.servers.eventBus.description).toContain('`shop-events`');
    expect(shop.servers.eventBus2['x-eventbridge']).toEqual({});
  });

  test('a send operation per channel with its three messages', () => {
    expect(Object.keys(shop.operations)).toEqual(['sendTasksChanges', 'sendOrdersChanges', 'sendLegacyChanges', 'sendABChanges']);
    expect(shop.operations.sendOrdersChanges).toEqual(expect.objectContaining({
      action: 'send',
      channel: { $ref: '#/channels/orders' },
      messages: ['created', 'updated', 'deleted'].map((t) => ({ $ref: `#/channels/orders/messages/${t}` })),
    }));
  });

  test('three messages per publishing resource, named by detail-type, payload the CloudEvent, headers the EventBridge event', () => {
    const expected = ['tasks', 'orders', 'legacy', 'a~b'].flatMap((r) => ['created', 'updated', 'deleted'].map((t) => `${r}.${t}`));
    expect(Object.values(shop.components.messages).map((m: any) => m.name)).toEqual(expected);
    expect(Object.keys(shop.components.messages)).toEqual(expected.map((k) => k.replace('~', '_')));
    expect(shop.components.messages['orders.created']).toEqual(expect.objectContaining({
      contentType: 'application/json',
      payload: { $ref: '#/components/schemas/OrdersCreated' },
    }));
    expect(shop.components.messages['orders.deleted'].headers.properties).toEqual(expect.objectContaining({
      'detail-type': { const: 'orders.deleted' },
      'source': { const: 'Shop/Api' },
    }));
    expect(shop.components.schemas.ProjectsCreated).toBeUndefined(); // projects publish nothing
  });

  test('the guarantees are in the description', () => {
    const d = shop.info.description as string;
    for (const words of [/at least once/i, /drop duplicates by `id`/, /order one item's events by\s+`version`/, /no order across items/, /256 KB/, /`expired`/]) {
      expect(d).toMatch(words);
    }
  });

  test('no resource publishing: hasChangeEvents is false; version changes with the contract, not with bus names', () => {
    expect(hasChangeEvents({ title: 'x', resources: configs.map((config) => ({ config })) })).toBe(false);
    expect(hasChangeEvents(shopInput)).toBe(true);
    const renamed = asyncApiDocument({ ...shopInput, resources: shopInput.resources.map((r) => (r.eventBus ? { ...r, eventBus: { id: r.eventBus.id, name: 'other' } } : r)) }) as any;
    expect(renamed.info.version).toBe(shop.info.version);
    const fewer = asyncApiDocument({ ...shopInput, resources: shopInput.resources.map((r) => (r.config.name === 'legacy' ? { config: r.config } : r)) }) as any;
    expect(fewer.info.version).not.toBe(shop.info.version);
  });
});

describe('the payload schemas accept real events and refuse wrong ones', () => {
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats(ajv);
  ajv.addSchema(shop, 'shop');
  const check = (schema: string, event: unknown) => {
    const validate = ajv.getSchema(`shop#/components/schemas/${schema}`)!;
    return validate(event) ? [] : validate.errors!.map((e) => `${e.instancePath} ${e.message}`);
  };

  const orders = byName('orders');
  // As DynamoDB holds it: hidden attributes included; the API presents it without them.
  const stored = {
    id: 'o1',
    sku: 'A-1',
    lines: [{ qty: 2 }],
    owner: 'user-1',
    version: 2,
    createdAt: '2026-12-06T10:00:00.000Z',
    updatedAt: '2026-12-06T10:05:00.000Z',
    _generation: 'AAAAAAAAAAA',
    [`${OWNER_INDEX_KEY_PREFIX}0`]: 'user-1#x',
  };
  const item = presentItem(itemModel(orders, configs), stored as any) as Record<string, unknown>;
  const previous = { ...item, version: 1, lines: [], updatedAt: '2026-12-06T10:00:00.000Z' };
  const event = (type: 'created' | 'updated' | 'deleted', data: ChangeCloudEvent['data'], over: Partial<ChangeCloudEvent> = {}): ChangeCloudEvent => ({
    specversion: '1.0',
    id: '7d3c1f6a8b2e4c5d9e0f1a2b3c4d5e6f',
    source: 'Shop/Api',
    type: detailTypeOf('orders', type),
    time: '2026-12-06T10:05:00Z',
    subject: '/orders/o1',
    datacontenttype: 'application/json',
    tenant: 'user-1',
    version: 2,
    etag: '"2.AAAAAAAAAAA"',
    data,
    ...over,
  });

  test('orders.created, updated (and truncated), deleted (and expired) built from the contract types validate', () => {
    expect(item).not.toHaveProperty('_generation');
    expect(check('OrdersCreated', event('created', { item, changed: ['id', 'lines', 'owner', 'sku'] }))).toEqual([]);
    expect(check('OrdersUpdated', event('updated', { item, previous, changed: ['lines'] }))).toEqual([]);
    expect(check('OrdersUpdated', event('updated', { item: { id: 'o1' }, changed: ['lines'], truncated: true }))).toEqual([]);
    expect(check('OrdersDeleted', event('deleted', { previous: item, changed: ['id', 'lines', 'owner', 'sku'], reason: 'expired' }))).toEqual([]);
  });

  test('refused: a hidden attribute, a missing tenant, another type, a cut item without truncated, previous on created, changed naming version', () => {
    expect(check('OrdersCreated', event('created', { item: { ...item, _generation: 'x' }, changed: ['sku'] }))).not.toEqual([]);
    const { tenant: _t, ...untenanted } = event('created', { item, changed: ['sku'] });
    expect(check('OrdersCreated', untenanted)).toEqual([expect.stringMatching(/tenant/)]);
    expect(check('OrdersCreated', event('updated', { item, previous, changed: ['sku'] }))).not.toEqual([]);
    expect(check('OrdersUpdated', event('updated', { item: { id: 'o1' }, previous, changed: ['sku'] }))).not.toEqual([]);
    expect(check('OrdersUpdated', event('updated', { item, changed: ['sku'] }))).toContainEqual(expect.stringMatching(/must have required property 'previous'/));
    expect(check('OrdersCreated', { ...event('created', { item, changed: ['sku'] }), data: { item, previous, changed: ['sku'] } })).not.toEqual([]);
    expect(check('OrdersCreated', event('created', { item, changed: ['sku', 'version'] }))).not.toEqual([]);
    expect(check('OrdersCreated', event('created', { item, changed: ['sku'] }, { subject: '/orders/o1/x' }))).not.toEqual([]);
  });

  test('the $defs of the resource\'s schema resolve inside the event: a line without qty is refused', () => {
    expect(check('OrdersCreated', event('created', { item: { ...item, lines: [{}] }, changed: ['sku'] }))).toContainEqual(expect.stringMatching(/^\/data\/item\/lines\/0 must have required property 'qty'/));
  });

  test('nested, numeric ids: the item carries its ancestor\'s id, the subject both; no tenant on a resource that is not owner-scoped', () => {
    const task = { id: 7, projectId: 'p1', version: 1, createdAt: '2026-12-06T10:00:00.000Z', updatedAt: '2026-12-06T10:00:00.000Z' };
    const created = { ...event('created', { item: task, changed: ['id'] }), type: 'tasks.created', subject: '/projects/p1/tasks/7', etag: '"1"' } as any;
    delete created.tenant;
    expect(check('TasksCreated', created)).toEqual([]);
    expect(check('TasksCreated', { ...created, tenant: 'user-1' })).not.toEqual([]);
    expect(check('TasksCreated', { ...created, data: { item: { ...task, projectId: undefined }, changed: ['id'] } })).not.toEqual([]);
    expect(check('TasksCreated', { ...created, subject: '/tasks/7' })).not.toEqual([]);
  });
});

describe('the construct side: the file beside the OpenAPI one', () => {
  function synthContract(input: (stack: Stack) => AsyncApiInput, outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'asyncapi-'))) {
    const app = new App({ outdir });
    const stack = new Stack(app, 'Shop');
    const api = new Construct(stack, 'Api');
    const stackInput = input(stack);
    const contract = attachAsyncApiContract({ api, input: () => stackInput });
    app.synth();
    const file = path.join(outdir, contract.fileName);
    return { outdir, contract, file, stack };
  }

  test('named as the OpenAPI file is, .asyncapi.json; tokens left out of the file and kept in the string', () => {
    const { contract, file, stack } = synthContract((s) => {
      const bus = new events.EventBus(s, 'Events');
      return { title: 'Shop/Api', source: 'Shop/Api', region: s.region, resources: [{ config: byName('orders'), eventBus: { id: bus.node.path, name: bus.eventBusName } }] };
    });
    expect(contract.fileName).toBe('Shop.Api.asyncapi.json');
    expect(asyncApiFileName(new Construct(stack, 'Other'))).toBe('Shop.Other.asyncapi.json');
    const text = fs.readFileSync(file, 'utf8');
    expect(text).not.toMatch(/\$\{Token|TOKEN/);
    const doc = JSON.parse(text);
    expect(doc.servers.eventBus.variables.region.default).toBe('REGION');
    expect(doc.servers.eventBus['x-eventbridge']).toEqual({});
    expect(doc.channels.orders['x-eventbridge'].source).toBe('Shop/Api');
    const withTokens = contract.document()!;
    expect(withTokens).toMatch(/\$\{Token\[/);
    expect(JSON.parse(withTokens).info.version).toBe(doc.info.version);
  });

  test('an imported bus keeps its name; no change events: no file, and none left from an earlier synth', () => {
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'asyncapi-'));
    const first = synthContract((s) => {
      const bus = events.EventBus.fromEventBusName(s, 'Bus', 'shop-events');
      return { title: 'Shop/Api', resources: [{ config: byName('orders'), eventBus: { id: 'b', name: bus.eventBusName } }] };
    }, outdir);
    expect(JSON.parse(fs.readFileSync(first.file, 'utf8')).servers.eventBus['x-eventbridge']).toEqual({ eventBusName: 'shop-events' });
    const second = synthContract(() => ({ title: 'Shop/Api', resources: [{ config: byName('orders') }] }), outdir);
    expect(fs.existsSync(second.file)).toBe(false);
    expect(second.contract.document()).toBeUndefined();
  });
});
