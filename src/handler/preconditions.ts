/**
 * ETags and conditional requests (RFC 9110 section 13): `If-Match` and `If-None-Match` against an item's version.
 *
 * The ETag of an item is its version as a strong entity tag, `"3"`. A version identifies the representation: every
 * write increments it, and items always serialise the same way (see presentItem).
 */
import { HttpError } from './http';
import { PROBLEMS } from '../shared/problems';

/** The ETag header value of a version. */
export function etagOf(version: number): string {
  return `"${version}"`;
}

/** A parsed `If-Match` / `If-None-Match`: `*`, or the listed tags. */
export type TagList = { readonly any: true } | { readonly any: false; readonly tags: readonly EntityTag[] };

/** One entity tag; `version` when the opaque part is one of ours. */
export interface EntityTag {
  readonly weak: boolean;
  readonly version?: number;
}

/** More tags than this in one header is refused (DynamoDB's IN takes 100 operands). */
export const MAX_TAGS = 50;

/** Parses an `If-Match` / `If-None-Match` value; 400 when it is not `*` or a list of entity tags. */
export function parseTagList(value: string | undefined, headerName: string): TagList | undefined {
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  if (trimmed === '*') return { any: true };
  const tags: EntityTag[] = [];
  // entity-tag = [ "W/" ] DQUOTE *etagc DQUOTE, in a comma-separated list (empty elements allowed).
  const re = /\s*(W\/)?"([\x21\x23-\x7e\x80-\xff]*)"\s*(?:,|$)|\s*,/gy;
  let m: RegExpExecArray | null;
  let end = 0;
  while (end < trimmed.length && (m = re.exec(trimmed)) !== null) {
    end = re.lastIndex;
    if (m[2] !== undefined) {
      const version = /^(0|[1-9]\d{0,14})$/.test(m[2]) ? Number(m[2]) : undefined;
      tags.push(version === undefined ? { weak: m[1] !== undefined } : { weak: m[1] !== undefined, version });
    }
  }
  if (end !== trimmed.length || tags.length === 0) {
    throw new HttpError(PROBLEMS.INVALID_HEADER, `${headerName} must be * or a list of entity tags such as "3".`);
  }
  if (tags.length > MAX_TAGS) throw new HttpError(PROBLEMS.INVALID_HEADER, `${headerName} lists more than ${MAX_TAGS} entity tags.`);
  return { any: false, tags };
}

/** The conditions of one request. */
export interface Preconditions {
  readonly ifMatch?: TagList;
  readonly ifNoneMatch?: TagList;
}

/** Whether the request carries any condition. */
export function hasPreconditions(p: Preconditions): boolean {
  return p.ifMatch !== undefined || p.ifNoneMatch !== undefined;
}

/**
 * Evaluates the conditions against the current state (`undefined`: no item) in RFC 9110's order (If-Match first).
 * 'not-modified' means If-None-Match matched: the caller answers 304 for GET and 412 for writes.
 */
export function evaluate(p: Preconditions, currentVersion: number | undefined): 'pass' | 'precondition-failed' | 'not-modified' {
  if (p.ifMatch !== undefined) {
    // Strong comparison: weak tags never match.
    const ok = currentVersion !== undefined
      && (p.ifMatch.any || p.ifMatch.tags.some((t) => !t.weak && t.version === currentVersion));
    if (!ok) return 'precondition-failed';
  }
  if (p.ifNoneMatch !== undefined) {
    // Weak comparison.
    const matches = currentVersion !== undefined
      && (p.ifNoneMatch.any || p.ifNoneMatch.tags.some((t) => t.version === currentVersion));
    if (matches) return 'not-modified';
  }
  return 'pass';
}

/** The strong versions an If-Match list accepts (for a condition expression). */
export function strongVersions(list: TagList): number[] {
  return list.any ? [] : list.tags.filter((t) => !t.weak && t.version !== undefined).map((t) => t.version!);
}

/** The versions an If-None-Match list names (weak comparison). */
export function anyVersions(list: TagList): number[] {
  return list.any ? [] : list.tags.filter((t) => t.version !== undefined).map((t) => t.version!);
}
