/**
 * The docs page of each API (`/_docs` on its port): Swagger UI, from files shipped in the npm package
 * (assets/local/docs/, copied from swagger-ui-dist at bundle time — no CDN), rendering the API's OpenAPI document from
 * the cloud assembly with its servers rewritten to the runner's URL, so "Try it out" calls the local API, same origin.
 * Answered by the runner itself, not a route of the API: no throttling, CORS or authorization of the API apply.
 */
import * as fs from 'fs';
import * as path from 'path';

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
  const ok = (type: string, body: Buffer | string): DocsResponse => ({
    statusCode: 200,
    headers: { 'content-type': [type], 'cache-control': ['no-store'], 'x-content-type-options': ['nosniff'] },
    body: Buffer.isBuffer(body) ? body : Buffer.from(body),
  });
  if (file === '' || file === 'index.html') return ok('text/html; charset=utf-8', PAGE);
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

const INIT = `window.ui = SwaggerUIBundle({
  url: '${DOCS_PATH}/openapi.json',
  dom_id: '#swagger-ui',
  deepLinking: true,
  tryItOutEnabled: true,
  displayRequestDuration: true,
  validatorUrl: null,
});
`;
