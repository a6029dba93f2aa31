/**
 * What every write of an item shares: its preconditions, the item exactly as read (and re-read from a failed
 * condition), the generation it keeps, and the checks of a built item.
 */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { header, HttpError } from './http';
import { generationOf, idValue, ItemModel, itemSize, MAX_ITEM_BYTES, oversizedScopedIndexKeys } from './item';
import { invalidItem } from './item-errors';
import { JsonObject } from './json';
import { parseTagList, Preconditions } from './preconditions';
import { OperationRequest, RETRY, Services } from './services';
import { ReplaceExpectation, StoredState, WriteConflict } from './store';
import { HIDDEN_ATTRIBUTES, MANAGED_ATTRIBUTES } from '../shared/config';
import { PROBLEMS } from '../shared/problems';

export function preconditions(event: APIGatewayProxyEventV2): Preconditions {
  const ifMatch = parseTagList(header(event, 'if-match'), 'If-Match');
  const ifNoneMatch = parseTagList(header(event, 'if-none-match'), 'If-None-Match');
  return { ...(ifMatch ? { ifMatch } : {}), ...(ifNoneMatch ? { ifNoneMatch } : {}) };
}

/**
 * Reads the item for a write attempt: from DynamoDB on the first attempt, then from the item a failed condition
 * returned, which is what DynamoDB held at that moment (saving a read per retry under contention).
 */
export class ItemReader {
  private known?: { item: JsonObject | undefined };

  constructor(private readonly s: Services, private readonly id: string, private readonly scope: OperationRequest['scope']) {}

  public async read(): Promise<JsonObject | undefined> {
    const known = this.known;
    this.known = undefined;
    return known ? known.item : this.s.store.get(this.id, this.scope);
  }

  public retryWith(conflict: WriteConflict): typeof RETRY {
    this.known = { item: conflict.current };
    return RETRY;
  }
}

export function createdAtOf(current: JsonObject | undefined, now: string): string {
  const c = current?.[MANAGED_ATTRIBUTES.CREATED_AT];
  return typeof c === 'string' ? c : now;
}

/** The version and generation attributes of an item exactly as read (undefined: absent). */
export function stateOf(item: JsonObject): StoredState {
  const own = (k: string) => (Object.prototype.hasOwnProperty.call(item, k) ? item[k] : undefined);
  return { version: own(MANAGED_ATTRIBUTES.VERSION), generation: own(HIDDEN_ATTRIBUTES.GENERATION) };
}

/** A replace conditioned on the item being exactly as read. */
export function asRead(current: JsonObject): ReplaceExpectation {
  return { kind: 'as-read', state: stateOf(current) };
}

/** The generation a write keeps: the item's own, or a new one for an item that has none yet (or no item). */
export function keptGeneration(s: Services, current: JsonObject | undefined): string {
  return (current ? generationOf(current) : undefined) ?? s.newGeneration();
}

/** A body's id attribute, when present, must be the path's id. */
export function checkBodyId(s: Services, body: JsonObject, id: string): void {
  if (!Object.prototype.hasOwnProperty.call(body, s.model.idAttribute)) return;
  const given = body[s.model.idAttribute];
  // Numeric ids: the body holds the number, the path its canonical text.
  if (given !== idValue(s.model, id)) {
    throw new HttpError(
      PROBLEMS.ID_MISMATCH,
      `The body's '${s.model.idAttribute}' (${JSON.stringify(given)}) differs from the id in the path; the id of an item cannot change.`,
    );
  }
}

export function withoutId(body: JsonObject, model: ItemModel): JsonObject {
  if (!Object.prototype.hasOwnProperty.call(body, model.idAttribute)) return body;
  const out: JsonObject = { ...body };
  delete out[model.idAttribute];
  return out;
}

/** What DynamoDB would refuse of a built item: its size (413), an owner-scoped index key grown too long (422). */
export function checkBuilt(s: Services, item: JsonObject): void {
  const size = itemSize(item);
  if (size > MAX_ITEM_BYTES) {
    throw new HttpError(PROBLEMS.PAYLOAD_TOO_LARGE, `The item would be ${size} bytes; DynamoDB stores at most ${MAX_ITEM_BYTES} bytes per item.`);
  }
  const tooLong = oversizedScopedIndexKeys(s.model, item);
  if (tooLong.length) throw invalidItem(tooLong);
}
