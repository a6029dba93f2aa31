/**
 * The docs page of each API (`/_docs` on its port): Swagger UI, from files shipped in the npm package
 * (assets/local/docs/, copied from swagger-ui-dist at bundle time — no CDN), rendering the API's OpenAPI document from
 * the cloud assembly with its servers rewritten to the runner's URL, so "Try it out" calls the local API, same origin.
 * Answered by the runner itself, not a route of the API: no throttling, CORS or authorization of the API apply.
 *
 * When the API publishes change events, the assembly also has its AsyncAPI document (beside the OpenAPI one): the page
 * links to `/_docs/events` (the channels and messages, docs-asyncapi.ts) and `/_docs/asyncapi.json` (the document).
 */
import * as fs from 'fs';
import * as path from 'path';
import { asyncApiPage } from './docs-asyncapi';

/** The docs page's path on each API's port. */
export const DOCS_PATH = '/_docs';

/** Swagger UI's files the page loads, as shipped in assets/local/docs/. */
const STATIC_FILES: Record<string, string> = {
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
  'swagger-ui.css': 'text/css; charset=utf-8',
};

export interface DocsPage {
  /** The OpenAPI document of the API, as written into the cloud assembly. */
  readonly document: Record<string, unknown>;
  /** Folder holding Swagger UI's files. */
  readonly assetsDir: string;
  /** The AsyncAPI document of the API's change events, as written into the cloud assembly; absent: it publishes none. */
  readonly asyncApi?: Record<string, unknown>;
}

/** Where the construct writes the AsyncAPI document: beside the OpenAPI file (src/construct/asyncapi-contract.ts `asyncApiFileName`). */
export function asyncApiFileOf(openApiFile: string): string {
  return openApiFile.replace(/\.openapi\.json$/, '.asyncapi.json');
}

/** The docs page of an API whose OpenAPI file exists (see {@link docsUnavailable}), with its AsyncAPI document if any. */
export function loadDocsPage(openApiFile: string, assetsDir: string): DocsPage {
  const asyncApiFile = asyncApiFileOf(openApiFile);
  return {
    document: JSON.parse(fs.readFileSync(openApiFile, 'utf8')),
    assetsDir,
    ...(asyncApiFile !== openApiFile && fs.existsSync(asyncApiFile) ? { asyncApi: JSON.parse(fs.readFileSync(asyncApiFile, 'utf8')) } : {}),
  };
}

/** Why an API has no docs page, or undefined when it has one. */
export function docsUnavailable(routePaths: readonly string[], openApiFile: string | undefined, assetsDir: string): string | undefined {
  // Resource names allow `_docs` (/^[A-Za-z0-9._~-]+$/): the runner never shadows a route of the API.
  if (routePaths.some((p) => p === DOCS_PATH || p.startsWith(`${DOCS_PATH}/`))) return `a resource of this API uses ${DOCS_PATH}`;
  if (!openApiFile || !fs.existsSync(openApiFile)) return 'the assembly has no OpenAPI document for this API (synthesized by an older version?)';
  if (!Object.keys(STATIC_FILES).every((f) => fs.existsSync(path.join(assetsDir, f)))) return `Swagger UI's files are missing from ${assetsDir}`;
  return undefined;
}

/** The folder of Swagger UI's files next to the runner bundle (assets/local/cli/index.js → assets/local/docs/). */
export function defaultDocsAssetsDir(): string {
  return path.resolve(__dirname, '..', 'docs');
}

export interface DocsResponse {
  readonly statusCode: number;
  readonly headers: Record<string, string[]>;
  readonly body: Buffer;
}

/**
 * Answers a GET or HEAD under {@link DOCS_PATH}; undefined for any other path (left to the API's routes).
 * `origin` is the runner's URL as the client reached it (its Host is on the allow-list), the document's only server.
 */
export function docsResponse(docs: DocsPage, requestPath: string, origin: string): DocsResponse | undefined {
  if (requestPath !== DOCS_PATH && !requestPath.startsWith(`${DOCS_PATH}/`)) return undefined;
  const file = requestPath.slice(DOCS_PATH.length).replace(/^\//, '');
  const ok = (type: string, body: Buffer | string, extra: Record<string, string[]> = {}): DocsResponse => ({
    statusCode: 200,
    headers: { 'content-type': [type], 'cache-control': ['no-store'], 'x-content-type-options': ['nosniff'], ...extra },
    body: Buffer.isBuffer(body) ? body : Buffer.from(body),
  });
  if (file === '' || file === 'index.html') return ok('text/html; charset=utf-8', docs.asyncApi ? PAGE.replace('<body>', `<body>${EVENTS_LINK}`) : PAGE);
  if (docs.asyncApi && file === 'asyncapi.json') return ok('application/json', JSON.stringify(docs.asyncApi));
  if (docs.asyncApi && file === 'events') {
    // Rendered here from the document, every value escaped; no script may run on it.
    return ok('text/html; charset=utf-8', asyncApiPage(docs.asyncApi, DOCS_PATH), { 'content-security-policy': [EVENTS_CSP] });
  }
  if (file === 'init.js') return ok('text/javascript; charset=utf-8', INIT);
  if (file === 'openapi.json') {
    const document = { ...docs.document, servers: [{ url: origin, description: 'The local runner (cdk-serverless-crud-api local)' }] };
    return ok('application/json', JSON.stringify(document));
  }
  if (Object.prototype.hasOwnProperty.call(STATIC_FILES, file)) {
    return ok(STATIC_FILES[file], fs.readFileSync(path.join(docs.assetsDir, file)));
  }
  return {
    statusCode: 404,
    headers: { 'content-type': ['text/plain; charset=utf-8'] },
    body: Buffer.from(`Not found: ${DOCS_PATH}/${file}\n`),
  };
}

const PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>API docs (local runner)</title>
<meta name="viewport" content="width=device-width, initial-scale=1"><link rel="icon" href="data:,">
<link rel="stylesheet" href="${DOCS_PATH}/swagger-ui.css"></head>
<body><div id="swagger-ui"></div>
<script src="${DOCS_PATH}/swagger-ui-bundle.js"></script>
<script src="${DOCS_PATH}/init.js"></script>
</body></html>
`;

/** The line above Swagger UI when the API publishes change events. */
const EVENTS_LINK = '<p style="font-family:sans-serif;margin:.5rem 1rem">Change events: ' +
  `<a href="${DOCS_PATH}/events">channels and messages</a>, <a href="${DOCS_PATH}/asyncapi.json">AsyncAPI document</a></p>`;

const EVENTS_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

const INIT = `window.ui = SwaggerUIBundle({
  url: '${DOCS_PATH}/openapi.json',
  dom_id: '#swagger-ui',
  deepLinking: true,
  tryItOutEnabled: true,
  displayRequestDuration: true,
  validatorUrl: null,
});
`;
