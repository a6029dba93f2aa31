/**
 * Pure functions, unit-tested alone: strict JSON, merge patch, entity tags, cursors.
 */
import { CursorCodec, CursorError, Listing } from '../../src/handler/cursor';
import { checkNumber, parseStrictJson } from '../../src/handler/json';
import { mergePatch } from '../../src/handler/merge-patch';
import { evaluate, parseTagList } from '../../src/handler/preconditions';

describe('strict JSON', () => {
  test.each([
    ['0', undefined],
    ['-0', undefined],
    ['1.5e300', 'outside the range'],
    ['1e125', undefined],
    ['1e-130', undefined],
    ['1e-131', 'outside the range'],
    ['1234567890123456', undefined],
    ['123456789012345678', 'cannot be stored exactly'],
    ['1.0000000000000000000000000000000000000000000', undefined],
    ['1234567890123456789012345678901234567890', 'more than the 38 significant digits'],
    ['0.1', undefined],
    ['0.10000000000000001', 'cannot be stored exactly'],
    ['5e-324', 'outside the range'],
    ['9007199254740993', 'cannot be stored exactly'],
  ])('number %s', (lexeme, problem) => {
    const result = checkNumber(lexeme);
    if (problem === undefined) expect(result).toBeUndefined();
    else expect(result).toMatch(problem);
  });

  test('reports every unstorable number with its JSON Pointer, including inside arrays and escaped names', () => {
    const r = parseStrictJson('{"a":[1,1e999,{"x/y~z":1e-200}],"ok":2,"b":{"c":123456789012345678901}}');
    expect(r.kind).toBe('ok');
    expect(r.kind === 'ok' && r.violations.map((v) => v.path)).toEqual(['/a/1', '/a/2/x~1y~0z', '/b/c']);
  });

  test('numbers inside strings are not numbers', () => {
    const r = parseStrictJson('{"a":"1e999","b\\"":"[1e999]"}');
    expect(r.kind === 'ok' && r.violations).toEqual([]);
  });

  test('duplicate member names are malformed, also after escapes', () => {
    expect(parseStrictJson('{"a":1,"\\u0061":2}').kind).toBe('malformed');
    expect(parseStrictJson('[{"a":1},{"a":1}]').kind).toBe('ok');
  });

  test('depth is measured without recursion: 32 levels pass, 33 do not', () => {
    const deep = (n: number) => '['.repeat(n) + ']'.repeat(n);
    expect(parseStrictJson(deep(32)).kind === 'ok' && (parseStrictJson(deep(32)) as any).violations).toEqual([]);
    expect((parseStrictJson(deep(33)) as any).violations[0].message).toMatch(/deeper than the 32 levels/);
    expect((parseStrictJson(deep(500_000)) as any).violations).toHaveLength(1);
  });
});

describe('JSON Merge Patch (RFC 7396 appendix A)', () => {
  test.each([
    [{ a: 'b' }, { a: 'c' }, { a: 'c' }],
    [{ a: 'b' }, { b: 'c' }, { a: 'b', b: 'c' }],
    [{ a: 'b' }, { a: null }, {}],
    [{ a: 'b', b: 'c' }, { a: null }, { b: 'c' }],
    [{ a: ['b'] }, { a: 'c' }, { a: 'c' }],
    [{ a: 'c' }, { a: ['b'] }, { a: ['b'] }],
    [{ a: { b: 'c' } }, { a: { b: 'd', c: null } }, { a: { b: 'd' } }],
    [{ a: [{ b: 'c' }] }, { a: [1] }, { a: [1] }],
    [['a', 'b'], ['c', 'd'], ['c', 'd']],
    [{ a: 'b' }, ['c'], ['c']],
    [{ a: 'foo' }, null, null],
    [{ a: 'foo' }, 'bar', 'bar'],
    [{ e: null }, { a: 1 }, { e: null, a: 1 }],
    [[1, 2], { a: 'b', c: null }, { a: 'b' }],
    [{}, { a: { bb: { ccc: null } } }, { a: { bb: {} } }],
  ])('%j + %j = %j', (target, patch, result) => {
    const t = JSON.parse(JSON.stringify(target));
    const p = JSON.parse(JSON.stringify(patch));
    expect(mergePatch(t, p)).toEqual(result);
    expect(t).toEqual(target);
    expect(p).toEqual(patch);
  });

  test('a __proto__ member is data, never a prototype', () => {
    const patch = JSON.parse('{"__proto__":{"polluted":true}}');
    const out = mergePatch({}, patch) as any;
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect(Object.prototype.hasOwnProperty.call(out, '__proto__')).toBe(true);
    expect(({} as any).polluted).toBeUndefined();
  });
});

describe('entity tags', () => {
  test.each([
    ['*', { any: true }],
    ['"3"', { any: false, tags: [{ weak: false, version: 3 }] }],
    ['W/"3", "4" ,"x"', { any: false, tags: [{ weak: true, version: 3 }, { weak: false, version: 4 }, { weak: false }] }],
    ['"", "007"', { any: false, tags: [{ weak: false }, { weak: false }] }],
  ])('%s parses', (value, parsed) => {
    expect(parseTagList(value, 'If-Match')).toEqual(parsed);
  });

  test.each(['3', '"3', '"3" "4"', 'W/3', '', ',', '"a"b'])('%j is refused', (value) => {
    expect(() => parseTagList(value, 'If-Match')).toThrow(/entity tags/);
  });

  test('If-Match compares strongly, If-None-Match weakly', () => {
    expect(evaluate({ ifMatch: parseTagList('W/"2"', 'x') }, 2)).toBe('precondition-failed');
    expect(evaluate({ ifMatch: parseTagList('"2"', 'x') }, 2)).toBe('pass');
    expect(evaluate({ ifMatch: parseTagList('*', 'x') }, undefined)).toBe('precondition-failed');
    expect(evaluate({ ifNoneMatch: parseTagList('W/"2"', 'x') }, 2)).toBe('not-modified');
    expect(evaluate({ ifNoneMatch: parseTagList('*', 'x') }, undefined)).toBe('pass');
  });
});

describe('cursors', () => {
  const listing: Listing = { mode: 'owner', indexName: 'byOwner', keyAttributes: ['owner', 'id'], fixedKeyValues: { owner: 'alice' } };
  const key = { owner: { S: 'alice' }, id: { S: 'item-7' } };

  test('round-trip for the same listing, table and owner', () => {
    const codec = new CursorCodec('table-a');
    const cursor = codec.encode(listing, key, 'alice');
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    expect(codec.decode(cursor, listing, 'alice')).toEqual(key);
  });

  test('bound to the table, the owner and the secret', () => {
    const cursor = new CursorCodec('table-a').encode(listing, key, 'alice');
    expect(() => new CursorCodec('table-b').decode(cursor, listing, 'alice')).toThrow(CursorError);
    expect(() => new CursorCodec('table-a').decode(cursor, { ...listing, fixedKeyValues: { owner: 'bob' } }, 'bob')).toThrow(CursorError);
    expect(() => new CursorCodec('table-a', 'secret').decode(cursor, listing, 'alice')).toThrow(CursorError);
    const withSecret = new CursorCodec('table-a', 'secret').encode(listing, key, 'alice');
    expect(new CursorCodec('table-a', 'secret').decode(withSecret, listing, 'alice')).toEqual(key);
  });

  test('every single-character change is refused', () => {
    const codec = new CursorCodec('t');
    const cursor = codec.encode(listing, key, 'alice');
    for (let i = 0; i < cursor.length; i++) {
      const c = cursor[i] === 'A' ? 'B' : 'A';
      const changed = cursor.slice(0, i) + c + cursor.slice(i + 1);
      if (changed !== cursor) expect(() => codec.decode(changed, listing, 'alice')).toThrow(CursorError);
    }
  });
});
