/**
 * publishChanges with a recording sink: chunking (10 entries, EventBridge's byte limit), per-item stream order under
 * partial failures, bounded retries, the ReportBatchItemFailures value, the log lines. No DynamoDB here (see
 * change-publisher-e2e.test.ts and change-publisher-model.test.ts).
 */
import type { DynamoDBRecord } from 'aws-lambda';
import * as fc from 'fast-check';
import { lambdaRecord } from './support/stream-records';
import { chunk, PublisherSettings, publishChanges } from '../../src/handler/change-publisher';
import { parseConfig } from '../../src/handler/load-config';
import { ChangeEventEntry, ChangeEventSink, MAX_EVENT_ENTRY_BYTES, PutEntryFailure } from '../../src/shared/change-events';
import { ALL_OPERATIONS, CONFIG_VERSION } from '../../src/shared/config';

const config = parseConfig({
  version: CONFIG_VERSION,
  resources: [{ name: 'items', idAttribute: 'id', operations: [...ALL_OPERATIONS], indexes: [], defaultPageSize: 25, maxPageSize: 100, idempotencyTtlSeconds: 86400 }],
}, 'test');

/** A sink that records every PutEvents request and answers as `decide` says (throwing fails the request). */
class RecordingSink implements ChangeEventSink {
  public readonly calls: ChangeEventEntry[][] = [];
  constructor(private readonly decide: (entry: ChangeEventEntry, call: number) => PutEntryFailure | undefined | 'throw' = () => undefined) {}
  public async putEvents(entries: readonly ChangeEventEntry[]) {
    const call = this.calls.push([...entries]) - 1;
    const out = entries.map((e) => this.decide(e, call));
    if (out.includes('throw')) throw Object.assign(new Error('socket hang up'), { name: 'TimeoutError' });
    return out as (PutEntryFailure | undefined)[];
  }
  /** The entries accepted, in the order they were accepted. */
  public accepted(): ChangeEventEntry[] {
    return this.calls.flatMap((entries, call) => entries.filter((e) => this.decide(e, call) === undefined));
  }
}

const detail = (e: ChangeEventEntry) => JSON.parse(e.Detail);
const subjectOf = (e: ChangeEventEntry) => detail(e).subject as string;

function settings(overrides: Partial<PublisherSettings> = {}): PublisherSettings & { lines: any[]; sleeps: number[] } {
  const lines: any[] = [];
  const sleeps: number[] = [];
  return {
    config,
    resource: 'items',
    source: 'test.api',
    eventBusName: 'bus',
    log: (line) => lines.push(JSON.parse(line)),
    sleep: async (ms) => { sleeps.push(ms); },
    random: () => 0.5,
    ...overrides,
    lines,
    sleeps,
  };
}

/** Version `v` of item `id` (v = 1: created, else updated from v − 1). */
function write(id: string, v: number, extra: Record<string, unknown> = {}): DynamoDBRecord {
  const item = (n: number) => ({ id, n, version: n, createdAt: 't', updatedAt: `t${n}`, ...extra });
  return v === 1
    ? lambdaRecord({ eventName: 'INSERT', keys: { id }, newItem: item(1) })
    : lambdaRecord({ eventName: 'MODIFY', keys: { id }, oldItem: item(v - 1), newItem: item(v) });
}

const seq = (r: DynamoDBRecord) => r.dynamodb!.SequenceNumber!;

describe('chunking', () => {
  test('25 events of 25 items: PutEvents of 10, 10 and 5 entries, all published, nothing to retry', async () => {
    const sink = new RecordingSink();
    const records = Array.from({ length: 25 }, (_, i) => write(`i${i}`, 1));
    const s = settings();
    const result = await publishChanges(records, s, sink);
    expect(sink.calls.map((c) => c.length)).toEqual([10, 10, 5]);
    expect(result).toEqual({ batchItemFailures: [], published: 25, skipped: 0, truncated: 0, failed: 0 });
    expect(sink.calls.flat().map(subjectOf)).toEqual(records.map((_, i) => `/items/i${i}`));
    expect(sink.calls.flat().every((e) => e.EventBusName === 'bus' && e.Source === 'test.api' && e.DetailType === 'items.created')).toBe(true);
  });

  test('requests stay under EventBridge\'s byte limit: entries totalling 256 KiB − 1 share one; 256 KiB do not', () => {
    const sized = (size: number) => ({ sized: { size } });
    const a = MAX_EVENT_ENTRY_BYTES / 2;
    expect(chunk([sized(a), sized(a - 1)]).map((c) => c.length)).toEqual([2]);
    expect(chunk([sized(a), sized(a)]).map((c) => c.length)).toEqual([1, 1]);
    expect(chunk([sized(MAX_EVENT_ENTRY_BYTES - 1), sized(1), sized(1)]).map((c) => c.length)).toEqual([1, 2]);
    expect(chunk(Array.from({ length: 11 }, () => sized(1))).map((c) => c.length)).toEqual([10, 1]);
  });

  test('large items: each request holds what fits (100 KB entries go two by two)', async () => {
    const sink = new RecordingSink();
    const records = Array.from({ length: 5 }, (_, i) => write(`big${i}`, 1, { pad: 'x'.repeat(100_000) }));
    const result = await publishChanges(records, settings(), sink);
    expect(sink.calls.map((c) => c.length)).toEqual([2, 2, 1]);
    expect(result.published).toBe(5);
  });
});

describe('per-item order, retries, batchItemFailures', () => {
  test('an item\'s next event is put only after its previous one was accepted, even when that took retries', async () => {
    let failuresLeft = 2;
    const sink = new RecordingSink((e) => (subjectOf(e) === '/items/a' && detail(e).version === 1 && failuresLeft-- > 0
      ? { errorCode: 'ThrottlingException' } : undefined));
    const records = [write('a', 1), write('b', 1), write('a', 2), write('b', 2), write('a', 3)];
    const s = settings();
    const result = await publishChanges(records, s, sink);
    expect(result).toMatchObject({ batchItemFailures: [], published: 5, failed: 0 });
    // Never two events of one item in one request.
    for (const call of sink.calls) expect(new Set(call.map(subjectOf)).size).toBe(call.length);
    // a's versions were each put only after the previous one was accepted: a1 was refused twice, so a2 came after.
    const putsOfA = sink.calls.flat().filter((e) => subjectOf(e) === '/items/a').map((e) => detail(e).version);
    expect(putsOfA).toEqual([1, 1, 1, 2, 3]);
    expect(s.sleeps).toEqual([50, 100]);
  });

  test('an entry refused after the bounded retries: batchItemFailures names the earliest unpublished record; its item\'s later events wait; other items go on', async () => {
    const sink = new RecordingSink((e) => (subjectOf(e) === '/items/a' && detail(e).version === 2 ? { errorCode: 'InternalException', errorMessage: 'oops' } : undefined));
    const records = [write('a', 1), write('b', 1), write('a', 2), write('b', 2), write('a', 3), write('c', 1)];
    const s = settings();
    const result = await publishChanges(records, s, sink);
    expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: seq(records[2]) }], published: 4, skipped: 0, truncated: 0, failed: 1 });
    const puts = sink.calls.flat().map((e) => `${subjectOf(e)}@${detail(e).version}`);
    expect(puts.filter((p) => p === '/items/a@2')).toHaveLength(4);
    expect(puts).not.toContain('/items/a@3');
    expect(sink.accepted().map((e) => `${subjectOf(e)}@${detail(e).version}`).sort()).toEqual(['/items/a@1', '/items/b@1', '/items/b@2', '/items/c@1']);
    const error = s.lines.find((l) => l.level === 'ERROR');
    expect(error).toMatchObject({ message: 'change event not published', reason: 'put-failed', errorCode: 'InternalException', errorMessage: 'oops', attempts: 4, sequenceNumber: seq(records[2]) });
    expect(s.lines.at(-1)).toMatchObject({ level: 'WARN', message: 'change events', records: 6, published: 4, failed: 1, deferred: 1, retryFrom: seq(records[2]) });
  });

  test('an error another attempt cannot fix (MalformedDetail) is not retried', async () => {
    const sink = new RecordingSink((e) => (subjectOf(e) === '/items/a' ? { errorCode: 'MalformedDetail' } : undefined));
    const result = await publishChanges([write('b', 1), write('a', 1)], settings(), sink);
    expect(sink.calls.flat().filter((e) => subjectOf(e) === '/items/a')).toHaveLength(1);
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: expect.any(String) }]);
    expect(result.published).toBe(1);
  });

  test('a request that fails as a whole (timeout) is retried entry by entry', async () => {
    const sink = new RecordingSink((_, call) => (call === 0 ? 'throw' : undefined));
    const records = [write('a', 1), write('b', 1)];
    const result = await publishChanges(records, settings(), sink);
    expect(sink.calls.map((c) => c.length)).toEqual([2, 2]);
    expect(result).toMatchObject({ batchItemFailures: [], published: 2 });
  });

  test('records that publish nothing are skipped and block nothing; the batch log line counts everything', async () => {
    const noop = lambdaRecord({ eventName: 'MODIFY', keys: { id: 'a' }, oldItem: { id: 'a', version: 1 }, newItem: { id: 'a', version: 2 } });
    const sink = new RecordingSink();
    const s = settings();
    const result = await publishChanges([write('a', 1), noop, write('b', 1)], s, sink);
    expect(result).toEqual({ batchItemFailures: [], published: 2, skipped: 1, truncated: 0, failed: 0 });
    expect(s.lines).toEqual([expect.objectContaining({
      level: 'INFO', message: 'change events', resource: 'items', records: 3, published: 2, skipped: 1, truncated: 0, failed: 0, deferred: 0, putCalls: 1, retries: 0,
    })]);
  });

  test('with metrics in the config, the batch line is Embedded Metric Format: published, failed, truncated, skipped per Api and Resource', async () => {
    const s = settings({ config: { ...config, metrics: { api: 'Shop/Api' } } });
    const sink = new RecordingSink((e) => (subjectOf(e) === '/items/b' ? { errorCode: 'MalformedDetail' } : undefined));
    const noop = lambdaRecord({ eventName: 'MODIFY', keys: { id: 'c' }, oldItem: { id: 'c', version: 1 }, newItem: { id: 'c', version: 2 } });
    await publishChanges([write('a', 1), write('b', 1), noop], s, sink);
    const line = s.lines.at(-1);
    expect(line).toMatchObject({
      Api: 'Shop/Api', Resource: 'items', ChangeEventsPublished: 1, ChangeEventsFailed: 1, ChangeEventsTruncated: 0, ChangeEventsSkipped: 1,
    });
    expect(line._aws.CloudWatchMetrics).toEqual([{
      Namespace: 'ServerlessCrudApi',
      Dimensions: [['Api', 'Resource']],
      Metrics: ['ChangeEventsPublished', 'ChangeEventsFailed', 'ChangeEventsTruncated', 'ChangeEventsSkipped'].map((Name) => ({ Name, Unit: 'Count' })),
    }]);
    expect(typeof line._aws.Timestamp).toBe('number');
  });

  test('a record that cannot be published (wrong view type) is reported, with an ERROR line naming why; other items go on', async () => {
    const bad = lambdaRecord({ eventName: 'MODIFY', keys: { id: 'a' }, newItem: { id: 'a' }, viewType: 'NEW_IMAGE' });
    const records = [write('b', 1), bad, write('a', 2), write('c', 1)];
    const s = settings();
    const sink = new RecordingSink();
    const result = await publishChanges(records, s, sink);
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: seq(bad) }]);
    expect(sink.calls.flat().map(subjectOf)).toEqual(['/items/b', '/items/c']);
    expect(s.lines[0]).toMatchObject({ level: 'ERROR', reason: 'invalid-record', detail: expect.stringMatching(/NEW_AND_OLD_IMAGES/) });
  });

  test('an oversize item is sent truncated (never blocks its shard) and logged as such', async () => {
    const s = settings();
    const sink = new RecordingSink();
    const result = await publishChanges([write('a', 1, { pad: 'x'.repeat(MAX_EVENT_ENTRY_BYTES) })], s, sink);
    expect(result).toMatchObject({ batchItemFailures: [], published: 1, truncated: 1 });
    expect(detail(sink.calls[0][0]).data).toEqual({ item: { id: 'a' }, changed: ['id', 'n', 'pad'], truncated: true });
    expect(s.lines[0]).toMatchObject({ level: 'WARN', message: 'change event truncated', truncation: 2 });
  });

  test('with too little of the invocation left, nothing more is put: the rest is delivered again', async () => {
    const sink = new RecordingSink((e) => (subjectOf(e) === '/items/a' && detail(e).version === 1 ? { errorCode: 'ThrottlingException' } : undefined));
    const records = [write('a', 1), write('b', 1), write('a', 2)];
    // 60 s left at the start, 9.999 s once the first round is done: under the 10 s reserve.
    const left = [60_000, 60_000, 9_999];
    const result = await publishChanges(records, settings({ remainingMs: () => left.shift() ?? 0 }), sink);
    expect(sink.calls.map((c) => c.map(subjectOf))).toEqual([['/items/a', '/items/b']]);
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: seq(records[0]) }]);
    expect(result.published).toBe(1);
  });

  test('a short timeout still publishes: the reserve is at most a third of the time left when the batch began', async () => {
    const sink = new RecordingSink();
    const result = await publishChanges([write('a', 1)], settings({ remainingMs: () => 3_000 }), sink);
    expect(result).toMatchObject({ batchItemFailures: [], published: 1 });
  });
});

describe('property: any batch, any refusals', () => {
  test('per-item order holds, nothing before the reported record is unpublished, and requests respect the limits', async () => {
    await fc.assert(fc.asyncProperty(
      fc.array(fc.constantFrom('a', 'b', 'c', 'd'), { minLength: 1, maxLength: 40 }),
      fc.array(fc.boolean(), { minLength: 64, maxLength: 64 }),
      async (ids, refusals) => {
        const versions = new Map<string, number>();
        const records = ids.map((id) => {
          const v = (versions.get(id) ?? 0) + 1;
          versions.set(id, v);
          return write(id, v);
        });
        let n = 0;
        const decisions = new Map<ChangeEventEntry, PutEntryFailure | undefined>();
        const sink = new RecordingSink((e) => {
          if (!decisions.has(e)) decisions.set(e, refusals[n++ % refusals.length] ? { errorCode: 'ThrottlingException' } : undefined);
          return decisions.get(e);
        });
        // Each entry object is put once per attempt; a refusal is decided per attempt.
        const result = await publishChanges(records, settings({ retry: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 1 } }), {
          putEvents: (entries) => sink.putEvents(entries.map((e) => ({ ...e }))),
        });
        const accepted = new Map<string, number>();
        for (const [call, entries] of sink.calls.entries()) {
          expect(entries.length).toBeLessThanOrEqual(10);
          expect(new Set(entries.map(subjectOf)).size).toBe(entries.length);
          for (const e of entries) {
            const { subject, version } = detail(e);
            // Put only when every earlier version of its item was accepted.
            expect(version).toBe((accepted.get(subject) ?? 0) + 1);
            if (decisions.get(e) === undefined) accepted.set(subject, version);
          }
          void call;
        }
        const failureAt = result.batchItemFailures.length
          ? records.findIndex((r) => seq(r) === result.batchItemFailures[0].itemIdentifier)
          : records.length;
        records.slice(0, failureAt).forEach((r) => {
          const id = r.dynamodb!.Keys!.id.S!;
          const v = Number(r.dynamodb!.NewImage!.version.N);
          expect(accepted.get(`/items/${id}`) ?? 0).toBeGreaterThanOrEqual(v);
        });
        if (failureAt < records.length) {
          const r = records[failureAt];
          expect(accepted.get(`/items/${r.dynamodb!.Keys!.id.S!}`) ?? 0).toBeLessThan(Number(r.dynamodb!.NewImage!.version.N));
        }
        expect(result.published).toBe([...accepted.values()].reduce((a, b) => a + b, 0));
      },
    ), { numRuns: 200 });
  });
});
