/**
 * `GET /items`: which read a listing is (scan, the caller's partition, an index partition), its pages, and its
 * cursors.
 *
 * Every owner-scoped read names the caller's partition in its key condition: the table's partition (the owner) for a
 * plain listing, the hidden (owner, value) partition key for an index (src/shared/keys.ts). Nothing is filtered after
 * DynamoDB has read it, so `Limit` counts exactly what is returned and `LastEvaluatedKey` is always one of the caller's
 * own items.
 *
 * A page stops at `limit` items or at {@link PAGE_BYTE_BUDGET} bytes of response, whichever comes first (at least one
 * item per page), so a response always stays well under Lambda's 6 MB payload limit; `nextCursor` then resumes right
 * after the last item returned.
 */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { CursorError, Listing } from './cursor';
import { HttpError, HttpResponse, jsonResponse } from './http';
import { presentItem } from './item';
import type { JsonObject } from './json';

import { DynamoItem, fromItem } from './marshal';
import type { OperationRequest, Services } from './services';
import type { PageRead } from './store';
import { RESERVED_QUERY_PARAMETERS, ResourceConfig } from '../shared/config';
import { MAX_PARTITION_KEY_BYTES, ownerIndexKeyAttribute, ownerIndexValue } from '../shared/keys';
import { PROBLEMS } from '../shared/problems';

/**
 * Most response bytes one page holds, counted as they travel in Lambda's response payload (the body is a JSON string
 * inside a JSON document, so every escape counts twice). Lambda refuses responses over 6 MB; 4 MiB leaves room for the
 * envelope and headers, and for one item that alone exceeds the budget (a 400 KB item serialises to at most a few MB).
 */
export const PAGE_BYTE_BUDGET = 4 * 1024 * 1024;

/** DynamoDB reads per page at most (each reads up to 1 MB). */
const MAX_READS_PER_PAGE = 10;

/** `GET /items?limit=&cursor=&<indexed attribute>=&order=`. */
export async function listItems(s: Services, req: OperationRequest): Promise<HttpResponse> {
  const params = queryParameters(req.event);
  const limit = parseLimit(params.get('limit'), s.config);
  const { listing, read } = plan(s, req, params);
  // Cursors are bound to the owner when owner-scoped, else to the caller's principal.
  const caller = req.owner ?? req.principal;

  const cursor = params.get('cursor');
  let startKey: DynamoItem | undefined;
  if (cursor !== undefined) {
    try {
      startKey = await s.cursors.decode(cursor, listing, caller, s.clock().getTime());
    } catch (e) {
      if (e instanceof CursorError) throw new HttpError(PROBLEMS.INVALID_CURSOR, `${capitalise(e.message)}; start the listing again without a cursor.`);
      throw e;
    }
  }

  const items: JsonObject[] = [];
  let bytes = 0;
  let lastKey: DynamoItem | undefined;
  let lastKept: DynamoItem | undefined;
  try {
    reads: for (let round = 0; round < MAX_READS_PER_PAGE; round++) {
      const chunk = await s.store.read({ ...read, limit: limit - items.length, ...(startKey ? { startKey } : {}) });
      for (const raw of chunk.items) {
        const item = presentItem(s.model, fromItem(raw));
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
  return jsonResponse(200, {
    items,
    nextCursor: lastKey ? await s.cursors.encode(listing, lastKey, caller, s.clock().getTime()) : null,
  });
}

/** The read a listing makes and what its cursors are bound to. */
function plan(s: Services, req: OperationRequest, params: Map<string, string>): { listing: Listing; read: Omit<PageRead, 'limit'> } {
  const { config, model } = s;
  const indexParams = [...params.keys()].filter((k) => !RESERVED_QUERY_PARAMETERS.includes(k));
  for (const k of indexParams) {
    if (!config.indexes.some((ix) => ix.partitionKey === k)) {
      const known = [...RESERVED_QUERY_PARAMETERS, ...config.indexes.map((ix) => ix.partitionKey)];
      throw new HttpError(PROBLEMS.INVALID_QUERY, `Unknown query parameter ${JSON.stringify(k.slice(0, 64))}; this API takes ${known.join(', ')}.`);
    }
  }
  if (indexParams.length > 1) {
    throw new HttpError(PROBLEMS.INVALID_QUERY, `Query by one indexed attribute at a time (got ${indexParams.join(', ')}).`);
  }
  const index = indexParams.length ? config.indexes.find((ix) => ix.partitionKey === indexParams[0])! : undefined;
  const order = params.get('order');
  if (order !== undefined) {
    if (!index?.sortKey) throw new HttpError(PROBLEMS.INVALID_QUERY, "'order' applies only to a query by an indexed attribute with a sort key.");
    if (order !== 'asc' && order !== 'desc') throw new HttpError(PROBLEMS.INVALID_QUERY, "'order' must be 'asc' or 'desc'.");
  }
  const tableKey = model.ownerAttribute !== undefined ? [model.ownerAttribute, model.idAttribute] : [model.idAttribute];

  if (index) {
    const value = params.get(index.partitionKey!)!;
    if (value === '' || Buffer.byteLength(value, 'utf8') > MAX_PARTITION_KEY_BYTES) {
      throw new HttpError(PROBLEMS.INVALID_QUERY, `'${index.partitionKey}' must be a non-empty value of at most ${MAX_PARTITION_KEY_BYTES} bytes.`);
    }
    // Owner-scoped: the index's partition key is the hidden (owner, value) attribute, so the query reads only the
    // caller's items. A value too long to be stored with the owner matches nothing, as an unused value does.
    const partition = req.owner !== undefined
      ? { attribute: ownerIndexKeyAttribute(index.indexName), value: ownerIndexValue(req.owner, value) }
      : { attribute: index.partitionKey!, value };
    return {
      listing: {
        mode: 'index',
        indexName: index.indexName,
        partitionValue: value,
        keyAttributes: unique([partition.attribute, ...(index.sortKey ? [index.sortKey] : []), ...tableKey]),
        fixedKeyValues: { [partition.attribute]: partition.value },
        ...(index.sortKey ? { order: (order ?? 'asc') as 'asc' | 'desc' } : {}),
      },
      read: { indexName: index.indexName, partition, forward: order !== 'desc' },
    };
  }
  if (req.owner !== undefined) {
    // The caller's partition of the table, in id order.
    const partition = { attribute: model.ownerAttribute!, value: req.owner };
    return {
      listing: { mode: 'owner', keyAttributes: tableKey, fixedKeyValues: { [partition.attribute]: partition.value } },
      read: { partition, forward: true },
    };
  }
  return { listing: { mode: 'scan', keyAttributes: tableKey, fixedKeyValues: {} }, read: { forward: true } };
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

/** An item's share of the response payload: its JSON, escaped again as the body string of Lambda's response. */
function responseBytes(item: JsonObject): number {
  return Buffer.byteLength(JSON.stringify(JSON.stringify(item)), 'utf8');
}

/** Query parameters from `rawQueryString`: 400 for a repeated one. */
function queryParameters(event: APIGatewayProxyEventV2): Map<string, string> {
  const out = new Map<string, string>();
  if (event.rawQueryString !== undefined) {
    for (const [k, v] of new URLSearchParams(event.rawQueryString)) {
      if (out.has(k)) throw new HttpError(PROBLEMS.INVALID_QUERY, `Query parameter '${k}' is repeated.`);
      out.set(k, v);
    }
  } else {
    for (const [k, v] of Object.entries(event.queryStringParameters ?? {})) {
      if (v !== undefined) out.set(k, v);
    }
  }
  return out;
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
