/**
 * What the operations share: the services of one function (config, model, store, cursors, clock) and the request as
 * an operation sees it, and the retry loop of conditional writes.
 */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { CursorCodec } from './cursor';
import { HttpError } from './http';
import { ItemMeta, ItemModel } from './item';
import { ItemStore } from './store';
import type { SchemaValidator } from './validation';
import type { KeyType, ResourceConfig } from '../shared/config';
import { PROBLEMS } from '../shared/problems';

/** What the operations on one resource share for the lifetime of the function. */
export interface Services {
  /** The resource served. */
  readonly config: ResourceConfig;
  /** The custom domain's API mapping key, if any (see HandlerConfig.basePath). */
  readonly basePath?: string;
  readonly model: ItemModel;
  readonly store: ItemStore;
  readonly cursors: CursorCodec;
  readonly validator?: SchemaValidator;
  /**
   * A nested resource's parent, when this function writes items that must have one (create, update): its table and
   * item model, for the parent check in the write's transaction.
   */
  readonly parent?: { readonly name: string; readonly tableName: string; readonly model: ItemModel };
  /** The resource's child resources' tables, when this function deletes (a parent with children cannot be deleted). */
  readonly children: readonly { readonly name: string; readonly tableName: string }[];
  /** Whether an idempotency table is configured. */
  readonly idempotency: boolean;
  readonly clock: () => Date;
  /** Server-assigned ids (the resource's idGenerator); undefined when clients must send ids (`none`). */
  readonly newId?: () => string;
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
  /**
   * The partition of a scoped resource that every key and key condition of the request names: the owner attribute
   * and the owner (owner-scoped), or `_parent` and the parent's full key (nested; src/shared/keys.ts). Undefined for
   * an unscoped resource (its table is keyed by the id alone).
   */
  readonly scope?: { readonly attribute: string; readonly value: string };
  /**
   * A nested resource's ancestors' ids from the path, root first, each under its path parameter name and typed by its
   * resource (numbers in canonical form). Empty for a top-level resource.
   */
  readonly ancestors: readonly AncestorId[];
  /** Epoch ms after which no further write attempt starts. */
  readonly deadline: number;
  /** Facts for the request's log line. */
  readonly note: { itemId?: string; retries?: number; idempotentReplay?: boolean };
}

/** Where a request's item lives (owner, partition, ancestors), as buildItem's metadata takes it. */
export function placeOf(req: OperationRequest): Pick<ItemMeta, 'owner' | 'scope' | 'ancestors'> {
  return {
    ...(req.owner !== undefined ? { owner: req.owner } : {}),
    ...(req.scope !== undefined ? { scope: req.scope } : {}),
    ancestors: req.ancestors,
  };
}

/** One ancestor's id in a nested resource's path. */
export interface AncestorId {
  /** The ancestor resource's name. */
  readonly resource: string;
  /** Its path parameter (`projectId`): also the attribute under which descendants store it. */
  readonly parameter: string;
  readonly type: KeyType;
  /** The id; numbers in canonical form (src/shared/key-values.ts). */
  readonly value: string;
}

/** Most write attempts of one request under contention (each after a jittered, growing pause). */
export const MAX_WRITE_ATTEMPTS = 40;

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
