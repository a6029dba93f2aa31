/**
 * End to end, change events in the local runner (issue #21): the bundled CLI reads the tables' streams of an app with
 * `changeEvents: ChangeEvents.toEventBus()`, runs the publisher over them and delivers each event to the subscribers of
 * `addSubscriber` (matched by their rules' patterns) and to `GET /_events`. Then the kill test: the runner, with
 * --persist, is SIGKILLed while writes go on, started again, and every committed change still arrives.
 * Bundled CLI (`npx projen bundle`); the app synthesized once; the runner's own DynamoDB Local (started twice).
 */
import * as fs from 'fs';
import * as path from 'path';
import { openFeed, readReceived, Received, synthChangeEventsApp, waitFor } from './support/change-events-app';
import { CLI, rawRequest, Runner, startRunner } from './support/runner';

const REPO = path.join(__dirname, '..', '..');
const API = 'EventsE2E/Shop';
/** Bound on write → event at a subscriber, on a loaded CI machine (the benchmark measures the real figure). */
const DELIVERY_BOUND_MS = 10_000;

const json = (body: unknown) => ({ headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

describe('local runner: change events', () => {
  const dir = fs.mkdtempSync(path.join(REPO, 'test', 'local', '.change-events-app-'));
  const receivedFile = path.join(dir, 'received.jsonl');
  const persist = path.join(dir, 'data');
  let args: string[];
  let runner: Runner;
  let url: string;
  const received = (subscriber?: string): Received[] => readReceived(receivedFile).filter((r) => !subscriber || r.subscriber === subscriber);

  beforeAll(async () => {
    expect(fs.existsSync(CLI)).toBe(true);
    const assembly = synthChangeEventsApp(dir, receivedFile);
    args = ['--assembly', assembly, '--port', '0', '--persist', persist];
    runner = await startRunner(args);
    url = runner.urls[API];
    expect(url).toBeDefined();
  }, 120_000);

  afterAll(async () => {
    await runner?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('start-up names the feed, the bus and the subscribers it runs', () => {
    const out = runner.output();
    expect(out).toContain(`events ${url}/_events`);
    expect(out).toMatch(/events \/orders \/projects \/tasks → bus ShopEventBus\w+ \(source shop\.e2e\): ShopSubscribersOnOrderCreatedRule\w+ → Created\w+, ShopSubscribersOnEverythingRule\w+ → Everything\w+/);
  });

  test('a subscriber receives orders.created soon after the POST, as EventBridge delivers it; /_events shows the same event', async () => {
    const feed = openFeed(`${url}/_events`);
    try {
      expect(await feed.status).toEqual({ status: 200, contentType: 'text/event-stream; charset=utf-8' });
      const res = await fetch(`${url}/orders`, { method: 'POST', ...json({ id: 'e2e-1', total: 3 }) });
      expect(res.status).toBe(201);
      const tookMs = await waitFor('orders.created at the Created subscriber',
        () => received('Created').some((r) => r.event.detail.subject === '/orders/e2e-1'), DELIVERY_BOUND_MS, runner.output);
      const { event } = received('Created').find((r) => r.event.detail.subject === '/orders/e2e-1')!;
      expect(event).toEqual({
        'version': '0',
        'id': expect.stringMatching(/^[0-9a-f-]{36}$/),
        'detail-type': 'orders.created',
        'source': 'shop.e2e',
        'account': '123456789012',
        'time': expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
        'region': 'us-east-1',
        'resources': [],
        'detail': expect.objectContaining({
          specversion: '1.0',
          type: 'orders.created',
          source: 'shop.e2e',
          subject: '/orders/e2e-1',
          version: 1,
          data: expect.objectContaining({ item: expect.objectContaining({ id: 'e2e-1', total: 3, version: 1 }) }),
        }),
      });
      // The catch-all subscriber got the same event; the feed too, as one SSE message.
      await waitFor('the event on both subscribers and the feed', () => received('Everything').some((r) => r.event.id === event.id)
        && feed.frames.some((f) => f.data?.id === event.id), DELIVERY_BOUND_MS);
      expect(feed.frames.find((f) => f.data.id === event.id)).toEqual({ id: event.detail.id, event: 'orders.created', data: event });
      // One line per event, once every subscriber has it.
      await waitFor('the event\'s line', () => /event orders\.created \/orders\/e2e-1 → Created\w+ ✓, Everything\w+ ✓ \d+ ms/.test(runner.output()), DELIVERY_BOUND_MS);
      console.log(`write → event at the subscriber: ${tookMs} ms (after the 201)`);
    } finally {
      feed.close();
    }
  });

  test('rules decide who gets what; a failing subscriber is retried, given up, and the stream goes on', async () => {
    expect((await fetch(`${url}/orders/e2e-1`, { method: 'PATCH', ...json({ total: 4 }) })).status).toBe(200);
    expect((await fetch(`${url}/orders`, { method: 'POST', ...json({ id: 'refused', total: 1 }) })).status).toBe(201);
    expect((await fetch(`${url}/orders`, { method: 'POST', ...json({ id: 'e2e-2', total: 1 }) })).status).toBe(201);
    await waitFor('e2e-2 at the Created subscriber', () => received('Created').some((r) => r.event.detail.subject === '/orders/e2e-2'), DELIVERY_BOUND_MS, runner.output);
    await waitFor('four events at Everything', () => received('Everything').length === 4, DELIVERY_BOUND_MS, runner.output);
    // `Created` matches orders.created only; `Everything` every event of the API.
    expect(received('Created').map((r) => r.event['detail-type'])).toEqual(['orders.created', 'orders.created']);
    // (EventBridge keeps no order across items; the publisher keeps it per item.)
    expect(received('Everything').map((r) => `${r.event['detail-type']} ${r.event.detail.subject}`).sort())
      .toEqual(['orders.created /orders/e2e-1', 'orders.created /orders/e2e-2', 'orders.created /orders/refused', 'orders.updated /orders/e2e-1']);
    // The refusing subscriber: Lambda's two asynchronous retries, then given up (its rule's dead-letter queue in AWS).
    await waitFor('the refused event\'s line', () => /event orders\.created \/orders\/refused/.test(runner.output()), DELIVERY_BOUND_MS);
    const out = runner.output();
    expect(out).toMatch(/\[Created\w+\] orders\.created \S+: Error: refused on purpose \(attempt 1 of 3\)/);
    expect(out).toMatch(/\[Created\w+\] orders\.created \S+: Error: refused on purpose \(attempt 3 of 3; given up: in AWS it would go to \w+\)/);
    expect(out).toMatch(/event orders\.created \/orders\/refused → Created\w+ ✗, Everything\w+ ✓/);
  });

  test('/_events answers only the hosts the runner serves', async () => {
    const res = await rawRequest(`${url}/_events`, { headers: { host: 'rebind.attacker.example' } });
    expect(res.status).toBe(403);
  });

  test('kill: SIGKILL under writes with --persist, then a restart: every committed change arrives, in order per item', async () => {
    const acknowledged: { subject: string; version: number }[] = [];
    let writing = true;
    const loop = async (c: number) => {
      for (let n = 0; writing; n++) {
        const id = `k-${c}-${n}`;
        try {
          const created = await fetch(`${url}/orders`, { method: 'POST', ...json({ id, total: n }) });
          if (created.status !== 201) continue;
          acknowledged.push({ subject: `/orders/${id}`, version: 1 });
          const patched = await fetch(`${url}/orders/${id}`, { method: 'PATCH', ...json({ total: n + 1 }) });
          if (patched.status === 200) acknowledged.push({ subject: `/orders/${id}`, version: 2 });
        } catch {
          // the runner is gone: refused connections until the writers stop
        }
      }
    };
    const writers = Promise.all([0, 1, 2, 3].map(loop));
    await waitFor('writes under way', () => acknowledged.length >= 60, 30_000);
    const ddbPid = Number(/\(pid (\d+)\)/.exec(runner.output())![1]);
    runner.child.kill('SIGKILL');
    await runner.exited;
    writing = false;
    await writers;
    const beforeKill = acknowledged.length;
    const deliveredBeforeKill = new Set(received('Everything').map((r) => r.event.detail.id)).size;
    // Killed mid-stream: committed changes were still to be delivered.
    expect(deliveredBeforeKill).toBeLessThan(beforeKill);
    // The runner's DynamoDB Local goes with it (its watchdog): the data folder is free before the restart.
    await waitFor('DynamoDB Local gone', () => { try { process.kill(ddbPid, 0); return false; } catch { return true; } }, 10_000);

    runner = await startRunner(args);
    url = runner.urls[API];
    for (const id of ['after-1', 'after-2']) {
      expect((await fetch(`${url}/orders`, { method: 'POST', ...json({ id, total: 1 }) })).status).toBe(201);
      acknowledged.push({ subject: `/orders/${id}`, version: 1 });
    }
    const key = (subject: string, version: number) => `${subject} v${version}`;
    const expected = new Set(acknowledged.map((a) => key(a.subject, a.version)));
    const arrived = () => new Set(received('Everything').map((r) => key(r.event.detail.subject, r.event.detail.version)));
    await waitFor('every acknowledged change at the subscriber', () => [...expected].every((k) => arrived().has(k)), 60_000,
      () => `missing: ${[...expected].filter((k) => !arrived().has(k)).slice(0, 10).join(', ')}\n${runner.output()}`);

    await runner.stop();
    const all = received('Everything');
    const firstSeen = new Map<string, Received>();
    for (const r of all) if (!firstSeen.has(r.event.detail.id)) firstSeen.set(r.event.detail.id, r);
    const duplicates = all.length - firstSeen.size;
    // Per item, the versions in the order first delivered never go back.
    let orderViolations = 0;
    const lastVersion = new Map<string, number>();
    for (const r of firstSeen.values()) {
      const { subject, version } = r.event.detail;
      if ((lastVersion.get(subject) ?? 0) > version) orderViolations++;
      lastVersion.set(subject, Math.max(version, lastVersion.get(subject) ?? 0));
    }
    const counted = Number(/(\d+) possible duplicates after a restart/.exec(runner.output())?.[1]);
    console.log(`kill test: ${beforeKill} changes acknowledged before the kill (${deliveredBeforeKill} events delivered by then), ` +
      `${expected.size} in all, 0 lost, ${duplicates} duplicates (the runner counted ${counted} possible), ${orderViolations} order violations`);
    expect(orderViolations).toBe(0);
    // Every duplicate is one the runner announced (records of the batch in flight at the kill).
    expect(duplicates).toBeLessThanOrEqual(counted);
  }, 180_000);
});
