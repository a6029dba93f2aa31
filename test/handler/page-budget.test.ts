/**
 * Responses as AWS bounds them: a page never approaches Lambda's 6 MB response limit, and `Location` follows the
 * path the client used (a custom domain's mapping key).
 */
import { createTestApi, TestApi } from './support/api';
import { apiEvent } from './support/events';
import { PAGE_BYTE_BUDGET } from '../../src/handler/listing';

/** Lambda refuses a response payload above 6 MB (6,291,456 bytes). */
const LAMBDA_RESPONSE_LIMIT = 6 * 1024 * 1024;
const ITEM_BYTES = 350 * 1024;
const COUNT = 24;

describe.each([
  ['shared', false],
  ['owner-scoped', true],
])('pages of 350 KB items stay under the response limit (%s)', (_name, owned) => {
  let api: TestApi;
  const ids: string[] = [];
  const sub = owned ? 'alice' : undefined;
  beforeAll(async () => {
    api = await createTestApi({ config: owned ? { ownerScoping: { attribute: 'owner' } } : {} });
    for (let i = 0; i < COUNT; i++) {
      // A string full of quotes doubles when escaped in the body, and doubles again in Lambda's envelope.
      const blob = (i % 4 === 0 ? '"' : 'x').repeat(i % 4 === 0 ? ITEM_BYTES / 4 : ITEM_BYTES);
      const r = await api.call('PUT', `/items/big-${String(i).padStart(2, '0')}`, { json: { blob }, ...(sub ? { sub } : {}) });
      expect(r.status).toBe(201);
      ids.push(r.body.id);
    }
    if (owned) {
      // Another owner's big items are never read into Alice's pages.
      for (let i = 0; i < 4; i++) await api.call('PUT', `/items/other-${i}`, { json: { blob: 'y'.repeat(ITEM_BYTES) }, sub: 'bob' });
    }
  }, 120_000);
  afterAll(() => api.destroy());

  test('every page is under the byte budget, and the cursors return every item exactly once', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const event = apiEvent('GET', '/items', { query: { limit: 100, ...(cursor ? { cursor } : {}) }, ...(sub ? { sub } : {}) });
      const result = await api.handler(event);
      expect(result.statusCode).toBe(200);
      // What Lambda would carry: the whole result object as JSON.
      const payload = Buffer.byteLength(JSON.stringify(result), 'utf8');
      expect(payload).toBeLessThan(PAGE_BYTE_BUDGET + 64 * 1024);
      expect(payload).toBeLessThan(LAMBDA_RESPONSE_LIMIT);
      const body = JSON.parse(result.body!);
      seen.push(...body.items.map((i: any) => i.id));
      cursor = body.nextCursor;
      pages++;
    } while (cursor !== null && pages < 50);
    expect(cursor).toBeNull();
    expect(pages).toBeGreaterThan(1);
    expect(seen.sort()).toEqual([...ids].sort());
  });
});

describe('Location under a custom domain’s mapping key', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await createTestApi({ config: { basePath: 'v1' } });
  });
  afterAll(() => api.destroy());

  test('through the custom domain (rawPath keeps the mapping key), Location is /v1/items/{id}', async () => {
    const e = apiEvent('POST', '/items', { json: { id: '100%', a: 1 } });
    const event = {
      ...e,
      rawPath: '/v1/items',
      requestContext: { ...e.requestContext, domainName: 'api.example.com', domainPrefix: 'api', http: { ...e.requestContext.http, path: '/v1/items' } },
    };
    const r = await api.send(event);
    expect(r.status).toBe(201);
    expect(r.headers.location).toBe('/v1/items/100%25');
  });

  test('through the execute-api endpoint there is no mapping key in the path, nor in Location', async () => {
    const r = await api.call('POST', '/items', { json: { id: 'plain', a: 1 } });
    expect(r.headers.location).toBe('/items/plain');
  });
});
