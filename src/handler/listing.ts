/**
 * `GET /items`: which read a listing is (a scan, the scope's partition of the table, an index partition, each
 * optionally narrowed by a key condition on its sort key: src/shared/range-query.ts), its pages, and its cursors.
 *
 * Every scoped read names the scope's partition in its key condition: the table's partition (the owner, or the
 * parent's key) for a plain listing, the hidden (scope, value) partition key for an index (src/shared/keys.ts). Range
 * conditions are key conditions too. Nothing is filtered after DynamoDB has read it, so `Limit` counts exactly what is
 * returned and `LastEvaluatedKey` is always one of the scope's own items.
 *
 * A page stops at `limit` items or at {@link PAGE_BYTE_BUDGET} bytes of response, whichever comes first (at least one
 * item per page), so a response always stays well under Lambda's 6 MB payload limit; `nextCursor` then resumes right
 * after the last item returned.
 */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { CursorError, Listing } from './cursor';
import { parseFields, pick } from './fields';
import { HttpError, HttpResponse } from './http';
import { presentItem } from './item';
import { DynamoItem, fromItem } from './marshal';
import type { OperationRequest, Services } from './services';
import type { PageRead } from './store';
import { ResourceConfig } from '../shared/config';
import { MAX_PARTITION_KEY_BYTES, ownerIndexValue, scopedIndexValue, tableKeySchema } from '../shared/keys';
import { PROBLEMS } from '../shared/problems';
import { conditionText, ListPlan, ListQueryError, planListing } from '../shared/range-query';

/**
 * Most response bytes one page holds, counted as they travel in Lambda's response payload (the body is a JSON string
 * inside a JSON document, so every escape counts twice). Lambda refuses responses over 6 MB; 4 MiB leaves room for the
 * envelope and headers, and for one item that alone exceeds the budget (a 400 KB item serialises to at most a few MB).
 */
export const PAGE_BYTE_BUDGET = 4 * 1024 * 1024;

/** DynamoDB reads per page at most (each reads up to 1 MB). */
const MAX_READS_PER_PAGE = 10;

/** `GET /items?limit=&cursor=&order=&fields=&<partition attribute>=<value>&<sort attribute>=<op>.<value>`. */
export async function listItems(s: Services, req: OperationRequest): Promise<HttpResponse> {
  const params = queryParameters(req.event);
  const { listing, read } = plan(s, req, params);
  const single = new Map(params);
  const limit = parseLimit(single.get('limit'), s.config);
  const fields = parseFields(single.get('fields'), s.config, s.model, [s.config.idAttribute, ...req.ancestors.map((a) => a.parameter)], listing.keyAttributes);
  if (read.partition !== undefined && Buffer.byteLength(read.partition.value, 'utf8') > MAX_PARTITION_KEY_BYTES) {
    // A partition key this long (a long value with its scope) cannot be stored, so nothing is in it; DynamoDB would
    // refuse the query rather than say so.
    return { statusCode: 200, headers: { 'content-type': 'application/json' }, body: '{"items":[],"nextCursor":null}' };
  }
  // Cursors are bound to the owner when owner-scoped, else to the caller's principal.
  const caller = req.owner ?? req.principal;

  const cursor = single.get('cursor');
  let startKey: DynamoItem | undefined;
  if (cursor !== undefined) {
    try {
      startKey = await s.cursors.decode(cursor, listing, caller, s.clock().getTime());
    } catch (e) {
      if (e instanceof CursorError) throw new HttpError(PROBLEMS.INVALID_CURSOR, `${capitalise(e.message)}; start the listing again without a cursor.`);
      throw e;
    }
  }

  // Each item's JSON, written once: it is measured for the page budget and becomes part of the body as is.
  const items: string[] = [];
  let bytes = 0;
  let lastKey: DynamoItem | undefined;
  let lastKept: DynamoItem | undefined;
  try {
    reads: for (let round = 0; round < MAX_READS_PER_PAGE; round++) {
      const chunk = await s.store.read({
        ...read, limit: limit - items.length, ...(startKey ? { startKey } : {}), ...(fields ? { projection: fields.fetch } : {}),
      });
      for (const raw of chunk.items) {
        const item = JSON.stringify(pick(presentItem(s.model, fromItem(raw)), fields));
        const size = responseBytes(item);
        if (lastKept !== undefined && bytes + size > PAGE_BYTE_BUDGET) {
          // Full: resume right after the last item kept.
          lastKey = keyOf(lastKept, listing);
          break reads;
        }
        items.push(item);
        bytes += size;
        lastKept = raw;
      }
      lastKey = chunk.lastKey;
      startKey = chunk.lastKey;
      if (!chunk.lastKey || items.length >= limit) break;
    }
  } catch (e) {
    // Defence in depth: a start key DynamoDB refuses is the cursor's fault, never a 500.
    if (cursor !== undefined && (e as Error).name === 'ValidationException') {
      throw new HttpError(PROBLEMS.INVALID_CURSOR, 'The cursor does not fit this listing; start the listing again without a cursor.');
    }
    throw e;
  }
  const nextCursor = lastKey ? await s.cursors.encode(listing, lastKey, caller, s.clock().getTime()) : null;
  // Exactly JSON.stringify({ items, nextCursor }), without serialising every item a second time.
  return { statusCode: 200, headers: { 'content-type': 'application/json' }, body: `{"items":[${items.join(',')}],"nextCursor":${JSON.stringify(nextCursor)}}` };
}

/**
 * The read a listing makes and what its cursors are bound to: the plan of the query string (src/shared/range-query.ts)
 * placed in the request's scope. Every scoped read names the scope's partition in its key condition.
 */
function plan(s: Services, req: OperationRequest, params: readonly [string, string][]): { listing: Listing; read: Omit<PageRead, 'limit'> } {
  const { config } = s;
  let p: ListPlan;
  try {
    p = planListing(config, params);
  } catch (e) {
    if (e instanceof ListQueryError) throw new HttpError(PROBLEMS.INVALID_QUERY, e.message);
    throw e;
  }
  const nested = config.parent !== undefined;
  const keys = tableKeySchema({
    idAttribute: config.idAttribute,
    idType: config.idType,
    ownerAttribute: config.ownerScoping?.attribute,
    nested,
    indexes: config.indexes,
  });
  const tableKey = [keys.partitionKey.name, ...(keys.sortKey ? [keys.sortKey.name] : [])];
  if (p.source === 'scan') {
    return { listing: { mode: 'scan', keyAttributes: tableKey, fixedKeyValues: {} }, read: { forward: true } };
  }
  const scope = req.scope;
  const condition = p.condition !== undefined ? { condition: conditionText(p.condition) } : {};
  if (p.source === 'table') {
    if (scope === undefined) throw new Error(`scoped resource '${config.name}' listed without its scope`);
    // The scope's partition of the table, in id order.
    const partition = { attribute: scope.attribute, value: scope.value };
    return {
      listing: {
        mode: 'owner',
        ...(nested ? { partitionValue: scope.value } : {}),
        // 'asc' is left out so that cursors issued before orders and conditions existed stay valid.
        ...(p.order === 'desc' ? { order: p.order } : {}),
        ...condition,
        keyAttributes: tableKey,
        fixedKeyValues: { [partition.attribute]: partition.value },
      },
      read: { partition, forward: p.order === 'asc', ...(p.condition ? { condition: p.condition } : {}) },
    };
  }
  const index = p.index;
  const schema = keys.indexes.find((ix) => ix.indexName === index.indexName)!;
  let value: string;
  if (p.partitionValue === undefined || scope === undefined) {
    // No partition key: the index is partitioned by the scope. Unscoped: the value as sent.
    if (p.partitionValue === undefined && scope === undefined) throw new Error(`index '${index.indexName}' needs a scope`);
    value = p.partitionValue ?? scope!.value;
  } else {
    // A scoped index partition holds (scope, value), so the query reads only the scope's items. A value too long to be
    // stored with the scope matches nothing, as an unused value does.
    value = nested ? scopedIndexValue(scope.value, p.partitionValue) : ownerIndexValue(scope.value, p.partitionValue);
  }
  const partition = { attribute: schema.partitionKey.name, value };
  return {
    listing: {
      mode: 'index',
      indexName: index.indexName,
      ...(p.partitionValue !== undefined ? { partitionValue: p.partitionValue } : nested ? { partitionValue: scope!.value } : {}),
      keyAttributes: unique([partition.attribute, ...(schema.sortKey ? [schema.sortKey.name] : []), ...tableKey]),
      fixedKeyValues: { [partition.attribute]: partition.value },
      ...(p.order !== undefined ? { order: p.order } : {}),
      ...condition,
    },
    read: { indexName: index.indexName, partition, forward: p.order !== 'desc', ...(p.condition ? { condition: p.condition } : {}) },
  };
}

/** The LastEvaluatedKey that resumes a listing right after `raw`: its key attributes for this listing. */
function keyOf(raw: DynamoItem, listing: Listing): DynamoItem {
  const key: DynamoItem = {};
  for (const attr of listing.keyAttributes) {
    const v = raw[attr];
    if (v === undefined) throw new Error(`listed item lacks key attribute '${attr}'`);
    key[attr] = v;
  }
  return key;
}

/**
 * An item's share of the response payload: its JSON, escaped again as the body string of Lambda's response. JSON text
 * holds no raw control characters (JSON.stringify escapes them with printable ones), so escaping it again adds one
 * byte per `"` and `\\` only.
 */
function responseBytes(json: string): number {
  let escapes = 0;
  for (let i = 0; i < json.length; i++) {
    const c = json.charCodeAt(i);
    if (c === 0x22 || c === 0x5c) escapes++;
  }
  // +1: the comma that separates it from the next item.
  return Buffer.byteLength(json, 'utf8') + escapes + 1;
}

/**
 * Query parameters from `rawQueryString`, in order, repeats included (the planner refuses repeats, but for a range's
 * two bounds).
 */
function queryParameters(event: APIGatewayProxyEventV2): [string, string][] {
  if (event.rawQueryString !== undefined) return [...new URLSearchParams(event.rawQueryString)];
  // Without a raw query string (never from API Gateway), repeats arrive joined by commas: taken as one value.
  return Object.entries(event.queryStringParameters ?? {}).filter((kv): kv is [string, string] => kv[1] !== undefined);
}

function parseLimit(raw: string | undefined, config: ResourceConfig): number {
  if (raw === undefined) return config.defaultPageSize;
  if (!/^[0-9]{1,9}$/.test(raw) || Number(raw) < 1 || Number(raw) > config.maxPageSize) {
    throw new HttpError(PROBLEMS.INVALID_QUERY, `'limit' must be an integer from 1 to ${config.maxPageSize}.`);
  }
  return Number(raw);
}

function unique(xs: string[]): string[] {
  return [...new Set(xs)];
}

function capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
