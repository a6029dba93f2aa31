import * as fs from 'fs';
import * as path from 'path';
import { buildEvent, collectHeaders, parseQuery, requestTarget, requestTime } from '../../src/local/event';
import { flattenClaims, GATEWAY_ERRORS, mapResult, matchRouteKey, newRequestId, preflight, TokenBucket, withCors } from '../../src/local/gateway';

const FIXTURES = path.join(__dirname, 'fixtures');

describe('payload 2.0 events match fixtures of what HTTP APIs send (decoded path, raw query string)', () => {
  const files = fs.readdirSync(FIXTURES).filter((f) => f.endsWith('.json'));
  test('there are fixtures', () => expect(files.length).toBeGreaterThanOrEqual(5));

  test.each(files)('%s', (file) => {
    const f = JSON.parse(fs.readFileSync(path.join(FIXTURES, file), 'utf8'));
    const body = f.request.bodyBase64 !== undefined ? Buffer.from(f.request.bodyBase64, 'base64') : Buffer.from(f.request.body, 'utf8');
    const target = requestTarget(f.request.url);
    const route = target.path === undefined ? undefined : matchRouteKey([f.route?.routeKey ?? 'GET /items/{id}'], f.request.method, target.path);
    if (f.route === null) {
      expect(route).toBeUndefined();
      return;
    }
    expect(route).toEqual({ routeKey: f.route.routeKey, pathParameters: f.route.pathParameters });
    const event = buildEvent({ method: f.request.method, url: f.request.url, rawHeaders: f.request.rawHeaders, body, sourceIp: '192.0.2.1' }, {
      routeKey: route!.routeKey,
      pathParameters: route!.pathParameters,
      apiId: 'fixture',
      stage: '$default',
      requestId: 'REQUEST-ID',
      now: new Date(Date.UTC(2020, 2, 12, 19, 3, 58)),
    });
    expect(event).toEqual(f.expected);
  });
});

describe('the path is decoded once, before routing, as HTTP APIs do', () => {
  test('requestTarget decodes the path and keeps the query string raw; an undecodable path has none', () => {
    expect(requestTarget('/items/100%25?q=%2541')).toEqual({ path: '/items/100%', rawQueryString: 'q=%2541' });
    expect(requestTarget('/items/%E0%A4%A')).toEqual({ rawQueryString: '' });
  });

  test('route parameters are segments of the decoded path: %2F splits, %2541 stays %41', () => {
    const keys = ['GET /items/{id}'];
    expect(matchRouteKey(keys, 'GET', requestTarget('/items/%2541').path!)).toEqual({ routeKey: 'GET /items/{id}', pathParameters: { id: '%41' } });
    expect(matchRouteKey(keys, 'GET', requestTarget('/items/a%2Fb').path!)).toBeUndefined();
  });

  test('a JSON body that is not UTF-8 is handed over base64-encoded, byte for byte', () => {
    const bytes = Buffer.from([0x7b, 0x22, 0x74, 0x22, 0x3a, 0x22, 0xc3, 0x28, 0x22, 0x7d]);
    const event = buildEvent({ method: 'POST', url: '/items', rawHeaders: ['Content-Type', 'application/json'], body: bytes, sourceIp: '127.0.0.1' },
      { routeKey: 'POST /items', apiId: 'a', stage: '$default', requestId: 'r', now: new Date() });
    expect(event).toMatchObject({ isBase64Encoded: true, body: bytes.toString('base64') });
  });
});

describe('gateway pieces', () => {
  test('route matching: exact segments, single-segment parameters, method must match', () => {
    const keys = ['GET /items', 'GET /items/{id}', 'DELETE /items/{id}'];
    expect(matchRouteKey(keys, 'GET', '/items')).toEqual({ routeKey: 'GET /items' });
    expect(matchRouteKey(keys, 'DELETE', '/items/x')).toEqual({ routeKey: 'DELETE /items/{id}', pathParameters: { id: 'x' } });
    expect(matchRouteKey(keys, 'POST', '/items')).toBeUndefined();
    expect(matchRouteKey(keys, 'GET', '/items/')).toBeUndefined();
    expect(matchRouteKey(keys, 'GET', '/items/a/b')).toBeUndefined();
  });

  test('headers: lower-cased, repeats comma-joined, cookies split out', () => {
    expect(collectHeaders(['A', '1', 'a', '2', 'Cookie', 'x=1', 'cookie', 'y=2; z=3'])).toEqual({ headers: { a: '1,2' }, cookies: ['x=1', 'y=2', 'z=3'] });
  });

  test('query: decoded, repeats joined, absent when empty', () => {
    expect(parseQuery('a=1&a=2&b=%20x')).toEqual({ a: '1,2', b: ' x' });
    expect(parseQuery('')).toBeUndefined();
  });

  test('request time format', () => {
    expect(requestTime(new Date(Date.UTC(2021, 0, 5, 3, 4, 5)))).toBe('05/Jan/2021:03:04:05 +0000');
  });

  test('JWT claims are flattened to strings as API Gateway does', () => {
    expect(flattenClaims({ sub: 'u1', exp: 123, groups: ['a', 'b'], email_verified: true })).toEqual({ sub: 'u1', exp: '123', groups: '[a b]', email_verified: 'true' });
  });

  test('response mapping: a statusCode result is a response; other JSON is a 200 application/json body', () => {
    const r = mapResult({ statusCode: 201, headers: { 'Content-Type': 'application/json', 'ETag': '"1"' }, cookies: ['a=1', 'b=2'], body: '{"x":1}' });
    expect(r.statusCode).toBe(201);
    expect(r.headers).toEqual({ 'content-type': ['application/json'], 'etag': ['"1"'], 'set-cookie': ['a=1', 'b=2'] });
    expect(r.body.toString()).toBe('{"x":1}');
    expect(mapResult({ statusCode: 200, body: 'AAH+/w==', isBase64Encoded: true }).body).toEqual(Buffer.from([0, 1, 0xfe, 0xff]));
    const inferred = mapResult({ hello: 'world' });
    expect([inferred.statusCode, inferred.headers['content-type'], inferred.body.toString()]).toEqual([200, ['application/json'], '{"hello":"world"}']);
    expect(mapResult('plain').body.toString()).toBe('plain');
    expect(mapResult(undefined).body.toString()).toBe('null');
    expect(mapResult({ statusCode: 'x' }).statusCode).toBe(500);
    expect(mapResult({ statusCode: 200, body: { not: 'a string' } }).statusCode).toBe(500);
  });

  test('CORS preflight: allowed origin/method/headers get the headers; others get none', () => {
    const cors = { allowOrigins: ['https://app.example.com'], allowMethods: ['GET', 'POST'], allowHeaders: ['content-type'], maxAgeSeconds: 600 };
    const ok = preflight(cors, { 'origin': 'https://app.example.com', 'access-control-request-method': 'POST', 'access-control-request-headers': 'Content-Type' });
    expect(ok.statusCode).toBe(204);
    expect(ok.headers).toMatchObject({ 'access-control-allow-origin': ['https://app.example.com'], 'access-control-allow-methods': ['GET,POST'], 'access-control-allow-headers': ['content-type'], 'access-control-max-age': ['600'] });
    expect(preflight(cors, { 'origin': 'https://evil.example.com', 'access-control-request-method': 'POST' }).headers).toEqual({});
    expect(preflight(cors, { 'origin': 'https://app.example.com', 'access-control-request-method': 'DELETE' }).headers).toEqual({});
    expect(preflight(cors, { 'origin': 'https://app.example.com', 'access-control-request-method': 'GET', 'access-control-request-headers': 'x-secret' }).headers).toEqual({});
    const actual = withCors({ ...cors, exposeHeaders: ['etag'] }, { origin: 'https://app.example.com' }, mapResult({ statusCode: 200, headers: { 'Access-Control-Allow-Origin': '*' } }));
    expect(actual.headers['access-control-allow-origin']).toEqual(['https://app.example.com']);
    expect(actual.headers['access-control-expose-headers']).toEqual(['etag']);
  });

  test('throttling: a bucket of burst tokens refilled at rate per second', () => {
    const b = new TokenBucket(2, 3, 0);
    expect([b.take(0), b.take(0), b.take(0), b.take(0)]).toEqual([true, true, true, false]);
    expect(b.take(499)).toBe(false);
    expect(b.take(500)).toBe(true);
  });
});

test('request ids are shaped like API Gateway\'s and never repeat, across refills of the random pool', () => {
  const ids = Array.from({ length: 2000 }, () => newRequestId());
  for (const id of ids) expect(id).toMatch(/^[A-Za-z0-9_-]{15}=$/);
  expect(new Set(ids).size).toBe(ids.length);
});

test('a 401 description is made header-safe (no control characters reach WWW-Authenticate)', () => {
  const r = GATEWAY_ERRORS.unauthorized('bad "kid"\r\nx-evil: 1');
  expect(r.headers['www-authenticate'][0]).toBe('Bearer scope="" error="invalid_token" error_description="bad \'kid\'??x-evil: 1"');
});

describe('matchRouteKey with the user\'s own routes (issue #20): the most specific route wins, as in API Gateway', () => {
  const keys = ['GET /orders/{id}', 'POST /orders/{id}/checkout', 'GET /orders/summary', 'ANY /orders/{id}', 'GET /files/{path+}', '$default'];

  test('a literal segment beats a variable, whatever the order of the routes', () => {
    expect(matchRouteKey(keys, 'GET', '/orders/summary')).toEqual({ routeKey: 'GET /orders/summary' });
    expect(matchRouteKey([...keys].reverse(), 'GET', '/orders/summary')).toEqual({ routeKey: 'GET /orders/summary' });
  });

  test('an exact method beats ANY on the same path; ANY takes the other methods', () => {
    expect(matchRouteKey(keys, 'GET', '/orders/o1')).toEqual({ routeKey: 'GET /orders/{id}', pathParameters: { id: 'o1' } });
    expect(matchRouteKey(keys, 'DELETE', '/orders/o1')).toEqual({ routeKey: 'ANY /orders/{id}', pathParameters: { id: 'o1' } });
  });

  test('a greedy variable takes the rest of the path (one segment at least)', () => {
    expect(matchRouteKey(keys, 'GET', '/files/a/b/c.txt')).toEqual({ routeKey: 'GET /files/{path+}', pathParameters: { path: 'a/b/c.txt' } });
    expect(matchRouteKey(keys, 'GET', '/files')).toEqual({ routeKey: '$default' });
  });

  test('$default only when nothing else matches; without it, nothing', () => {
    expect(matchRouteKey(keys, 'PUT', '/elsewhere')).toEqual({ routeKey: '$default' });
    expect(matchRouteKey(keys.filter((k) => k !== '$default'), 'PUT', '/elsewhere')).toBeUndefined();
  });
});
