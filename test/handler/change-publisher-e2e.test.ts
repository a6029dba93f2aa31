/**
 * End to end on DynamoDB Local: writes through the real CRUD handler, the table's stream (NEW_AND_OLD_IMAGES) read back
 * and converted as the runner converts it (toLambdaRecord), published through publishChanges into a recording sink.
 * The events must be exactly the committed changes.
 */
import type { _Record } from '@aws-sdk/client-dynamodb-streams';
import { createTestApi, TestApi } from './support/api';
import { enableStream, readStream, writeMarker } from './support/stream-records';
import { PublisherSettings, publishChanges } from '../../src/handler/change-publisher';
import { toLambdaRecord } from '../../src/handler/stream-record';
import { ChangeCloudEvent, ChangeEventEntry, ChangeEventSink } from '../../src/shared/change-events';

/** A sink that accepts everything and keeps it. */
function keepingSink(): ChangeEventSink & { events: ChangeCloudEvent[]; entries: ChangeEventEntry[] } {
  const entries: ChangeEventEntry[] = [];
  const events: ChangeCloudEvent[] = [];
  return {
    entries,
    events,
    async putEvents(batch) {
      entries.push(...batch);
      events.push(...batch.map((e) => JSON.parse(e.Detail)));
      return batch.map(() => undefined);
    },
  };
}

describe('toLambdaRecord', () => {
  test('the region is the table\'s, whatever the record says (DynamoDB Local\'s records say ddblocal)', () => {
    const sdk: _Record = { eventID: 'e0', eventName: 'INSERT', awsRegion: 'ddblocal', dynamodb: { Keys: { id: { S: 'a' } }, SequenceNumber: '1' } };
    expect(toLambdaRecord(sdk, 'arn:stream', 'eu-west-1').awsRegion).toBe('eu-west-1');
  });

  test('an SDK record becomes exactly what Lambda delivers', () => {
    const sdk: _Record = {
      eventID: 'e1',
      eventName: 'REMOVE',
      eventVersion: '1.1',
      eventSource: 'aws:dynamodb',
      awsRegion: 'eu-west-1',
      dynamodb: {
        ApproximateCreationDateTime: new Date('2026-01-02T03:04:05.000Z'),
        Keys: { id: { S: 'a' } },
        OldImage: {
          id: { S: 'a' },
          n: { N: '1.5' },
          b: { B: Uint8Array.from([0, 1, 255]) },
          bs: { BS: [Uint8Array.from([104, 105])] },
          m: { M: { l: { L: [{ NULL: true }, { BOOL: false }, { SS: ['x'] }, { NS: ['2'] }] } } },
        },
        SequenceNumber: '123',
        SizeBytes: 42,
        StreamViewType: 'NEW_AND_OLD_IMAGES',
      },
      userIdentity: { PrincipalId: 'dynamodb.amazonaws.com', Type: 'Service' },
    };
    expect(toLambdaRecord(sdk, 'arn:stream', 'eu-west-1')).toEqual({
      eventID: 'e1',
      eventName: 'REMOVE',
      eventVersion: '1.1',
      eventSource: 'aws:dynamodb',
      awsRegion: 'eu-west-1',
      dynamodb: {
        ApproximateCreationDateTime: 1767323045,
        Keys: { id: { S: 'a' } },
        OldImage: {
          id: { S: 'a' },
          n: { N: '1.5' },
          b: { B: 'AAH/' },
          bs: { BS: ['aGk='] },
          m: { M: { l: { L: [{ NULL: true }, { BOOL: false }, { SS: ['x'] }, { NS: ['2'] }] } } },
        },
        SequenceNumber: '123',
        SizeBytes: 42,
        StreamViewType: 'NEW_AND_OLD_IMAGES',
      },
      eventSourceARN: 'arn:stream',
      userIdentity: { type: 'Service', principalId: 'dynamodb.amazonaws.com' },
    });
  });
});

describe('writes through the handler → stream → events', () => {
  let api: TestApi;
  let streamArns: Record<string, string>;
  beforeAll(async () => {
    api = await createTestApi({
      resources: [
        { name: 'projects', pathParameter: 'projectId', ownerScoping: { attribute: 'owner' } },
        { name: 'tasks', parent: 'projects', ownerScoping: { attribute: 'owner' }, indexes: [{ indexName: 'byDue', partitionKey: 'due' }] },
      ],
    });
    streamArns = {
      projects: await enableStream(api.tables.projects.tableName),
      tasks: await enableStream(api.tables.tasks.tableName),
    };
  });
  afterAll(() => api.destroy());

  const publish = async (resource: string) => {
    const sink = keepingSink();
    const lines: any[] = [];
    const settings: PublisherSettings = { config: api.config, resource, source: 'e2e.api', eventBusName: 'bus', log: (l) => lines.push(JSON.parse(l)) };
    // A marker item written last: once its record is read, every earlier one is; it is not published.
    const key: Record<string, string> = resource === 'projects' ? { owner: 'marker', id: 'marker' } : { _parent: 'marker', id: 'marker' };
    const marker = await writeMarker(api.tables[resource].tableName, key);
    const records = (await readStream(streamArns[resource], marker)).filter((r) => !marker(r));
    const result = await publishChanges(records, settings, sink);
    return { ...sink, result, records, lines };
  };

  test('created, updated (PUT, PATCH), no-op and lease writes, deleted: exactly the committed changes', async () => {
    const as = (sub: string) => ({ sub });
    expect((await api.call('PUT', '/projects/p1', { json: { name: 'One' }, ...as('alice') })).status).toBe(201);
    const task = await api.call('POST', '/projects/p1/tasks', { json: { title: 'write', due: '2026-02-01' }, ...as('alice') });
    expect(task.status).toBe(201);
    const t = task.body.id as string;
    const patched = await api.call('PATCH', `/projects/p1/tasks/${t}`, { json: { title: 'write more', done: false }, ...as('alice') });
    expect(patched.status).toBe(200);
    // The same content again: a committed write (version bumped) that changes nothing shown.
    expect((await api.call('PUT', '/projects/p1', { json: { name: 'One' }, ...as('alice') })).status).toBe(200);
    // A delete refused for its child: a lease taken and given back, no change.
    expect((await api.call('DELETE', '/projects/p1', as('alice'))).status).toBe(409);
    const bob = await api.call('PUT', '/projects/p1', { json: { name: 'Bob\'s' }, ...as('bob') });
    expect(bob.status).toBe(201);
    expect((await api.call('DELETE', `/projects/p1/tasks/${t}`, as('alice'))).status).toBe(204);
    expect((await api.call('DELETE', '/projects/p1', as('alice'))).status).toBe(204);

    const projects = await publish('projects');
    // PUT, no-op PUT, lease taken, lease given back, bob's PUT, lease taken (delete), delete.
    expect(projects.records.map((r) => r.eventName)).toEqual(['INSERT', 'MODIFY', 'MODIFY', 'MODIFY', 'INSERT', 'MODIFY', 'REMOVE']);
    expect(projects.result).toEqual({ batchItemFailures: [], published: 3, skipped: 4, truncated: 0, failed: 0 });
    expect(projects.events.map((e) => [e.type, e.subject, e.tenant, e.version])).toEqual([
      ['projects.created', '/projects/p1', 'alice', 1],
      ['projects.created', '/projects/p1', 'bob', 1],
      ['projects.deleted', '/projects/p1', 'alice', 2],
    ]);
    expect(projects.events[2].data).toEqual({
      previous: { id: 'p1', name: 'One', version: 2, createdAt: expect.any(String), updatedAt: expect.any(String), owner: 'alice' },
      changed: ['id', 'name', 'owner'],
    });
    expect(projects.events.map((e) => e.id)).toEqual([projects.records[0].eventID, projects.records[4].eventID, projects.records[6].eventID]);

    const tasks = await publish('tasks');
    expect(tasks.events.map((e) => [e.type, e.subject, e.tenant, e.version, e.data.changed])).toEqual([
      ['tasks.created', `/projects/p1/tasks/${t}`, 'alice', 1, ['due', 'id', 'owner', 'projectId', 'title']],
      ['tasks.updated', `/projects/p1/tasks/${t}`, 'alice', 2, ['done', 'title']],
      ['tasks.deleted', `/projects/p1/tasks/${t}`, 'alice', 2, ['done', 'due', 'id', 'owner', 'projectId', 'title']],
    ]);
    // Each event's item is what the API answered for that write, and its etag the ETag it answered.
    expect(tasks.events[0].data.item).toEqual(task.body);
    expect(tasks.events[0].etag).toBe(task.headers.etag);
    expect(tasks.events[1].data.item).toEqual(patched.body);
    expect(tasks.events[1].etag).toBe(patched.headers.etag);
    expect(tasks.events[1].data.previous).toEqual(task.body);
    const text = JSON.stringify(tasks.entries) + JSON.stringify(projects.entries);
    for (const hidden of ['_generation', '_parent', '_deleting', '_scopeKey#', '_ownerKey#']) expect(text).not.toContain(hidden);
    // The entry's Time is the record's approximate creation time, as the event's `time`.
    for (const e of tasks.entries) expect(e.Time!.toISOString()).toBe(JSON.parse(e.Detail).time);
  });
});
