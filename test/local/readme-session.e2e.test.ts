/**
 * The README's curl session, run as written: every `$ command` of the block between `<!-- readme-session:start -->`
 * and `<!-- readme-session:end -->` is run with bash and curl against the local runner serving the example app
 * (examples/todo-app, synthesized by the build before the tests), in order, on a fresh DynamoDB Local, and its output
 * must match the lines the README shows under it.
 *
 * Matching: timestamps (ISO 8601) are compared as "a timestamp"; `…` and `...` in the README stand for any text.
 * Ports: `localhost:3000` is the first API the runner prints, `localhost:3001` the second, and so on (the runner's
 * default ports), so the session runs on free ports here.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { OpenApiResponseChecker } from './support/openapi-responses';
import { Runner, startRunner } from './support/runner';

const ROOT = path.join(__dirname, '..', '..');
const ASSEMBLY = path.join(ROOT, 'examples', 'todo-app', 'cdk.out');

interface Step {
  readonly command: string;
  readonly expected: string;
  readonly line: number;
}

/** The session's commands and the output the README shows for each. */
export function readmeSession(markdown: string): Step[] {
  const lines = markdown.split('\n');
  const start = lines.findIndex((l) => l.trim() === '<!-- readme-session:start -->');
  const end = lines.findIndex((l, i) => i > start && l.trim() === '<!-- readme-session:end -->');
  if (start < 0 || end < 0) throw new Error('README.md has no <!-- readme-session:start --> … <!-- readme-session:end --> block');
  const steps: Step[] = [];
  let current: { command: string; out: string[]; line: number } | undefined;
  const flush = () => {
    if (current) steps.push({ command: current.command, expected: current.out.join('\n').trim(), line: current.line });
    current = undefined;
  };
  for (let i = start + 1; i < end; i++) {
    const l = lines[i];
    if (l.startsWith('```')) {
      flush();
    } else if (l.startsWith('$ ')) {
      flush();
      current = { command: l.slice(2), out: [], line: i + 1 };
    } else if (current && l.trim() !== '') {
      current.out.push(l);
    }
  }
  flush();
  return steps;
}

const TIMESTAMP = /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?Z/g;

/** Whether actual output fits what the README shows. */
export function fits(actual: string, expected: string): boolean {
  const norm = (s: string) => s.replace(TIMESTAMP, '<timestamp>').trim();
  const parts = norm(expected).split(/…|\.\.\./).map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(`^${parts.join('[\\s\\S]*?')}$`).test(norm(actual));
}

describe('the README session', () => {
  test('the matcher: timestamps and ellipses, nothing else', () => {
    expect(fits('{"a":1,"t":"2026-12-02T03:00:00.123Z"}', '{"a":1,"t":"2025-01-01T00:00:00.000Z"}')).toBe(true);
    expect(fits('{"id":"86efbd90-1234","x":2,"y":3}', '{"id":"86efbd90-…","x":2,...}')).toBe(true);
    expect(fits('{"a":2}', '{"a":1}')).toBe(false);
    expect(fits('{"a":1}\n{"b":2}', '{"a":1}')).toBe(false);
  });

  describe('runs as written against the runner', () => {
    let runner: Runner;
    let ports: string[];
    beforeAll(async () => {
      if (!fs.existsSync(path.join(ASSEMBLY, 'manifest.json'))) throw new Error(`${ASSEMBLY} is missing: run 'npx projen synth:example' first`);
      runner = await startRunner(['--assembly', ASSEMBLY, '--port', '0']);
      ports = Object.values(runner.urls).map((u) => new URL(u).port);
    }, 120_000);
    afterAll(() => runner?.stop());

    test('every command prints what the README says', () => {
      const steps = readmeSession(fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8'));
      expect(steps.length).toBeGreaterThan(10);
      // One shell for the whole session, as a reader types it: variables set by one command serve the next.
      const MARK = '@@readme-step-done@@';
      const script = steps.map((step) => {
        const command = step.command.replace(/localhost:30(\d\d)/g, (_m, n) => {
          const port = ports[Number(n)];
          if (!port) throw new Error(`README.md:${step.line} uses localhost:30${n}, but the runner serves ${ports.length} APIs`);
          return `localhost:${port}`;
        });
        return `${command}\nprintf '\\n${MARK}\\n'`;
      }).join('\n');
      const outputs = execFileSync('bash', ['-c', script], { encoding: 'utf8', timeout: 60_000 }).split(`\n${MARK}\n`);
      steps.forEach((step, i) => {
        const actual = outputs[i] ?? '';
        const where = `README.md:${step.line}: $ ${step.command}`;
        expect({ where, fits: fits(actual, step.expected), actual: actual.trim() }).toEqual({ where, fits: true, actual: actual.trim() });
      });
    });

    test("nested routes answer as the Shop API's OpenAPI document says, on every route and status", async () => {
      const shop = Object.entries(runner.urls).find(([name]) => name.endsWith('/Shop'))![1];
      const document = JSON.parse(fs.readFileSync(path.join(ASSEMBLY, 'TodoApp.Shop.openapi.json'), 'utf8'));
      const checker = new OpenApiResponseChecker([{ baseUrl: shop, document }]);
      const restore = checker.install();
      const json = (method: string, body: unknown, headers: Record<string, string> = {}) => ({
        method, headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body),
      });
      try {
        const p = `${shop}/projects/contract`;
        const created = await fetch(p, json('PUT', { name: 'Contract' })); // 201
        expect(created.status).toBe(201);
        await fetch(p, json('PUT', { name: 'Contract 2' })); // 200
        const task = await fetch(`${p}/tasks`, json('POST', { title: 'a', due: '2026-03-01' })); // 201
        const taskUrl = `${shop}${task.headers.get('location')}`;
        const etag = (await fetch(taskUrl)).headers.get('etag')!; // 200
        await fetch(taskUrl, { headers: { 'if-none-match': etag } }); // 304
        await fetch(taskUrl, json('PATCH', { title: 'b' }, { 'content-type': 'application/merge-patch+json', 'if-match': '"9.x"' })); // 412
        await fetch(taskUrl, json('PATCH', { title: 'b' }, { 'content-type': 'application/merge-patch+json' })); // 200
        await fetch(taskUrl, json('PUT', { title: '' })); // 422
        await fetch(`${p}/tasks/some-id`, json('PUT', { title: 'c', due: '2026-03-02' })); // 201
        await fetch(`${p}/tasks?due=between.x`); // 400
        await fetch(`${p}/tasks?due=gte.2026-03-01&order=desc&limit=1&fields=title`); // 200 with a cursor
        await fetch(`${shop}/projects/none/tasks`, json('POST', { title: 'x', due: '2026-03-01' })); // 404 parent-not-found
        await fetch(`${shop}/projects/none/tasks/x`); // 404
        await fetch(p, { method: 'DELETE' }); // 409 has-children
        await fetch(taskUrl, { method: 'DELETE' }); // 204
        await fetch(`${p}/tasks/some-id`, { method: 'DELETE' }); // 204
        await fetch(p, { method: 'DELETE' }); // 204
        await fetch(`${p}/tasks/x/nothing`); // unrouted: API Gateway's 404
      } finally {
        restore();
      }
      await checker.settle();
      expect(checker.mismatches).toEqual([]);
      const coverage = checker.coverage().map((c) => c.slice(shop.length + 1));
      for (const expected of [
        'PUT /projects/{projectId} 201', 'PUT /projects/{projectId} 200', 'DELETE /projects/{projectId} 409', 'DELETE /projects/{projectId} 204',
        'POST /projects/{projectId}/tasks 201', 'POST /projects/{projectId}/tasks 404', 'GET /projects/{projectId}/tasks 200',
        'GET /projects/{projectId}/tasks 400', 'GET /projects/{projectId}/tasks/{id} 200', 'GET /projects/{projectId}/tasks/{id} 304',
        'GET /projects/{projectId}/tasks/{id} 404', 'PATCH /projects/{projectId}/tasks/{id} 412', 'PATCH /projects/{projectId}/tasks/{id} 200',
        'PUT /projects/{projectId}/tasks/{id} 422', 'PUT /projects/{projectId}/tasks/{id} 201', 'DELETE /projects/{projectId}/tasks/{id} 204',
      ]) {
        expect(coverage).toContain(expected);
      }
    });

    test('change events: the example\'s OrderConfirmation subscriber receives orders.created soon after the order is created', async () => {
      const shop = Object.entries(runner.urls).find(([name]) => name.endsWith('/Shop'))![1];
      const created = await fetch(`${shop}/orders`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ total: 12 }) });
      expect(created.status).toBe(201);
      const { id } = await created.json() as { id: string };
      const delivered = new RegExp(`event orders\\.created /orders/${id} → OrderConfirmation\\w+ ✓ \\d+ ms`);
      const deadline = Date.now() + 10_000;
      while (!delivered.test(runner.output())) {
        if (Date.now() > deadline) throw new Error(`orders.created of ${id} did not reach OrderConfirmation within 10 s:\n${runner.output()}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    });
  });
});
