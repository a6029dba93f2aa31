/**
 * ETags and conditional requests (RFC 9110 section 13): `If-Match` and `If-None-Match` against an item's version.
 *
 * The ETag of an item is a strong entity tag made of its version and its generation, `"3.kQ2x9VbTtWc"`. The version
 * counts writes; the generation is random per creation of an id, so a tag of a deleted item never matches the item
 * created again under the same id (whose version starts at 1 again). Items written by other tools have no
 * generation: their tag is the version alone (`"0"` when they have no version either). Items always serialise the
 * same way (see presentItem), so one tag is one representation.
 */
import { randomBytes } from 'crypto';
import { HttpError } from './http';
import { PROBLEMS } from '../shared/problems';

/** What a tag is compared with: an item's version and generation. */
export interface ItemTag {
  readonly version: number;
  readonly generation?: string;
}

/** The ETag header value of an item's tag. */
export function etagOf(tag: ItemTag): string {
  return tag.generation === undefined ? `"${tag.version}"` : `"${tag.version}.${tag.generation}"`;
}

/** A new generation: 64 random bits, base64url (11 characters). */
export function newGeneration(): string {
  return randomBytes(8).toString('base64url');
}

/** A parsed `If-Match` / `If-None-Match`: `*`, or the listed tags. */
export type TagList = { readonly any: true } | { readonly any: false; readonly tags: readonly EntityTag[] };

/** One entity tag; `tag` when the opaque part has the shape of ours. */
export interface EntityTag {
  readonly weak: boolean;
  readonly tag?: ItemTag;
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
      const ours = /^(0|[1-9]\d{0,14})(?:\.([A-Za-z0-9_-]{1,32}))?$/.exec(m[2]);
      const tag = ours ? { version: Number(ours[1]), ...(ours[2] !== undefined ? { generation: ours[2] } : {}) } : undefined;
      tags.push(tag === undefined ? { weak: m[1] !== undefined } : { weak: m[1] !== undefined, tag });
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

/** Whether an entity tag names exactly this item tag. */
function names(t: EntityTag, current: ItemTag): boolean {
  return t.tag !== undefined && t.tag.version === current.version && t.tag.generation === current.generation;
}

/**
 * Evaluates the conditions against the current state (`undefined`: no item) in RFC 9110's order (If-Match first).
 * 'not-modified' means If-None-Match matched: the caller answers 304 for GET and 412 for writes.
 */
export function evaluate(p: Preconditions, current: ItemTag | undefined): 'pass' | 'precondition-failed' | 'not-modified' {
  if (p.ifMatch !== undefined) {
    // Strong comparison: weak tags never match.
    const ok = current !== undefined && (p.ifMatch.any || p.ifMatch.tags.some((t) => !t.weak && names(t, current)));
    if (!ok) return 'precondition-failed';
  }
  if (p.ifNoneMatch !== undefined) {
    // Weak comparison.
    const matches = current !== undefined && (p.ifNoneMatch.any || p.ifNoneMatch.tags.some((t) => names(t, current)));
    if (matches) return 'not-modified';
  }
  return 'pass';
}

/** The item tags an If-Match list accepts (strong comparison). */
export function strongTags(list: TagList): ItemTag[] {
  return list.any ? [] : list.tags.filter((t) => !t.weak && t.tag !== undefined).map((t) => t.tag!);
}
