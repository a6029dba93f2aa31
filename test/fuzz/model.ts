/**
 * The fuzzer's shadow model of one API's data: every item each resource holds, per scope (the owner of a per-caller
 * resource, the ancestors of a nested one), with its attributes, version and ETag; and the Idempotency-Key records.
 * A 2xx moves it; a 4xx never does. Listings are predicted from it: which items, and in which key order.
 */
import { RangeParam, ResourceSpec } from './contract';

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
export type Attrs = { [k: string]: Json };
export type Id = string | number;

export interface ModelItem {
  readonly id: Id;
  readonly attrs: Attrs;
  readonly version: number;
  readonly etag: string;
  readonly createdAt: string;
  readonly updatedAt: string;
  /** Ids of the ancestors, by path parameter (a nested resource). */
  readonly ancestors: Record<string, Id>;
}

/** An Idempotency-Key's record: the canonical body it was first used with and the 201 it produced. */
export interface IdempotencyRecord {
  readonly bodyHash: string;
  readonly item: ModelItem;
  /** The body as first sent, the caller and where: what a replay sends again. */
  readonly sent: string;
  readonly tenant: string;
  readonly place: RecordPlace;
}

/** Where a key was first used: its collection, the caller's headers and the item's scope. */
export interface RecordPlace {
  readonly basePath: string;
  readonly headers: Record<string, string>;
  readonly ancestors: Record<string, Id>;
  readonly owner?: string;
  readonly scope: string;
  readonly parentExists: boolean;
}

/** Canonical JSON: object members sorted, so two equal documents compare equal whatever their member order. */
export function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${canonical((v as any)[k])}`).join(',')}}`;
  }
  return JSON.stringify(v);
}

/** DynamoDB's order of string keys: by UTF-8 bytes. */
export function compareKeys(a: Id, b: Id): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return Buffer.compare(Buffer.from(String(a), 'utf8'), Buffer.from(String(b), 'utf8'));
}

export class ApiModel {
  /** resource name → scope key → id key → item. */
  private readonly items = new Map<string, Map<string, Map<string, ModelItem>>>();
  /** resource name → record key → record. */
  public readonly idempotency = new Map<string, Map<string, IdempotencyRecord>>();
  /** Every ETag ever answered for an item slot, to prove a new write never reuses one. */
  public readonly etagsSeen = new Map<string, Set<string>>();

  constructor(public readonly resources: readonly ResourceSpec[]) {
    for (const r of resources) {
      this.items.set(r.name, new Map());
      this.idempotency.set(r.name, new Map());
    }
  }

  public scopeOf(r: ResourceSpec, owner: string | undefined, ancestors: Record<string, Id>): string {
    return JSON.stringify([r.ownerAttribute ? owner : null, ...r.ancestors.map((a) => ancestors[a.name])]);
  }

  public get(r: ResourceSpec, scope: string, id: Id): ModelItem | undefined {
    return this.items.get(r.name)!.get(scope)?.get(String(id));
  }

  public put(r: ResourceSpec, scope: string, item: ModelItem): void {
    const byScope = this.items.get(r.name)!;
    if (!byScope.has(scope)) byScope.set(scope, new Map());
    byScope.get(scope)!.set(String(item.id), item);
  }

  public delete(r: ResourceSpec, scope: string, id: Id): void {
    this.items.get(r.name)!.get(scope)?.delete(String(id));
  }

  /** The items of one scope (every scope of the resource for a scanned listing). */
  public list(r: ResourceSpec, scope: string): ModelItem[] {
    return [...(this.items.get(r.name)!.get(scope)?.values() ?? [])];
  }

  public all(r: ResourceSpec): { scope: string; item: ModelItem }[] {
    return [...this.items.get(r.name)!.entries()].flatMap(([scope, m]) => [...m.values()].map((item) => ({ scope, item })));
  }

  /** Children of one parent item (any resource whose last ancestor is `parent`). */
  public hasChildren(parent: ResourceSpec, parentScope: string, parentId: Id): boolean {
    const parentAncestors = JSON.parse(parentScope).slice(1);
    for (const r of this.resources) {
      const last = r.ancestors[r.ancestors.length - 1];
      if (!last || r.ancestors.length !== parent.ancestors.length + 1) continue;
      if (this.resources.find((x) => x.item.endsWith(`{${last.name}}`))?.name !== parent.name) continue;
      const childScope = JSON.stringify([JSON.parse(parentScope)[0], ...parentAncestors, parentId]);
      if (this.list(r, childScope).length > 0) return true;
    }
    return false;
  }

  public noteEtag(r: ResourceSpec, scope: string, id: Id, etag: string): boolean {
    const k = `${r.name} ${scope} ${String(id)}`;
    if (!this.etagsSeen.has(k)) this.etagsSeen.set(k, new Set());
    const seen = this.etagsSeen.get(k)!;
    const fresh = !seen.has(etag);
    seen.add(etag);
    return fresh;
  }
}

/** One bound of a range: `gte.10`. */
export interface Bound {
  readonly op: string;
  readonly value: string;
}

/** The value an item is sorted by under `name`: its id, a server time, or one of its attributes. */
export function sortValue(item: ModelItem, name: string, idAttribute: string): Json | undefined {
  if (name === idAttribute) return item.id;
  if (name === 'updatedAt' || name === 'createdAt') return item[name];
  return item.attrs[name];
}

/** Whether an item's sort value satisfies every bound (DynamoDB's key condition semantics). */
export function inRange(value: Json | undefined, range: RangeParam, bounds: readonly Bound[]): boolean {
  if (value === undefined) return false;
  if (range.numeric ? typeof value !== 'number' : typeof value !== 'string') return false;
  return bounds.every((b) => {
    if (b.op === 'begins') return Buffer.from(value as string, 'utf8').subarray(0, Buffer.byteLength(b.value, 'utf8')).equals(Buffer.from(b.value, 'utf8'));
    const c = range.numeric ? (value as number) - Number(b.value) : compareKeys(value as string, b.value);
    switch (b.op) {
      case 'eq': return c === 0;
      case 'gt': return c > 0;
      case 'gte': return c >= 0;
      case 'lt': return c < 0;
      case 'lte': return c <= 0;
      default: return false;
    }
  });
}
