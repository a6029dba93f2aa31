/**
 * Bad input, table-driven: every case asserts the exact status and problem type, and that neither the items table nor
 * the idempotency table changed.
 */
import { createTestApi, problemType, TEST_CURSOR_SECRET, TestApi } from './support/api';
import { RequestOptions } from './support/events';
import { CursorCodec } from '../../src/handler/cursor';
import { fixedKeys } from '../../src/handler/cursor-keys';

type ApiName = 'plain' | 'owned' | 'schema';

interface Ctx {
  readonly apis: Record<ApiName, TestApi>;
  /** A valid scan cursor of `plain`, an index cursor of `plain`, a scan cursor of `schema`, owner cursors of `owned`. */
  readonly cursors: {
    plainScan: string;
    plainIndex: string;
    schemaScan: string;
    aliceOwner: string;
    bobOwner: string;
    /** Forged: with a guessed key; minted with the real key (an insider): an extra key attribute, bob's partition for alice. */
    guessedKey: string;
    mintedExtraKey: string;
    mintedForeignPartition: string;
  };
}

interface Case {
  readonly name: string;
  readonly api?: ApiName;
  readonly method: string;
  readonly path: string;
  readonly opts?: RequestOptions | ((ctx: Ctx) => RequestOptions);
  readonly status: number;
  readonly type: string;
}

const json = (body: string, extra: RequestOptions = {}): RequestOptions => ({ body, ...extra });
const nested = (depth: number, open: string, close: string, leaf = '1') => `{"a":${open.repeat(depth - 1)}${leaf}${close.repeat(depth - 1)}}`;
const bigString = (bytes: number) => 'x'.repeat(bytes);
const flip = (s: string, i: number) => s.slice(0, i) + (s[i] === 'A' ? 'B' : 'A') + s.slice(i + 1);

const cases: Case[] = [
  // ---- malformed JSON → 400 invalid-json
  { name: 'truncated object', method: 'POST', path: '/items', opts: json('{"a":1'), status: 400, type: 'invalid-json' },
  { name: 'missing value', method: 'POST', path: '/items', opts: json('{"a":}'), status: 400, type: 'invalid-json' },
  { name: 'single quotes', method: 'POST', path: '/items', opts: json("{'a':1}"), status: 400, type: 'invalid-json' },
  { name: 'trailing comma', method: 'POST', path: '/items', opts: json('{"a":1,}'), status: 400, type: 'invalid-json' },
  { name: 'NaN literal', method: 'POST', path: '/items', opts: json('{"a":NaN}'), status: 400, type: 'invalid-json' },
  { name: 'comment', method: 'POST', path: '/items', opts: json('{"a":1 /* c */}'), status: 400, type: 'invalid-json' },
  { name: 'duplicate member names', method: 'POST', path: '/items', opts: json('{"a":1,"a":2}'), status: 400, type: 'invalid-json' },
  { name: 'nested duplicate member names', method: 'POST', path: '/items', opts: json('{"m":{"x":1,"x":1}}'), status: 400, type: 'invalid-json' },
  { name: 'truncated array in PUT', method: 'PUT', path: '/items/existing', opts: json('{"a":[1,2'), status: 400, type: 'invalid-json' },
  { name: 'lone brace in PATCH', method: 'PATCH', path: '/items/existing', opts: json('{'), status: 400, type: 'invalid-json' },
  { name: 'byte-order mark', method: 'POST', path: '/items', opts: json('\uFEFF{"a":1}'), status: 400, type: 'invalid-json' },
  { name: 'base64 body that is not UTF-8', method: 'POST', path: '/items', opts: { bytes: Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d]) }, status: 400, type: 'invalid-json' },
  { name: 'base64 body with truncated JSON', method: 'POST', path: '/items', opts: json('{"a":', { base64: true }), status: 400, type: 'invalid-json' },
  { name: 'unescaped control character', method: 'POST', path: '/items', opts: json('{"a":"x\ny"}'), status: 400, type: 'invalid-json' },

  // ---- well-formed but not an object, or no body → 400 invalid-body
  { name: 'array body', method: 'POST', path: '/items', opts: json('[1,2]'), status: 400, type: 'invalid-body' },
  { name: 'string body', method: 'POST', path: '/items', opts: json('"abc"'), status: 400, type: 'invalid-body' },
  { name: 'number body', method: 'POST', path: '/items', opts: json('42'), status: 400, type: 'invalid-body' },
  { name: 'null body', method: 'POST', path: '/items', opts: json('null'), status: 400, type: 'invalid-body' },
  { name: 'boolean body', method: 'POST', path: '/items', opts: json('true'), status: 400, type: 'invalid-body' },
  { name: 'empty body', method: 'POST', path: '/items', opts: json(''), status: 400, type: 'invalid-body' },
  { name: 'whitespace body', method: 'POST', path: '/items', opts: json('  \n '), status: 400, type: 'invalid-body' },
  { name: 'no body at all', method: 'POST', path: '/items', opts: { contentType: 'application/json' }, status: 400, type: 'invalid-body' },
  { name: 'array body in PUT', method: 'PUT', path: '/items/existing', opts: json('[{"a":1}]'), status: 400, type: 'invalid-body' },
  { name: 'scalar merge patch', method: 'PATCH', path: '/items/existing', opts: json('5'), status: 400, type: 'invalid-body' },

  // ---- media types → 415
  { name: 'text/plain', method: 'POST', path: '/items', opts: json('{"a":1}', { contentType: 'text/plain' }), status: 415, type: 'unsupported-media-type' },
  { name: 'no Content-Type', method: 'POST', path: '/items', opts: json('{"a":1}', { contentType: null }), status: 415, type: 'unsupported-media-type' },
  { name: 'form encoding', method: 'POST', path: '/items', opts: json('a=1', { contentType: 'application/x-www-form-urlencoded' }), status: 415, type: 'unsupported-media-type' },
  { name: 'non-UTF-8 charset', method: 'POST', path: '/items', opts: json('{"a":1}', { contentType: 'application/json; charset=iso-8859-1' }), status: 415, type: 'unsupported-media-type' },
  { name: 'merge-patch type on PUT', method: 'PUT', path: '/items/existing', opts: json('{"a":1}', { contentType: 'application/merge-patch+json' }), status: 415, type: 'unsupported-media-type' },
  { name: 'JSON Patch on PATCH', method: 'PATCH', path: '/items/existing', opts: json('[{"op":"add","path":"/a","value":1}]', { contentType: 'application/json-patch+json' }), status: 415, type: 'unsupported-media-type' },
  { name: 'XML', method: 'POST', path: '/items', opts: json('<a/>', { contentType: 'application/xml' }), status: 415, type: 'unsupported-media-type' },
  { name: 'text/plain on PATCH', method: 'PATCH', path: '/items/existing', opts: json('{"a":1}', { contentType: 'text/plain' }), status: 415, type: 'unsupported-media-type' },

  // ---- size → 413
  { name: 'body over 1 MiB', method: 'POST', path: '/items', opts: json(JSON.stringify({ a: bigString(1100 * 1024) })), status: 413, type: 'payload-too-large' },
  { name: 'item over 400 KB', method: 'POST', path: '/items', opts: json(JSON.stringify({ a: bigString(401 * 1024) })), status: 413, type: 'payload-too-large' },
  { name: 'item over 400 KB by PUT', method: 'PUT', path: '/items/existing', opts: json(JSON.stringify({ a: bigString(300 * 1024), b: bigString(110 * 1024) })), status: 413, type: 'payload-too-large' },
  { name: 'merged item over 400 KB by PATCH', method: 'PATCH', path: '/items/big', opts: json(JSON.stringify({ more: bigString(200 * 1024) })), status: 413, type: 'payload-too-large' },
  { name: 'base64 body over 1 MiB', method: 'POST', path: '/items', opts: json(JSON.stringify({ a: bigString(1100 * 1024) }), { base64: true }), status: 413, type: 'payload-too-large' },

  // ---- server-managed and unstorable attribute names → 422
  { name: 'version in POST', method: 'POST', path: '/items', opts: { json: { version: 7 } }, status: 422, type: 'validation-failed' },
  { name: 'createdAt in POST', method: 'POST', path: '/items', opts: { json: { createdAt: '2020-01-01T00:00:00.000Z' } }, status: 422, type: 'validation-failed' },
  { name: 'updatedAt in POST', method: 'POST', path: '/items', opts: { json: { updatedAt: 'x' } }, status: 422, type: 'validation-failed' },
  { name: 'version in PUT', method: 'PUT', path: '/items/existing', opts: { json: { version: 1 } }, status: 422, type: 'validation-failed' },
  { name: 'removing updatedAt by PATCH', method: 'PATCH', path: '/items/existing', opts: { json: { updatedAt: null } }, status: 422, type: 'validation-failed' },
  { name: 'owner in POST (owner-scoped)', api: 'owned', method: 'POST', path: '/items', opts: { json: { owner: 'bob' }, sub: 'alice' }, status: 422, type: 'validation-failed' },
  { name: '__proto__ member', method: 'POST', path: '/items', opts: json('{"__proto__":{"polluted":true}}'), status: 422, type: 'validation-failed' },
  { name: 'nested __proto__ member', method: 'POST', path: '/items', opts: json('{"a":{"__proto__":1}}'), status: 422, type: 'validation-failed' },
  { name: '__proto__ by PATCH', method: 'PATCH', path: '/items/existing', opts: json('{"__proto__":{"x":1}}'), status: 422, type: 'validation-failed' },
  { name: 'empty attribute name', method: 'POST', path: '/items', opts: { json: { '': 1 } }, status: 422, type: 'validation-failed' },
  { name: 'empty nested attribute name', method: 'POST', path: '/items', opts: { json: { a: { '': 1 } } }, status: 422, type: 'validation-failed' },
  { name: '1 KB attribute name', method: 'POST', path: '/items', opts: { json: { [bigString(1024)]: 1 } }, status: 422, type: 'validation-failed' },
  { name: '256-byte attribute name', method: 'POST', path: '/items', opts: { json: { ['é'.repeat(128)]: 1 } }, status: 422, type: 'validation-failed' },
  { name: 'empty attribute name by PATCH', method: 'PATCH', path: '/items/existing', opts: { json: { '': 'x' } }, status: 422, type: 'validation-failed' },
  { name: 'unpaired surrogate in a value', method: 'POST', path: '/items', opts: json('{"a":"\\ud800"}'), status: 422, type: 'validation-failed' },
  { name: 'unpaired surrogate in a name', method: 'POST', path: '/items', opts: json('{"\\udc00":1}'), status: 422, type: 'validation-failed' },

  // ---- nesting → 422
  { name: '33 levels of objects', method: 'POST', path: '/items', opts: json(nested(33, '{"a":', '}')), status: 422, type: 'validation-failed' },
  { name: '33 levels of arrays', method: 'POST', path: '/items', opts: json(nested(33, '[', ']')), status: 422, type: 'validation-failed' },
  { name: '100,000 levels of arrays', method: 'POST', path: '/items', opts: json(nested(100_000, '[', ']')), status: 422, type: 'validation-failed' },
  { name: '33 levels by PATCH', method: 'PATCH', path: '/items/existing', opts: json(nested(33, '{"a":', '}')), status: 422, type: 'validation-failed' },

  // ---- numbers → 422
  { name: 'number 1e126', method: 'POST', path: '/items', opts: json('{"n":1e126}'), status: 422, type: 'validation-failed' },
  { name: 'number that rounds to 1e126', method: 'POST', path: '/items', opts: json('{"n":9.999999999999999e125}'), status: 422, type: 'validation-failed' },
  { name: 'number -1e126', method: 'POST', path: '/items', opts: json('{"n":-1e126}'), status: 422, type: 'validation-failed' },
  { name: 'number 1e-131', method: 'POST', path: '/items', opts: json('{"n":1e-131}'), status: 422, type: 'validation-failed' },
  { name: 'number 1e400 (Infinity)', method: 'POST', path: '/items', opts: json('{"n":1e400}'), status: 422, type: 'validation-failed' },
  { name: '39-digit integer', method: 'POST', path: '/items', opts: json('{"n":123456789012345678901234567890123456789}'), status: 422, type: 'validation-failed' },
  { name: 'integer beyond double precision', method: 'POST', path: '/items', opts: json('{"n":12345678901234567890}'), status: 422, type: 'validation-failed' },
  { name: 'fraction beyond double precision', method: 'POST', path: '/items', opts: json('{"n":0.1000000000000000000001}'), status: 422, type: 'validation-failed' },
  { name: 'huge number deep in an array', method: 'PUT', path: '/items/existing', opts: json('{"a":[1,[2,{"b":1e200}]]}'), status: 422, type: 'validation-failed' },
  { name: 'huge number by PATCH', method: 'PATCH', path: '/items/existing', opts: json('{"n":-9e999}'), status: 422, type: 'validation-failed' },

  // ---- index keys → 422
  { name: 'index partition key as number', method: 'POST', path: '/items', opts: { json: { status: 5 } }, status: 422, type: 'validation-failed' },
  { name: 'index partition key empty', method: 'POST', path: '/items', opts: { json: { status: '' } }, status: 422, type: 'validation-failed' },
  { name: 'index partition key null', method: 'POST', path: '/items', opts: { json: { status: null } }, status: 422, type: 'validation-failed' },
  { name: 'index sort key over 1024 bytes', method: 'POST', path: '/items', opts: { json: { status: 'open', due: bigString(1025) } }, status: 422, type: 'validation-failed' },
  { name: 'index key as object by PATCH', method: 'PATCH', path: '/items/existing', opts: { json: { status: { a: 1 } } }, status: 422, type: 'validation-failed' },

  // ---- ids → 422 in bodies, 400 in paths
  { name: 'numeric id in body', method: 'POST', path: '/items', opts: { json: { id: 5 } }, status: 422, type: 'validation-failed' },
  { name: 'empty id in body', method: 'POST', path: '/items', opts: { json: { id: '' } }, status: 422, type: 'validation-failed' },
  { name: '1025-byte id in body', method: 'POST', path: '/items', opts: { json: { id: bigString(1025) } }, status: 422, type: 'validation-failed' },
  // Paths that do not percent-decode never reach a function (API Gateway answers them; see runner.e2e). An empty id
  // segment matches no /items/{id} route: through a catch-all route it is the collection, which takes no DELETE.
  { name: 'empty id in path (catch-all route)', method: 'DELETE', path: '/items/', opts: { viaDefaultRoute: true }, status: 405, type: 'method-not-allowed' },
  { name: '1025-byte id in path', method: 'PUT', path: `/items/${bigString(1025)}`, opts: { json: { a: 1 } }, status: 400, type: 'invalid-id' },
  { name: 'body id differs from path (PUT)', method: 'PUT', path: '/items/existing', opts: { json: { id: 'other' } }, status: 400, type: 'id-mismatch' },
  { name: 'body id differs from path (PATCH)', method: 'PATCH', path: '/items/existing', opts: { json: { id: 'other' } }, status: 400, type: 'id-mismatch' },

  // ---- list query → 400 invalid-query
  { name: 'limit=0', method: 'GET', path: '/items', opts: { query: 'limit=0' }, status: 400, type: 'invalid-query' },
  { name: 'limit=-1', method: 'GET', path: '/items', opts: { query: 'limit=-1' }, status: 400, type: 'invalid-query' },
  { name: 'limit above max', method: 'GET', path: '/items', opts: { query: 'limit=101' }, status: 400, type: 'invalid-query' },
  { name: 'limit huge', method: 'GET', path: '/items', opts: { query: 'limit=99999999999999999999' }, status: 400, type: 'invalid-query' },
  { name: 'limit=NaN', method: 'GET', path: '/items', opts: { query: 'limit=NaN' }, status: 400, type: 'invalid-query' },
  { name: 'limit=1.5', method: 'GET', path: '/items', opts: { query: 'limit=1.5' }, status: 400, type: 'invalid-query' },
  { name: 'limit empty', method: 'GET', path: '/items', opts: { query: 'limit=' }, status: 400, type: 'invalid-query' },
  { name: 'limit repeated', method: 'GET', path: '/items', opts: { query: 'limit=1&limit=2' }, status: 400, type: 'invalid-query' },
  { name: 'unknown parameter', method: 'GET', path: '/items', opts: { query: 'foo=bar' }, status: 400, type: 'invalid-query' },
  { name: 'bad order', method: 'GET', path: '/items', opts: { query: 'status=open&order=sideways' }, status: 400, type: 'invalid-query' },
  { name: 'empty index value', method: 'GET', path: '/items', opts: { query: 'status=' }, status: 400, type: 'invalid-query' },

  // ---- cursors → 400 invalid-cursor
  { name: 'garbage cursor', method: 'GET', path: '/items', opts: { query: 'cursor=garbage' }, status: 400, type: 'invalid-cursor' },
  { name: 'empty cursor', method: 'GET', path: '/items', opts: { query: 'cursor=' }, status: 400, type: 'invalid-cursor' },
  { name: 'truncated cursor', method: 'GET', path: '/items', opts: (c) => ({ query: { cursor: c.cursors.plainScan.slice(0, -5) } }), status: 400, type: 'invalid-cursor' },
  { name: 'cursor with a flipped payload byte', method: 'GET', path: '/items', opts: (c) => ({ query: { cursor: flip(c.cursors.plainScan, 3) } }), status: 400, type: 'invalid-cursor' },
  { name: 'cursor without its tag', method: 'GET', path: '/items', opts: (c) => ({ query: { cursor: c.cursors.plainScan.slice(0, 24) } }), status: 400, type: 'invalid-cursor' },
  { name: 'cursor of the old (v1) format', method: 'GET', path: '/items', opts: { query: { cursor: 'eyJ2IjoxfQ.AAAAAAAAAAAAAAAAAAAAAA' } }, status: 400, type: 'invalid-cursor' },
  { name: 'cursor forged with another key', method: 'GET', path: '/items', opts: (c) => ({ query: { cursor: c.cursors.guessedKey } }), status: 400, type: 'invalid-cursor' },
  { name: 'cursor of another API', method: 'GET', path: '/items', opts: (c) => ({ query: { cursor: c.cursors.schemaScan } }), status: 400, type: 'invalid-cursor' },
  { name: 'scan cursor in an index query', method: 'GET', path: '/items', opts: (c) => ({ query: { status: 'open', cursor: c.cursors.plainScan } }), status: 400, type: 'invalid-cursor' },
  { name: 'index cursor in a scan', method: 'GET', path: '/items', opts: (c) => ({ query: { cursor: c.cursors.plainIndex } }), status: 400, type: 'invalid-cursor' },
  { name: 'another owner’s cursor', api: 'owned', method: 'GET', path: '/items', opts: (c) => ({ query: { cursor: c.cursors.bobOwner }, sub: 'alice' }), status: 400, type: 'invalid-cursor' },
  { name: '20 KB cursor', method: 'GET', path: '/items', opts: { query: { cursor: `${bigString(20_000)}.abc` } }, status: 400, type: 'invalid-cursor' },
  {
    // Someone holding the key (an insider) can mint a cursor; the structure check still refuses a key of the wrong shape.
    name: 'minted cursor with an extra key attribute',
    method: 'GET',
    path: '/items',
    opts: (c) => ({ query: { cursor: c.cursors.mintedExtraKey } }),
    status: 400,
    type: 'invalid-cursor',
  },
  {
    name: 'minted owner cursor pointing into another owner’s partition',
    api: 'owned',
    method: 'GET',
    path: '/items',
    opts: (c) => ({ sub: 'alice', query: { cursor: c.cursors.mintedForeignPartition } }),
    status: 400,
    type: 'invalid-cursor',
  },

  // ---- headers → 400 invalid-header
  { name: 'unquoted If-Match', method: 'PUT', path: '/items/existing', opts: { json: { a: 1 }, headers: { 'if-match': '1' } }, status: 400, type: 'invalid-header' },
  { name: 'unterminated If-None-Match', method: 'GET', path: '/items/existing', opts: { headers: { 'if-none-match': '"1' } }, status: 400, type: 'invalid-header' },
  { name: 'empty Idempotency-Key', method: 'POST', path: '/items', opts: { json: { a: 1 }, headers: { 'idempotency-key': '' } }, status: 400, type: 'invalid-header' },
  { name: '300-character Idempotency-Key', method: 'POST', path: '/items', opts: { json: { a: 1 }, headers: { 'idempotency-key': bigString(300) } }, status: 400, type: 'invalid-header' },
  { name: 'non-ASCII Idempotency-Key', method: 'POST', path: '/items', opts: { json: { a: 1 }, headers: { 'idempotency-key': 'schlüssel' } }, status: 400, type: 'invalid-header' },

  // ---- preconditions, absence, ownership
  { name: 'stale If-Match on PUT', method: 'PUT', path: '/items/existing', opts: { json: { a: 1 }, headers: { 'if-match': '"9"' } }, status: 412, type: 'precondition-failed' },
  { name: 'stale If-Match on PATCH', method: 'PATCH', path: '/items/existing', opts: { json: { a: 1 }, headers: { 'if-match': '"9"' } }, status: 412, type: 'precondition-failed' },
  { name: 'stale If-Match on DELETE', method: 'DELETE', path: '/items/existing', opts: { headers: { 'if-match': '"9"' } }, status: 412, type: 'precondition-failed' },
  { name: 'If-None-Match * on PUT of an existing item', method: 'PUT', path: '/items/existing', opts: { json: { a: 1 }, headers: { 'if-none-match': '*' } }, status: 412, type: 'precondition-failed' },
  { name: 'PATCH of a missing item', method: 'PATCH', path: '/items/missing', opts: { json: { a: 1 } }, status: 404, type: 'not-found' },
  { name: 'DELETE of a missing item', method: 'DELETE', path: '/items/missing', status: 404, type: 'not-found' },
  { name: 'POST of an existing id', method: 'POST', path: '/items', opts: { json: { id: 'existing', a: 1 } }, status: 409, type: 'already-exists' },
  { name: 'no sub on an owner-scoped POST', api: 'owned', method: 'POST', path: '/items', opts: { json: { a: 1 } }, status: 401, type: 'unauthorized' },
  { name: 'another owner’s item: GET', api: 'owned', method: 'GET', path: '/items/b1', opts: { sub: 'alice' }, status: 404, type: 'not-found' },
  { name: 'another owner’s item: PATCH', api: 'owned', method: 'PATCH', path: '/items/b1', opts: { json: { a: 1 }, sub: 'alice' }, status: 404, type: 'not-found' },
  { name: 'another owner’s item: DELETE', api: 'owned', method: 'DELETE', path: '/items/b1', opts: { sub: 'alice' }, status: 404, type: 'not-found' },
  { name: 'owned: a forged hidden index key', api: 'owned', method: 'PATCH', path: '/items/a1', opts: { json: { '_ownerKey#byStatus': '3:bobopen' }, sub: 'alice' }, status: 422, type: 'validation-failed' },

  // ---- schema
  { name: 'schema: missing required', api: 'schema', method: 'POST', path: '/items', opts: { json: { priority: 1 } }, status: 422, type: 'validation-failed' },
  { name: 'schema: PATCH removes required', api: 'schema', method: 'PATCH', path: '/items/existing', opts: { json: { title: null } }, status: 422, type: 'validation-failed' },
  { name: 'schema: wrong type by PUT', api: 'schema', method: 'PUT', path: '/items/existing', opts: { json: { title: ['x'] } }, status: 422, type: 'validation-failed' },

  // ---- routes
  { name: 'method the path does not take', method: 'POST', path: '/items/existing', opts: { json: { a: 1 }, viaDefaultRoute: true }, status: 405, type: 'method-not-allowed' },
  { name: 'unknown resource', method: 'GET', path: '/users', opts: { viaDefaultRoute: true }, status: 404, type: 'route-not-found' },
];

const scanListing = { mode: 'scan' as const, keyAttributes: ['id'], fixedKeyValues: {} };

describe('bad input', () => {
  const ctx = {} as { apis: Record<ApiName, TestApi>; cursors: Ctx['cursors'] };

  beforeAll(async () => {
    const index = [{ indexName: 'byStatus', partitionKey: 'status', sortKey: 'due' }];
    ctx.apis = {
      plain: await createTestApi({ config: { indexes: index } }),
      owned: await createTestApi({ config: { indexes: index, ownerScoping: { attribute: 'owner' } } }),
      schema: await createTestApi({
        config: { schema: { type: 'object', required: ['title'], properties: { title: { type: 'string' }, priority: { type: 'integer' } } } },
      }),
    };
    const { plain, owned, schema } = ctx.apis;
    for (const id of ['existing', 'another', 'third']) {
      expect((await plain.call('PUT', `/items/${id}`, { json: { title: id, status: 'open', due: id } })).status).toBe(201);
      expect((await schema.call('PUT', `/items/${id}`, { json: { title: id } })).status).toBe(201);
    }
    expect((await plain.call('PUT', '/items/big', { json: { blob: bigString(250 * 1024) } })).status).toBe(201);
    for (const [sub, id] of [['alice', 'a1'], ['alice', 'a2'], ['bob', 'b1'], ['bob', 'b2']]) {
      expect((await owned.call('PUT', `/items/${id}`, { json: { n: id }, sub })).status).toBe(201);
    }
    const cursorOf = async (api: TestApi, opts: RequestOptions) => {
      const r = await api.call('GET', '/items', opts);
      expect(typeof r.body.nextCursor).toBe('string');
      return r.body.nextCursor as string;
    };
    ctx.cursors = {
      plainScan: await cursorOf(plain, { query: { limit: 1 } }),
      plainIndex: await cursorOf(plain, { query: { limit: 1, status: 'open' } }),
      schemaScan: await cursorOf(schema, { query: { limit: 1 } }),
      aliceOwner: await cursorOf(owned, { query: { limit: 1 }, sub: 'alice' }),
      bobOwner: await cursorOf(owned, { query: { limit: 1 }, sub: 'bob' }),
      guessedKey: await new CursorCodec(plain.tableName, fixedKeys(['guessed-secret-guessed-secret']))
        .encode(scanListing, { id: { S: 'existing' } }, undefined, Date.now()),
      mintedExtraKey: await new CursorCodec(plain.tableName, fixedKeys([TEST_CURSOR_SECRET]))
        .encode({ ...scanListing, keyAttributes: ['id', 'x'] }, { id: { S: 'a' }, x: { S: 'b' } }, undefined, Date.now()),
      mintedForeignPartition: await new CursorCodec(owned.tableName, fixedKeys([TEST_CURSOR_SECRET])).encode(
        { mode: 'owner', keyAttributes: ['owner', 'id'], fixedKeyValues: {} }, { owner: { S: 'bob' }, id: { S: 'b1' } }, 'alice', Date.now()),
    };
  });

  afterAll(async () => {
    for (const api of Object.values(ctx.apis ?? {})) await api.destroy();
  });

  test('the matrix is big enough', () => {
    expect(cases.length).toBeGreaterThanOrEqual(60);
    expect(new Set(cases.map((c) => c.name)).size).toBe(cases.length);
  });

  test.each(cases.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const api = ctx.apis[c.api ?? 'plain'];
    const opts = typeof c.opts === 'function' ? c.opts(ctx) : c.opts ?? {};
    const before = await api.snapshot();
    const logCount = api.logs.length;
    const r = await api.call(c.method, c.path, opts);
    expect({ status: r.status, type: r.body?.type }).toEqual({ status: c.status, type: problemType(c.type) });
    expect(r.headers['content-type']).toBe('application/problem+json');
    expect(r.body.requestId).toEqual(expect.any(String));
    expect(await api.snapshot()).toBe(before);
    // Never a 5xx path, and exactly one log line without an error stack.
    expect(api.logs.length).toBe(logCount + 1);
    expect(api.logs[logCount].error).toBeUndefined();
  });

  test('422 answers list the violations with paths', async () => {
    const r = await ctx.apis.plain.call('POST', '/items', {
      body: '{"version":1,"":2,"n":1e200,"deep":{"__proto__":1},"status":7,"ok":"fine"}',
    });
    expect(r.status).toBe(422);
    // The lexical checks (numbers) come first; the attribute checks are not reached when they fail.
    expect(r.body.errors).toEqual([{ path: '/n', message: expect.stringMatching(/outside the range/) }]);
    const r2 = await ctx.apis.plain.call('POST', '/items', { body: '{"version":1,"":2,"deep":{"__proto__":1},"status":7,"ok":"fine"}' });
    expect(r2.body.errors).toEqual([
      { path: '/version', message: expect.stringMatching(/managed by the server/) },
      { path: '/', message: expect.stringMatching(/must not be empty/) },
      { path: '/deep/__proto__', message: expect.stringMatching(/not allowed/) },
      { path: '/status', message: expect.stringMatching(/non-empty string/) },
    ]);
  });

  test('nothing was polluted', () => {
    expect(({} as any).polluted).toBeUndefined();
    expect(Object.prototype.hasOwnProperty.call(Object.prototype, 'x')).toBe(false);
  });
});
