/**
 * EventBridge event patterns, matched as EventBridge matches them (the "Amazon EventBridge event patterns" and
 * "content filtering" pages of its user guide), for the local delivery of change events:
 * - every field of the pattern must match; a field not in the pattern is not looked at;
 * - a nested object matches the event's nested object field by field (`detail.tenant`);
 * - a list matches when any of its values matches (OR); when the event's field is itself a list, when any element of
 *   it matches;
 * - values are exact (strings, numbers, booleans, null; case-sensitive), or one of the content filters: `prefix`,
 *   `suffix`, `equals-ignore-case`, `anything-but` (a value, a list, or `{ prefix }`/`{ suffix }`), `exists`, `numeric`.
 * A filter this module does not know (`wildcard`, `cidr`, `$or` …) makes the pattern unusable: {@link compilePattern}
 * throws, and the runner names the rule it cannot run locally instead of matching it wrongly.
 */

/** A compiled pattern: true when the event matches. */
export type EventMatcher = (event: unknown) => boolean;

/** The pattern uses something this matcher does not implement; the message names it. */
export class UnsupportedPatternError extends Error {}

type ValueTest = (value: unknown, present: boolean) => boolean;

/** Compiles an EventBridge pattern (the object form of a rule's `EventPattern`). */
export function compilePattern(pattern: unknown): EventMatcher {
  if (!isObject(pattern)) throw new UnsupportedPatternError('an event pattern must be a JSON object');
  return compileObject(pattern, '');
}

function compileObject(pattern: Record<string, unknown>, where: string): EventMatcher {
  const fields: [string, (event: Record<string, unknown>) => boolean][] = [];
  for (const [key, value] of Object.entries(pattern)) {
    const path = where ? `${where}.${key}` : key;
    if (key.startsWith('$')) throw new UnsupportedPatternError(`${path}: '${key}' is not supported locally`);
    if (Array.isArray(value)) {
      const test = compileList(value, path);
      fields.push([key, (e) => {
        const present = Object.prototype.hasOwnProperty.call(e, key);
        const v = e[key];
        // A list in the event matches when one of its elements does.
        if (Array.isArray(v)) return v.some((x) => test(x, true));
        return test(v, present);
      }]);
    } else if (isObject(value)) {
      const nested = compileObject(value, path);
      fields.push([key, (e) => isObject(e[key]) && nested(e[key])]);
    } else {
      throw new UnsupportedPatternError(`${path}: a pattern's leaf must be a list of values (got ${JSON.stringify(value)})`);
    }
  }
  return (event) => isObject(event) && fields.every(([, test]) => test(event));
}

function compileList(values: unknown[], path: string): ValueTest {
  if (values.length === 0) throw new UnsupportedPatternError(`${path}: an empty list matches nothing`);
  const tests = values.map((v) => compileValue(v, path));
  return (value, present) => tests.some((t) => t(value, present));
}

function compileValue(v: unknown, path: string): ValueTest {
  if (v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') {
    return (value, present) => present && value === v;
  }
  if (!isObject(v)) throw new UnsupportedPatternError(`${path}: ${JSON.stringify(v)} is not a value or a filter`);
  const keys = Object.keys(v);
  if (keys.length !== 1) throw new UnsupportedPatternError(`${path}: a filter has exactly one key (got ${keys.join(', ') || 'none'})`);
  const op = keys[0];
  const arg = v[op];
  switch (op) {
    case 'prefix': return stringTest(arg, path, op, (s, a) => s.startsWith(a));
    case 'suffix': return stringTest(arg, path, op, (s, a) => s.endsWith(a));
    case 'equals-ignore-case': return stringTest(arg, path, op, (s, a) => s.toLowerCase() === a.toLowerCase());
    case 'exists':
      if (typeof arg !== 'boolean') throw new UnsupportedPatternError(`${path}: exists takes true or false`);
      // `exists` looks at leaves: an object or null is not a value that exists.
      return (value, present) => (present && value !== null && !isObject(value)) === arg;
    case 'anything-but': return anythingBut(arg, path);
    case 'numeric': return numeric(arg, path);
    default: throw new UnsupportedPatternError(`${path}: the '${op}' filter is not supported locally`);
  }
}

function stringTest(arg: unknown, path: string, op: string, test: (s: string, a: string) => boolean): ValueTest {
  if (typeof arg !== 'string') throw new UnsupportedPatternError(`${path}: ${op} takes a string`);
  return (value, present) => present && typeof value === 'string' && test(value, arg);
}

/** `anything-but`: any present value other than the given ones (or not starting/ending with the given string). */
function anythingBut(arg: unknown, path: string): ValueTest {
  if (isObject(arg)) {
    const inner = compileValue(arg, path);
    if (!('prefix' in arg) && !('suffix' in arg) && !('equals-ignore-case' in arg)) {
      throw new UnsupportedPatternError(`${path}: anything-but takes a value, a list, or prefix/suffix/equals-ignore-case`);
    }
    return (value, present) => present && typeof value === 'string' && !inner(value, present);
  }
  const excluded = Array.isArray(arg) ? arg : [arg];
  if (excluded.some((x) => typeof x !== 'string' && typeof x !== 'number')) {
    throw new UnsupportedPatternError(`${path}: anything-but lists strings or numbers`);
  }
  return (value, present) => present && value !== null && !isObject(value) && !excluded.includes(value as string | number);
}

const NUMERIC_OPERATORS: Record<string, (a: number, b: number) => boolean> = {
  '=': (a, b) => a === b, '<': (a, b) => a < b, '<=': (a, b) => a <= b, '>': (a, b) => a > b, '>=': (a, b) => a >= b,
};

/** `numeric`: `[">", 0, "<=", 5]` — every comparison must hold, on a number. */
function numeric(arg: unknown, path: string): ValueTest {
  if (!Array.isArray(arg) || arg.length === 0 || arg.length % 2 !== 0) throw new UnsupportedPatternError(`${path}: numeric takes operator/number pairs`);
  const checks: ((n: number) => boolean)[] = [];
  for (let i = 0; i < arg.length; i += 2) {
    const compare = NUMERIC_OPERATORS[arg[i]];
    const bound = arg[i + 1];
    if (!compare || typeof bound !== 'number') throw new UnsupportedPatternError(`${path}: numeric ${JSON.stringify(arg[i])} ${JSON.stringify(bound)} is not a comparison`);
    checks.push((n) => compare(n, bound));
  }
  return (value, present) => present && typeof value === 'number' && checks.every((c) => c(value));
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
