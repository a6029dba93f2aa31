/**
 * End to end, `--watch` (issue #15): the bundled CLI serves a CDK app from its folder and follows its edits — only the
 * changed functions reloaded, new tables and indexes created, the data kept, a failed synth leaving the previous
 * version serving, and a request in flight during a reload finishing on the code it started on.
 * Bundled CLI (`npx projen bundle`), with a DynamoDB Local of its own (it must stay up, with its data, across reloads).
 */
import * as fs from 'fs';
import * as path from 'path';
import { CLI, Runner, startRunner } from './support/runner';

const REPO = path.join(__dirname, '..', '..');

interface AppVersion {
  /** What the custom function answers. */
  readonly slow: string;
  /** `maxLength` of the items' title. */
  readonly maxTitle: number;
  /** An index on `status` for items. */
  readonly statusIndex: boolean;
  /** A second resource, `tags`. */
  readonly tags: boolean;
  /** A syntax error in the app. */
  readonly broken?: boolean;
}

/**
 * A CDK app of two APIs: the built-in handler (items, optionally tags) and a custom handlerCode that answers its
 * version — with `?wait=<file>`, only once that file exists. Plain JavaScript run through ts-node's register hook, so
 * that it uses this repository's construct sources as they are now.
 */
function writeApp(dir: string, v: AppVersion): void {
  const slowDir = path.join(dir, 'slow');
  fs.mkdirSync(slowDir, { recursive: true });
  fs.writeFileSync(path.join(slowDir, 'index.js'), `
    const fs = require('fs');
    exports.handler = async (event) => {
      const wait = (event.queryStringParameters || {}).wait;
      while (wait && !fs.existsSync(wait)) await new Promise((r) => setTimeout(r, 20));
      return { statusCode: 200, headers: { 'content-type': 'text/plain' }, body: ${JSON.stringify(v.slow)} };
    };`);
  const lib = (m: string) => JSON.stringify(require.resolve(m, { paths: [REPO] }));
  fs.writeFileSync(path.join(dir, 'app.js'), `
    const { App, Duration, Stack } = require(${lib('aws-cdk-lib')});
    const lambda = require(${lib('aws-cdk-lib/aws-lambda')});
    const { ApiAuthorization, Operation, ServerlessCrudApi } = require(${JSON.stringify(path.join(REPO, 'src'))});
    ${v.broken ? 'this is not javascript;' : ''}
    const app = new App();
    const stack = new Stack(app, 'WatchE2E');
    new ServerlessCrudApi(stack, 'Api', {
      authorization: ApiAuthorization.none(),
      throttle: { rateLimit: 10000, burstLimit: 10000 },
      resources: [
        {
          name: 'items',
          schema: { type: 'object', properties: { title: { type: 'string', maxLength: ${v.maxTitle} }, status: { type: 'string' } } },
          indexes: ${v.statusIndex ? "[{ partitionKey: 'status' }]" : '[]'},
        },
        ${v.tags ? "{ name: 'tags', operations: [Operation.CREATE, Operation.READ, Operation.LIST] }," : ''}
      ],
    });
    new ServerlessCrudApi(stack, 'Slow', {
      resourceName: 'slow',
      authorization: ApiAuthorization.none(),
      operations: [Operation.LIST],
      handlerCode: lambda.Code.fromAsset(${JSON.stringify(slowDir)}),
      timeout: Duration.seconds(30),
      throttle: { rateLimit: 10000, burstLimit: 10000 },
    });
    app.synth();
  `);
}

/** Waits until `cond()` holds, polling; fails with the runner's output after `ms`. */
async function eventually(runner: Runner, what: string, cond: () => boolean | Promise<boolean>, ms = 80_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; runner output:\n${runner.output()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('local runner --watch', () => {
  // Inside the repository, so that ts-node finds its compiler settings; removed afterwards.
  const dir = fs.mkdtempSync(path.join(REPO, 'test', 'local', '.watch-app-'));
  let runner: Runner;
  let api: string;
  let slow: string;
  /** Waits for a line matching `re` in the output after `mark`; returns that part of the output. */
  const waitForLine = async (mark: number, re: RegExp): Promise<string> => {
    await eventually(runner, String(re), () => re.test(runner.output().slice(mark)));
    return runner.output().slice(mark);
  };

  beforeAll(async () => {
    expect(fs.existsSync(CLI)).toBe(true); // built by `npx projen bundle` (pre-compile)
    writeApp(dir, { slow: 'v1', maxTitle: 5, statusIndex: false, tags: false });
    const register = require.resolve('ts-node/register/transpile-only', { paths: [REPO] });
    fs.writeFileSync(path.join(dir, 'cdk.json'), JSON.stringify({ app: `${JSON.stringify(process.execPath)} -r ${JSON.stringify(register)} app.js` }));
    // Its own DynamoDB Local, as a developer runs it (and apart from the other suites' busy one: DynamoDB Local can take
    // half a minute to build an index on an existing table while other suites load it).
    runner = await startRunner(['--app-dir', dir, '--watch', '--port', '0']);
    ({ 'WatchE2E/Api': api, 'WatchE2E/Slow': slow } = runner.urls);
    expect([api, slow].every(Boolean)).toBe(true);
  }, 90_000);

  afterAll(async () => {
    await runner?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** The pid of the kept synth process the start-up synthesized in (`node -r <ts-node register> app.js` is run there). */
  let synthPid: string;

  test('--help and the start-up output say it watches', () => {
    expect(runner.output()).toMatch(/Watching .*\.watch-app-\w+ for changes\. Ctrl-C to stop\./);
  });

  test('the app is synthesized in a kept synth process, from start-up on', () => {
    synthPid = /synthesized .* in the kept synth process \(pid (\d+)\)/.exec(runner.output())?.[1] ?? '';
    expect(synthPid).toMatch(/^\d+$/);
    expect(() => process.kill(Number(synthPid), 0)).not.toThrow(); // still running, for the next edit
  });

  test('an edit to one function\'s code reloads that function only; a request in flight finishes on the old code', async () => {
    const item = await fetch(`${api}/items`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ title: 'abc' }) });
    expect(item.status).toBe(201);
    expect(await (await fetch(`${slow}/slow`)).text()).toBe('v1');

    // Started before the edit, held until the reload is done: answered by v1.
    const release = path.join(dir, '..', `${path.basename(dir)}.release`);
    const inFlight = fetch(`${slow}/slow?wait=${encodeURIComponent(release)}`).then((r) => r.text());
    await new Promise((r) => setTimeout(r, 300));
    const mark = runner.output().length;
    writeApp(dir, { slow: 'v2', maxTitle: 5, statusIndex: false, tags: false });
    const lines = await waitForLine(mark, /^watch: ✓ /m);
    expect(await (await fetch(`${slow}/slow`)).text()).toBe('v2');
    fs.writeFileSync(release, '');
    expect(await inFlight).toBe('v1');
    fs.rmSync(release);

    // One line per reloaded function, with its time, then the summary; none of the built-in API's functions.
    expect(lines).toMatch(/^watch: ↻ WatchE2E\/Slow SlowDefaultResourceListFunction\w+: reloaded \([\d.]+ (ms|s)\)$/m);
    expect(lines).toMatch(/^watch: ✓ 1 change applied in [\d.]+ (ms|s) \(synth [\d.]+ s\)$/m);
    expect(lines).not.toMatch(/WatchE2E\/Api/);
    // The edit was synthesized by the same kept process (no new Node, ts-node, aws-cdk-lib load).
    expect(lines).toMatch(new RegExp(`synthesized .* in the kept synth process \\(pid ${synthPid}\\)`));
    // The data is still there (and the runner did not restart: same URLs).
    expect((await fetch(`${api}/items/${((await item.json()) as { id: string }).id}`)).status).toBe(200);
  }, 60_000);

  test('a new resource and a new index: tables and index created, routes served, earlier items kept', async () => {
    const mark = runner.output().length;
    const created = await fetch(`${api}/items`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ title: 'kept', status: 'open' }) });
    expect(created.status).toBe(201);
    const id = ((await created.json()) as { id: string }).id;
    expect((await fetch(`${api}/tags`)).status).toBe(404);

    writeApp(dir, { slow: 'v2', maxTitle: 50, statusIndex: true, tags: true });
    const lines = await waitForLine(mark, /^watch: \+ WatchE2E\/Api route POST \/tags[^]*^watch: ✓ /m);
    expect(lines).toMatch(/^watch: \+ table WatchE2E-ApitagsTable\w+: created \([\d.]+ (ms|s)\)$/m);
    expect(lines).toMatch(/^watch: \+ table WatchE2E-ApiitemsTable\w+: index \w+ added \([\d.]+ (ms|s)\)$/m);
    expect(lines).toMatch(/^watch: \+ WatchE2E\/Api route POST \/tags$/m);
    expect(lines).toMatch(/^watch: ↻ WatchE2E\/Api \w+: reloaded \([\d.]+ (ms|s)\)$/m);

    // The new schema (maxLength 50) is served, the new resource works, the index answers, the old item is there.
    const long = await fetch(`${api}/items`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ title: 'longer than five', status: 'open' }) });
    expect(long.status).toBe(201);
    expect((await fetch(`${api}/tags`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })).status).toBe(201);
    const open = await fetch(`${api}/items?status=open`);
    expect(open.status).toBe(200);
    expect(((await open.json()) as { items: { id: string }[] }).items.map((i) => i.id)).toContain(id);
    expect((await fetch(`${api}/items/${id}`)).status).toBe(200);
  }, 120_000);

  test('a synth that fails prints its error and keeps the previous version serving', async () => {
    const mark = runner.output().length;
    writeApp(dir, { slow: 'v3', maxTitle: 50, statusIndex: true, tags: true, broken: true });
    const lines = await waitForLine(mark, /^watch: ✗ [^]*SyntaxError/m);
    expect(lines).toMatch(/^watch: ✗ synth failed after [\d.]+ (ms|s); still serving the previous version:/m);
    expect(lines).toMatch(/failed \(in the kept synth process\):\n[^]*SyntaxError/);
    expect(await (await fetch(`${slow}/slow`)).text()).toBe('v2');
    expect((await fetch(`${api}/tags`)).status).toBe(200);

    // Fixed: served again.
    const fixed = runner.output().length;
    writeApp(dir, { slow: 'v3', maxTitle: 50, statusIndex: true, tags: true });
    const after = await waitForLine(fixed, /^watch: ✓ /m);
    expect(await (await fetch(`${slow}/slow`)).text()).toBe('v3');
    // The app's error did not cost the kept process.
    expect(after).toMatch(new RegExp(`synthesized .* in the kept synth process \\(pid ${synthPid}\\)`));
  }, 60_000);
});
