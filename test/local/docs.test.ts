/**
 * The docs page's pure parts: when an API has none (a `_docs` resource, no document, no Swagger UI files), the server
 * rewrite, and what it answers under /_docs. The page itself runs in a browser in test/browser/docs-page.browser.test.ts.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { docsResponse, docsUnavailable } from '../../src/local/docs';

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'docs-'));
const assetsDir = path.join(work, 'docs');
const openApiFile = path.join(work, 'Stack.Api.openapi.json');
const document = { openapi: '3.1.0', info: { title: 'T', version: '1' }, servers: [{ url: 'https://{apiId}.execute-api.{region}.amazonaws.com' }], paths: {} };
fs.mkdirSync(assetsDir);
for (const f of ['swagger-ui-bundle.js', 'swagger-ui.css']) fs.writeFileSync(path.join(assetsDir, f), `/* ${f} */`);
fs.writeFileSync(openApiFile, JSON.stringify(document));

describe('docsUnavailable', () => {
  test('none when a resource is named _docs (a valid resource name): the runner never shadows a route', () => {
    expect(docsUnavailable(['/_docs', '/_docs/{id}'], openApiFile, assetsDir)).toMatch(/a resource of this API uses \/_docs/);
  });
  test('none without the OpenAPI document in the assembly, or without Swagger UI files', () => {
    expect(docsUnavailable(['/items'], path.join(work, 'missing.json'), assetsDir)).toMatch(/no OpenAPI document/);
    expect(docsUnavailable(['/items'], openApiFile, path.join(work, 'nowhere'))).toMatch(/Swagger UI's files are missing/);
  });
  test('available otherwise, also next to a resource whose name only starts with _docs', () => {
    expect(docsUnavailable(['/items', '/_docsx/{id}'], openApiFile, assetsDir)).toBeUndefined();
  });
});

describe('docsResponse', () => {
  const docs = { document, assetsDir };
  test('leaves every other path to the API', () => {
    expect(docsResponse(docs, '/items', 'http://localhost:3000')).toBeUndefined();
    expect(docsResponse(docs, '/_docsx', 'http://localhost:3000')).toBeUndefined();
  });
  test('serves the page, its script and Swagger UI files', () => {
    expect(docsResponse(docs, '/_docs', 'http://localhost:3000')!.body.toString()).toContain('/_docs/swagger-ui-bundle.js');
    expect(docsResponse(docs, '/_docs/init.js', 'http://localhost:3000')!.body.toString()).toContain("url: '/_docs/openapi.json'");
    expect(docsResponse(docs, '/_docs/swagger-ui.css', 'http://localhost:3000')!.headers['content-type']).toEqual(['text/css; charset=utf-8']);
  });
  test('rewrites the servers to the runner URL the client reached', () => {
    const served = JSON.parse(docsResponse(docs, '/_docs/openapi.json', 'http://127.0.0.1:3001')!.body.toString());
    expect(served.servers).toEqual([{ url: 'http://127.0.0.1:3001', description: expect.any(String) }]);
    expect(document.servers[0].url).toMatch(/execute-api/); // the loaded document is not changed
  });
  test('404 for anything else under /_docs, no file outside the two it ships', () => {
    expect(docsResponse(docs, '/_docs/../../etc/passwd', 'http://localhost:3000')!.statusCode).toBe(404);
    expect(docsResponse(docs, '/_docs/LICENSE', 'http://localhost:3000')!.statusCode).toBe(404);
  });
});
