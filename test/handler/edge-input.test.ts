/**
 * Unusual but valid input: stored and returned exactly, never a 5xx. The limits are DynamoDB's own, so each boundary
 * is also checked one step beyond (in bad-input.test.ts) — here the last accepted value reaches DynamoDB Local.
 */
import { createTestApi, TestApi } from './support/api';

const nested = (depth: number, open: string, close: string) => `{"a":${open.repeat(depth - 1)}1${close.repeat(depth - 1)}}`;

describe('edge input that is valid', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await createTestApi();
  });
  afterAll(() => api.destroy());

  const roundTrip = async (body: string) => {
    const created = await api.call('POST', '/items', { body });
    expect(created.status).toBe(201);
    const got = await api.call('GET', `/items/${encodeURIComponent(created.body.id)}`);
    expect(got.status).toBe(200);
    return { created: created.body, got: got.body };
  };

  test.each([
    ['expression-like names', '{"#a":1,":v":"x","a.b":true,"[0]":null,"x y":"z","SELECT":"reserved word"}'],
    ['prototype-ish names (not __proto__)', '{"constructor":{"prototype":1},"toString":"s","hasOwnProperty":2}'],
    ['255-byte attribute name', JSON.stringify({ ['n'.repeat(255)]: 1 })],
    ['unicode in names and values', '{"名前":"値","emoji 🎉":"✓","rtl":"שלום"}'],
    ['empty values', '{"s":"","o":{},"l":[],"n":null,"f":false,"z":0}'],
    ['numbers at DynamoDB’s edges', '{"big":9.999999999999998e125,"small":1e-130,"neg":-1.5e-7,"int":9007199254740991,"frac":0.30000000000000004,"zero":0}'],
    ['32 levels of objects', nested(32, '{"a":', '}')],
    ['32 levels of arrays', nested(32, '[', ']')],
    ['escaped characters', '{"q":"\\"quoted\\" \\\\ \\/ \\b\\f\\n\\r\\t \\u0000 \\u00e9 \\ud83d\\ude00"}'],
  ])('%s', async (_name, body) => {
    const { created, got } = await roundTrip(body);
    const expected = { ...JSON.parse(body), id: created.id, version: 1, createdAt: created.createdAt, updatedAt: created.updatedAt };
    expect(got).toEqual(expected);
    expect(created).toEqual(expected);
  });

  test('-0 is stored as 0; numbers keep their value', async () => {
    const { got } = await roundTrip('{"a":-0,"b":1.0,"c":1e2,"d":1E+2}');
    expect(got).toEqual(expect.objectContaining({ a: 0, b: 1, c: 100, d: 100 }));
  });

  test('an item just under 400 KB is stored', async () => {
    const r = await api.call('POST', '/items', { json: { blob: 'x'.repeat(400 * 1024 - 200) } });
    expect(r.status).toBe(201);
  });

  test('a body over 400 KB of JSON text whose item is smaller is accepted (escapes count once)', async () => {
    const text = JSON.stringify({ s: 'é'.repeat(100 * 1024) }).replace(/é/g, '\\u00e9');
    expect(text.length).toBeGreaterThan(400 * 1024);
    expect((await api.call('POST', '/items', { body: text })).status).toBe(201);
  });

  test('a 1024-byte id and ids with reserved URL characters', async () => {
    // Not '..' or '.': URL clients remove dot segments, so those are refused (routes.test.ts).
    for (const id of ['i'.repeat(1024), 'a?b#c%d&e', ' spaced ', '...', '.a', '😀']) {
      const put = await api.call('PUT', `/items/${encodeURIComponent(id)}`, { json: { ok: true } });
      expect(put.status).toBe(201);
      expect(put.headers.location).toBe(`/items/${encodeURIComponent(id)}`);
      const got = await api.call('GET', `/items/${encodeURIComponent(id)}`);
      expect(got.body.id).toBe(id);
      expect((await api.call('DELETE', `/items/${encodeURIComponent(id)}`)).status).toBe(204);
    }
  });

  test('a PATCH can use names like #a and :v and nested __-names', async () => {
    const { created } = await roundTrip('{"#a":{"x":1}}');
    const r = await api.call('PATCH', `/items/${created.id}`, { json: { '#a': { y: 2 }, ':v': 3, '#b': null } });
    expect(r.status).toBe(200);
    expect(r.body).toEqual(expect.objectContaining({ '#a': { x: 1, y: 2 }, ':v': 3 }));
  });

  test('a PATCH of several hundred attributes (larger than one update expression) still applies', async () => {
    const { created } = await roundTrip('{"start":1}');
    const patch = Object.fromEntries(Array.from({ length: 400 }, (_, i) => [`attribute_number_${i}`, i]));
    const r = await api.call('PATCH', `/items/${created.id}`, { json: patch });
    expect(r.status).toBe(200);
    expect(Object.keys(r.body)).toHaveLength(400 + 5);
    expect(r.body.version).toBe(2);
  });

  // Found by the fuzzer (#24): `{"": null}` reached DynamoDB as an empty attribute name (a 422 quoting DynamoDB's
  // refusal) although RFC 7396 makes it a no-op. Its neighbours, other names no attribute can have, checked alongside.
  test.each([
    ['an empty name', '{"":null,"nested":{"":null}}'],
    ['a name with a lone surrogate (U+FFFD is another name)', '{"\\ud800":null,"nested":{"\\udfff":null}}'],
    ['a name past 255 bytes', JSON.stringify({ ['n'.repeat(256)]: null })],
  ])('a PATCH removing %s (no attribute can have it) removes nothing else and answers 200', async (_name, patch) => {
    const { created } = await roundTrip('{"\uFFFD":1,"nested":{"\uFFFD":2},"keep":true}');
    const r = await api.call('PATCH', `/items/${created.id}`, { body: patch, contentType: 'application/merge-patch+json' });
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ ...created, version: 2, updatedAt: r.body.updatedAt });
    expect((await api.call('GET', `/items/${created.id}`)).body).toEqual(r.body);
  });

  test('a body that is not UTF-8 names the problem', async () => {
    const r = await api.call('POST', '/items', { bytes: Buffer.from([0x7b, 0x7d, 0xff]) });
    expect(r.status).toBe(400);
    expect(r.body.detail).toMatch(/UTF-8/);
  });
});
