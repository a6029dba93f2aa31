/**
 * A real browser (Debian's chromium, driven by playwright-core) uses the API through the local runner from a page of
 * another origin, relying only on the construct's CORS defaults (`cors: { allowOrigins }`): it creates an item, reads
 * its ETag, PATCHes with If-Match, and sees the 412 of a stale tag. The screenshot is kept in test-reports/browser/.
 */
import * as fs from 'fs';
import * as http from 'http';
import * as os from 'os';
import * as path from 'path';
import { App, Stack } from 'aws-cdk-lib';
import { chromium } from 'playwright-core';
import { ApiAuthorization, ServerlessCrudApi } from '../../src';
import { freePort } from '../../src/local/dynamodb-local';
import { CLI, Runner, startRunner } from '../local/support/runner';

const CHROMIUM = '/usr/bin/chromium';
const SCREENSHOT = path.join(__dirname, '..', '..', 'test-reports', 'browser', 'cors-etag-if-match.png');

/** The page: drives the API with fetch and writes every step into the document. */
const page = (api: string) => `<!doctype html>
<html><head><meta charset="utf-8"><title>CORS + ETag through the local runner</title>
<style>body{font:14px system-ui;margin:2em} pre{background:#f4f4f4;padding:1em}</style></head>
<body><h1>Browser app on another origin</h1><p>API: ${api}</p><pre id="log"></pre><div id="done"></div>
<script type="module">
const log = (line) => { document.getElementById('log').textContent += line + '\\n'; };
const steps = {};
try {
  const created = await fetch('${api}/items', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ title: 'from the browser' }) });
  const item = await created.json();
  steps.create = { status: created.status, etag: created.headers.get('etag'), location: created.headers.get('location') };
  log('POST /items -> ' + created.status + ', ETag ' + steps.create.etag + ', Location ' + steps.create.location);
  const read = await fetch('${api}' + steps.create.location);
  steps.read = { status: read.status, etag: read.headers.get('etag') };
  log('GET ' + steps.create.location + ' -> ' + read.status + ', ETag ' + steps.read.etag);
  const patch = (etag, body) => fetch('${api}/items/' + encodeURIComponent(item.id), {
    method: 'PATCH', headers: { 'content-type': 'application/merge-patch+json', 'if-match': etag }, body: JSON.stringify(body) });
  const fresh = await patch(steps.read.etag, { title: 'changed' });
  steps.patch = { status: fresh.status, etag: fresh.headers.get('etag') };
  log('PATCH If-Match ' + steps.read.etag + ' -> ' + fresh.status + ', ETag ' + steps.patch.etag);
  const stale = await patch(steps.read.etag, { title: 'lost update' });
  steps.stale = { status: stale.status, type: (await stale.json()).type };
  log('PATCH If-Match ' + steps.read.etag + ' (stale) -> ' + stale.status + ' ' + steps.stale.type);
} catch (e) {
  steps.error = String(e);
  log('error: ' + e);
}
document.getElementById('done').textContent = JSON.stringify(steps);
</script></body></html>`;

describe('a browser app on another origin, through the local runner', () => {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'browser-cors-'));
  let runner: Runner;
  let pageServer: http.Server;
  let pageUrl: string;
  let api: string;

  beforeAll(async () => {
    expect(fs.existsSync(CLI)).toBe(true); // built by `npx projen bundle` (pre-compile)
    expect(fs.existsSync(CHROMIUM)).toBe(true); // apt-get install -y chromium (.ci/run does)
    const pagePort = await freePort();
    const origin = `http://localhost:${pagePort}`;
    const assemblyDir = path.join(work, 'cdk.out');
    const app = new App({ outdir: assemblyDir, context: { 'aws:cdk:enable-asset-metadata': true } });
    new ServerlessCrudApi(new Stack(app, 'Browser'), 'Todos', {
      authorization: ApiAuthorization.none(),
      cors: { allowOrigins: [origin] }, // nothing else: the defaults must be enough for a browser app
    });
    app.synth();
    runner = await startRunner(['--assembly', assemblyDir, '--port', '0', '--endpoint', process.env.AWS_ENDPOINT_URL_DYNAMODB!]);
    api = runner.urls['Browser/Todos'];
    pageServer = http.createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(page(api));
    });
    await new Promise<void>((resolve) => pageServer.listen(pagePort, '127.0.0.1', resolve));
    pageUrl = `${origin}/`;
  });

  afterAll(async () => {
    await runner?.stop();
    await new Promise((resolve) => (pageServer ? pageServer.close(resolve) : resolve(undefined)));
  });

  test('creates an item, reads its ETag, PATCHes with If-Match, and gets 412 for the stale tag', async () => {
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    try {
      const tab = await browser.newPage({ viewport: { width: 900, height: 420 } });
      await tab.goto(pageUrl);
      await tab.waitForFunction("document.getElementById('done').textContent !== ''", undefined, { timeout: 20_000 });
      fs.mkdirSync(path.dirname(SCREENSHOT), { recursive: true });
      await tab.screenshot({ path: SCREENSHOT });
      const steps = JSON.parse((await tab.textContent('#done'))!);
      expect(steps.error).toBeUndefined();
      // The script could read ETag and Location (exposed by default), and its tags are strong entity tags.
      const strongTag = expect.stringMatching(/^"[^"]+"$/);
      expect(steps.create).toEqual({ status: 201, etag: strongTag, location: expect.stringMatching(/^\/items\//) });
      expect(steps.read).toEqual({ status: 200, etag: steps.create.etag });
      expect(steps.patch).toEqual({ status: 200, etag: strongTag });
      expect(steps.patch.etag).not.toBe(steps.read.etag);
      expect(steps.stale).toEqual({ status: 412, type: expect.stringMatching(/precondition-failed$/) });
      expect(fs.statSync(SCREENSHOT).size).toBeGreaterThan(1000);
    } finally {
      await browser.close();
    }
  });
});
