/**
 * `GET /openapi.json` in the handler (opt-in `openApiRoute`): recognised by route key or, behind catch-all routes, by
 * path under the mapping key; served with the API's own location first; and the config field is checked.
 */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { parseConfig } from '../../src/handler/load-config';
import { isOpenApiRequest, openApiResponse } from '../../src/handler/openapi-route';

const event = (routeKey: string, rawPath: string, method = 'GET', stage = '$default') =>
  ({ routeKey, rawPath, requestContext: { stage, http: { method } } }) as unknown as APIGatewayProxyEventV2;

test.each([
  ['its route key', event('GET /openapi.json', '/openapi.json'), undefined, true],
  ['through the custom domain (route key, path under the mapping key)', event('GET /openapi.json', '/v1/openapi.json'), 'v1', true],
  ['a catch-all route, at the root', event('$default', '/openapi.json'), undefined, true],
  ['a catch-all route, under the mapping key', event('$default', '/v1/openapi.json'), 'v1', true],
  ['another route key', event('GET /items/{id}', '/items/openapi.json'), undefined, false],
  ['another method on a catch-all route', event('$default', '/openapi.json', 'POST'), undefined, false],
  ['another path on a catch-all route', event('$default', '/items/openapi.json'), undefined, false],
])('%s: %#', (_name, e, basePath, expected) => {
  expect(isOpenApiRequest(e, basePath)).toBe(expected);
});

test('the document is served with this API first among the servers, under the mapping key when it came through it', () => {
  const doc = { openapi: '3.1.0', info: { title: 't', version: '1' }, paths: {}, servers: [{ url: 'https://api.example.com/v1' }] };
  const root = openApiResponse(doc, event('GET /openapi.json', '/openapi.json'), 'v1');
  expect(root.statusCode).toBe(200);
  expect(root.headers!['content-type']).toBe('application/json');
  expect(JSON.parse(root.body!).servers).toEqual([{ url: '/', description: expect.any(String) }, { url: 'https://api.example.com/v1' }]);
  const mapped = openApiResponse(doc, event('GET /openapi.json', '/v1/openapi.json'), 'v1');
  expect(JSON.parse(mapped.body!).servers[0].url).toBe('/v1');
});

test('the config may carry the document (an object), and nothing else under that name', () => {
  const resources = [{ name: 'items', idAttribute: 'id', operations: ['read'], indexes: [] }];
  expect(parseConfig({ version: 4, resources, openApi: { openapi: '3.1.0' } }, 'test').openApi).toEqual({ openapi: '3.1.0' });
  expect(parseConfig({ version: 4, resources }, 'test').openApi).toBeUndefined();
  expect(() => parseConfig({ version: 4, resources, openApi: 'yes' }, 'test')).toThrow(/'openApi' must be the OpenAPI document, a JSON object/);
});
