/**
 * The docs page of the local runner (`/_docs`), in a real browser (Debian's chromium, driven by playwright-core): Swagger
 * UI loads from the runner with no console errors, lists every route of a multi-resource API, and "Try it out" sends a
 * POST from the page that creates an item through the API. The screenshot is kept in test-reports/browser/.
 */
import * as fs from 'fs';
import * as http from 'http';
import * as os from 'os';
import * as path from 'path';
import { App, Stack } from 'aws-cdk-lib';
import { chromium } from 'playwright-core';
import { ApiAuthorization, Operation, ServerlessCrudApi } from '../../src';
import { CLI, Runner, startRunner } from '../local/support/runner';

const CHROMIUM = '/usr/bin/chromium';
const SCREENSHOT = path.join(__dirname, '..', '..', 'test-reports', 'browser', 'docs-page.png');

describe('the docs page of the local runner', () => {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'browser-docs-'));
  let runner: Runner;
  let api: string;
  let document: { paths: Record<string, Record<string, unknown>> };

  beforeAll(async () => {
    expect(fs.existsSync(CLI)).toBe(true); // built by `npx projen bundle` (pre-compile), Swagger UI's files beside it
    expect(fs.existsSync(CHROMIUM)).toBe(true); // apt-get install -y chromium (.ci/run does)
    const assemblyDir = path.join(work, 'cdk.out');
    const app = new App({ outdir: assemblyDir, context: { 'aws:cdk:enable-asset-metadata': true } });
    new ServerlessCrudApi(new Stack(app, 'Docs'), 'Shop', {
      resources: [
        { name: 'products', operations: [Operation.READ, Operation.LIST], authorization: ApiAuthorization.none() },
        { name: 'orders', authorization: ApiAuthorization.none() },
      ],
    });
    app.synth();
    document = JSON.parse(fs.readFileSync(path.join(assemblyDir, 'Docs.Shop.openapi.json'), 'utf8'));
    runner = await startRunner(['--assembly', assemblyDir, '--port', '0', '--endpoint', process.env.AWS_ENDPOINT_URL_DYNAMODB!]);
    api = runner.urls['Docs/Shop'];
  });

  afterAll(async () => {
    await runner?.stop();
  });

  test('the runner prints the docs URL next to the API', () => {
    expect(runner.output()).toContain(`  docs   ${api}/_docs`);
  });

  test('serves the document with the runner as its server, and refuses a Host off the allow-list', async () => {
    const served = await (await fetch(`${api}/_docs/openapi.json`)).json() as { servers: unknown[]; paths: object };
    expect(served.servers).toEqual([expect.objectContaining({ url: api })]);
    expect(Object.keys(served.paths)).toEqual(Object.keys(document.paths));
    const port = new URL(api).port;
    const refused = await new Promise<number>((resolve, reject) => {
      // fetch cannot set Host; http.get can.
      http.get({ host: '127.0.0.1', port, path: '/_docs', headers: { host: `evil.example:${port}` } }, (res) => {
        res.resume();
        resolve(res.statusCode!);
      }).on('error', reject);
    });
    expect(refused).toBe(403);
  });

  test('loads with no console errors, lists every route, and sends a request from the page that reaches the API', async () => {
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    try {
      const tab = await browser.newPage({ viewport: { width: 1100, height: 1400 } });
      const errors: string[] = [];
      tab.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
      tab.on('pageerror', (e) => errors.push(String(e)));
      const external: string[] = [];
      tab.on('request', (r) => { if (!r.url().startsWith(api) && !r.url().startsWith('data:')) external.push(r.url()); });

      await tab.goto(`${api}/_docs`);
      await tab.waitForSelector('.opblock', { timeout: 30_000 });

      // Every operation of the document, as "METHOD /path", is on the page.
      const expected = Object.entries(document.paths).flatMap(([p, ops]) =>
        Object.keys(ops).filter((m) => ['get', 'post', 'put', 'patch', 'delete'].includes(m)).map((m) => `${m.toUpperCase()} ${p}`)).sort();
      const listed = (await tab.$$eval('.opblock', (blocks) => blocks.map((b) =>
        `${b.querySelector('.opblock-summary-method')!.textContent!.trim()} ${b.querySelector('.opblock-summary-path')!.getAttribute('data-path')}`))).sort();
      expect(listed).toEqual(expected);
      expect(listed).toEqual(expect.arrayContaining(['GET /products', 'GET /products/{id}', 'POST /orders', 'DELETE /orders/{id}']));

      // "Try it out" on POST /orders (tryItOutEnabled: the body is editable at once), then Execute.
      const post = tab.locator('.opblock-post', { has: tab.locator('.opblock-summary-path[data-path="/orders"]') });
      await post.locator('.opblock-summary').click();
      const tryOut = post.locator('button.try-out__btn');
      if ((await tryOut.count()) && /try it out/i.test((await tryOut.textContent()) ?? '')) await tryOut.click();
      await post.locator('textarea.body-param__text').fill(JSON.stringify({ title: 'sent from the docs page' }));
      await post.locator('button.execute').click();
      await post.locator('.live-responses-table tr.response .response-col_status').first().waitFor({ timeout: 20_000 });
      const status = (await post.locator('.live-responses-table tr.response .response-col_status').first().textContent())!.trim();
      expect(status).toBe('201');

      // The runner saw the request, and the item is in the table.
      expect(runner.output()).toMatch(/POST \/orders → 201/);
      const list = await (await fetch(`${api}/orders`)).json() as { items: unknown[] };
      expect(list.items).toEqual(expect.arrayContaining([expect.objectContaining({ title: 'sent from the docs page' })]));

      fs.mkdirSync(path.dirname(SCREENSHOT), { recursive: true });
      await tab.screenshot({ path: SCREENSHOT, fullPage: true });
      expect(fs.statSync(SCREENSHOT).size).toBeGreaterThan(1000);
      expect(errors).toEqual([]);
      expect(external).toEqual([]); // no CDN, no validator badge: everything comes from the runner
    } finally {
      await browser.close();
    }
  });
});
