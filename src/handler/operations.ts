/**
 * The CRUD operations: each turns a routed request into a response, using the store for DynamoDB and throwing
 * {@link HttpError} for every client-visible failure.
 */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { CursorCodec, CursorError, Listing } from './cursor';
import { emptyResponse, header, HttpError, HttpResponse, jsonResponse, readJsonObject } from './http';
import { IdempotencyRecord, keyReused, parseIdempotencyKey, recordKey, requestHash } from './idempotency';
import {
  buildItem, checkAttributes, checkId, clientContent, ItemModel, itemSize, MAX_ITEM_BYTES, presentItem, versionOf,
} from './item';
import { escapePointer, JsonObject, JsonValue } from './json';
import { isObject, mergePatch } from './merge-patch';
import { anyVersions, etagOf, evaluate, hasPreconditions, parseTagList, Preconditions, strongVersions } from './preconditions';
import { ItemStore, PageRequest, ReplaceExpectation, UpdatePlan, WriteConflict } from './store';
import type { SchemaValidator } from './validation';
import { HandlerConfig, MANAGED_ATTRIBUTES } from '../shared/config';
import { PROBLEMS, ProblemViolation } from '../shared/problems';

/** What the operations share for the lifetime of the function. */
export interface Services {
  readonly config: HandlerConfig;
  readonly model: ItemModel;
  readonly store: ItemStore;
  readonly cursors: CursorCodec;
  readonly validator?: SchemaValidator;
  /** Whether an idempotency table is configured. */
  readonly idempotency: boolean;
  readonly clock: () => Date;
  readonly newId: () => string;
}

/** One request as the operations see it. */
export interface OperationRequest {
  readonly event: APIGatewayProxyEventV2;
  /** The caller's owner id (JWT `sub`) when the API is owner-scoped. */
  readonly owner?: string;
  /** Epoch ms after which no further write attempt starts. */
  readonly deadline: number;
  /** Facts for the request's log line. */
  readonly note: { itemId?: string; retries?: number; idempotentReplay?: boolean };
}

/** Most write attempts of one request under contention (each after a jittered, growing pause). */
export const MAX_WRITE_ATTEMPTS = 40;

// ---------------------------------------------------------------- create

/** `POST /items`. */
export async function createItem(s: Services, req: OperationRequest): Promise<HttpResponse> {
  const body = readJsonObject(req.event, 'document');
  const key = parseIdempotencyKey(header(req.event, 'idempotency-key'));
  if (key !== undefined && !s.idempotency) {
    throw new HttpError(PROBLEMS.IDEMPOTENCY_UNAVAILABLE, 'This deployment has no idempotency table; send the request without Idempotency-Key.');
  }
  const violations: ProblemViolation[] = [];
  let id: string | undefined;
  if (Object.prototype.hasOwnProperty.call(body, s.model.idAttribute)) {
    const problem = checkId(body[s.model.idAttribute]);
    if (problem) violations.push({ path: '/' + escapePointer(s.model.idAttribute), message: problem });
    else id = body[s.model.idAttribute] as string;
  }
  const content = clientContent(s.model, body);
  violations.push(...checkAttributes(withoutId(body, s.model), s.model));
  if (s.validator) violations.push(...s.validator.check(content));
  if (violations.length) throw invalidItem(violations);

  const now = s.clock().toISOString();
  const item = buildItem(s.model, content, id ?? s.newId(), { version: 1, createdAt: now, updatedAt: now, owner: req.owner });
  checkSize(item);
  const itemId = item[s.model.idAttribute] as string;
  req.note.itemId = itemId;

  if (key === undefined) {
    if (!(await s.store.create(item))) throw alreadyExists(itemId);
    return created(s, req, item);
  }

  const hash = requestHash(body);
  const pk = recordKey(s.config.resourceName, req.owner, key);
  return retrying(req, async () => {
    const nowSeconds = Math.floor(s.clock().getTime() / 1000);
    const record: IdempotencyRecord = {
      pk, requestHash: hash, itemId, createdAt: now, expiresAt: nowSeconds + s.config.idempotencyTtlSeconds,
    };
    const result = await s.store.createIdempotent(item, record, nowSeconds);
    switch (result.kind) {
      case 'created':
        return created(s, req, item);
      case 'item-exists':
        throw alreadyExists(itemId);
      case 'conflict':
        return RETRY;
      case 'record-exists': {
        const r = result.record;
        if (r.expiresAt < nowSeconds) return RETRY; // expired between the condition and the read
        if (r.requestHash !== hash) throw keyReused();
        // The original response, rebuilt: same body (the hash says so), the original id and creation time.
        req.note.itemId = r.itemId;
        req.note.idempotentReplay = true;
        const original = buildItem(s.model, content, r.itemId, { version: 1, createdAt: r.createdAt, updatedAt: r.createdAt, owner: req.owner });
        return created(s, req, original, { 'idempotent-replayed': 'true' });
      }
    }
  });
}

function created(s: Services, req: OperationRequest, item: JsonObject, extra: Record<string, string> = {}): HttpResponse {
  return jsonResponse(201, presentItem(s.model, item), {
    location: itemLocation(s, req, item[s.model.idAttribute] as string),
    etag: etagOf(versionOf(item)),
    ...extra,
  });
}

// ---------------------------------------------------------------- read

/** `GET /items/{id}`. */
export async function readItem(s: Services, req: OperationRequest, id: string): Promise<HttpResponse> {
  const pre = preconditions(req.event);
  const item = visible(s, req, await s.store.get(id));
  if (!item) throw notFound(id);
  const version = versionOf(item);
  const outcome = evaluate(pre, version);
  if (outcome === 'not-modified') return emptyResponse(304, { etag: etagOf(version) });
  if (outcome === 'precondition-failed') throw preconditionFailed();
  return jsonResponse(200, presentItem(s.model, item), { etag: etagOf(version) });
}

// ---------------------------------------------------------------- replace (PUT)

/** `PUT /items/{id}`: full replacement; creates when absent. */
export async function replaceItem(s: Services, req: OperationRequest, id: string): Promise<HttpResponse> {
  const body = readJsonObject(req.event, 'document');
  checkBodyId(s, body, id);
  const pre = preconditions(req.event);
  const content = clientContent(s.model, body);
  const violations = [...checkAttributes(withoutId(body, s.model), s.model), ...(s.validator ? s.validator.check(content) : [])];
  if (violations.length) throw invalidItem(violations);

  const reader = new ItemReader(s, id);
  return retrying(req, async () => {
    const stored = await reader.read();
    const current = visible(s, req, stored);
    if (stored && !current) {
      // Another owner's item: not ours to replace, and the id cannot be created either.
      throw new HttpError(PROBLEMS.ALREADY_EXISTS, `An item with id '${id}' exists and cannot be replaced by this caller.`);
    }
    if (evaluate(pre, current ? versionOf(current) : undefined) !== 'pass') throw preconditionFailed();
    const now = s.clock().toISOString();
    const version = current ? versionOf(current) : 0;
    const item = buildItem(s.model, content, id, { version: version + 1, createdAt: createdAtOf(current, now), updatedAt: now, owner: req.owner });
    checkSize(item);
    const written = await s.store.replace(item, current ? versionExpectation(current, req) : { kind: 'absent' });
    if (written.kind === 'conflict') return reader.retryWith(written);
    if (current) return jsonResponse(200, presentItem(s.model, item), { etag: etagOf(version + 1) });
    return created(s, req, item);
  });
}

// ---------------------------------------------------------------- merge patch (PATCH)

/**
 * `PATCH /items/{id}` (RFC 7396). Without conditions and schema, the write is path-wise: one UpdateItem setting and
 * removing exactly the patched document paths, each merge into a nested map conditioned only on that map still being
 * a map, so concurrent patches of different attributes, or of different members of one map, never conflict. With
 * `If-Match`/`If-None-Match` or a schema (which may relate attributes to each other), the whole merged item is
 * written conditioned on the version it was computed from. Either way a lost race is retried from the item DynamoDB
 * returns with the failed condition, so no update is ever lost.
 */
export async function patchItem(s: Services, req: OperationRequest, id: string): Promise<HttpResponse> {
  const patch = readJsonObject(req.event, 'merge-patch');
  checkBodyId(s, patch, id);
  const patchContent = withoutId(patch, s.model);
  const managed = Object.keys(patchContent).filter((k) => s.model.managed.has(k));
  if (managed.length) {
    throw invalidItem(managed.map((k) => ({ path: '/' + escapePointer(k), message: `'${k}' is managed by the server and cannot be set` })));
  }
  const pre = preconditions(req.event);
  const conditional = hasPreconditions(pre) || s.validator !== undefined;

  const reader = new ItemReader(s, id);
  if (!conditional) {
    // One round trip for the common case: apply the patch path-wise without reading first. Whatever the write cannot
    // decide alone (a map to merge into, a missing or foreign item, a version of another type, an item growing past
    // 400 KB) fails its condition or validation and falls through to the read-then-write path below, which decides
    // exactly as before — with the item the failed condition returned, when there is one.
    const fast = await patchWithoutRead(s, req, id, patchContent, reader);
    if (fast) return fast;
  }
  return retrying(req, async () => {
    const current = visible(s, req, await reader.read());
    if (!current) throw notFound(id);
    if (evaluate(pre, versionOf(current)) !== 'pass') throw preconditionFailed();
    const before = clientContent(s.model, current);
    const merged = mergePatch(before, patchContent) as JsonObject;
    const violations = [...checkAttributes(merged, s.model), ...(s.validator ? s.validator.check(merged) : [])];
    if (violations.length) throw invalidItem(violations);
    const now = s.clock().toISOString();
    const version = versionOf(current);
    const item = buildItem(s.model, merged, id, { version: version + 1, createdAt: createdAtOf(current, now), updatedAt: now, owner: req.owner });
    checkSize(item);

    // A path-wise write increments the stored version in place, which needs it to be a number (or absent).
    const rawVersion = current[MANAGED_ATTRIBUTES.VERSION];
    if (!conditional && (rawVersion === undefined || typeof rawVersion === 'number')) {
      const plan: UpdatePlan = { ...updatePlan(patchContent, before), now, ...(req.owner !== undefined ? { owner: req.owner } : {}) };
      const updated = await s.store.update(id, plan);
      if (updated.kind === 'conflict') return reader.retryWith(updated);
      if (updated.kind === 'updated') return jsonResponse(200, presentItem(s.model, updated.item), { etag: etagOf(versionOf(updated.item)) });
    }
    const written = await s.store.replace(item, versionExpectation(current, req));
    if (written.kind === 'conflict') return reader.retryWith(written);
    return jsonResponse(200, presentItem(s.model, item), { etag: etagOf(version + 1) });
  });
}

/**
 * The read-less attempt of an unconditional PATCH: the plan is made against an empty item, so every patched
 * object is written as a whole under the condition that no map is there to merge into. Returns the response when
 * the write decided the request, undefined to continue with the read-then-write path (`reader` then holds the item
 * a failed condition returned).
 */
async function patchWithoutRead(
  s: Services, req: OperationRequest, id: string, patch: JsonObject, reader: ItemReader,
): Promise<HttpResponse | undefined> {
  // The patch's own values must be storable; what is already stored was checked when it was written.
  const violations = checkAttributes(mergePatch({}, patch) as JsonObject, s.model);
  if (violations.length) throw invalidItem(violations);
  const plan: UpdatePlan = { ...updatePlan(patch, {}), now: s.clock().toISOString(), ...(req.owner !== undefined ? { owner: req.owner } : {}) };
  let result: Awaited<ReturnType<ItemStore['update']>>;
  try {
    result = await s.store.update(id, plan);
  } catch (e) {
    // Item size over 400 KB or a stored version that is not a number: the slow path answers those precisely.
    if ((e as Error).name === 'ValidationException') return undefined;
    throw e;
  }
  if (result.kind === 'updated') return jsonResponse(200, presentItem(s.model, result.item), { etag: etagOf(versionOf(result.item)) });
  if (result.kind === 'conflict') reader.retryWith(result);
  return undefined;
}

/**
 * The document-path form of a merge patch (RFC 7396 section 2, unrolled): `null` removes the path; an object merges
 * into the map at the path when there is one (required to still be a map) and replaces anything else (required to
 * still not be a map); any other value replaces. Only the patched paths are touched.
 */
export function updatePlan(patch: JsonObject, before: JsonObject): Pick<UpdatePlan, 'set' | 'remove' | 'maps'> {
  const set: { path: string[]; value: JsonValue }[] = [];
  const remove: string[][] = [];
  const maps: { path: string[]; isMap: boolean }[] = [];
  const walk = (p: JsonObject, target: JsonObject, parent: string[]) => {
    for (const key of Object.keys(p)) {
      const value = p[key];
      const path = [...parent, key];
      const old = Object.prototype.hasOwnProperty.call(target, key) ? target[key] : undefined;
      if (value === null) {
        remove.push(path);
      } else if (isObject(value) && isObject(old)) {
        maps.push({ path, isMap: true });
        walk(value, old, path);
      } else if (isObject(value)) {
        maps.push({ path, isMap: false });
        set.push({ path, value: mergePatch(undefined, value) });
      } else {
        set.push({ path, value });
      }
    }
  };
  walk(patch, before, []);
  return { set, remove, maps };
}

/**
 * Reads the item for a write attempt: from DynamoDB on the first attempt, then from the item a failed condition
 * returned, which is what DynamoDB held at that moment (saving a read per retry under contention).
 */
class ItemReader {
  private known?: { item: JsonObject | undefined };

  constructor(private readonly s: Services, private readonly id: string) {}

  public async read(): Promise<JsonObject | undefined> {
    const known = this.known;
    this.known = undefined;
    return known ? known.item : this.s.store.get(this.id);
  }

  public retryWith(conflict: WriteConflict): typeof RETRY {
    this.known = { item: conflict.current };
    return RETRY;
  }
}

function createdAtOf(current: JsonObject | undefined, now: string): string {
  const c = current?.[MANAGED_ATTRIBUTES.CREATED_AT];
  return typeof c === 'string' ? c : now;
}

// ---------------------------------------------------------------- delete

/** `DELETE /items/{id}`: one conditional DeleteItem; the old item returned on failure tells 404 from 412. */
export async function deleteItem(s: Services, req: OperationRequest, id: string): Promise<HttpResponse> {
  const pre = preconditions(req.event);
  const result = await s.store.delete(id, {
    ...(req.owner !== undefined ? { owner: req.owner } : {}),
    ...(pre.ifMatch && !pre.ifMatch.any ? { versions: strongVersions(pre.ifMatch) } : {}),
    ...(pre.ifNoneMatch && !pre.ifNoneMatch.any ? { notVersions: anyVersions(pre.ifNoneMatch) } : {}),
    ...(pre.ifNoneMatch?.any ? { mustNotExist: true } : {}),
  });
  if (result.deleted) return emptyResponse(204);
  if (!visible(s, req, result.current)) throw notFound(id);
  throw preconditionFailed();
}

// ---------------------------------------------------------------- list

/** `GET /items?limit=&cursor=&<indexed attribute>=&order=`. */
export async function listItems(s: Services, req: OperationRequest): Promise<HttpResponse> {
  const params = queryParameters(req.event);
  const { config, model } = s;
  const limit = parseLimit(params.get('limit'), config);
  const indexParams = [...params.keys()].filter((k) => !['limit', 'cursor', 'order'].includes(k));
  for (const k of indexParams) {
    if (!config.indexes.some((ix) => ix.partitionKey === k)) {
      const known = ['limit', 'cursor', 'order', ...config.indexes.map((ix) => ix.partitionKey)];
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

  let listing: Listing;
  let request: Omit<PageRequest, 'startKey'>;
  const ownerAttr = model.ownerAttribute;
  if (index) {
    const value = params.get(index.partitionKey)!;
    if (value === '' || Buffer.byteLength(value, 'utf8') > 2048) {
      throw new HttpError(PROBLEMS.INVALID_QUERY, `'${index.partitionKey}' must be a non-empty value of at most 2048 bytes.`);
    }
    const keyAttributes = unique([index.partitionKey, ...(index.sortKey ? [index.sortKey] : []), model.idAttribute]);
    listing = {
      mode: 'index',
      indexName: index.indexName,
      partitionValue: value,
      keyAttributes,
      fixedKeyValues: { [index.partitionKey]: value },
      ...(index.sortKey ? { order: (order ?? 'asc') as 'asc' | 'desc' } : {}),
    };
    request = {
      mode: 'index',
      indexName: index.indexName,
      partition: { attribute: index.partitionKey, value },
      forward: order !== 'desc',
      limit,
      ...(ownerAttr ? { ownerFilter: { attribute: ownerAttr, value: req.owner! } } : {}),
    };
  } else if (config.ownerScoping) {
    const indexName = config.ownerScoping.indexName;
    listing = {
      mode: 'owner', indexName, keyAttributes: unique([ownerAttr!, model.idAttribute]), fixedKeyValues: { [ownerAttr!]: req.owner! },
    };
    request = { mode: 'owner', indexName, partition: { attribute: ownerAttr!, value: req.owner! }, forward: true, limit };
  } else {
    listing = { mode: 'scan', keyAttributes: [model.idAttribute], fixedKeyValues: {} };
    request = { mode: 'scan', forward: true, limit };
  }

  const cursor = params.get('cursor');
  let startKey;
  if (cursor !== undefined) {
    try {
      startKey = s.cursors.decode(cursor, listing, req.owner);
    } catch (e) {
      if (e instanceof CursorError) throw new HttpError(PROBLEMS.INVALID_CURSOR, `${capitalise(e.message)}; start the listing again without a cursor.`);
      throw e;
    }
  }
  let page;
  try {
    page = await s.store.page({ ...request, ...(startKey ? { startKey } : {}) });
  } catch (e) {
    // Defence in depth: a start key DynamoDB refuses is the cursor's fault, never a 500.
    if (startKey && (e as Error).name === 'ValidationException') {
      throw new HttpError(PROBLEMS.INVALID_CURSOR, 'The cursor does not fit this listing; start the listing again without a cursor.');
    }
    throw e;
  }
  return jsonResponse(200, {
    items: page.items.map((it) => presentItem(model, it)),
    nextCursor: page.lastKey ? s.cursors.encode(listing, page.lastKey, req.owner) : null,
  });
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

function parseLimit(raw: string | undefined, config: HandlerConfig): number {
  if (raw === undefined) return config.defaultPageSize;
  if (!/^[0-9]{1,9}$/.test(raw) || Number(raw) < 1 || Number(raw) > config.maxPageSize) {
    throw new HttpError(PROBLEMS.INVALID_QUERY, `'limit' must be an integer from 1 to ${config.maxPageSize}.`);
  }
  return Number(raw);
}

// ---------------------------------------------------------------- shared helpers

/** Marker an attempt returns to be retried. */
const RETRY = Symbol('retry');

/**
 * Runs `attempt` until it returns a result, retrying after a jittered exponential pause while it returns
 * {@link RETRY}; gives up with 409 write-conflict after {@link MAX_WRITE_ATTEMPTS} or at the deadline.
 */
async function retrying<T>(req: OperationRequest, attempt: () => Promise<T | typeof RETRY>): Promise<T> {
  for (let i = 0; ; i++) {
    const result = await attempt();
    if (result !== RETRY) return result;
    const pause = Math.random() * Math.min(200, 5 * 2 ** i);
    if (i + 1 >= MAX_WRITE_ATTEMPTS || Date.now() + pause > req.deadline) {
      throw new HttpError(PROBLEMS.WRITE_CONFLICT, 'The item kept changing while this request tried to write it; retry the request.', {
        headers: { 'retry-after': '1' },
      });
    }
    req.note.retries = i + 1;
    await new Promise((resolve) => setTimeout(resolve, pause));
  }
}

function preconditions(event: APIGatewayProxyEventV2): Preconditions {
  const ifMatch = parseTagList(header(event, 'if-match'), 'If-Match');
  const ifNoneMatch = parseTagList(header(event, 'if-none-match'), 'If-None-Match');
  return { ...(ifMatch ? { ifMatch } : {}), ...(ifNoneMatch ? { ifNoneMatch } : {}) };
}

/** A replace conditioned on the item being exactly as read (its version attribute, and its owner when scoped). */
function versionExpectation(current: JsonObject, req: OperationRequest): ReplaceExpectation {
  const version = Object.prototype.hasOwnProperty.call(current, MANAGED_ATTRIBUTES.VERSION) ? current[MANAGED_ATTRIBUTES.VERSION] : undefined;
  return { kind: 'version', version, ...(req.owner !== undefined ? { owner: req.owner } : {}) };
}

/** The item if the caller may see it: any item when not owner-scoped, else only the caller's. */
function visible(s: Services, req: OperationRequest, item: JsonObject | undefined): JsonObject | undefined {
  if (!item || !s.model.ownerAttribute) return item;
  return item[s.model.ownerAttribute] === req.owner ? item : undefined;
}

/** A body's id attribute, when present, must be the path's id. */
function checkBodyId(s: Services, body: JsonObject, id: string): void {
  if (!Object.prototype.hasOwnProperty.call(body, s.model.idAttribute)) return;
  const given = body[s.model.idAttribute];
  if (given !== id) {
    throw new HttpError(
      PROBLEMS.ID_MISMATCH,
      `The body's '${s.model.idAttribute}' (${JSON.stringify(given)}) differs from the id in the path; the id of an item cannot change.`,
    );
  }
}

function withoutId(body: JsonObject, model: ItemModel): JsonObject {
  if (!Object.prototype.hasOwnProperty.call(body, model.idAttribute)) return body;
  const out: JsonObject = { ...body };
  delete out[model.idAttribute];
  return out;
}

function checkSize(item: JsonObject): void {
  const size = itemSize(item);
  if (size > MAX_ITEM_BYTES) {
    throw new HttpError(PROBLEMS.PAYLOAD_TOO_LARGE, `The item would be ${size} bytes; DynamoDB stores at most ${MAX_ITEM_BYTES} bytes per item.`);
  }
}

function itemLocation(s: Services, req: OperationRequest, id: string): string {
  const stage = req.event.requestContext?.stage;
  const prefix = stage && stage !== '$default' ? `/${stage}` : '';
  return `${prefix}/${s.config.resourceName}/${encodeURIComponent(id)}`;
}

function invalidItem(errors: ProblemViolation[]): HttpError {
  const n = errors.length;
  return new HttpError(PROBLEMS.VALIDATION_FAILED, `The item is invalid: ${n} violation${n === 1 ? '' : 's'}, listed in 'errors'.`, { errors });
}

function notFound(id: string): HttpError {
  return new HttpError(PROBLEMS.NOT_FOUND, `No item with id '${id}'.`);
}

function alreadyExists(id: string): HttpError {
  return new HttpError(PROBLEMS.ALREADY_EXISTS, `An item with id '${id}' already exists.`);
}

function preconditionFailed(): HttpError {
  return new HttpError(PROBLEMS.PRECONDITION_FAILED, 'The item does not match the request\'s If-Match / If-None-Match; read it again and retry.');
}

function unique(xs: string[]): string[] {
  return [...new Set(xs)];
}

function capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
