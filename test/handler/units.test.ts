/**
 * Pure functions, unit-tested alone: strict JSON, merge patch, entity tags, cursors.
 */
import { CURSOR_LIFETIME_SECONDS, CursorCodec, CursorError, Listing } from '../../src/handler/cursor';
import { fixedKeys, REFRESH_AFTER_MS, SecretsManagerKeys } from '../../src/handler/cursor-keys';
import { DISPATCH } from '../../src/handler/handler';
import { checkNumber, parseStrictJson } from '../../src/handler/json';
import { mergePatch } from '../../src/handler/merge-patch';
import { etagOf, evaluate, parseTagList } from '../../src/handler/preconditions';
import { ROUTES } from '../../src/shared/routes';

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
    ['"3"', { any: false, tags: [{ weak: false, tag: { version: 3 } }] }],
    ['"3.kQ2x9VbTtWc"', { any: false, tags: [{ weak: false, tag: { version: 3, generation: 'kQ2x9VbTtWc' } }] }],
    ['W/"3", "4" ,"x"', { any: false, tags: [{ weak: true, tag: { version: 3 } }, { weak: false, tag: { version: 4 } }, { weak: false }] }],
    ['"", "007", "3."', { any: false, tags: [{ weak: false }, { weak: false }, { weak: false }] }],
  ])('%s parses', (value, parsed) => {
    expect(parseTagList(value, 'If-Match')).toEqual(parsed);
  });

  test.each(['3', '"3', '"3" "4"', 'W/3', '', ',', '"a"b'])('%j is refused', (value) => {
    expect(() => parseTagList(value, 'If-Match')).toThrow(/entity tags/);
  });

  test('If-Match compares strongly, If-None-Match weakly', () => {
    const v2 = { version: 2, generation: 'g1' };
    expect(evaluate({ ifMatch: parseTagList('W/"2.g1"', 'x') }, v2)).toBe('precondition-failed');
    expect(evaluate({ ifMatch: parseTagList('"2.g1"', 'x') }, v2)).toBe('pass');
    expect(evaluate({ ifMatch: parseTagList('*', 'x') }, undefined)).toBe('precondition-failed');
    expect(evaluate({ ifNoneMatch: parseTagList('W/"2.g1"', 'x') }, v2)).toBe('not-modified');
    expect(evaluate({ ifNoneMatch: parseTagList('*', 'x') }, undefined)).toBe('pass');
  });

  test('a tag names one generation: the same version of a re-created item never matches', () => {
    expect(evaluate({ ifMatch: parseTagList('"1.gA"', 'x') }, { version: 1, generation: 'gB' })).toBe('precondition-failed');
    expect(evaluate({ ifNoneMatch: parseTagList('"1.gA"', 'x') }, { version: 1, generation: 'gB' })).toBe('pass');
    // Items of other tools have no generation: their tag is the version alone.
    expect(evaluate({ ifMatch: parseTagList('"0"', 'x') }, { version: 0 })).toBe('pass');
    expect(evaluate({ ifMatch: parseTagList('"1"', 'x') }, { version: 1, generation: 'gA' })).toBe('precondition-failed');
    expect(etagOf({ version: 3, generation: 'abc' })).toBe('"3.abc"');
    expect(etagOf({ version: 0 })).toBe('"0"');
  });
});

describe('cursors', () => {
  const listing: Listing = { mode: 'owner', keyAttributes: ['owner', 'id'], fixedKeyValues: { owner: 'alice' } };
  const key = { owner: { S: 'alice' }, id: { S: 'item-7' } };
  const secret = 'unit-test-cursor-secret-0123456789abcdef';
  const now = Date.UTC(2026, 0, 1);
  const codec = (table = 'table-a', keys: string[] = [secret]) => new CursorCodec(table, fixedKeys(keys));

  test('round-trip for the same listing, table and caller', async () => {
    const cursor = await codec().encode(listing, key, 'alice', now);
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(await codec().decode(cursor, listing, 'alice', now)).toEqual(key);
  });

  test('opaque: no key material is readable in a cursor', async () => {
    const cursor = await codec().encode(listing, { owner: { S: 'alice' }, id: { S: 'b-secret-item-id' } }, 'alice', now);
    const bytes = Buffer.from(cursor, 'base64url').toString('latin1');
    expect(bytes).not.toContain('secret-item');
    expect(bytes).not.toContain('alice');
    // Two cursors for the same position differ (random IV): nothing links them.
    expect(await codec().encode(listing, key, 'alice', now)).not.toBe(await codec().encode(listing, key, 'alice', now));
  });

  test('bound to the table, the caller, the listing and the key', async () => {
    const cursor = await codec().encode(listing, key, 'alice', now);
    await expect(codec('table-b').decode(cursor, listing, 'alice', now)).rejects.toThrow(CursorError);
    await expect(codec().decode(cursor, { ...listing, fixedKeyValues: { owner: 'bob' } }, 'bob', now)).rejects.toThrow(CursorError);
    await expect(codec().decode(cursor, { ...listing, mode: 'scan' }, 'alice', now)).rejects.toThrow(CursorError);
    await expect(codec('table-a', ['another-secret-0123456789abcdef']).decode(cursor, listing, 'alice', now)).rejects.toThrow(CursorError);
  });

  test('rotation: a cursor of the previous key is still accepted, new ones use the current key', async () => {
    const old = await codec('t', ['old-secret-0123456789abcdef']).encode(listing, key, 'alice', now);
    const rotated = codec('t', ['new-secret-0123456789abcdef', 'old-secret-0123456789abcdef']);
    expect(await rotated.decode(old, listing, 'alice', now)).toEqual(key);
    const fresh = await rotated.encode(listing, key, 'alice', now);
    await expect(codec('t', ['old-secret-0123456789abcdef']).decode(fresh, listing, 'alice', now)).rejects.toThrow(CursorError);
  });

  test(`cursors expire after ${CURSOR_LIFETIME_SECONDS / 3600} hours`, async () => {
    const cursor = await codec().encode(listing, key, 'alice', now);
    expect(await codec().decode(cursor, listing, 'alice', now + CURSOR_LIFETIME_SECONDS * 1000)).toEqual(key);
    await expect(codec().decode(cursor, listing, 'alice', now + CURSOR_LIFETIME_SECONDS * 1000 + 1000)).rejects.toThrow(/expired/);
  });

  test('a non-canonical spelling of a valid cursor is refused (unused low bits of the last character)', async () => {
    // Re-encode until the byte length leaves unused bits in the last character (it does whenever length % 3 != 0).
    let cursor = '';
    for (let n = 0; n < 50 && cursor.length % 4 === 0; n++) {
      cursor = await codec('t').encode({ ...listing }, { ...key, id: { S: `item-${'x'.repeat(n)}` } }, 'alice', now);
    }
    expect(cursor.length % 4).not.toBe(0);
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const last = alphabet.indexOf(cursor[cursor.length - 1]);
    const sibling = cursor.slice(0, -1) + alphabet[last % 2 === 0 ? last + 1 : last - 1]; // flips a bit the decoder ignores
    expect(Buffer.from(sibling, 'base64url')).toEqual(Buffer.from(cursor, 'base64url'));
    await expect(codec('t').decode(sibling, listing, 'alice', now)).rejects.toThrow(CursorError);
  });

  test('every single-character change is refused', async () => {
    const cursor = await codec('t').encode(listing, key, 'alice', now);
    for (let i = 0; i < cursor.length; i++) {
      const c = cursor[i] === 'A' ? 'B' : 'A';
      const changed = cursor.slice(0, i) + c + cursor.slice(i + 1);
      if (changed !== cursor) await expect(codec('t').decode(changed, listing, 'alice', now)).rejects.toThrow(CursorError);
    }
  });
});

describe('cursor keys from Secrets Manager', () => {
  test('read once, reused, refreshed after their lifetime, and re-read at most every 30 s for an unknown key', async () => {
    let t = 0;
    const reads: number[] = [];
    const source = new SecretsManagerKeys('arn:secret', async () => {
      reads.push(t);
      return { current: `k${reads.length}`, all: [`k${reads.length}`] };
    }, () => t);
    expect((await source.keys()).current).toBe('k1');
    t += 60_000;
    expect((await source.keys()).current).toBe('k1');
    expect((await source.refresh()).current).toBe('k2');
    t += 10_000;
    expect((await source.refresh()).current).toBe('k2');
    t += REFRESH_AFTER_MS + 1;
    expect((await source.keys()).current).toBe('k3');
    expect(reads.length).toBe(3);
  });

  test('a failed read is not kept: the next call reads again', async () => {
    let fail = true;
    const source = new SecretsManagerKeys('arn:secret', async () => {
      if (fail) throw Object.assign(new Error('down'), { name: 'InternalServiceError' });
      return { current: 'k', all: ['k'] };
    });
    await expect(source.keys()).rejects.toThrow('down');
    fail = false;
    expect((await source.keys()).current).toBe('k');
  });
});

describe('the shared route table', () => {
  test('the handler dispatches every route of the table, and nothing else', () => {
    expect(Object.keys(DISPATCH).sort()).toEqual(ROUTES.map((r) => `${r.method} ${r.target}`).sort());
  });
});
