/**
 * The response checker of the e2e suite (support/openapi-responses.ts) finds what it should: a check that never
 * fails would make "every response matches the document" meaningless.
 */
import { OpenApiResponseChecker } from './support/openapi-responses';
import { openApiDocument } from '../../src/shared/openapi';
import { PROBLEM_CONTENT_TYPE, PROBLEM_TYPE_BASE } from '../../src/shared/problems';

const BASE = 'http://api.test';
const document = openApiDocument({
  title: 'T',
  servers: [{ url: BASE }],
  resources: [{
    authorization: { kind: 'none' },
    config: {
      name: 'items',
      idAttribute: 'id',
      operations: ['create', 'read', 'list', 'update', 'delete'],
      indexes: [],
      defaultPageSize: 25,
      maxPageSize: 100,
      idempotencyTtlSeconds: 3600,
    },
  }],
});
const item = { id: 'a', version: 1, createdAt: '2026-01-01T00:00:00.000Z', updatedAt: '2026-01-01T00:00:00.000Z' };
const problem = (slug: string, status: number) => ({ type: PROBLEM_TYPE_BASE + slug, title: 't', status, detail: 'd', requestId: 'r' });

/** Runs one request through a checker whose underlying fetch answers `answer`; returns the mismatches. */
interface Answer {
  readonly status: number;
  readonly headers?: Record<string, string>;
  readonly body?: unknown;
}

async function mismatchesOf(method: string, path: string, answer: Answer): Promise<string[]> {
  const real = globalThis.fetch;
  const body = answer.body === undefined ? null : JSON.stringify(answer.body);
  globalThis.fetch = (async () => new Response(body, { status: answer.status, headers: answer.headers })) as typeof fetch;
  const checker = new OpenApiResponseChecker([{ baseUrl: BASE, document }]);
  const restore = checker.install();
  try {
    await fetch(`${BASE}${path}`, { method });
    await checker.settle();
    return checker.mismatches;
  } finally {
    restore();
    globalThis.fetch = real;
  }
}

const json = { 'content-type': 'application/json' };
const etag = { ...json, etag: '"1.kQ2x9VbTtWc"' };

test.each([
  ['a matching 200', 'GET', '/items/a', { status: 200, headers: etag, body: item }, []],
  ['a matching 304', 'GET', '/items/a', { status: 304, headers: { etag: '"1.x"' } }, []],
  ['a partial read (fields) under a weak ETag', 'GET', '/items/a?fields=title', { status: 200, headers: { ...json, etag: 'W/"1.kQ2x9VbTtWc"' }, body: { id: 'a' } }, []],
  ['a matching problem', 'GET', '/items/a', { status: 404, headers: { 'content-type': PROBLEM_CONTENT_TYPE }, body: problem('not-found', 404) }, []],
  ['API Gateway\'s 404 off the routes', 'GET', '/nope', { status: 404, headers: json, body: { message: 'Not Found' } }, []],
  ['API Gateway\'s 404 to HEAD off the routes, without a body (RFC 9110)', 'HEAD', '/nope', { status: 404, headers: json }, []],
])('%s passes', async (_name, method, path, answer, expected) => {
  expect(await mismatchesOf(method, path, answer)).toEqual(expected);
});

test.each([
  ['an undeclared status', 'GET', '/items/a', { status: 418, headers: json, body: {} }, /status not declared/],
  ['a missing ETag', 'GET', '/items/a', { status: 200, headers: json, body: item }, /required header ETag missing/],
  // A write's ETag is strong and its item whole (a read's may be weak and partial: `fields`).
  ['a malformed ETag', 'PUT', '/items/a', { status: 200, headers: { ...json, etag: 'W/"1"' }, body: item }, /header ETag/],
  ['an item without its version', 'PUT', '/items/a', { status: 200, headers: etag, body: { id: 'a' } }, /version/],
  ['a problem as plain JSON', 'GET', '/items/a', { status: 404, headers: json, body: problem('not-found', 404) }, /content type 'application\/json' not declared/],
  ['a problem type of another status', 'GET', '/items/a', { status: 404, headers: { 'content-type': PROBLEM_CONTENT_TYPE }, body: problem('invalid-id', 404) }, /must be equal to one of the allowed values/],
  ['a 201 without Location', 'POST', '/items', { status: 201, headers: etag, body: item }, /required header Location missing/],
  ['a page without nextCursor', 'GET', '/items', { status: 200, headers: json, body: { items: [item] } }, /nextCursor/],
  ['a handler answer off the routes', 'GET', '/nope', { status: 404, headers: json, body: problem('route-not-found', 404) }, /no route in the document/],
])('%s is a mismatch', async (_name, method, path, answer, expected) => {
  const found = await mismatchesOf(method, path, answer);
  expect(found).toHaveLength(1);
  expect(found[0]).toMatch(expected);
});
