/**
 * EventBridge pattern matching as the local runner does it (src/local/event-pattern.ts), case by case against the
 * behaviour EventBridge's user guide documents for each filter.
 */
import { compilePattern, UnsupportedPatternError } from '../../src/local/event-pattern';

const event = {
  'version': '0',
  'id': 'e1',
  'detail-type': 'orders.created',
  'source': 'shop',
  'account': '123456789012',
  'time': '2026-01-01T00:00:00Z',
  'region': 'us-east-1',
  'resources': [],
  'detail': { tenant: 'alice', version: 3, subject: '/orders/o1', tags: ['a', 'b'], nothing: null, data: { item: { total: 5 } } },
};

describe('compilePattern', () => {
  test.each([
    ['exact source', { source: ['shop'] }, true],
    ['another source', { source: ['other'] }, false],
    ['one of the detail-types (OR)', { 'detail-type': ['orders.updated', 'orders.created'] }, true],
    ['every field must match (AND)', { 'source': ['shop'], 'detail-type': ['orders.deleted'] }, false],
    ['nested detail field', { detail: { tenant: ['alice'] } }, true],
    ['nested detail field, other value', { detail: { tenant: ['bob'] } }, false],
    ['deeper nesting', { detail: { data: { item: { total: [5] } } } }, true],
    ['numbers are exact', { detail: { version: [3] } }, true],
    ['a string is not the number', { detail: { version: ['3'] } }, false],
    ['case-sensitive', { source: ['SHOP'] }, false],
    ['an event list matches when one element does', { detail: { tags: ['b'] } }, true],
    ['null matches null', { detail: { nothing: [null] } }, true],
    ['null does not match a missing field', { detail: { missing: [null] } }, false],
    ['a field missing from the event', { detail: { missing: ['x'] } }, false],
    ['prefix', { detail: { subject: [{ prefix: '/orders/' }] } }, true],
    ['prefix, no', { detail: { subject: [{ prefix: '/tasks/' }] } }, false],
    ['suffix', { detail: { subject: [{ suffix: '/o1' }] } }, true],
    ['equals-ignore-case', { source: [{ 'equals-ignore-case': 'SHOP' }] }, true],
    ['anything-but a value', { detail: { tenant: [{ 'anything-but': 'bob' }] } }, true],
    ['anything-but a list', { detail: { tenant: [{ 'anything-but': ['alice', 'bob'] }] } }, false],
    ['anything-but does not match a missing field', { detail: { missing: [{ 'anything-but': 'x' }] } }, false],
    ['anything-but a prefix', { detail: { subject: [{ 'anything-but': { prefix: '/tasks/' } }] } }, true],
    ['exists', { detail: { tenant: [{ exists: true }] } }, true],
    ['exists, missing', { detail: { missing: [{ exists: true }] } }, false],
    ['exists false, missing', { detail: { missing: [{ exists: false }] } }, true],
    ['exists false, present', { detail: { tenant: [{ exists: false }] } }, false],
    ['numeric range', { detail: { version: [{ numeric: ['>', 0, '<=', 3] }] } }, true],
    ['numeric range, out', { detail: { version: [{ numeric: ['>', 3] }] } }, false],
    ['an object where the event has a value', { source: { nested: ['x'] } }, false],
  ])('%s', (_what, pattern, matches) => {
    expect(compilePattern(pattern)(event)).toBe(matches);
  });

  test('the patterns the construct generates: source, a detail-type list, a tenant', () => {
    const matches = compilePattern({ 'source': ['shop'], 'detail-type': ['orders.created', 'orders.deleted'], 'detail': { tenant: ['alice'] } });
    expect(matches(event)).toBe(true);
    expect(matches({ ...event, detail: { ...event.detail, tenant: 'bob' } })).toBe(false);
    expect(matches({ ...event, 'detail-type': 'orders.updated' })).toBe(false);
  });

  test.each([
    ['wildcard', { source: [{ wildcard: 'sh*' }] }, /'wildcard' filter is not supported locally/],
    ['$or', { $or: [{ source: ['a'] }] }, /'\$or' is not supported locally/],
    ['an empty list', { source: [] }, /an empty list matches nothing/],
    ['a leaf that is not a list', { source: 'shop' }, /must be a list of values/],
    ['two keys in one filter', { source: [{ prefix: 'a', suffix: 'b' }] }, /exactly one key/],
  ])('refused, naming what: %s', (_what, pattern, message) => {
    expect(() => compilePattern(pattern)).toThrow(UnsupportedPatternError);
    expect(() => compilePattern(pattern)).toThrow(message);
  });
});
