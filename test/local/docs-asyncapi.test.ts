/**
 * The change events on the runner's docs page: with the API's AsyncAPI document in the assembly (beside the OpenAPI
 * one), `/_docs` links to `/_docs/events` (channels and messages, rendered without script, everything escaped) and
 * `/_docs/asyncapi.json`; without it, neither exists.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { asyncApiFileOf, docsResponse, loadDocsPage } from '../../src/local/docs';
import { escapeHtml } from '../../src/local/docs-asyncapi';
import { asyncApiDocument } from '../../src/shared/asyncapi';
import { ResourceConfig } from '../../src/shared/config';

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'docs-asyncapi-'));
const assetsDir = path.join(work, 'docs');
const openApi = { openapi: '3.1.0', info: { title: 'T', version: '1' }, servers: [], paths: {} };
const HOSTILE = '<script>alert("x")</script>';

const orders: ResourceConfig = {
  name: 'orders',
  idAttribute: 'id',
  operations: ['create', 'read', 'update', 'delete', 'list'],
  indexes: [],
  defaultPageSize: 25,
  maxPageSize: 100,
  idempotencyTtlSeconds: 86400,
  schema: { type: 'object', description: HOSTILE, properties: { note: { type: 'string', description: '<img src=x onerror="alert(1)">' } } },
};
const asyncApi = asyncApiDocument({
  title: `Shop ${HOSTILE}`, source: 'Shop/Api', resources: [{ config: orders, eventBus: { id: 'bus', name: 'shop-events' } }],
});

function files(name: string, withEvents: boolean): string {
  const openApiFile = path.join(work, `${name}.openapi.json`);
  fs.writeFileSync(openApiFile, JSON.stringify(openApi));
  if (withEvents) fs.writeFileSync(asyncApiFileOf(openApiFile), JSON.stringify(asyncApi));
  return openApiFile;
}

test('the AsyncAPI file is found beside the OpenAPI one, named as the construct names it', () => {
  expect(asyncApiFileOf('/a/Shop.Api.openapi.json')).toBe('/a/Shop.Api.asyncapi.json');
  expect(loadDocsPage(files('With', true), assetsDir).asyncApi).toEqual(asyncApi);
  expect(loadDocsPage(files('Without', false), assetsDir).asyncApi).toBeUndefined();
});

describe('with change events', () => {
  const docs = loadDocsPage(files('Events', true), assetsDir);
  const get = (p: string) => docsResponse(docs, p, 'http://localhost:3000')!;

  test('the page links to the events and the document', () => {
    const page = get('/_docs').body.toString();
    expect(page).toContain('href="/_docs/events"');
    expect(page).toContain('href="/_docs/asyncapi.json"');
    expect(page).toContain('/_docs/swagger-ui-bundle.js'); // Swagger UI is still the page
  });

  test('/_docs/asyncapi.json is the document as in the assembly', () => {
    const res = get('/_docs/asyncapi.json');
    expect(res.headers['content-type']).toEqual(['application/json']);
    expect(JSON.parse(res.body.toString())).toEqual(asyncApi);
  });

  test('/_docs/events lists the channel, its bus, source, pattern and messages, with no script allowed', () => {
    const res = get('/_docs/events');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-security-policy']![0]).toMatch(/default-src 'none'/);
    const html = res.body.toString();
    for (const name of ['orders.created', 'orders.updated', 'orders.deleted', 'shop-events', 'Shop/Api', '&#34;detail-type&#34;']) expect(html).toContain(name);
    expect(html).toContain('At least once');
  });

  test('everything from the document is escaped: the user\'s schema descriptions and the title', () => {
    const html = get('/_docs/events').body.toString();
    expect(html).not.toMatch(/<script|<img/i);
    expect(html).toContain(escapeHtml(HOSTILE));
    expect(escapeHtml('<a href="x" title=\'y\'>&')).toBe('&#60;a href=&#34;x&#34; title=&#39;y&#39;&#62;&#38;');
  });
});

test('without change events: no link, and both paths are 404', () => {
  const docs = loadDocsPage(files('Plain', false), assetsDir);
  expect(docsResponse(docs, '/_docs', 'http://localhost:3000')!.body.toString()).not.toContain('/_docs/events');
  expect(docsResponse(docs, '/_docs/events', 'http://localhost:3000')!.statusCode).toBe(404);
  expect(docsResponse(docs, '/_docs/asyncapi.json', 'http://localhost:3000')!.statusCode).toBe(404);
});
