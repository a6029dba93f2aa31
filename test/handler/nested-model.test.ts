/**
 * Model-based property test of nested resources and range queries: random sequences of project and task writes,
 * deletes and listings (with range conditions on the table's sort key and on an index's, in both orders, paged with
 * small limits) against the handler on DynamoDB Local, checked against an in-memory model.
 *
 * The model: a task exists only under an existing project; creating under a missing project is a 404
 * parent-not-found; deleting a project with tasks is a 409 has-children; a listing returns exactly that project's
 * tasks that satisfy the condition, in key order (ids by the table's sort key; dues by the index's, ties in any
 * order), each exactly once across its pages.
 */
import * as fc from 'fast-check';
import { createTestApi, TestApi, TestResponse } from './support/api';

/** The slug of a problem response's type. */
const problemType = (r: TestResponse) => String(r.body?.type).split('/').pop();

const PROJECTS = ['p1', 'p2', 'p3'];
const TASKS = ['t1', 't2', 't3', 't4', 't5'];
const DUES = ['2026-01-01', '2026-01-02', '2026-01-10', '2026-02-01'];
const BOUNDS = [...DUES, '2026-01', '2026-01-05', '2025'];
const OPS = ['eq', 'gt', 'gte', 'lt', 'lte', 'begins', 'between'] as const;
type Op = typeof OPS[number];

type Cmd =
  | { kind: 'putProject'; p: string }
  | { kind: 'deleteProject'; p: string }
  | { kind: 'putTask'; p: string; t: string; due: string }
  | { kind: 'postTask'; p: string; due: string }
  | { kind: 'deleteTask'; p: string; t: string }
  | { kind: 'list'; p: string; on: 'id' | 'due' | 'none'; op: Op; a: string; b: string; order: 'asc' | 'desc'; limit: number };

const cmd: fc.Arbitrary<Cmd> = fc.oneof(
  fc.record({ kind: fc.constant('putProject' as const), p: fc.constantFrom(...PROJECTS) }),
  fc.record({ kind: fc.constant('deleteProject' as const), p: fc.constantFrom(...PROJECTS) }),
  fc.record({ kind: fc.constant('putTask' as const), p: fc.constantFrom(...PROJECTS), t: fc.constantFrom(...TASKS), due: fc.constantFrom(...DUES) }),
  fc.record({ kind: fc.constant('postTask' as const), p: fc.constantFrom(...PROJECTS), due: fc.constantFrom(...DUES) }),
  fc.record({ kind: fc.constant('deleteTask' as const), p: fc.constantFrom(...PROJECTS), t: fc.constantFrom(...TASKS) }),
  fc.record({
    kind: fc.constant('list' as const),
    p: fc.constantFrom(...PROJECTS),
    on: fc.constantFrom('id' as const, 'due' as const, 'none' as const),
    op: fc.constantFrom(...OPS),
    a: fc.constantFrom(...BOUNDS, 't2', 't4'),
    b: fc.constantFrom(...BOUNDS, 't3', 't5'),
    order: fc.constantFrom('asc' as const, 'desc' as const),
    limit: fc.integer({ min: 1, max: 3 }),
  }),
);

/** Whether a sort key value satisfies a condition, compared as DynamoDB compares strings (these are ASCII). */
function satisfies(v: string, op: Op, a: string, b: string): boolean {
  switch (op) {
    case 'eq': return v === a;
    case 'gt': return v > a;
    case 'gte': return v >= a;
    case 'lt': return v < a;
    case 'lte': return v <= a;
    case 'begins': return v.startsWith(a);
    case 'between': return v >= a && v <= b;
  }
}

describe('nested resources and range queries agree with a model', () => {
  let api: TestApi;
  let run = 0;
  beforeAll(async () => {
    api = await createTestApi({
      resources: [
        { name: 'projects', pathParameter: 'projectId' },
        { name: 'tasks', parent: 'projects', idGenerator: 'ulid', indexes: [{ indexName: 'byDue', sortKey: 'due' }] },
      ],
    });
  });
  afterAll(() => api.destroy());

  test('random sequences', async () => {
    await fc.assert(fc.asyncProperty(fc.array(cmd, { minLength: 5, maxLength: 30 }), async (cmds) => {
      // Each run in its own projects (fresh names), so runs never see each other's data.
      const prefix = `r${++run}-`;
      const model = new Map<string, Map<string, string>>();
      for (const c of cmds) {
        const p = prefix + c.p;
        const tasks = model.get(p);
        switch (c.kind) {
          case 'putProject': {
            const r = await api.call('PUT', `/projects/${p}`, { json: {} });
            expect(r.status).toBe(tasks ? 200 : 201);
            if (!tasks) model.set(p, new Map());
            break;
          }
          case 'deleteProject': {
            const r = await api.call('DELETE', `/projects/${p}`);
            if (!tasks) {expect(r.status).toBe(404);} else if (tasks.size > 0) {expect([r.status, problemType(r)]).toEqual([409, 'has-children']);} else {
              expect(r.status).toBe(204);
              model.delete(p);
            }
            break;
          }
          case 'putTask': {
            const r = await api.call('PUT', `/projects/${p}/tasks/${c.t}`, { json: { due: c.due } });
            if (!tasks) {
              expect([r.status, problemType(r)]).toEqual([404, 'parent-not-found']);
            } else {
              expect(r.status).toBe(tasks.has(c.t) ? 200 : 201);
              tasks.set(c.t, c.due);
            }
            break;
          }
          case 'postTask': {
            const r = await api.call('POST', `/projects/${p}/tasks`, { json: { due: c.due } });
            if (!tasks) {
              expect([r.status, problemType(r)]).toEqual([404, 'parent-not-found']);
            } else {
              expect(r.status).toBe(201);
              expect(r.body.projectId).toBe(p);
              tasks.set(r.body.id, c.due);
            }
            break;
          }
          case 'deleteTask': {
            const r = await api.call('DELETE', `/projects/${p}/tasks/${c.t}`);
            expect(r.status).toBe(tasks?.has(c.t) ? 204 : 404);
            tasks?.delete(c.t);
            break;
          }
          case 'list': {
            const params = [`limit=${c.limit}`, `order=${c.order}`];
            if (c.on !== 'none') {
              params.push(c.op === 'between' ? `${c.on}=gte.${c.a}&${c.on}=lte.${c.b}` : `${c.on}=${c.op}.${c.a}`);
            }
            const emptyRange = c.on !== 'none' && c.op === 'between' && c.a > c.b;
            const seen: { id: string; due: string }[] = [];
            let cursor: string | null = null;
            let pages = 0;
            do {
              const r = await api.call('GET', `/projects/${p}/tasks`, { query: [...params, ...(cursor ? [`cursor=${cursor}`] : [])].join('&') });
              if (emptyRange) {
                expect([r.status, problemType(r)]).toEqual([400, 'invalid-query']);
                break;
              }
              expect(r.status).toBe(200);
              expect(r.body.items.length).toBeLessThanOrEqual(c.limit);
              seen.push(...r.body.items.map((it: any) => ({ id: it.id, due: it.due })));
              cursor = r.body.nextCursor;
              expect(++pages).toBeLessThan(20);
            } while (cursor);
            if (emptyRange) break;
            const all = [...(tasks ?? new Map()).entries()].map(([id, due]) => ({ id, due }));
            const expected = all.filter((x) => c.on === 'none' || satisfies(c.on === 'id' ? x.id : x.due, c.op, c.a, c.b));
            // Each exactly once, and exactly the expected set.
            expect(seen.map((x) => x.id).sort()).toEqual(expected.map((x) => x.id).sort());
            expect(new Set(seen.map((x) => x.id)).size).toBe(seen.length);
            // In key order: ids for the table, dues for the index (ties in any order).
            const keyOf = (x: { id: string; due: string }) => (c.on === 'due' ? x.due : x.id);
            const keys = seen.map(keyOf);
            const sorted = [...keys].sort();
            expect(keys).toEqual(c.order === 'asc' ? sorted : sorted.reverse());
            for (const x of seen) expect(x.due).toBe(tasks!.get(x.id));
            break;
          }
        }
      }
    }), { numRuns: 30, endOnFailure: true });
  }, 240_000);
});
