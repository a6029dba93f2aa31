/**
 * Model-based test of change events (issue #21, "Tests and figures"): random creates, PUTs, PATCHes and deletes by two
 * tenants, on nested and top-level resources, including writes that change nothing, delete leases (a parent's delete
 * refused for its children) and races (two writes of one item at once), through the real handler on DynamoDB Local.
 * The streams are then published as Lambda would: batches of random size through publishChanges into a sink that
 * refuses entries at random, each batch redelivered from the record it reports (ReportBatchItemFailures).
 *
 * The committed changes are known from the API's own answers: every committed write answers the item with its ETag
 * (`"<version>.<generation>"`), so each generation of each item has its whole version chain; a version whose shown
 * content equals the one before is a write that changed nothing. Required:
 * - after removing duplicates by `id`, the events are exactly the committed changes (created for version 1, updated
 *   for each version that changed something, deleted for each generation that is gone), item and previous as the API
 *   answered them;
 * - per item, in version order, generations never interleaved, deleted last;
 * - hidden attributes never appear; `tenant` is always the writer's on owner-scoped resources, absent on shared ones.
 */
import type { DynamoDBRecord } from 'aws-lambda';
import * as fc from 'fast-check';
import { createTestApi, TestApi, TestResponse } from './support/api';
import { eventSchemaCheck } from './support/event-schemas';
import { enableStream, readStream, writeMarker } from './support/stream-records';
import { PublisherSettings, publishChanges } from '../../src/handler/change-publisher';
import { ChangeCloudEvent, ChangeEventSink } from '../../src/shared/change-events';

const OWNERS = ['alice', 'bob'];
const PROJECTS = ['p1', 'p 2'];
const TASKS = ['t1', 't2'];
const NOTES = ['n1', 'n 2'];
const CONTENTS = [{}, { a: 1 }, { a: 2 }, { b: 'x', m: { k: 1 } }];
const PATCHES = [{}, { a: 1 }, { a: null }, { m: { k: 2 } }, { b: 'y' }];

type Write =
  | { kind: 'putProject' | 'deleteProject'; owner: string; p: string; content: object }
  | { kind: 'putTask' | 'patchTask' | 'deleteTask'; owner: string; p: string; t: string; content: object }
  | { kind: 'postTask'; owner: string; p: string; content: object }
  | { kind: 'putNote' | 'patchNote' | 'deleteNote'; owner: string; n: string; content: object };
type Cmd = Write | { kind: 'race'; a: Write; b: Write };

const owner = fc.constantFrom(...OWNERS);
const content = fc.constantFrom(...CONTENTS);
const patch = fc.constantFrom(...PATCHES);
const write: fc.Arbitrary<Write> = fc.oneof(
  fc.record({ kind: fc.constantFrom('putProject' as const, 'deleteProject' as const), owner, p: fc.constantFrom(...PROJECTS), content }),
  fc.record({ kind: fc.constantFrom('putTask' as const, 'deleteTask' as const), owner, p: fc.constantFrom(...PROJECTS), t: fc.constantFrom(...TASKS), content }),
  fc.record({ kind: fc.constant('patchTask' as const), owner, p: fc.constantFrom(...PROJECTS), t: fc.constantFrom(...TASKS), content: patch }),
  fc.record({ kind: fc.constant('postTask' as const), owner, p: fc.constantFrom(...PROJECTS), content }),
  fc.record({ kind: fc.constantFrom('putNote' as const, 'deleteNote' as const), owner, n: fc.constantFrom(...NOTES), content }),
  fc.record({ kind: fc.constant('patchNote' as const), owner, n: fc.constantFrom(...NOTES), content: patch }),
);
/** Two writes of one item at once (another kind of write of the same target), so they race on it. */
const race: fc.Arbitrary<Cmd> = fc.tuple(write, fc.nat(), content).map(([a, n, other]): Cmd => ({ kind: 'race', a, b: rival(a, n, other) }));
const cmd: fc.Arbitrary<Cmd> = fc.oneof({ weight: 5, arbitrary: write }, { weight: 1, arbitrary: race });

function rival(a: Write, n: number, other: object): Write {
  const pick = <T>(xs: readonly T[]) => xs[n % xs.length];
  switch (a.kind) {
    case 'putProject': case 'deleteProject': return { ...a, kind: pick(['putProject', 'deleteProject'] as const), content: other };
    case 'putTask': case 'patchTask': case 'deleteTask': return { ...a, kind: pick(['putTask', 'patchTask', 'deleteTask'] as const), content: other };
    case 'postTask': return { ...a, content: other };
    default: return { ...a, kind: pick(['putNote', 'patchNote', 'deleteNote'] as const), content: other };
  }
}

const enc = encodeURIComponent;
const HIDDEN = ['_generation', '_parent', '_deleting', '_scopeKey#', '_ownerKey#'];
const NOT_CHANGES = new Set(['version', 'createdAt', 'updatedAt']);

/** What the API answered for one item: its generations' version chains, its deletes. */
interface Answers {
  readonly tenant?: string;
  readonly subject: string;
  /** generation → version → the item as answered. */
  readonly generations: Map<string, Map<number, any>>;
  deletes: number;
}

describe('change events agree with the committed changes', () => {
  let api: TestApi;
  const arns: Record<string, string> = {};
  const seen = new Set<string>();
  let run = 0;
  beforeAll(async () => {
    api = await createTestApi({
      resources: [
        { name: 'projects', pathParameter: 'projectId', ownerScoping: { attribute: 'owner' } },
        { name: 'tasks', parent: 'projects', ownerScoping: { attribute: 'owner' }, idGenerator: 'ulid' },
        { name: 'notes' },
      ],
    });
    for (const r of ['projects', 'tasks', 'notes']) arns[r] = await enableStream(api.tables[r].tableName);
  });
  afterAll(() => api.destroy());

  /** What the runs exercised, summed (asserted below, so the test cannot quietly stop exercising them). */
  const exercised = { runs: 0, commands: 0, races: 0, noOps: 0, skipped: 0, duplicates: 0, refusedBatches: 0, events: 0 };

  test('random writes, races, refusals and redeliveries', async () => {
    await fc.assert(fc.asyncProperty(
      fc.array(cmd, { minLength: 5, maxLength: 25 }),
      // The seed of a Lehmer generator (mod 2^31 − 1): never 0 or a multiple of the modulus, which would stick at 0.
      fc.integer({ min: 1, max: 2 ** 31 - 2 }),
      async (cmds, seed) => {
        const prefix = `r${++run}`;
        const answers = new Map<string, Answers>();
        const record = (tenant: string | undefined, subject: string, r: TestResponse) => {
          const key = `${tenant ?? ''}|${subject}`;
          if (!answers.has(key)) answers.set(key, { ...(tenant !== undefined ? { tenant } : {}), subject, generations: new Map(), deletes: 0 });
          const a = answers.get(key)!;
          if (r.status === 204) a.deletes++;
          if (r.status !== 200 && r.status !== 201) return;
          const [, version, generation] = /^"(\d+)\.([^"]+)"$/.exec(r.headers.etag)!;
          if (!a.generations.has(generation)) a.generations.set(generation, new Map());
          a.generations.get(generation)!.set(Number(version), r.body);
        };
        const exec = async (w: Write) => {
          const p = `${prefix}${'p' in w ? w.p : ''}`;
          const as = { sub: w.owner };
          switch (w.kind) {
            case 'putProject': return record(w.owner, `/projects/${enc(p)}`, await api.call('PUT', `/projects/${enc(p)}`, { json: w.content, ...as }));
            case 'deleteProject': return record(w.owner, `/projects/${enc(p)}`, await api.call('DELETE', `/projects/${enc(p)}`, as));
            case 'putTask': case 'patchTask': case 'deleteTask': {
              const path = `/projects/${enc(p)}/tasks/${enc(w.t)}`;
              const method = w.kind === 'putTask' ? 'PUT' : w.kind === 'patchTask' ? 'PATCH' : 'DELETE';
              return record(w.owner, path, await api.call(method, path, { ...(method === 'DELETE' ? {} : { json: w.content }), ...as }));
            }
            case 'postTask': {
              const r = await api.call('POST', `/projects/${enc(p)}/tasks`, { json: w.content, ...as });
              if (r.status === 201) record(w.owner, `/projects/${enc(p)}/tasks/${enc(r.body.id)}`, r);
              return;
            }
            default: {
              const path = `/notes/${enc(`${prefix}${w.n}`)}`;
              const method = w.kind === 'putNote' ? 'PUT' : w.kind === 'patchNote' ? 'PATCH' : 'DELETE';
              return record(undefined, path, await api.call(method, path, { ...(method === 'DELETE' ? {} : { json: w.content }), ...as }));
            }
          }
        };
        // Both tenants' first project exists from the start, so most task writes land.
        const setup: Cmd[] = OWNERS.map((o) => ({ kind: 'putProject', owner: o, p: PROJECTS[0], content: {} }));
        for (const c of [...setup, ...cmds]) {
          if (c.kind === 'race') exercised.races++;
          if (c.kind === 'race') await Promise.all([exec(c.a), exec(c.b)]);
          else await exec(c);
        }
        // Which generation of each item is still there (the others were deleted).
        const live = new Map<string, string | undefined>();
        for (const [key, a] of answers) {
          const r = await api.call('GET', a.subject, { sub: a.tenant ?? 'alice' });
          live.set(key, r.status === 200 ? /\.([^"]+)"$/.exec(r.headers.etag)![1] : undefined);
        }

        // This run's items only (a run that failed part-way, while shrinking, leaves records behind).
        const mine = new RegExp(`^/(projects|notes)/${prefix}[pn]`);
        const observed = (await publishAsLambdaWould(prefix, seed)).filter((e) => mine.test(e.subject));
        const text = JSON.stringify(observed);
        for (const h of HIDDEN) expect(text).not.toContain(h);
        // Every event is what the AsyncAPI document promises.
        const check = eventSchemaCheck(api.config, 'model.api');
        expect(observed.flatMap(check)).toEqual([]);

        for (const [key, a] of answers) {
          const expected: [string, string, any, any, string[]][] = [];
          for (const [generation, chain] of a.generations) {
            const versions = [...chain.keys()].sort((x, y) => x - y);
            // Every committed version was answered by some request (sanity of the model itself).
            expect(versions).toEqual(versions.map((_, i) => i + 1));
            versions.forEach((v) => {
              const item = chain.get(v);
              const before = chain.get(v - 1);
              if (v === 1) expected.push(['created', `"1.${generation}"`, item, undefined, changedNames(item, {})]);
              else if (changedNames(item, before).length > 0) expected.push(['updated', `"${v}.${generation}"`, item, before, changedNames(item, before)]);
              else exercised.noOps++;
            });
            if (live.get(key) !== generation) {
              const last = versions.length;
              expected.push(['deleted', `"${last}.${generation}"`, undefined, chain.get(last), changedNames({}, chain.get(last))]);
            }
          }
          // The model's own check: one 204 per generation gone.
          expect(a.deletes).toBe([...a.generations.keys()].filter((g) => live.get(key) !== g).length);
          const events = observed.filter((e) => `${e.tenant ?? ''}|${e.subject}` === key);
          const tuples = events.map((e) => [e.type.split('.')[1], e.etag, e.data.item, e.data.previous, e.data.changed]);
          expect(sortTuples(tuples)).toEqual(sortTuples(expected));
          // Per item: one generation at a time, versions increasing, deleted last.
          const order = events.map((e) => ({ generation: /\.([^"]+)"$/.exec(e.etag)![1], version: e.version, type: e.type }));
          order.forEach((o, i) => {
            if (i === 0) return;
            const prev = order[i - 1];
            // A deleted event carries the version it deleted: the same as the event before it, at most.
            if (prev.generation === o.generation) expect(o.version).toBeGreaterThan(prev.version - (o.type.endsWith('.deleted') ? 1 : 0));
            else expect(prev.type.endsWith('.deleted')).toBe(true);
            expect(order.slice(0, i).some((x) => x.generation === o.generation) && prev.generation !== o.generation).toBe(false);
          });
        }
        // No event of an item nobody wrote: every observed event belongs to an answered item.
        expect(observed.every((e) => answers.has(`${e.tenant ?? ''}|${e.subject}`))).toBe(true);
        exercised.runs++;
        exercised.commands += cmds.length;
        exercised.events += observed.length;
      },
    ), { numRuns: 20 });
    expect(Object.values(exercised).every((count) => count > 0)).toBe(true);
    if (process.env.CHANGE_EVENTS_FIGURES) process.stdout.write(`change-events model test: ${JSON.stringify(exercised)}\n`);
    // ~15 s on an idle machine; room for a loaded CI runner.
  }, 120_000);

  /**
   * Every new record of the three streams, published as Lambda would: batches of random size (1–100), a sink that
   * refuses about a third of the entries, each batch delivered again from the record it reports. Returns the events in
   * the order first accepted, duplicates removed by id.
   */
  async function publishAsLambdaWould(prefix: string, seed: number): Promise<ChangeCloudEvent[]> {
    let state = seed;
    const random = () => ((state = (state * 48271) % 2147483647) / 2147483647);
    const accepted: ChangeCloudEvent[] = [];
    const sink: ChangeEventSink = {
      async putEvents(entries) {
        return entries.map((e) => {
          if (random() < 0.3) return { errorCode: 'ThrottlingException' };
          accepted.push(JSON.parse(e.Detail));
          return undefined;
        });
      },
    };
    for (const resource of ['projects', 'tasks', 'notes']) {
      // A marker written last (its key outside the run's items): once its record is read, so is every earlier one.
      const key: Record<string, string> = resource === 'projects' ? { owner: 'marker', id: `${prefix}-marker` }
        : resource === 'tasks' ? { _parent: 'marker', id: `${prefix}-marker` } : { id: `${prefix}-marker` };
      const marker = await writeMarker(api.tables[resource].tableName, key);
      const records = (await readStream(arns[resource], marker)).filter((r) => !seen.has(r.eventID!));
      records.forEach((r) => seen.add(r.eventID!));
      const settings: PublisherSettings = {
        config: api.config,
        resource,
        source: 'model.api',
        eventBusName: 'bus',
        log: () => undefined,
        retry: { maxAttempts: 2, baseDelayMs: 0, maxDelayMs: 0 },
        sleep: async () => undefined,
      };
      let at = 0;
      for (let invocations = 0; at < records.length; invocations++) {
        expect(invocations).toBeLessThan(2_000);
        const batch: DynamoDBRecord[] = records.slice(at, at + 1 + Math.floor(random() * 100));
        const result = await publishChanges(batch, settings, sink);
        exercised.skipped += result.skipped;
        if (result.batchItemFailures.length > 0) exercised.refusedBatches++;
        at = result.batchItemFailures.length === 0
          ? at + batch.length
          : records.findIndex((r) => r.dynamodb!.SequenceNumber === result.batchItemFailures[0].itemIdentifier);
        expect(at).toBeGreaterThanOrEqual(0);
      }
    }
    const ids = new Set<string>();
    const unique = accepted.filter((e) => !ids.has(e.id) && ids.add(e.id));
    exercised.duplicates += accepted.length - unique.length;
    return unique;
  }
});

/** Top-level names whose value differs (as the API shows them), without the managed version and timestamps. */
function changedNames(after: any, before: any): string[] {
  const names = new Set([...Object.keys(after), ...Object.keys(before)]);
  return [...names].filter((k) => !NOT_CHANGES.has(k) && JSON.stringify(after[k]) !== JSON.stringify(before[k])).sort();
}

function sortTuples(tuples: unknown[][]): string[] {
  return tuples.map((t) => JSON.stringify(t)).sort();
}
