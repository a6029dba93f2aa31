/**
 * Strict JSON for request bodies: `JSON.parse` for the value, plus one iterative pass over the text for what
 * `JSON.parse` silently accepts but an item store must not: duplicate member names, nesting deeper than DynamoDB
 * stores, and numbers DynamoDB cannot hold or that a JSON number here cannot carry exactly.
 */
import type { ProblemViolation } from '../shared/problems';

/** A JSON value as `JSON.parse` returns it. */
export type JsonValue = null | boolean | number | string | JsonValue[] | JsonObject;
/** A JSON object. */
export interface JsonObject {
  [key: string]: JsonValue;
}

/**
 * Deepest nesting DynamoDB stores, counting the item itself as level 1 (an attribute holding a map of a map … is
 * refused by DynamoDB beyond this; measured on DynamoDB Local and documented as 32 levels).
 */
export const MAX_NESTING_DEPTH = 32;

/** At most this many violations are reported for one body (the rest are summarised). */
export const MAX_REPORTED_VIOLATIONS = 100;

/** Outcome of {@link parseStrictJson}. */
export type StrictJsonResult =
  | { readonly kind: 'ok'; readonly value: JsonValue; readonly violations: ProblemViolation[] }
  | { readonly kind: 'malformed'; readonly reason: string };

/**
 * Parses `text`. `malformed` means not well-formed JSON (a 400); `violations` are well-formed values the API will not
 * store (a 422): too deep (then nothing below the limit is examined, so the value must not be walked recursively),
 * numbers out of DynamoDB's range or precision, numbers that would not round-trip exactly.
 */
export function parseStrictJson(text: string): StrictJsonResult {
  let value: JsonValue;
  try {
    value = JSON.parse(text) as JsonValue;
  } catch (e) {
    return { kind: 'malformed', reason: (e as Error).message };
  }
  return scan(text, value);
}

interface Frame {
  readonly array: boolean;
  /** Array: index of the current element. */
  index: number;
  /** Object: the member name whose value comes next, and the names seen. */
  key?: string;
  readonly keys?: Set<string>;
  expectKey: boolean;
}

/** The text is known to be valid JSON here, which keeps the scanner small. */
function scan(text: string, value: JsonValue): StrictJsonResult {
  const violations: ProblemViolation[] = [];
  const stack: Frame[] = [];
  const pointer = (): string => stack.map((f) => '/' + escapePointer(f.array ? String(f.index) : f.key ?? '')).join('');
  const n = text.length;
  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    switch (c) {
      case 0x7b: // {
      case 0x5b: { // [
        if (stack.length >= MAX_NESTING_DEPTH) {
          return {
            kind: 'ok',
            value,
            violations: [{ path: pointer(), message: `nests deeper than the ${MAX_NESTING_DEPTH} levels DynamoDB can store` }],
          };
        }
        const array = c === 0x5b;
        stack.push(array ? { array, index: 0, expectKey: false } : { array, index: 0, keys: new Set(), expectKey: true });
        i++;
        break;
      }
      case 0x7d: // }
      case 0x5d: // ]
        stack.pop();
        i++;
        break;
      case 0x2c: { // ,
        const top = stack[stack.length - 1];
        if (top.array) top.index++;
        else top.expectKey = true;
        i++;
        break;
      }
      case 0x22: { // "
        let j = i + 1;
        while (text.charCodeAt(j) !== 0x22) j += text.charCodeAt(j) === 0x5c ? 2 : 1;
        const top = stack[stack.length - 1];
        if (top && !top.array && top.expectKey) {
          const key = JSON.parse(text.slice(i, j + 1)) as string;
          if (top.keys!.has(key)) {
            return { kind: 'malformed', reason: `duplicate member name ${JSON.stringify(key)} at ${pointer() || '/'}` };
          }
          top.keys!.add(key);
          top.key = key;
          top.expectKey = false;
        }
        i = j + 1;
        break;
      }
      default:
        if (c === 0x2d || (c >= 0x30 && c <= 0x39)) {
          let j = i + 1;
          while (j < n && /[0-9eE.+-]/.test(text[j])) j++;
          const problem = checkNumber(text.slice(i, j));
          if (problem && violations.length < MAX_REPORTED_VIOLATIONS) violations.push({ path: pointer(), message: problem });
          i = j;
        } else {
          i++; // whitespace, ':', and the letters of true/false/null
        }
    }
  }
  return { kind: 'ok', value, violations };
}

/** RFC 6901 escaping of one reference token. */
export function escapePointer(token: string): string {
  return token.replace(/~/g, '~0').replace(/\//g, '~1');
}

/** A decimal as sign, significant digits (no leading or trailing zeros; '' for zero) and exponent. */
interface Decimal {
  readonly negative: boolean;
  readonly digits: string;
  readonly exponent: number;
}

function toDecimal(lexeme: string): Decimal {
  const m = /^(-?)(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/.exec(lexeme);
  if (!m) throw new Error(`not a JSON number: ${lexeme}`);
  const fraction = m[3] ?? '';
  let digits = (m[2] + fraction).replace(/^0+/, '');
  let exponent = Number(m[4] ?? '0') - fraction.length;
  const trimmed = digits.replace(/0+$/, '');
  exponent += digits.length - trimmed.length;
  digits = trimmed;
  return { negative: m[1] === '-' && digits !== '', digits, exponent: digits === '' ? 0 : exponent };
}

/** DynamoDB numbers: up to 38 significant digits, magnitude from 1e-130 to below 1e126 (or zero). */
export const DYNAMODB_NUMBER = { MAX_DIGITS: 38, MIN_EXPONENT: -130, MAX_EXPONENT: 125 } as const;

/**
 * Why a JSON number lexeme cannot be stored exactly, or undefined when it can. Numbers are JavaScript numbers
 * (IEEE-754 doubles) from parsing to the response, so a number is accepted only if it survives that unchanged:
 * `12345678901234567890` would silently come back as `12345678901234567000`, and is refused instead.
 */
export function checkNumber(lexeme: string): string | undefined {
  const d = toDecimal(lexeme);
  if (d.digits === '') return undefined;
  const scientific = d.exponent + d.digits.length - 1;
  if (scientific > DYNAMODB_NUMBER.MAX_EXPONENT || scientific < DYNAMODB_NUMBER.MIN_EXPONENT) {
    return `number ${abbreviate(lexeme)} is outside the range DynamoDB can store (magnitude 1e-130 to 1e126)`;
  }
  if (d.digits.length > DYNAMODB_NUMBER.MAX_DIGITS) {
    return `number ${abbreviate(lexeme)} has more than the ${DYNAMODB_NUMBER.MAX_DIGITS} significant digits DynamoDB can store`;
  }
  const back = toDecimal(String(Number(lexeme)));
  if (back.digits !== d.digits || back.exponent !== d.exponent || back.negative !== d.negative) {
    return `number ${abbreviate(lexeme)} cannot be stored exactly (it would become ${String(Number(lexeme))}); send it as a string`;
  }
  return undefined;
}

/** Whether a JavaScript number can be stored by DynamoDB as it is (finite, and within range once printed). */
export function isStorableNumber(x: number): boolean {
  return Number.isFinite(x) && checkNumber(String(x)) === undefined;
}

function abbreviate(s: string): string {
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}
