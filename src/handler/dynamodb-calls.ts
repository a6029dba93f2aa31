/**
 * What one request did in DynamoDB: every call its store sent, with what DynamoDB reported of it (consumed capacity,
 * the SDK's attempts, a failed condition, throttling), for the request's log line, its metrics and its trace.
 *
 * The store of a request sends through {@link RequestCalls.client}, a stand-in for the function's one DynamoDB
 * client: each call is passed on unchanged and recorded when it ends. One instance per request, so concurrent
 * requests (the local runner, tests) never mix their calls.
 */
import {
  ConsumedCapacity, DeleteItemCommand, DynamoDBClient, GetItemCommand, PutItemCommand, QueryCommand, ScanCommand,
  TransactWriteItemsCommand, UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';

/** What every call asks DynamoDB to report: this module adds it up per request and table. */
export const RETURN_CAPACITY = { ReturnConsumedCapacity: 'TOTAL' } as const;
/** The same for a read of an index: the units per index. */
export const RETURN_INDEX_CAPACITY = { ReturnConsumedCapacity: 'INDEXES' } as const;

/** The DynamoDB operations the handler sends, each with the kind of capacity it consumes. */
const OPERATIONS: readonly (readonly [Function, string, 'read' | 'write'])[] = [
  [GetItemCommand, 'GetItem', 'read'],
  [QueryCommand, 'Query', 'read'],
  [ScanCommand, 'Scan', 'read'],
  [PutItemCommand, 'PutItem', 'write'],
  [UpdateItemCommand, 'UpdateItem', 'write'],
  [DeleteItemCommand, 'DeleteItem', 'write'],
  [TransactWriteItemsCommand, 'TransactWriteItems', 'write'],
];

/** DynamoDB's throttling errors, and the cancellation reasons of a throttled transaction. */
const THROTTLING = new Set([
  'ProvisionedThroughputExceededException', 'ThrottlingException', 'RequestLimitExceeded',
  'ThrottlingError', 'ProvisionedThroughputExceeded',
]);

/** One DynamoDB call of a request. */
export interface DynamoCall {
  /** The DynamoDB operation (`GetItem`, `TransactWriteItems`, …). */
  readonly operation: string;
  /** The tables it touched (a transaction's, in order, each once). */
  readonly tables: readonly string[];
  /** The index it read, if any. */
  readonly indexName?: string;
  /** Start and end, in epoch milliseconds (fractional). */
  readonly startMs: number;
  readonly endMs: number;
  /** What DynamoDB reported it consumed (one entry per table; empty when it reported nothing, as on errors). */
  readonly consumed: readonly ConsumedCapacity[];
  /** Whether the capacity it consumed is read or write capacity. */
  readonly kind: 'read' | 'write';
  /** HTTP attempts the SDK made (1 without retries). */
  readonly attempts: number;
  /** The HTTP status of the last attempt, when known. */
  readonly status?: number;
  /** DynamoDB's request id. */
  readonly requestId?: string;
  /** The error it ended with (its name and message), if any. */
  readonly error?: { readonly name: string; readonly message: string; readonly fault: boolean };
  /** Its condition failed (ConditionalCheckFailedException, or a transaction cancelled by a condition). */
  readonly conditionFailed: boolean;
  /** DynamoDB throttled it (after the SDK's retries). */
  readonly throttled: boolean;
}

/** Read and write units of one table. */
export interface TableUnits {
  read: number;
  write: number;
}

/** What a request's calls add up to. */
export interface CallsSummary {
  /** Units DynamoDB reported, per table name. */
  readonly capacity: Readonly<Record<string, TableUnits>>;
  readonly readUnits: number;
  readonly writeUnits: number;
  readonly calls: number;
  readonly conditionFailures: number;
  readonly throttles: number;
  /** Attempts the SDK repeated, over all calls. */
  readonly sdkRetries: number;
  /** Calls DynamoDB reported no capacity for (errors, failed conditions: DynamoDB still bills a failed write). */
  readonly unreported: number;
}

/** Told of every call as it ends (the trace). */
export type CallListener = (call: DynamoCall) => void;

/** The part of a DynamoDB client the store uses. */
export type DynamoSender = Pick<DynamoDBClient, 'send'>;

/** The DynamoDB calls of one request. */
export class RequestCalls {
  public readonly calls: DynamoCall[] = [];
  /** What the request's store sends through. */
  public readonly client: DynamoSender;

  constructor(client: DynamoSender, onCall?: CallListener) {
    const calls = this.calls;
    const send = async (command: any): Promise<unknown> => {
      const startMs = now();
      try {
        const out = await client.send(command);
        const call = describeCall(command, startMs, out, undefined);
        calls.push(call);
        onCall?.(call);
        return out;
      } catch (err) {
        const call = describeCall(command, startMs, undefined, err);
        calls.push(call);
        onCall?.(call);
        throw err;
      }
    };
    this.client = { send } as unknown as DynamoSender;
  }

  /** The request's totals: units per table and overall, failed conditions, throttles, retries. */
  public summary(): CallsSummary {
    const capacity: Record<string, TableUnits> = {};
    let readUnits = 0; let writeUnits = 0; let conditionFailures = 0; let throttles = 0; let sdkRetries = 0; let unreported = 0;
    for (const c of this.calls) {
      if (c.conditionFailed) conditionFailures++;
      if (c.throttled) throttles++;
      sdkRetries += c.attempts - 1;
      if (c.consumed.length === 0) unreported++;
      for (const cc of c.consumed) {
        const { read, write } = unitsOf(cc, c.kind);
        const t = capacity[cc.TableName ?? '?'] ??= { read: 0, write: 0 };
        t.read = round(t.read + read);
        t.write = round(t.write + write);
        readUnits = round(readUnits + read);
        writeUnits = round(writeUnits + write);
      }
    }
    return { capacity, readUnits, writeUnits, calls: this.calls.length, conditionFailures, throttles, sdkRetries, unreported };
  }
}

/**
 * Read and write units of one ConsumedCapacity. DynamoDB splits them (ReadCapacityUnits, WriteCapacityUnits) where
 * it can; otherwise CapacityUnits are the call's kind (reads of GetItem, Query, Scan; writes of the others).
 */
export function unitsOf(cc: ConsumedCapacity, kind: 'read' | 'write'): TableUnits {
  if (cc.ReadCapacityUnits !== undefined || cc.WriteCapacityUnits !== undefined) {
    return { read: cc.ReadCapacityUnits ?? 0, write: cc.WriteCapacityUnits ?? 0 };
  }
  const units = cc.CapacityUnits ?? 0;
  return kind === 'read' ? { read: units, write: 0 } : { read: 0, write: units };
}

function describeCall(command: any, startMs: number, out: any, err: any): DynamoCall {
  const endMs = now();
  const [, operation, kind] = OPERATIONS.find(([type]) => command instanceof type) ?? [undefined, 'Unknown', 'read' as const];
  const input = command.input ?? {};
  const tables: string[] = input.TransactItems
    ? [...new Set<string>(input.TransactItems.map((t: Record<string, { TableName: string }>) => Object.values(t)[0].TableName))]
    : [input.TableName];
  const source = out ?? err ?? {};
  const reported = source.ConsumedCapacity;
  const consumed: ConsumedCapacity[] = reported === undefined ? [] : Array.isArray(reported) ? reported : [reported];
  const meta = source.$metadata ?? {};
  const reasons: { Code?: string }[] = err?.CancellationReasons ?? [];
  const name: string | undefined = err?.name;
  return {
    operation,
    tables,
    ...(input.IndexName ? { indexName: input.IndexName } : {}),
    startMs,
    endMs,
    consumed,
    kind,
    attempts: meta.attempts ?? 1,
    ...(meta.httpStatusCode !== undefined ? { status: meta.httpStatusCode } : {}),
    ...(meta.requestId ? { requestId: meta.requestId } : {}),
    ...(err !== undefined ? {
      error: { name: name ?? 'Error', message: String(err?.message ?? err), fault: err?.$fault === 'server' || (meta.httpStatusCode ?? 0) >= 500 },
    } : {}),
    conditionFailed: name === 'ConditionalCheckFailedException' || reasons.some((r) => r.Code === 'ConditionalCheckFailed'),
    throttled: (name !== undefined && THROTTLING.has(name)) || reasons.some((r) => THROTTLING.has(r.Code ?? '')),
  };
}

/** Now, in epoch ms with sub-millisecond precision (X-Ray times are fractional seconds). */
function now(): number {
  return performance.timeOrigin + performance.now();
}

/** Units are multiples of 0.5 (or finer with INDEXES on GSIs); sums are kept free of floating-point dust. */
function round(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}
