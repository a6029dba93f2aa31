/**
 * Every route and status of the handler, against DynamoDB Local, in each listing mode.
 */
import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { createTestApi, ddb, handlerLikeItem, problemType, TestApi, TestResponse } from './support/api';
import { apiEvent } from './support/events';

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

function expectProblem(r: TestResponse, status: number, slug: string) {
  expect({ status: r.status, type: r.body?.type }).toEqual({ status, type: problemType(slug) });
  expect(r.headers['content-type']).toBe('application/problem+json');
  expect(r.body).toEqual(expect.objectContaining({ status, title: expect.any(String), detail: expect.any(String), requestId: expect.any(String) }));
}


/** The ETag of an item at `version`: the version and the item's generation (random per creation of an id). */
function etagOfVersion(version: number): RegExp {
  return new RegExp(`^"${version}\\.[A-Za-z0-9_-]{11}"$`);
}

describe('basic API (scan listing)', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await createTestApi();
  });
  afterAll(() => api.destroy());

  describe('POST /items', () => {
    test('assigns a UUID v4 id; 201 with the item, Location, ETag and server-managed attributes', async () => {
      const r = await api.call('POST', '/items', { json: { title: 'write tests', done: false } });
      expect(r.status).toBe(201);
      expect(r.body.id).toMatch(UUID_V4);
      expect(r.body).toEqual({
        id: r.body.id, title: 'write tests', done: false, version: 1, createdAt: expect.any(String), updatedAt: r.body.createdAt,
      });
      expect(new Date(r.body.createdAt).toISOString()).toBe(r.body.createdAt);
      expect(r.headers.location).toBe(`/items/${r.body.id}`);
      expect(r.headers.etag).toMatch(etagOfVersion(1));
      expect(r.headers['content-type']).toBe('application/json');
      const stored = (await api.scanItems()).find((i) => i.id === r.body.id);
      // Stored as shown, plus the hidden generation that makes the ETag unique across re-creations of the id.
      expect(stored).toEqual({ ...r.body, _generation: r.headers.etag.slice(1, -1).split('.')[1] });
    });

    test('a body id is used, and creating it again is 409 (the item is untouched)', async () => {
      const first = await api.call('POST', '/items', { json: { id: 'client chosen?id', n: 1 } });
      expect(first.status).toBe(201);
      expect(first.body.id).toBe('client chosen?id');
      expect(first.headers.location).toBe('/items/client%20chosen%3Fid');
      const again = await api.call('POST', '/items', { json: { id: 'client chosen?id', n: 2 } });
      expectProblem(again, 409, 'already-exists');
      const got = await api.call('GET', `/items/${encodeURIComponent('client chosen?id')}`);
      expect(got.body.n).toBe(1);
    });

    test("an id with '/' is refused (422): API Gateway decodes %2F before routing, so it could never be reached", async () => {
      const r = await api.call('POST', '/items', { json: { id: 'a/b' } });
      expectProblem(r, 422, 'validation-failed');
      expect(r.body.errors).toEqual([{ path: '/id', message: expect.stringMatching(/must not contain '\/'.*%2F/) }]);
      expect((await api.scanItems()).map((i) => i.id)).not.toContain('a/b');
    });

    // Found by the fuzzer (#24): an item created as '..' had a Location no URL client can request (dot segments are
    // removed before sending: GET /items/.. is GET /), so it could never be read, changed or deleted.
    test.each(['.', '..'])("the id %j is refused (422), on POST and on PUT's path: URL clients resolve dot segments, so it could never be reached", async (id) => {
      const r = await api.call('POST', '/items', { json: { id } });
      expectProblem(r, 422, 'validation-failed');
      expect(r.body.errors).toEqual([{ path: '/id', message: expect.stringMatching(/must not be '\.' or '\.\.'/) }]);
      const put = await api.call('PUT', `/items/${id}`, { json: {} });
      expectProblem(put, 400, 'invalid-id');
      expect((await api.scanItems()).map((i) => i.id)).not.toContain(id);
    });

    test('a named stage prefixes Location', async () => {
      const r = await api.call('POST', '/items', { json: { x: 1 }, stage: 'prod' });
      expect(r.status).toBe(201);
      expect(r.headers.location).toBe(`/prod/items/${r.body.id}`);
    });

    test('base64-encoded bodies are decoded', async () => {
      const r = await api.call('POST', '/items', { json: { text: 'grüße ✓' }, base64: true });
      expect(r.status).toBe(201);
      expect(r.body.text).toBe('grüße ✓');
    });

    test('application/*+json is JSON too; charset utf-8 is fine', async () => {
      const r = await api.call('POST', '/items', { json: { a: 1 }, contentType: 'application/vnd.todo+json; charset=UTF-8' });
      expect(r.status).toBe(201);
    });
  });

  describe('GET /items/{id}', () => {
    let item: any;
    beforeAll(async () => {
      item = (await api.call('POST', '/items', { json: { title: 'read me' } })).body;
    });

    test('200 with the item and its ETag', async () => {
      const r = await api.call('GET', `/items/${item.id}`);
      expect(r.status).toBe(200);
      expect(r.body).toEqual(item);
      expect(r.headers.etag).toMatch(etagOfVersion(1));
    });

    test('If-None-Match with the current ETag → 304 without body; another tag → 200', async () => {
      const etag = (await api.call('GET', `/items/${item.id}`)).headers.etag;
      const r = await api.call('GET', `/items/${item.id}`, { headers: { 'If-None-Match': etag } });
      expect(r.status).toBe(304);
      expect(r.rawBody).toBeUndefined();
      expect(r.headers.etag).toBe(etag);
      expect((await api.call('GET', `/items/${item.id}`, { headers: { 'if-none-match': `W/${etag}` } })).status).toBe(304);
      // The bare version is not the tag: it would match any generation of the id.
      expect((await api.call('GET', `/items/${item.id}`, { headers: { 'if-none-match': '"1"' } })).status).toBe(200);
      expect((await api.call('GET', `/items/${item.id}`, { headers: { 'if-none-match': '*' } })).status).toBe(304);
      expect((await api.call('GET', `/items/${item.id}`, { headers: { 'if-none-match': '"7", "8"' } })).status).toBe(200);
    });

    test('If-Match on GET that does not match → 412', async () => {
      expectProblem(await api.call('GET', `/items/${item.id}`, { headers: { 'if-match': '"9"' } }), 412, 'precondition-failed');
    });

    test('404 for a missing item, also with If-None-Match', async () => {
      expectProblem(await api.call('GET', '/items/nope'), 404, 'not-found');
      expectProblem(await api.call('GET', '/items/nope', { headers: { 'if-none-match': '*' } }), 404, 'not-found');
    });

    test('path ids are taken as API Gateway decoded them, never decoded again', async () => {
      await api.call('POST', '/items', { json: { id: 'ä b?c#d&e', v: 1 } });
      const r = await api.call('GET', `/items/${encodeURIComponent('ä b?c#d&e')}`);
      expect(r.status).toBe(200);
      expect(r.body.id).toBe('ä b?c#d&e');
    });

    test("id '100%' round-trips through its Location", async () => {
      const created = await api.call('POST', '/items', { json: { id: '100%', v: 1 } });
      expect(created.status).toBe(201);
      expect(created.headers.location).toBe('/items/100%25');
      const r = await api.call('GET', created.headers.location);
      expect([r.status, r.body.id]).toEqual([200, '100%']);
      expect((await api.call('GET', created.headers.location, { viaDefaultRoute: true })).body.id).toBe('100%');
    });

    test("'%41' is an id of its own, not 'A'; GET /items/%2541 reads it and never the item 'A'", async () => {
      await api.call('PUT', '/items/A', { json: { which: 'A' } });
      const created = await api.call('POST', '/items', { json: { id: '%41', which: '%41' } });
      expect(created.headers.location).toBe('/items/%2541');
      const r = await api.call('GET', '/items/%2541');
      expect([r.status, r.body.id, r.body.which]).toEqual([200, '%41', '%41']);
      expect((await api.call('GET', '/items/%2541', { viaDefaultRoute: true })).body.which).toBe('%41');
      expect((await api.call('GET', '/items/A')).body.which).toBe('A');
      expect((await api.call('DELETE', '/items/%2541')).status).toBe(204);
      expect((await api.call('GET', '/items/A')).status).toBe(200);
    });
  });

  describe('PUT /items/{id}', () => {
    test('creates when absent (201 + Location), replaces when present (200), version +1, createdAt kept', async () => {
      const created = await api.call('PUT', '/items/put-1', { json: { a: 1, b: { c: 2 } } });
      expect(created.status).toBe(201);
      expect(created.headers.location).toBe('/items/put-1');
      expect(created.headers.etag).toMatch(etagOfVersion(1));
      expect(created.body).toEqual({ id: 'put-1', a: 1, b: { c: 2 }, version: 1, createdAt: expect.any(String), updatedAt: expect.any(String) });
      const replaced = await api.call('PUT', '/items/put-1', { json: { id: 'put-1', z: true } });
      expect(replaced.status).toBe(200);
      expect(replaced.headers.etag).toMatch(etagOfVersion(2));
      // A replace keeps the generation: only the version part changes.
      expect(replaced.headers.etag.split('.')[1]).toBe(created.headers.etag.split('.')[1]);
      expect(replaced.body).toEqual({ id: 'put-1', z: true, version: 2, createdAt: created.body.createdAt, updatedAt: expect.any(String) });
      expect((await api.call('GET', '/items/put-1')).body).toEqual(replaced.body);
    });

    test('a body id that differs from the path → 400, nothing written', async () => {
      const r = await api.call('PUT', '/items/put-2', { json: { id: 'other', a: 1 } });
      expectProblem(r, 400, 'id-mismatch');
      expectProblem(await api.call('GET', '/items/put-2'), 404, 'not-found');
    });

    test('If-Match: stale → 412, current → 200; absent item with If-Match → 412', async () => {
      const first = (await api.call('PUT', '/items/put-3', { json: { a: 1 } })).headers.etag;
      const second = (await api.call('PUT', '/items/put-3', { json: { a: 2 } })).headers.etag;
      expectProblem(await api.call('PUT', '/items/put-3', { json: { a: 3 }, headers: { 'if-match': first } }), 412, 'precondition-failed');
      const ok = await api.call('PUT', '/items/put-3', { json: { a: 3 }, headers: { 'if-match': second } });
      expect(ok.status).toBe(200);
      expect(ok.body.version).toBe(3);
      expectProblem(await api.call('PUT', '/items/put-absent', { json: { a: 1 }, headers: { 'if-match': '*' } }), 412, 'precondition-failed');
      // Weak tags never match If-Match (strong comparison).
      expectProblem(await api.call('PUT', '/items/put-3', { json: { a: 4 }, headers: { 'if-match': `W/${ok.headers.etag}` } }), 412, 'precondition-failed');
    });

    test('If-None-Match: * creates only: 412 when the item exists', async () => {
      expect((await api.call('PUT', '/items/put-4', { json: { a: 1 }, headers: { 'if-none-match': '*' } })).status).toBe(201);
      expectProblem(await api.call('PUT', '/items/put-4', { json: { a: 2 }, headers: { 'if-none-match': '*' } }), 412, 'precondition-failed');
    });
  });

  describe('PATCH /items/{id}', () => {
    test('JSON Merge Patch: merges nested objects, null removes, arrays replace; version +1', async () => {
      await api.call('PUT', '/items/patch-1', { json: { title: 't', tags: ['a', 'b'], meta: { x: 1, y: { z: 2 } }, gone: 1 } });
      const r = await api.call('PATCH', '/items/patch-1', {
        json: { tags: ['c'], meta: { y: { z: null, w: 3 }, q: 'new' }, gone: null },
        contentType: 'application/merge-patch+json',
      });
      expect(r.status).toBe(200);
      expect(r.headers.etag).toMatch(etagOfVersion(2));
      expect(r.body).toEqual({
        id: 'patch-1', title: 't', tags: ['c'], meta: { x: 1, y: { w: 3 }, q: 'new' }, version: 2, createdAt: expect.any(String), updatedAt: expect.any(String),
      });
      expect((await api.call('GET', '/items/patch-1')).body).toEqual(r.body);
    });

    test('an empty patch still counts as a write (version +1)', async () => {
      await api.call('PUT', '/items/patch-2', { json: { a: 1 } });
      const r = await api.call('PATCH', '/items/patch-2', { json: {} });
      expect(r.status).toBe(200);
      expect(r.body).toEqual(expect.objectContaining({ a: 1, version: 2 }));
    });

    test('404 when absent; If-Match stale → 412, current → 200', async () => {
      expectProblem(await api.call('PATCH', '/items/patch-none', { json: { a: 1 } }), 404, 'not-found');
      const etag = (await api.call('PUT', '/items/patch-3', { json: { a: 1 } })).headers.etag;
      expectProblem(await api.call('PATCH', '/items/patch-3', { json: { a: 2 }, headers: { 'if-match': '"5"' } }), 412, 'precondition-failed');
      expectProblem(await api.call('PATCH', '/items/patch-3', { json: { a: 2 }, headers: { 'if-match': '"1"' } }), 412, 'precondition-failed');
      const ok = await api.call('PATCH', '/items/patch-3', { json: { a: 2 }, headers: { 'if-match': etag } });
      expect(ok.status).toBe(200);
      expect(ok.body.a).toBe(2);
    });

    test('the id may be repeated unchanged, not changed or removed (400)', async () => {
      await api.call('PUT', '/items/patch-4', { json: { a: 1 } });
      expect((await api.call('PATCH', '/items/patch-4', { json: { id: 'patch-4', b: 2 } })).status).toBe(200);
      expectProblem(await api.call('PATCH', '/items/patch-4', { json: { id: 'x' } }), 400, 'id-mismatch');
      expectProblem(await api.call('PATCH', '/items/patch-4', { json: { id: null } }), 400, 'id-mismatch');
    });

    test('JSON Patch (RFC 6902) is not merge patch: 415 with Accept-Patch', async () => {
      await api.call('PUT', '/items/patch-5', { json: { a: 1 } });
      const r = await api.call('PATCH', '/items/patch-5', { json: [{ op: 'remove', path: '/a' }], contentType: 'application/json-patch+json' });
      expectProblem(r, 415, 'unsupported-media-type');
      expect(r.headers['accept-patch']).toBe('application/merge-patch+json, application/json');
    });
  });

  describe('DELETE /items/{id}', () => {
    test('204, then 404', async () => {
      await api.call('PUT', '/items/del-1', { json: { a: 1 } });
      const r = await api.call('DELETE', '/items/del-1');
      expect(r.status).toBe(204);
      expect(r.rawBody).toBeUndefined();
      expectProblem(await api.call('DELETE', '/items/del-1'), 404, 'not-found');
      expectProblem(await api.call('GET', '/items/del-1'), 404, 'not-found');
    });

    test('If-Match: stale → 412 (item kept), current → 204; If-Match on a missing item → 404', async () => {
      const v1 = (await api.call('PUT', '/items/del-2', { json: { a: 1 } })).headers.etag;
      const v2 = (await api.call('PATCH', '/items/del-2', { json: { a: 2 } })).headers.etag;
      expectProblem(await api.call('DELETE', '/items/del-2', { headers: { 'if-match': v1 } }), 412, 'precondition-failed');
      expectProblem(await api.call('DELETE', '/items/del-2', { headers: { 'if-match': '"abc"' } }), 412, 'precondition-failed');
      expectProblem(await api.call('DELETE', '/items/del-2', { headers: { 'if-match': '"2"' } }), 412, 'precondition-failed');
      expect((await api.call('GET', '/items/del-2')).status).toBe(200);
      expect((await api.call('DELETE', '/items/del-2', { headers: { 'if-match': `${v1}, ${v2}` } })).status).toBe(204);
      expectProblem(await api.call('DELETE', '/items/del-2', { headers: { 'if-match': v2 } }), 404, 'not-found');
    });
  });

  describe('GET /items (scan)', () => {
    let scoped: TestApi;
    beforeAll(async () => {
      scoped = await createTestApi({ config: { defaultPageSize: 3, maxPageSize: 5 } });
      for (let i = 0; i < 7; i++) await scoped.call('PUT', `/items/i${i}`, { json: { n: i } });
    });
    afterAll(() => scoped.destroy());

    test('pages with the default size, then nextCursor null', async () => {
      const seen: string[] = [];
      let cursor: string | null | undefined;
      let pages = 0;
      do {
        const r = await scoped.call('GET', '/items', { query: cursor ? { cursor } : {} });
        expect(r.status).toBe(200);
        expect(r.body.items.length).toBeLessThanOrEqual(3);
        expect(Object.keys(r.body).sort()).toEqual(['items', 'nextCursor']);
        seen.push(...r.body.items.map((i: any) => i.id));
        cursor = r.body.nextCursor;
        pages++;
      } while (cursor);
      expect(seen.sort()).toEqual(['i0', 'i1', 'i2', 'i3', 'i4', 'i5', 'i6']);
      expect(pages).toBeGreaterThanOrEqual(3);
    });

    test('limit up to maxPageSize; above it → 400', async () => {
      const r = await scoped.call('GET', '/items', { query: { limit: 5 } });
      expect(r.body.items).toHaveLength(5);
      expect(typeof r.body.nextCursor).toBe('string');
      expectProblem(await scoped.call('GET', '/items', { query: { limit: 6 } }), 400, 'invalid-query');
    });

    test('an empty table lists as { items: [], nextCursor: null }', async () => {
      const empty = await createTestApi();
      try {
        const r = await empty.call('GET', '/items');
        expect(r.body).toEqual({ items: [], nextCursor: null });
      } finally {
        await empty.destroy();
      }
    });
  });

  describe('routing', () => {
    test('the $default route is matched by rawPath (with or without a named stage)', async () => {
      const created = await api.call('POST', '/items', { json: { via: 'default' }, viaDefaultRoute: true });
      expect(created.status).toBe(201);
      const got = await api.call('GET', `/items/${created.body.id}`, { viaDefaultRoute: true, stage: 'dev' });
      expect(got.status).toBe(200);
      expect((await api.call('GET', '/items', { viaDefaultRoute: true })).status).toBe(200);
    });

    test('a greedy proxy route (ANY /{proxy+}) is matched by rawPath too', async () => {
      const created = await api.call('PUT', '/items/proxied', { json: { via: 'proxy' }, routeKey: 'ANY /{proxy+}' });
      expect(created.status).toBe(201);
      const got = await api.call('GET', '/items/proxied', { routeKey: 'ANY /{proxy+}' });
      expect(got.body.via).toBe('proxy');
      expect(api.logs[api.logs.length - 1].route).toBe('GET /items/{id}');
    });

    test('unknown paths → 404 route-not-found; a method the path does not take → 405 with Allow', async () => {
      expectProblem(await api.call('GET', '/other', { viaDefaultRoute: true }), 404, 'route-not-found');
      expectProblem(await api.call('GET', '/items/a/b', { viaDefaultRoute: true }), 404, 'route-not-found');
      expectProblem(await api.call('GET', '/x', { routeKey: 'GET /x' }), 404, 'route-not-found');
      const r = await api.call('DELETE', '/items', { viaDefaultRoute: true });
      expectProblem(r, 405, 'method-not-allowed');
      expect(r.headers.allow).toBe('GET, POST');
    });
  });

  describe('logs', () => {
    test('one JSON line per request with route, status, latency, request id and item id', async () => {
      const before = api.logs.length;
      const r = await api.call('PUT', '/items/log-1', { json: { a: 1 } });
      await api.call('GET', '/items/log-missing');
      expect(api.logs.length).toBe(before + 2);
      expect(api.logs[before]).toEqual(expect.objectContaining({
        level: 'INFO',
        message: 'request',
        route: 'PUT /items/{id}',
        operation: 'update',
        status: r.status,
        latencyMs: expect.any(Number),
        requestId: expect.stringMatching(/^req-/),
        itemId: 'log-1',
        timestamp: expect.any(String),
      }));
      expect(api.logs[before + 1]).toEqual(expect.objectContaining({ status: 404, problem: 'not-found', itemId: 'log-missing' }));
    });
  });
});

describe('indexed API (GSI listing)', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await createTestApi({
      config: {
        indexes: [
          { indexName: 'byStatus', partitionKey: 'status', sortKey: 'due' },
          { indexName: 'byColor', partitionKey: 'color' },
        ],
      },
    });
    const items = [
      { id: 'a', status: 'open', due: '2024-03', color: 'red' },
      { id: 'b', status: 'open', due: '2024-01' },
      { id: 'c', status: 'done', due: '2024-04', color: 'red' },
      { id: 'd', status: 'open', due: '2024-02', color: 'blue' },
      { id: 'e', title: 'no status' },
    ];
    for (const it of items) expect((await api.call('POST', '/items', { json: it })).status).toBe(201);
  });
  afterAll(() => api.destroy());

  test('?status=open queries the GSI in sort-key order; order=desc reverses', async () => {
    const asc = await api.call('GET', '/items', { query: { status: 'open' } });
    expect(asc.status).toBe(200);
    expect(asc.body.items.map((i: any) => i.id)).toEqual(['b', 'd', 'a']);
    const desc = await api.call('GET', '/items', { query: { status: 'open', order: 'desc' } });
    expect(desc.body.items.map((i: any) => i.id)).toEqual(['a', 'd', 'b']);
    expect(desc.body.items[0]).toEqual(expect.objectContaining({ version: 1, createdAt: expect.any(String) }));
  });

  test('pages through a GSI with cursors', async () => {
    const p1 = await api.call('GET', '/items', { query: { status: 'open', limit: 2 } });
    expect(p1.body.items.map((i: any) => i.id)).toEqual(['b', 'd']);
    const p2 = await api.call('GET', '/items', { query: { status: 'open', limit: 2, cursor: p1.body.nextCursor } });
    expect(p2.body.items.map((i: any) => i.id)).toEqual(['a']);
    // A cursor is bound to its query: the same cursor with another value or order is refused.
    expectProblem(await api.call('GET', '/items', { query: { status: 'done', limit: 2, cursor: p1.body.nextCursor } }), 400, 'invalid-cursor');
    expectProblem(await api.call('GET', '/items', { query: { status: 'open', order: 'desc', cursor: p1.body.nextCursor } }), 400, 'invalid-cursor');
    expectProblem(await api.call('GET', '/items', { query: { cursor: p1.body.nextCursor } }), 400, 'invalid-cursor');
  });

  test('an index without sort key; order is refused there; unknown parameters are refused', async () => {
    const r = await api.call('GET', '/items', { query: { color: 'red' } });
    expect(r.body.items.map((i: any) => i.id).sort()).toEqual(['a', 'c']);
    expectProblem(await api.call('GET', '/items', { query: { color: 'red', order: 'asc' } }), 400, 'invalid-query');
    expectProblem(await api.call('GET', '/items', { query: { colour: 'red' } }), 400, 'invalid-query');
    expectProblem(await api.call('GET', '/items', { query: { color: 'red', status: 'open' } }), 400, 'invalid-query');
    expectProblem(await api.call('GET', '/items', { query: { order: 'asc' } }), 400, 'invalid-query');
    expectProblem(await api.call('GET', '/items', { query: { status: '' } }), 400, 'invalid-query');
  });

  test('an item leaves the index when its key attribute is removed, and moves when it changes', async () => {
    await api.call('PATCH', '/items/b', { json: { status: null } });
    await api.call('PATCH', '/items/c', { json: { status: 'open' } });
    const r = await api.call('GET', '/items', { query: { status: 'open' } });
    expect(r.body.items.map((i: any) => i.id)).toEqual(['d', 'a', 'c']);
  });

  test('index keys must be non-empty strings (422)', async () => {
    expectProblem(await api.call('POST', '/items', { json: { status: 5 } }), 422, 'validation-failed');
    expectProblem(await api.call('PATCH', '/items/a', { json: { due: '' } }), 422, 'validation-failed');
  });

  test('without an index parameter the listing scans everything', async () => {
    const r = await api.call('GET', '/items', { query: { limit: 100 } });
    expect(r.body.items).toHaveLength(5);
  });
});

describe('owner-scoped API (owner partition listing)', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await createTestApi({ config: { ownerScoping: { attribute: 'owner' } } });
  });
  afterAll(() => api.destroy());

  test('the owner is the JWT sub, stored on the item; listing returns the caller’s items in id order', async () => {
    for (const id of ['o3', 'o1', 'o2']) {
      const r = await api.call('PUT', `/items/${id}`, { json: { n: id }, sub: 'alice' });
      expect(r.status).toBe(201);
      expect(r.body.owner).toBe('alice');
    }
    await api.call('PUT', '/items/x1', { json: { n: 'x' }, sub: 'bob' });
    const r = await api.call('GET', '/items', { sub: 'alice' });
    expect(r.body.items.map((i: any) => i.id)).toEqual(['o1', 'o2', 'o3']);
    const p1 = await api.call('GET', '/items', { sub: 'alice', query: { limit: 2 } });
    const p2 = await api.call('GET', '/items', { sub: 'alice', query: { limit: 2, cursor: p1.body.nextCursor } });
    expect([...p1.body.items, ...p2.body.items].map((i: any) => i.id)).toEqual(['o1', 'o2', 'o3']);
  });

  test('the owner attribute is server-managed: clients cannot set it (422)', async () => {
    expectProblem(await api.call('POST', '/items', { json: { owner: 'mallory' }, sub: 'alice' }), 422, 'validation-failed');
    expectProblem(await api.call('PATCH', '/items/o1', { json: { owner: 'mallory' }, sub: 'alice' }), 422, 'validation-failed');
    expectProblem(await api.call('PATCH', '/items/o1', { json: { owner: null }, sub: 'alice' }), 422, 'validation-failed');
  });

  test('no sub → 401 problem with WWW-Authenticate, for every route', async () => {
    for (const [method, path] of [['POST', '/items'], ['GET', '/items'], ['GET', '/items/o1'], ['PUT', '/items/o1'], ['PATCH', '/items/o1'], ['DELETE', '/items/o1']]) {
      const r = await api.call(method, path, method === 'POST' || method === 'PUT' || method === 'PATCH' ? { json: { a: 1 } } : {});
      expectProblem(r, 401, 'unauthorized');
      expect(r.headers['www-authenticate']).toBe('Bearer');
    }
    expectProblem(await api.call('GET', '/items', { sub: '' }), 401, 'unauthorized');
  });
});

describe('schema validation', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await createTestApi({
      config: {
        schema: {
          type: 'object',
          required: ['title'],
          additionalProperties: false,
          properties: {
            title: { type: 'string', minLength: 1 },
            priority: { type: 'integer', minimum: 1, maximum: 5 },
            email: { type: 'string', format: 'email' },
            tags: { type: 'array', items: { type: 'string' } },
          },
        },
      },
    });
  });
  afterAll(() => api.destroy());

  test('a valid body is stored; the schema sees neither the id nor managed attributes', async () => {
    const r = await api.call('POST', '/items', { json: { id: 'ok-1', title: 'x', priority: 2, email: 'a@example.com' } });
    expect(r.status).toBe(201);
  });

  test('422 lists every violation with a JSON Pointer path', async () => {
    const r = await api.call('POST', '/items', { json: { priority: 9, email: 'nope', tags: ['a', 3], extra: true } });
    expectProblem(r, 422, 'validation-failed');
    expect(r.body.errors).toEqual(expect.arrayContaining([
      { path: '/title', message: 'is required' },
      { path: '/extra', message: 'is not allowed by the schema' },
      { path: '/priority', message: expect.stringMatching(/<= 5/) },
      { path: '/email', message: expect.stringMatching(/format/) },
      { path: '/tags/1', message: 'must be string' },
    ]));
    expect(r.body.errors).toHaveLength(5);
  });

  test('PUT bodies and the merged result of PATCH are validated', async () => {
    expectProblem(await api.call('PUT', '/items/ok-1', { json: { priority: 1 } }), 422, 'validation-failed');
    const removeRequired = await api.call('PATCH', '/items/ok-1', { json: { title: null } });
    expectProblem(removeRequired, 422, 'validation-failed');
    expect(removeRequired.body.errors).toEqual([{ path: '/title', message: 'is required' }]);
    const ok = await api.call('PATCH', '/items/ok-1', { json: { priority: 5 } });
    expect(ok.status).toBe(200);
    expect(ok.body.priority).toBe(5);
  });

  test('schema and DynamoDB violations are reported together', async () => {
    const r = await api.call('POST', '/items', { json: { 'title': 5, 'version': 3, '': 1 } });
    expectProblem(r, 422, 'validation-failed');
    const paths = r.body.errors.map((e: any) => e.path);
    expect(paths).toEqual(expect.arrayContaining(['/title', '/version', '/']));
  });
});

describe('schema drafts', () => {
  test('draft-07 is used when $schema says so (tuple items), 2020-12 otherwise (prefixItems)', async () => {
    const d7 = await createTestApi({
      config: { schema: { $schema: 'http://json-schema.org/draft-07/schema#', properties: { pair: { items: [{ type: 'string' }, { type: 'number' }] } } } },
    });
    const d2020 = await createTestApi({
      config: { schema: { $schema: 'https://json-schema.org/draft/2020-12/schema', properties: { pair: { prefixItems: [{ type: 'string' }, { type: 'number' }] } } } },
    });
    try {
      for (const api of [d7, d2020]) {
        expect((await api.call('POST', '/items', { json: { pair: ['a', 1] } })).status).toBe(201);
        const bad = await api.call('POST', '/items', { json: { pair: [1, 'a'] } });
        expectProblem(bad, 422, 'validation-failed');
        expect(bad.body.errors.map((e: any) => e.path)).toEqual(['/pair/0', '/pair/1']);
      }
    } finally {
      await d7.destroy();
      await d2020.destroy();
    }
  });

  test('an unsupported $schema is a logged server error on writes, not a silent pass', async () => {
    const api = await createTestApi({ config: { schema: { $schema: 'https://json-schema.org/draft/2019-09/schema' } } });
    try {
      expect((await api.call('POST', '/items', { json: { a: 1 } })).status).toBe(500);
      expect(api.logs[api.logs.length - 1].error.message).toMatch(/supported are draft 2020-12 and draft-07/);
    } finally {
      await api.destroy();
    }
  });
});

describe('operations served by this function', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await createTestApi({ config: { operations: ['create', 'read', 'list'] }, env: { CRUD_ROUTES: 'items:read' } });
  });
  afterAll(() => api.destroy());

  test('a route for an operation this function does not serve → 404 route-not-found', async () => {
    expectProblem(await api.call('POST', '/items', { json: { a: 1 } }), 404, 'route-not-found');
    expectProblem(await api.call('GET', '/items'), 404, 'route-not-found');
    expectProblem(await api.call('DELETE', '/items/x'), 404, 'route-not-found');
    expectProblem(await api.call('GET', '/items/x'), 404, 'not-found');
  });

  test('the environment must fit the config', () => {
    expect(() => api.handlerWith({ CRUD_ROUTES: 'items:read,items:delete' })).toThrow(/'items:delete', which the config does not enable/);
    expect(() => api.handlerWith({ CRUD_ROUTES: 'items:read,items:fly' })).toThrow(/'fly' is not an operation/);
  });
});

describe('idempotency', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await createTestApi();
  });
  afterAll(() => api.destroy());

  test('a retry with the same key and body returns the original 201 and creates nothing', async () => {
    const first = await api.call('POST', '/items', { json: { title: 'once', n: 1 }, headers: { 'idempotency-key': 'key-1' } });
    expect(first.status).toBe(201);
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    const count = (await api.scanItems()).length;
    // Same body with members reordered and other whitespace is the same request.
    const retry = await api.call('POST', '/items', { body: '{ "n": 1, "title": "once" }', headers: { 'idempotency-key': '"key-1"' } });
    expect(retry.status).toBe(201);
    expect(retry.body).toEqual(first.body);
    expect(retry.rawBody).toBe(first.rawBody);
    expect(retry.headers.location).toBe(first.headers.location);
    expect(retry.headers.etag).toBe(first.headers.etag);
    expect(retry.headers['idempotent-replayed']).toBe('true');
    expect((await api.scanItems()).length).toBe(count);
  });

  test('the original response is replayed even after the item changed', async () => {
    const first = await api.call('POST', '/items', { json: { v: 1 }, headers: { 'idempotency-key': 'key-2' } });
    await api.call('PATCH', `/items/${first.body.id}`, { json: { v: 2 } });
    const retry = await api.call('POST', '/items', { json: { v: 1 }, headers: { 'idempotency-key': 'key-2' } });
    expect(retry.body).toEqual(first.body);
  });

  test('the same key with a different body → 422, nothing created', async () => {
    await api.call('POST', '/items', { json: { v: 1 }, headers: { 'idempotency-key': 'key-3' } });
    const before = await api.snapshot();
    const r = await api.call('POST', '/items', { json: { v: 2 }, headers: { 'idempotency-key': 'key-3' } });
    expectProblem(r, 422, 'idempotency-key-reused');
    expect(await api.snapshot()).toBe(before);
  });

  test('keys are per API and caller: the same key on another body after expiry creates again', async () => {
    let now = new Date('2030-01-01T00:00:00Z');
    const h = api.handlerWith({}, { clock: () => now });
    const first = await h(apiEvent('POST', '/items', { json: { v: 1 }, headers: { 'idempotency-key': 'key-4' } }));
    now = new Date(now.getTime() + 24 * 3600 * 1000 - 1000);
    const within = await h(apiEvent('POST', '/items', { json: { v: 2 }, headers: { 'idempotency-key': 'key-4' } }));
    expect(within.statusCode).toBe(422);
    now = new Date(now.getTime() + 2000);
    const after = await h(apiEvent('POST', '/items', { json: { v: 2 }, headers: { 'idempotency-key': 'key-4' } }));
    expect(after.statusCode).toBe(201);
    expect(JSON.parse(after.body!).id).not.toBe(JSON.parse(first.body!).id);
  });

  test('a client id that exists → 409 even with a key; the key is not burnt', async () => {
    await api.call('PUT', '/items/taken', { json: { a: 1 } });
    expectProblem(await api.call('POST', '/items', { json: { id: 'taken' }, headers: { 'idempotency-key': 'key-5' } }), 409, 'already-exists');
    const r = await api.call('POST', '/items', { json: { id: 'free' }, headers: { 'idempotency-key': 'key-5' } });
    expect(r.status).toBe(201);
  });

  test('idempotency records never show in listings', async () => {
    const items = await api.call('GET', '/items', { query: { limit: 100 } });
    expect(items.body.items.every((i: any) => typeof i.id === 'string' && i.version >= 1)).toBe(true);
    expect(items.body.items.length).toBe((await api.scanItems()).length);
  });

  test('without an idempotency table, Idempotency-Key → 501', async () => {
    const bare = await createTestApi({ idempotencyTable: false });
    try {
      const r = await bare.call('POST', '/items', { json: { a: 1 }, headers: { 'idempotency-key': 'k' } });
      expectProblem(r, 501, 'idempotency-unavailable');
      expect(await bare.scanItems()).toEqual([]);
    } finally {
      await bare.destroy();
    }
  });
});

describe('existing items written by other tools', () => {
  test('an item without version/createdAt reads as version 0 and is updated to version 1', async () => {
    const api = await createTestApi();
    try {
      await api.seed([{ id: 'legacy', name: 'old' }]);
      const got = await api.call('GET', '/items/legacy');
      expect(got.headers.etag).toBe('"0"');
      const patched = await api.call('PATCH', '/items/legacy', { json: { name: 'new' } });
      expect(patched.status).toBe(200);
      expect(patched.body).toEqual(expect.objectContaining({ name: 'new', version: 1, createdAt: expect.any(String) }));
      // A version attribute that is not a number (another tool's) is replaced, not a reason to fail or spin.
      await api.seed([{ id: 'odd', version: 'v7', name: 'odd' }]);
      const started = Date.now();
      const p = await api.call('PATCH', '/items/odd', { json: { name: 'even' } });
      expect(p.status).toBe(200);
      expect(p.body.version).toBe(1);
      expect((await api.call('PUT', '/items/odd', { json: { name: 'put' } })).body.version).toBe(2);
      expect(Date.now() - started).toBeLessThan(2000);
      // Sets and binary written by other tools read as JSON arrays and base64.
      await ddb.send(new PutItemCommand({
        TableName: api.tableName,
        Item: { id: { S: 'typed' }, ss: { SS: ['a', 'b'] }, ns: { NS: ['1', '2.5'] }, b: { B: Buffer.from('hi') }, bs: { BS: [Buffer.from('x')] } },
      }));
      expect((await api.call('GET', '/items/typed')).body).toEqual({ id: 'typed', ss: ['a', 'b'], ns: [1, 2.5], b: 'aGk=', bs: ['eA=='] });
      await api.seed([handlerLikeItem('legacy2', { a: 1 })]);
      expect((await api.call('PUT', '/items/legacy2', { json: { a: 2 }, headers: { 'if-match': '"1"' } })).status).toBe(200);
    } finally {
      await api.destroy();
    }
  });
});
