/**
 * Key values as they travel in paths and query strings: strings as they are, numbers parsed strictly into one
 * canonical spelling, so that `/items/7`, `/items/07` and `/items/7.0` never name three different keys (only the
 * first is accepted). Used by the handler for ids in paths and bodies and for range bounds.
 */
import type { KeyType } from './config';

/** DynamoDB keeps 38 significant digits of a number. */
export const MAX_NUMBER_DIGITS = 38;

/** A canonical decimal: optional minus, no leading zeros, no trailing fraction zeros, no exponent, no `-0`. */
const CANONICAL_NUMBER = /^-?(0|[1-9][0-9]*)(\.[0-9]*[1-9])?$/;

/** Why `raw` is not a canonical number key, or undefined when it is. */
export function checkNumberKey(raw: string): string | undefined {
  if (!CANONICAL_NUMBER.test(raw) || raw === '-0') {
    return 'a number in canonical decimal form (e.g. 42, -7, 3.25: no leading zeros, no trailing fraction zeros, no exponent, no plus sign)';
  }
  const digits = raw.replace(/^-/, '').replace('.', '').replace(/^0+/, '');
  if (digits.length > MAX_NUMBER_DIGITS) return `a number of at most ${MAX_NUMBER_DIGITS} significant digits`;
  return undefined;
}

/** The canonical spelling of a JSON number used as a key, or undefined when it cannot be one (not finite, too precise). */
export function numberKeyOf(value: number): string | undefined {
  if (!Number.isFinite(value)) return undefined;
  if (Object.is(value, -0)) return '0';
  // JavaScript prints integers up to 1e21 plainly; beyond that (and tiny fractions) it uses exponents, which a
  // path cannot carry canonically: refuse those rather than store a key no URL can name.
  const text = String(value);
  return checkNumberKey(text) === undefined ? text : undefined;
}

/** The DynamoDB attribute value of a key value already checked for its type. */
export function keyAttributeValue(type: KeyType, value: string): { S: string } | { N: string } {
  return type === 'N' ? { N: value } : { S: value };
}
