/**
 * The CRUD operations: each turns a routed request into a response, using the store for DynamoDB and throwing
 * {@link HttpError} for every client-visible failure.
 */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { CursorCodec } from './cursor';
import { emptyResponse, header, HttpError, HttpResponse, jsonResponse, readJsonObject } from './http';
import { IdempotencyRecord, keyReused, parseIdempotencyKey, recordKey, requestHash } from './idempotency';
import {
  buildItem, checkAttributes, checkId, clientContent, generationOf, ItemModel, itemSize, MAX_ITEM_BYTES, oversizedOwnerIndexKeys,
  presentItem, tagOf, versionOf,
} from './item';
import { escapePointer, JsonObject, JsonValue } from './json';
import { isObject, mergePatch } from './merge-patch';
import { etagOf, evaluate, hasPreconditions, parseTagList, Preconditions, strongTags } from './preconditions';
import { ItemStore, ReplaceExpectation, StoredState, UpdatePlan, WriteConflict } from './store';
import type { SchemaValidator } from './validation';
import { HandlerConfig, HIDDEN_ATTRIBUTES, MANAGED_ATTRIBUTES } from '../shared/config';
import { ownerIndexValue } from '../shared/keys';
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
  /** New generations (random per creation of an id). */
  readonly newGeneration: () => string;
}

/** One request as the operations see it. */
export interface OperationRequest {
  readonly event: APIGatewayProxyEventV2;
  /** The caller's owner id (JWT `sub`) when the API is owner-scoped: the partition every key of the request names. */
  readonly owner?: string;
  /** Who the caller is, for idempotency keys and cursors (see caller.ts); undefined without authorization. */
  readonly principal?: string;
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
  const generation = s.newGeneration();
  const item = buildItem(s.model, content, id ?? s.newId(), { version: 1, createdAt: now, updatedAt: now, owner: req.owner, generation });
  checkBuilt(s, item);
  const itemId = item[s.model.idAttribute] as string;
  req.note.itemId = itemId;

  if (key === undefined) {
    if (!(await s.store.create(item))) throw alreadyExists(itemId);
    return created(s, req, item);
  }

  const hash = requestHash(body);
  const pk = recordKey(s.config.resourceName, req.principal, key);
  return retrying(req, async () => {
    const nowSeconds = Math.floor(s.clock().getTime() / 1000);
    const record: IdempotencyRecord = {
      pk, requestHash: hash, itemId, createdAt: now, generation, expiresAt: nowSeconds + s.config.idempotencyTtlSeconds,
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
        const original = buildItem(s.model, content, r.itemId, {
          version: 1, createdAt: r.createdAt, updatedAt: r.createdAt, owner: req.owner, generation: r.generation,
        });
        return created(s, req, original, { 'idempotent-replayed': 'true' });
      }
    }
  });
}

function created(s: Services, req: OperationRequest, item: JsonObject, extra: Record<string, string> = {}): HttpResponse {
  return jsonResponse(201, presentItem(s.model, item), {
    location: itemLocation(s, req, item[s.model.idAttribute] as string),
    etag: etagOf(tagOf(item)),
    ...extra,
  });
}

// ---------------------------------------------------------------- read

/** `GET /items/{id}`. */
export async function readItem(s: Services, req: OperationRequest, id: string): Promise<HttpResponse> {
  const pre = preconditions(req.event);
  const item = await s.store.get(id, req.owner);
  if (!item) throw notFound(id);
  const tag = tagOf(item);
  const outcome = evaluate(pre, tag);
  if (outcome === 'not-modified') return emptyResponse(304, { etag: etagOf(tag) });
  if (outcome === 'precondition-failed') throw preconditionFailed();
  return jsonResponse(200, presentItem(s.model, item), { etag: etagOf(tag) });
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

  const reader = new ItemReader(s, id, req.owner);
  return retrying(req, async () => {
    const current = await reader.read();
    if (evaluate(pre, current ? tagOf(current) : undefined) !== 'pass') throw preconditionFailed();
    const now = s.clock().toISOString();
    const version = current ? versionOf(current) : 0;
    const item = buildItem(s.model, content, id, {
      version: version + 1, createdAt: createdAtOf(current, now), updatedAt: now, owner: req.owner, generation: keptGeneration(s, current),
    });
    checkBuilt(s, item);
    const written = await s.store.replace(item, current ? asRead(current) : { kind: 'absent' });
    if (written.kind === 'conflict') return reader.retryWith(written);
    if (current) return jsonResponse(200, presentItem(s.model, item), { etag: etagOf(tagOf(item)) });
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

  const reader = new ItemReader(s, id, req.owner);
  if (!conditional) {
    // One round trip for the common case: apply the patch path-wise without reading first. Whatever the write cannot
    // decide alone (a map to merge into, a missing or foreign item, a version of another type, an item growing past
    // 400 KB) fails its condition or validation and falls through to the read-then-write path below, which decides
    // exactly as before — with the item the failed condition returned, when there is one.
    const fast = await patchWithoutRead(s, req, id, patchContent, reader);
    if (fast) return fast;
  }
  return retrying(req, async () => {
    const current = await reader.read();
    if (!current) throw notFound(id);
    if (evaluate(pre, tagOf(current)) !== 'pass') throw preconditionFailed();
    const before = clientContent(s.model, current);
    const merged = mergePatch(before, patchContent) as JsonObject;
    const violations = [...checkAttributes(merged, s.model), ...(s.validator ? s.validator.check(merged) : [])];
    if (violations.length) throw invalidItem(violations);
    const now = s.clock().toISOString();
    const version = versionOf(current);
    const item = buildItem(s.model, merged, id, {
      version: version + 1, createdAt: createdAtOf(current, now), updatedAt: now, owner: req.owner, generation: keptGeneration(s, current),
    });
    checkBuilt(s, item);

    // A path-wise write increments the stored version in place, which needs it to be a number (or absent).
    const rawVersion = current[MANAGED_ATTRIBUTES.VERSION];
    if (!conditional && (rawVersion === undefined || typeof rawVersion === 'number')) {
      const plan = pathPlan(s, req, patchContent, before, now);
      const updated = await s.store.update(id, req.owner, plan);
      if (updated.kind === 'conflict') return reader.retryWith(updated);
      if (updated.kind === 'updated') return jsonResponse(200, presentItem(s.model, updated.item), { etag: etagOf(tagOf(updated.item)) });
    }
    const written = await s.store.replace(item, asRead(current));
    if (written.kind === 'conflict') return reader.retryWith(written);
    return jsonResponse(200, presentItem(s.model, item), { etag: etagOf(tagOf(item)) });
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
  const plan = pathPlan(s, req, patch, {}, s.clock().toISOString());
  let result: Awaited<ReturnType<ItemStore['update']>>;
  try {
    result = await s.store.update(id, req.owner, plan);
  } catch (e) {
    // Item size over 400 KB or a stored version that is not a number: the slow path answers those precisely.
    if ((e as Error).name === 'ValidationException') return undefined;
    throw e;
  }
  if (result.kind === 'updated') return jsonResponse(200, presentItem(s.model, result.item), { etag: etagOf(tagOf(result.item)) });
  if (result.kind === 'conflict') reader.retryWith(result);
  return undefined;
}

/**
 * The path-wise plan of a patch, with what the server keeps beside the patched paths: in owner-scoped resources, the
 * hidden index key of every indexed attribute the patch sets or removes; 422 when such a key would be too long.
 */
function pathPlan(s: Services, req: OperationRequest, patch: JsonObject, before: JsonObject, now: string): UpdatePlan {
  const plan = updatePlan(patch, before);
  const set = [...plan.set];
  const remove = [...plan.remove];
  if (req.owner !== undefined) {
    for (const [attribute, keyAttribute] of s.model.ownerIndexKeys) {
      if (!Object.prototype.hasOwnProperty.call(patch, attribute)) continue;
      const value = patch[attribute];
      if (typeof value === 'string') set.push({ path: [keyAttribute], value: ownerIndexValue(req.owner, value) });
      else remove.push([keyAttribute]);
    }
    const keys: JsonObject = {};
    for (const x of set) if (x.path.length === 1 && s.model.hidden.has(x.path[0])) keys[x.path[0]] = x.value;
    const tooLong = oversizedOwnerIndexKeys(s.model, keys);
    if (tooLong.length) throw invalidItem(tooLong);
  }
  return { set, remove, maps: plan.maps, now, generation: s.newGeneration() };
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

  constructor(private readonly s: Services, private readonly id: string, private readonly owner: string | undefined) {}

  public async read(): Promise<JsonObject | undefined> {
    const known = this.known;
    this.known = undefined;
    return known ? known.item : this.s.store.get(this.id, this.owner);
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

/**
 * `DELETE /items/{id}`: one conditional DeleteItem, its condition built from the request's entity tags. When it fails,
 * the item DynamoDB returns with the failure is evaluated exactly as GET, PUT and PATCH evaluate it: no item is a 404,
 * failing preconditions a 412. When they pass on that item (a stored shape the condition expression could not name,
 * such as a version that is not a number), the delete is tried again conditioned on the item being exactly as read.
 */
export async function deleteItem(s: Services, req: OperationRequest, id: string): Promise<HttpResponse> {
  const pre = preconditions(req.event);
  // If-None-Match with tags is decided on the item itself: a negated condition would let through stored shapes it
  // cannot name (a version another tool wrote as a string reads as "0"). The first attempt then cannot delete (the
  // item must not exist) and returns the item, which is evaluated below like everywhere else.
  let result = await s.store.delete(id, req.owner, {
    ...(pre.ifMatch && !pre.ifMatch.any ? { tags: strongTags(pre.ifMatch) } : {}),
    ...(pre.ifNoneMatch ? { mustNotExist: true } : {}),
  });
  return retrying(req, async () => {
    if (result.deleted) return emptyResponse(204);
    if (!result.current) throw notFound(id);
    if (evaluate(pre, tagOf(result.current)) !== 'pass') throw preconditionFailed();
    result = await s.store.delete(id, req.owner, { asRead: stateOf(result.current) });
    return result.deleted ? emptyResponse(204) : RETRY;
  });
}

// ---------------------------------------------------------------- shared helpers

/** Marker an attempt returns to be retried. */
export const RETRY = Symbol('retry');

/**
 * Runs `attempt` until it returns a result, retrying after a jittered exponential pause while it returns
 * {@link RETRY}; gives up with 409 write-conflict after {@link MAX_WRITE_ATTEMPTS} or at the deadline.
 */
export async function retrying<T>(req: OperationRequest, attempt: () => Promise<T | typeof RETRY>): Promise<T> {
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

/** The version and generation attributes of an item exactly as read (undefined: absent). */
function stateOf(item: JsonObject): StoredState {
  const own = (k: string) => (Object.prototype.hasOwnProperty.call(item, k) ? item[k] : undefined);
  return { version: own(MANAGED_ATTRIBUTES.VERSION), generation: own(HIDDEN_ATTRIBUTES.GENERATION) };
}

/** A replace conditioned on the item being exactly as read. */
function asRead(current: JsonObject): ReplaceExpectation {
  return { kind: 'as-read', state: stateOf(current) };
}

/** The generation a write keeps: the item's own, or a new one for an item that has none yet (or no item). */
function keptGeneration(s: Services, current: JsonObject | undefined): string {
  return (current ? generationOf(current) : undefined) ?? s.newGeneration();
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

/** What DynamoDB would refuse of a built item: its size (413), an owner-scoped index key grown too long (422). */
function checkBuilt(s: Services, item: JsonObject): void {
  const size = itemSize(item);
  if (size > MAX_ITEM_BYTES) {
    throw new HttpError(PROBLEMS.PAYLOAD_TOO_LARGE, `The item would be ${size} bytes; DynamoDB stores at most ${MAX_ITEM_BYTES} bytes per item.`);
  }
  const tooLong = oversizedOwnerIndexKeys(s.model, item);
  if (tooLong.length) throw invalidItem(tooLong);
}

/**
 * The item's URL path as the client reached the API: under the custom domain's mapping key when the request came
 * through it (API Gateway keeps the key in `rawPath`), under a named stage's segment through the execute-api endpoint.
 */
function itemLocation(s: Services, req: OperationRequest, id: string): string {
  const rawPath = req.event.rawPath ?? '';
  const base = s.config.basePath;
  const stage = req.event.requestContext?.stage;
  let prefix = '';
  if (base !== undefined && (rawPath === `/${base}` || rawPath.startsWith(`/${base}/`))) prefix = `/${base}`;
  else if (stage && stage !== '$default') prefix = `/${stage}`;
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


