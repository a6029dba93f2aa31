/**
 * The listing planner alone (src/shared/range-query.ts): which read a query string is, its key condition, and every
 * refusal with its message. What DynamoDB then does with the plan is tested against DynamoDB Local in ranges.test.ts.
 */
import { resourceConfig } from './support/resource-config';
import type { ResourceConfig } from '../../src/shared/config';
import {
  compareDecimals, compareKeys, conditionText, describeAllowed, listParameters, ListQueryError, planListing, rangeValuePattern,
} from '../../src/shared/range-query';

function resource(overrides: Partial<ResourceConfig>): ResourceConfig {
  return resourceConfig({ name: 'tasks', ...overrides });
}

const shared = resource({
  indexes: [
    { indexName: 'byStatusDue', partitionKey: 'status', sortKey: 'due' },
    { indexName: 'byStatusPriority', partitionKey: 'status', sortKey: 'priority', sortKeyType: 'N' },
    { indexName: 'byTag', partitionKey: 'tag' },
  ],
});
const owned = resource({
  ownerScoping: { attribute: 'owner' },
  indexes: [
    { indexName: 'byDue', sortKey: 'due' },
    { indexName: 'byRank', sortKey: 'rank', sortKeyType: 'N' },
    { indexName: 'byStatusDue', partitionKey: 'status', sortKey: 'due' },
    { indexName: 'byProjectSize', partitionKey: 'project', sortKey: 'size', sortKeyType: 'N' },
  ],
});
const numericIds = resource({ parent: 'projects', idType: 'N', idGenerator: 'none' });

function plan(r: ResourceConfig, query: string) {
  return planListing(r, [...new URLSearchParams(query)]);
}
function refusal(r: ResourceConfig, query: string): string {
  try {
    plan(r, query);
  } catch (e) {
    expect(e).toBeInstanceOf(ListQueryError);
    return (e as Error).message;
  }
  throw new Error(`'${query}' was accepted`);
}

describe('which read', () => {
  test('unscoped without parameters: a scan', () => {
    expect(plan(shared, 'limit=5&cursor=x&fields=a')).toEqual({ source: 'scan' });
  });

  test('scoped without parameters: the table partition in id order', () => {
    expect(plan(owned, '')).toEqual({ source: 'table', order: 'asc' });
    expect(plan(owned, 'order=desc')).toEqual({ source: 'table', order: 'desc' });
  });

  test('a partition parameter: the first index with that partition key, ascending', () => {
    expect(plan(shared, 'status=open')).toEqual({ source: 'index', index: shared.indexes[0], partitionValue: 'open', order: 'asc' });
    expect(plan(shared, 'tag=x')).toEqual({ source: 'index', index: shared.indexes[2], partitionValue: 'x' });
  });

  test('a partition and a range: the index with both', () => {
    expect(plan(shared, 'status=open&priority=gt.3&order=desc')).toEqual({
      source: 'index',
      index: shared.indexes[1],
      partitionValue: 'open',
      condition: { attribute: 'priority', type: 'N', op: 'gt', values: ['3'] },
      order: 'desc',
    });
    expect(plan(shared, 'due=begins.2025-&status=open')).toMatchObject({
      index: shared.indexes[0], condition: { attribute: 'due', type: 'S', op: 'begins', values: ['2025-'] },
    });
  });

  test('a range on the id of a scoped resource: the table partition', () => {
    expect(plan(owned, 'id=gte.m')).toEqual({ source: 'table', condition: { attribute: 'id', type: 'S', op: 'gte', values: ['m'] }, order: 'asc' });
    expect(plan(numericIds, 'id=gte.-5&id=lte.12.5')).toEqual({
      source: 'table', condition: { attribute: 'id', type: 'N', op: 'between', values: ['-5', '12.5'] }, order: 'asc',
    });
  });

  test('a range alone on another attribute: the scope-partitioned index of that sort key', () => {
    expect(plan(owned, 'due=lt.2025&order=desc')).toEqual({
      source: 'index', index: owned.indexes[0], condition: { attribute: 'due', type: 'S', op: 'lt', values: ['2025'] }, order: 'desc',
    });
    expect(plan(owned, 'rank=eq.7')).toMatchObject({ index: owned.indexes[1], condition: { type: 'N', op: 'eq', values: ['7'] } });
  });

  test('with a partition, the same sort attribute reads the partitioned index', () => {
    expect(plan(owned, 'status=open&due=gte.2025')).toMatchObject({ index: owned.indexes[2], partitionValue: 'open' });
  });

  test('every operator', () => {
    for (const op of ['eq', 'gt', 'gte', 'lt', 'lte', 'begins']) {
      expect(plan(owned, `due=${op}.x`)).toMatchObject({ condition: { op, values: ['x'] } });
    }
  });

  test('the smallest magnitude DynamoDB stores is a valid bound', () => {
    expect(plan(owned, `rank=gt.-0.${'0'.repeat(129)}1`)).toMatchObject({ condition: { values: [`-0.${'0'.repeat(129)}1`] } });
  });

  test('the value is everything after the first dot', () => {
    expect(plan(owned, 'due=eq.a.b.c')).toMatchObject({ condition: { op: 'eq', values: ['a.b.c'] } });
    expect(plan(owned, 'rank=gte.-0.5')).toMatchObject({ condition: { values: ['-0.5'] } });
  });

  test('the bounds may come in either order', () => {
    expect(plan(owned, 'due=lte.b&due=gte.a')).toMatchObject({ condition: { op: 'between', values: ['a', 'b'] } });
    expect(plan(owned, 'due=gte.a&due=lte.a')).toMatchObject({ condition: { op: 'between', values: ['a', 'a'] } });
  });

  test('a name that is a partition key and a sort key reads as the partition, unless its partner is the partition', () => {
    const r = resource({
      indexes: [{ indexName: 'byDue', partitionKey: 'due' }, { indexName: 'byStatusDue', partitionKey: 'status', sortKey: 'due' }],
    });
    expect(plan(r, 'due=gte.x')).toMatchObject({ index: r.indexes[0], partitionValue: 'gte.x' });
    expect(plan(r, 'status=open&due=gte.x')).toMatchObject({ index: r.indexes[1], partitionValue: 'open', condition: { op: 'gte' } });
  });
});

describe('refusals name what was wrong and what is allowed', () => {
  test.each([
    ['unknown parameter', shared, 'colour=red', /Unknown query parameter "colour"; this resource takes limit, cursor, order=asc\|desc, fields=a,b, status=<value>, tag=<value>, due=<op>.<string> with op eq\|gt\|gte\|lt\|lte\|begins \(with status\), priority=<op>.<number> with op eq\|gt\|gte\|lt\|lte \(with status\)/],
    ['range on a non-key attribute', owned, 'title=gte.a', /Unknown query parameter "title"; this resource takes .*due=<op>.<string>/],
    ['unknown operator', owned, 'due=after.2025', /'due' is a sort key: its value is <op>.<value> with op one of eq, gt, gte, lt, lte, begins \(e.g. due=gte.2025-01-01\); got "after.2025"/],
    ['no operator', owned, 'due=2025', /its value is <op>.<value>/],
    ['string for a numeric key', owned, 'rank=gte.abc', /'rank' is a number sort key: "abc" is not a number in canonical decimal form/],
    ['non-canonical number', owned, 'rank=gte.07', /'rank' is a number sort key: "07"/],
    ['a number below DynamoDB\'s smallest magnitude', owned, `rank=gt.0.${'0'.repeat(130)}1`, /its values are 0 or of a magnitude from 1e-130/],
    ['begins on a number', owned, 'rank=begins.1', /'begins' applies only to string sort keys; 'rank' is a number \(its operators: eq, gt, gte, lt, lte\)/],
    ['empty value', owned, 'due=gte.', /'due=gte.' has an empty value/],
    ['empty partition value', shared, 'status=', /'status' must be a non-empty value/],
    ['empty range (strings)', owned, 'due=gte.b&due=lte.a', /Empty range: the lower bound of 'due' \(b\) is above its upper bound \(a\), compared by UTF-8 bytes/],
    ['empty range (numbers)', owned, 'rank=gte.10&rank=lte.9.5', /Empty range: .*as numbers/],
    ['two lower bounds', owned, 'due=gte.a&due=gte.b', /A range with two bounds on 'due' uses gte and lte \(DynamoDB's BETWEEN is inclusive\).*got gte and gte/],
    ['gt and lt', owned, 'due=gt.a&due=lt.b', /uses gte and lte/],
    ['three bounds', owned, 'due=gte.a&due=lte.b&due=lte.c', /appears 3 times/],
    ['repeated partition', shared, 'status=a&status=b', /'status' is repeated/],
    ['repeated limit', shared, 'limit=1&limit=2', /'limit' is repeated/],
    ['two partitions', shared, 'status=a&tag=b', /one index partition at a time \(got status, tag\)/],
    ['two ranges', owned, 'due=gte.a&rank=gte.1', /one sort key at a time \(got due, rank\)/],
    ['range without its partition', shared, 'due=gte.a', /A range on 'due' needs its index partition: add 'status=<value>' to the query/],
    ['range with another partition', shared, 'tag=x&due=gte.a', /'due' is not the sort key of an index partitioned by 'tag'; with 'tag', ranges apply to no attribute/],
    ['id range on an unscoped resource', shared, 'id=gte.a', /Unknown query parameter "id"/],
    ['order on a scan', shared, 'order=asc', /'order' applies only to a listing in key order.*This resource takes/],
    ['order on an index without sort key', shared, 'tag=x&order=asc', /the index of 'tag' has no sort key/],
    ['bad order', owned, 'order=up', /'order' must be 'asc' or 'desc'/],
    ['too long a string bound', owned, `due=gte.${'x'.repeat(1025)}`, /at most 1024 bytes/],
  ])('%s', (_name, r, query, message) => {
    expect(refusal(r, query)).toMatch(message);
  });

  test('order on an index partition without sort key points to the sorted index of the same partition key', () => {
    const r = resource({ indexes: [{ indexName: 'byStatus', partitionKey: 'status' }, { indexName: 'byStatusDue', partitionKey: 'status', sortKey: 'due' }] });
    expect(refusal(r, 'status=open&order=desc')).toMatch(/the index of 'status' has no sort key \(to list by another index of 'status', add a range on its sort key: due=gte.<low>\)/);
    expect(plan(r, 'status=open&due=gte.a&order=desc')).toMatchObject({ index: r.indexes[1], order: 'desc' });
  });

  test('a scoped resource lists its id as a range parameter', () => {
    expect(describeAllowed(numericIds)).toBe('this resource takes limit, cursor, order=asc|desc, fields=a,b, id=<op>.<number> with op eq|gt|gte|lt|lte');
  });
});

describe('listParameters', () => {
  test('a sort attribute served standalone needs no partition', () => {
    expect(listParameters(owned)).toEqual([
      { name: 'status', kind: 'partition', indexNames: ['byStatusDue'] },
      { name: 'project', kind: 'partition', indexNames: ['byProjectSize'] },
      { name: 'id', kind: 'range', type: 'S', operators: ['eq', 'gt', 'gte', 'lt', 'lte', 'begins'], requires: [], indexNames: [] },
      { name: 'due', kind: 'range', type: 'S', operators: ['eq', 'gt', 'gte', 'lt', 'lte', 'begins'], requires: [], indexNames: ['byDue', 'byStatusDue'] },
      { name: 'rank', kind: 'range', type: 'N', operators: ['eq', 'gt', 'gte', 'lt', 'lte'], requires: [], indexNames: ['byRank'] },
      { name: 'size', kind: 'range', type: 'N', operators: ['eq', 'gt', 'gte', 'lt', 'lte'], requires: ['project'], indexNames: ['byProjectSize'] },
    ]);
  });
});

describe('key order', () => {
  test.each([
    ['1', '2', -1], ['10', '9', 1], ['-10', '-9', -1], ['-1', '0', -1], ['0.5', '0.25', 1], ['1.5', '1.5', 0],
    ['-0.5', '-0.25', -1], ['99999999999999999999999999999999999999', '99999999999999999999999999999999999998', 1],
    ['0.10000000000000000000000000000000000001', '0.1', 1], ['2', '1.99999999999999999999', 1],
  ])('%s vs %s as numbers: %i', (a, b, want) => {
    expect(Math.sign(compareDecimals(a, b))).toBe(want);
  });

  test('strings by UTF-8 bytes, not UTF-16 code units', () => {
    // U+FF5E is below U+1F600 in UTF-8, above its high surrogate in UTF-16.
    expect(compareKeys('S', '\uff5e', '\u{1f600}')).toBeLessThan(0);
    expect('\uff5e' < '\u{1f600}').toBe(false);
    expect(() => plan(owned, `due=gte.${encodeURIComponent('\uff5e')}&due=lte.${encodeURIComponent('\u{1f600}')}`)).not.toThrow();
  });
});

test('conditions have distinct texts', () => {
  const texts = [undefined, { attribute: 'a', type: 'S', op: 'gte', values: ['1'] }, { attribute: 'a', type: 'N', op: 'gte', values: ['1'] },
    { attribute: 'a', type: 'S', op: 'between', values: ['1', '2'] }, { attribute: 'a', type: 'S', op: 'between', values: ['12', ''] }]
    .map((c) => conditionText(c as any));
  expect(new Set(texts).size).toBe(texts.length);
});

test('value patterns', () => {
  const s = new RegExp(rangeValuePattern('S'));
  const n = new RegExp(rangeValuePattern('N'));
  expect(['gte.2025', 'begins.a.b'].every((v) => s.test(v))).toBe(true);
  expect(['gte.', 'after.x', '2025'].some((v) => s.test(v))).toBe(false);
  expect(['gte.-1.5', 'eq.0'].every((v) => n.test(v))).toBe(true);
  expect(['begins.1', 'gte.07', 'gte.1.50', 'gte.abc'].some((v) => n.test(v))).toBe(false);
});
