/**
 * The change-event builder, rule by rule: one stream record (Lambda's shape) → the event it publishes, or nothing.
 * Pure: no DynamoDB here (the end-to-end and model tests in change-publisher-*.test.ts write through the handler).
 */
import { eventSchemaCheck } from './support/event-schemas';
import { lambdaRecord } from './support/stream-records';
import { entryOf, entrySize, keysOf } from '../../src/handler/change-entry';
import { buildChangeEvent, changeEventContext } from '../../src/handler/change-event';
import { itemModel } from '../../src/handler/item';
import { parseConfig } from '../../src/handler/load-config';
import { ChangeCloudEvent, MAX_EVENT_ENTRY_BYTES } from '../../src/shared/change-events';
import { ALL_OPERATIONS, CONFIG_VERSION, HandlerConfig } from '../../src/shared/config';

const base = { idAttribute: 'id', operations: [...ALL_OPERATIONS], indexes: [], defaultPageSize: 25, maxPageSize: 100, idempotencyTtlSeconds: 86400 };
const config: HandlerConfig = parseConfig({
  version: CONFIG_VERSION,
  resources: [
    { ...base, name: 'items' },
    { ...base, name: 'projects', pathParameter: 'projectId', ownerScoping: { attribute: 'owner' }, indexes: [{ indexName: 'byStatus', partitionKey: 'status' }] },
    { ...base, name: 'tasks', parent: 'projects', ownerScoping: { attribute: 'owner' }, indexes: [{ indexName: 'byDue', partitionKey: 'due' }] },
  ],
}, 'test');
const SOURCE = 'my.api';
const items = changeEventContext(config, 'items', SOURCE);
const projects = changeEventContext(config, 'projects', SOURCE);
const tasks = changeEventContext(config, 'tasks', SOURCE);

const meta = (version: number, updatedAt = `2026-01-01T00:00:0${version}.000Z`) => ({
  version, createdAt: '2026-01-01T00:00:00.000Z', updatedAt, _generation: 'gen123abc',
});

const schemaCheck = eventSchemaCheck(config, SOURCE);

/**
 * The event of an outcome; every one must be valid for the AsyncAPI document's schema of its type, except events of
 * items another tool wrote (`foreign`: no version or timestamps), which the API's item schema does not describe either.
 */
function eventOf(outcome: ReturnType<typeof buildChangeEvent>, foreign = false): ChangeCloudEvent {
  if (outcome.kind !== 'event') throw new Error(`expected an event, got ${JSON.stringify(outcome)}`);
  if (!foreign) expect(schemaCheck(outcome.event)).toEqual([]);
  return outcome.event;
}

/** The event in an entry (cut down or not), checked against the AsyncAPI document's schema of its type. */
function detailOf(entry: { Detail: string }): any {
  const detail = JSON.parse(entry.Detail);
  expect(schemaCheck(detail)).toEqual([]);
  return detail;
}

describe('created / updated / deleted', () => {
  test('INSERT → created: the item as the API shows it, no previous, every shown name changed', () => {
    const e = eventOf(buildChangeEvent(items, lambdaRecord({
      eventName: 'INSERT', eventID: 'e1', keys: { id: 'a' }, newItem: { id: 'a', title: 'x', n: 2, ...meta(1) }, time: 1_767_225_601,
    })));
    expect(e).toEqual({
      specversion: '1.0',
      id: 'e1',
      source: SOURCE,
      type: 'items.created',
      time: '2026-01-01T00:00:01.000Z',
      subject: '/items/a',
      datacontenttype: 'application/json',
      version: 1,
      etag: '"1.gen123abc"',
      data: { item: { id: 'a', n: 2, title: 'x', version: 1, createdAt: '2026-01-01T00:00:00.000Z', updatedAt: '2026-01-01T00:00:01.000Z' }, changed: ['id', 'n', 'title'] },
    });
    expect(e.tenant).toBeUndefined();
  });

  test('MODIFY → updated: item and previous, the names set, changed or removed (sorted), version and etag after', () => {
    const e = eventOf(buildChangeEvent(items, lambdaRecord({
      eventName: 'MODIFY',
      keys: { id: 'a' },
      oldItem: { id: 'a', keep: 1, gone: true, nested: { x: 1, y: 2 }, ...meta(1) },
      newItem: { id: 'a', keep: 1, added: 'z', nested: { y: 2, x: 3 }, ...meta(2) },
    })));
    expect(e.type).toBe('items.updated');
    expect(e.data.changed).toEqual(['added', 'gone', 'nested']);
    expect(e.data.previous).toMatchObject({ gone: true, version: 1 });
    expect(e.data.item).toMatchObject({ added: 'z', version: 2 });
    expect([e.version, e.etag]).toEqual([2, '"2.gen123abc"']);
  });

  test('a map whose members only moved is not a change (values compared as the API shows them)', () => {
    const outcome = buildChangeEvent(items, lambdaRecord({
      eventName: 'MODIFY',
      keys: { id: 'a' },
      oldItem: { id: 'a', m: { a: 1, b: 2 }, ...meta(1) },
      newItem: { id: 'a', m: { b: 2, a: 1 }, ...meta(2) },
    }));
    expect(outcome).toEqual({ kind: 'unchanged' });
  });

  test('REMOVE → deleted: previous only, version and etag of the version deleted, every name changed', () => {
    const e = eventOf(buildChangeEvent(items, lambdaRecord({ eventName: 'REMOVE', keys: { id: 'a' }, oldItem: { id: 'a', t: 1, ...meta(4) } })));
    expect(e.type).toBe('items.deleted');
    expect(e.data.item).toBeUndefined();
    expect(e.data.previous).toMatchObject({ id: 'a', t: 1, version: 4 });
    expect(e.data.changed).toEqual(['id', 't']);
    expect([e.version, e.etag]).toEqual([4, '"4.gen123abc"']);
    expect(e.data.reason).toBeUndefined();
  });

  test("a TTL delete (userIdentity Service / dynamodb.amazonaws.com) is deleted with reason 'expired'; another identity is not", () => {
    const ttl = eventOf(buildChangeEvent(items, lambdaRecord({
      eventName: 'REMOVE', keys: { id: 'a' }, oldItem: { id: 'a', ...meta(1) }, userIdentity: { type: 'Service', principalId: 'dynamodb.amazonaws.com' },
    })));
    expect(ttl.data.reason).toBe('expired');
    const other = eventOf(buildChangeEvent(items, lambdaRecord({
      eventName: 'REMOVE', keys: { id: 'a' }, oldItem: { id: 'a', ...meta(1) }, userIdentity: { type: 'Service', principalId: 'other.amazonaws.com' },
    })));
    expect(other.data.reason).toBeUndefined();
  });

  test('an item written by another tool (no version, no generation) is published with version 0', () => {
    const e = eventOf(buildChangeEvent(items, lambdaRecord({ eventName: 'INSERT', keys: { id: 'x' }, newItem: { id: 'x', v: 1 } })), true);
    expect([e.version, e.etag]).toEqual([0, '"0"']);
  });
});

describe('nothing published for bookkeeping', () => {
  test('taking and giving back a delete lease (_deleting) publishes nothing', () => {
    const stored = { id: 'p1', projectId: undefined, owner: 'alice', name: 'P', ...meta(3) };
    const { projectId: _, ...item } = stored;
    expect(buildChangeEvent(projects, lambdaRecord({
      eventName: 'MODIFY', keys: { owner: 'alice', id: 'p1' }, oldItem: item, newItem: { ...item, _deleting: 1767225610000.123456781 },
    }))).toEqual({ kind: 'unchanged' });
    expect(buildChangeEvent(projects, lambdaRecord({
      eventName: 'MODIFY', keys: { owner: 'alice', id: 'p1' }, oldItem: { ...item, _deleting: 1767225610000.123456781 }, newItem: item,
    }))).toEqual({ kind: 'unchanged' });
  });

  test('a write of the same content (version and updatedAt bumped) publishes nothing', () => {
    expect(buildChangeEvent(items, lambdaRecord({
      eventName: 'MODIFY', keys: { id: 'a' }, oldItem: { id: 'a', t: 1, ...meta(1) }, newItem: { id: 'a', t: 1, ...meta(2) },
    }))).toEqual({ kind: 'unchanged' });
  });

  test('a MODIFY that changed only hidden attributes (an index key) publishes nothing; one that changed createdAt does', () => {
    expect(buildChangeEvent(projects, lambdaRecord({
      eventName: 'MODIFY',
      keys: { owner: 'a', id: 'p' },
      oldItem: { 'owner': 'a', 'id': 'p', ...meta(1), '_ownerKey#byStatus': '1:ax' },
      newItem: { 'owner': 'a', 'id': 'p', ...meta(1), '_ownerKey#byStatus': '1:ay' },
    }))).toEqual({ kind: 'unchanged' });
    const e = buildChangeEvent(items, lambdaRecord({
      eventName: 'MODIFY', keys: { id: 'a' }, oldItem: { id: 'a', ...meta(1) }, newItem: { id: 'a', ...meta(1), createdAt: '2020-01-01T00:00:00.000Z' },
    }));
    expect(e.kind).toBe('event');
  });
});

describe('nested items, tenants, hidden attributes', () => {
  const task = {
    '_parent': '5:alice2:p1', 'id': 't/9 é', 'projectId': 'p1', 'owner': 'alice', 'due': '2026-02-01', '_scopeKey#byDue': 'x', '_deleting': 5, ...meta(2),
  };

  test('subject is the path with URI-encoded ids; ancestors in the item; tenant is the owner', () => {
    const e = eventOf(buildChangeEvent(tasks, lambdaRecord({ eventName: 'INSERT', keys: { _parent: task._parent, id: task.id }, newItem: task })));
    expect(e.subject).toBe(`/projects/p1/tasks/${encodeURIComponent('t/9 é')}`);
    expect(e.tenant).toBe('alice');
    expect(Object.keys(e.data.item!)).toEqual(['id', 'projectId', 'due', 'version', 'createdAt', 'updatedAt', 'owner']);
  });

  test('hidden attributes never appear anywhere in the event', () => {
    const e = eventOf(buildChangeEvent(tasks, lambdaRecord({
      eventName: 'MODIFY', keys: { _parent: task._parent, id: task.id }, oldItem: { ...task, due: '2026-01-01' }, newItem: task,
    })));
    const text = JSON.stringify(e);
    for (const hidden of ['_parent', '_generation', '_scopeKey#byDue', '_deleting']) expect(text).not.toContain(`"${hidden}"`);
    expect(e.data.changed).toEqual(['due']);
  });

  test('an item of another tool without the ancestor attributes or owner: both come from its partition key', () => {
    const e = eventOf(buildChangeEvent(tasks, lambdaRecord({
      eventName: 'INSERT', keys: { _parent: '3:bob4:p 42', id: 7 }, newItem: { _parent: '3:bob4:p 42', id: 7 },
    })), true);
    expect([e.subject, e.tenant]).toEqual(['/projects/p%2042/tasks/7', 'bob']);
  });

  test('a top-level owner-scoped item: tenant from its owner attribute; shared resources have no tenant', () => {
    const e = eventOf(buildChangeEvent(projects, lambdaRecord({ eventName: 'INSERT', keys: { owner: 'bob', id: 'p' }, newItem: { owner: 'bob', id: 'p', ...meta(1) } })));
    expect([e.subject, e.tenant]).toEqual(['/projects/p', 'bob']);
  });
});

describe('records that cannot be published', () => {
  test.each([
    ['a MODIFY without OldImage (NEW_IMAGE view)', lambdaRecord({ eventName: 'MODIFY', keys: { id: 'a' }, newItem: { id: 'a' }, viewType: 'NEW_IMAGE' }), /OldImage.*NEW_IMAGE.*NEW_AND_OLD_IMAGES/],
    ['an INSERT without NewImage (KEYS_ONLY view)', lambdaRecord({ eventName: 'INSERT', keys: { id: 'a' }, viewType: 'KEYS_ONLY' }), /NewImage.*KEYS_ONLY/],
    ['a REMOVE without OldImage', lambdaRecord({ eventName: 'REMOVE', keys: { id: 'a' }, viewType: 'NEW_IMAGE' }), /OldImage/],
    ['an unknown eventName', { ...lambdaRecord({ eventName: 'INSERT', keys: { id: 'a' }, newItem: { id: 'a' } }), eventName: 'UPSERT' as any }, /unknown eventName/],
  ])('%s', (_, record, reason) => {
    const outcome = buildChangeEvent(items, record);
    expect(outcome.kind).toBe('invalid');
    expect((outcome as { reason: string }).reason).toMatch(reason);
  });
});

describe('size: EventBridge entry size rule and the fallbacks, at the exact boundary', () => {
  const model = itemModel(config.resources[2], config.resources);
  const BUS = 'bus';

  test('entry size is Time (14) + UTF-8 bytes of Source, DetailType and Detail; EventBusName does not count', () => {
    expect(entrySize({ Source: 'é', DetailType: 'ab', Detail: '{"x":"€"}', EventBusName: 'long-bus-name' })).toBe(2 + 2 + 11);
    expect(entrySize({ Source: 'é', DetailType: 'ab', Detail: '{}', EventBusName: 'b', Time: new Date() })).toBe(14 + 2 + 2 + 2);
  });

  /** A task update whose entry is exactly `total` bytes before any cut (padding in `item.note` and `previous.note`). */
  function sizedUpdate(total: number) {
    const make = (pad: number, pad2: number) => eventOf(buildChangeEvent(tasks, lambdaRecord({
      eventName: 'MODIFY',
      keys: { _parent: '5:alice2:p1', id: 't1' },
      oldItem: { _parent: '5:alice2:p1', id: 't1', projectId: 'p1', owner: 'alice', note: 'o'.repeat(pad2), ...meta(1) },
      newItem: { _parent: '5:alice2:p1', id: 't1', projectId: 'p1', owner: 'alice', note: 'n'.repeat(pad), ...meta(2) },
    })));
    const whole = (e: ChangeCloudEvent) => entrySize({
      Source: e.source, DetailType: e.type, Detail: JSON.stringify(e), EventBusName: BUS, Time: new Date(),
    });
    const rest = total - whole(make(1, 1)) + 2;
    const a = Math.floor(rest / 2);
    const e = make(a, rest - a);
    expect(whole(e)).toBe(total);
    return e;
  }

  test('an entry of 256 KiB − 1 bytes is sent whole; at 256 KiB it is sent without previous, truncated', () => {
    const fits = entryOf(model, sizedUpdate(MAX_EVENT_ENTRY_BYTES - 1), BUS) as any;
    expect(fits).toMatchObject({ truncation: 0, size: MAX_EVENT_ENTRY_BYTES - 1 });
    const overEvent = sizedUpdate(MAX_EVENT_ENTRY_BYTES);
    const over = entryOf(model, overEvent, BUS) as any;
    expect(over.truncation).toBe(1);
    const detail = detailOf(over.entry);
    expect(detail.data.previous).toBeUndefined();
    expect(detail.data.truncated).toBe(true);
    expect(detail.data.item).toEqual(overEvent.data.item);
    expect(over.size).toBeLessThan(MAX_EVENT_ENTRY_BYTES);
    expect(detail.data.changed).toEqual(['note']);
  });

  test('when the event without previous is still 256 KiB, item and previous are cut to the key attributes; at 256 KiB − 1 it is not', () => {
    /** A task update whose entry without `previous` is exactly `total` bytes. */
    const withoutPrevious = (total: number) => {
      const make = (pad: number) => eventOf(buildChangeEvent(tasks, lambdaRecord({
        eventName: 'MODIFY',
        keys: { _parent: '5:alice2:p1', id: 't1' },
        oldItem: { _parent: '5:alice2:p1', id: 't1', projectId: 'p1', owner: 'alice', note: 'o', ...meta(1) },
        newItem: { _parent: '5:alice2:p1', id: 't1', projectId: 'p1', owner: 'alice', note: 'n'.repeat(pad), ...meta(2) },
      })));
      const level1 = (e: ChangeCloudEvent) => entrySize({
        Source: e.source,
        DetailType: e.type,
        EventBusName: BUS,
        Time: new Date(),
        Detail: JSON.stringify({ ...e, data: { item: e.data.item, changed: e.data.changed, truncated: true } }),
      });
      const e = make(total - level1(make(1)) + 1);
      expect(level1(e)).toBe(total);
      return e;
    };
    expect(entryOf(model, withoutPrevious(MAX_EVENT_ENTRY_BYTES - 1), BUS)).toMatchObject({ truncation: 1, size: MAX_EVENT_ENTRY_BYTES - 1 });
    const e = withoutPrevious(MAX_EVENT_ENTRY_BYTES);
    const sized = entryOf(model, e, BUS) as any;
    expect(sized.truncation).toBe(2);
    const detail = detailOf(sized.entry);
    expect(detail.data).toEqual({ item: { id: 't1', projectId: 'p1' }, previous: { id: 't1', projectId: 'p1' }, changed: ['note'], truncated: true });
    expect([detail.version, detail.etag, detail.subject, detail.tenant]).toEqual([2, '"2.gen123abc"', '/projects/p1/tasks/t1', 'alice']);
  });

  test('a deleted item too large is sent with previous cut to its keys (it is all a deleted event has)', () => {
    const e = eventOf(buildChangeEvent(items, lambdaRecord({ eventName: 'REMOVE', keys: { id: 'a' }, oldItem: { id: 'a', big: 'x'.repeat(MAX_EVENT_ENTRY_BYTES), ...meta(3) } })));
    const sized = entryOf(itemModel(config.resources[0]), e, BUS) as any;
    expect(sized.truncation).toBe(1);
    expect(detailOf(sized.entry).data).toEqual({ previous: { id: 'a' }, changed: ['big', 'id'], truncated: true });
  });

  test('an item whose attribute names alone exceed the limit: changed is left empty too', () => {
    const many: Record<string, number> = {};
    for (let i = 0; i < 6_000; i++) many[`a_long_attribute_name_to_fill_the_changed_list_${i}`] = 1;
    const e = eventOf(buildChangeEvent(items, lambdaRecord({ eventName: 'INSERT', keys: { id: 'a' }, newItem: { id: 'a', ...many, ...meta(1) } })));
    const sized = entryOf(itemModel(config.resources[0]), e, BUS) as any;
    expect(sized.truncation).toBe(3);
    expect(detailOf(sized.entry).data).toEqual({ item: { id: 'a' }, changed: [], truncated: true });
  });

  test('keysOf keeps the id and the ancestors only', () => {
    expect(keysOf(model, { id: 't', projectId: 'p', owner: 'o', x: 1 })).toEqual({ id: 't', projectId: 'p' });
  });
});
