/**
 * The handler factory: config + environment + clients → a payload-2.0 Lambda handler. The Lambda entry
 * (crud.lambda.ts) wires it once from the real config; tests build one per configuration.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { callerPrincipal, requireOwner } from './caller';
import { createItem } from './create';
import { CursorCodec } from './cursor';
import { CursorKeySource, cursorKeySource } from './cursor-keys';
import { deleteItem } from './delete';
import { CallsSummary, RequestCalls } from './dynamodb-calls';
import { HttpError, HttpResponse, problemResponse } from './http';
import { idGeneratorOf } from './ids';
import { itemModel } from './item';
import { listItems } from './listing';
import { parseEnvironment } from './load-config';
import { DynamoDbLogFields, LogWriter, logRequest, stdoutWriter } from './log';
import { isOpenApiRequest, openApiResponse, OPENAPI_ROUTE } from './openapi-route';
import { patchItem } from './patch';
import { newGeneration } from './preconditions';
import { readItem } from './read';
import { replaceItem } from './replace';
import { requestMetrics } from './request-metrics';
import { resolveRoute } from './routes';
import { AncestorId, OperationRequest, Services } from './services';
import { ItemStore } from './store';
import { parseTraceHeader, XRayEmitter } from './trace';
import { SchemaValidator, ValidatorSource } from './validation';
import { DEFAULTS, HandlerConfig } from '../shared/config';
import { PARENT_KEY_ATTRIBUTE, scopeValue } from '../shared/keys';
import { NO_OPERATION, NO_RESOURCE, OPENAPI_OPERATION } from '../shared/metrics';
import { PROBLEMS } from '../shared/problems';

/** What the handler is given besides config and environment. */
export interface HandlerDependencies {
  readonly dynamodb: DynamoDBClient;
  /** Where the per-request log lines go. @default stdout */
  readonly log?: LogWriter;
  /** @default () => new Date() */
  readonly clock?: () => Date;
  /** Server-assigned ids, for every resource whose ids the server assigns. @default each resource's idGenerator */
  readonly newId?: () => string;
  /** Where cursor keys come from. @default from the environment (CRUD_CURSOR_SECRET or CRUD_CURSOR_SECRET_ARN) */
  readonly cursorKeys?: CursorKeySource;
  /**
   * The validation code compiled from each resource's JSON Schema at synth. A resource with a schema and no validator
   * answers its writes with 500 (a deployment bug); its reads still work. @default none
   */
  readonly validators?: ValidatorSource;
}

/** What serves each route of the shared route table (src/shared/routes.ts), by `METHOD target`. */
type Serve = (s: Services, req: OperationRequest, id: string) => Promise<HttpResponse>;
export const DISPATCH: Readonly<Record<string, Serve>> = {
  'POST collection': (s, req) => createItem(s, req),
  'GET collection': (s, req) => listItems(s, req),
  'GET item': readItem,
  'PUT item': replaceItem,
  'PATCH item': patchItem,
  'DELETE item': deleteItem,
};

/** The parts of the Lambda context the handler uses (optional, so tests may omit it). */
export type HandlerContext = Pick<Context, 'awsRequestId' | 'getRemainingTimeInMillis'>;

/** A CRUD handler. */
export type CrudHandler = (event: APIGatewayProxyEventV2, context?: HandlerContext) => Promise<HttpResponse>;

/** Longest time one request spends retrying writes, whatever the function's timeout. */
const MAX_RETRY_WINDOW_MS = 8_000;
/** Time kept back from the function's timeout for answering. */
const RESPONSE_RESERVE_MS = 1_000;
/** What `Retry-After` says when DynamoDB is throttling or failing. */
const RETRY_AFTER_SECONDS = '1';

/**
 * Builds a handler. Throws ConfigError when the environment does not fit the config. Cheap: nothing is loaded or
 * called until the first request (a schema's validation code, compiled at synth, loads on first use).
 */
export function createHandler(config: HandlerConfig, env: NodeJS.ProcessEnv, deps: HandlerDependencies): CrudHandler {
  const environment = parseEnvironment(config, env);
  const keys = deps.cursorKeys ?? cursorKeySource(environment);
  const validators = deps.validators ?? (() => undefined);
  // Services only for the resources this function serves: nothing is prepared for the others.
  const services = new Map<string, Services>();
  const tableOf = (name: string) => environment.resources.get(name)?.tableName ?? environment.relatedTables.get(name);
  for (const [name, served] of environment.resources) {
    const model = itemModel(served.config, config.resources);
    const parentConfig = config.resources.find((r) => r.name === served.config.parent);
    const writes = served.operations.has('create') || served.operations.has('update');
    const parentTable = parentConfig && writes ? tableOf(parentConfig.name) : undefined;
    const children = served.operations.has('delete')
      ? config.resources.filter((r) => r.parent === name).map((r) => ({ name: r.name, tableName: tableOf(r.name)! }))
      : [];
    const newId = served.config.idGenerator === 'none' ? undefined : deps.newId ?? idGeneratorOf(served.config.idGenerator ?? DEFAULTS.idGenerator);
    services.set(name, {
      config: served.config,
      ...(config.basePath !== undefined ? { basePath: config.basePath } : {}),
      model,
      store: new ItemStore(deps.dynamodb, served.tableName, model, served.idempotencyTableName),
      cursors: new CursorCodec(served.tableName, keys),
      ...(served.config.schema !== undefined ? { validator: new SchemaValidator(name, served.config.schema, validators) } : {}),
      idempotency: served.idempotencyTableName !== undefined,
      clock: deps.clock ?? (() => new Date()),
      ...(newId ? { newId } : {}),
      ...(parentConfig && parentTable
        ? { parent: { name: parentConfig.name, tableName: parentTable, model: itemModel(parentConfig, config.resources) } }
        : {}),
      children,
      newGeneration,
    });
  }
  const write = deps.log ?? stdoutWriter;
  // The daemon address is fixed for the execution environment; the trace header is per invocation.
  const xray = XRayEmitter.fromEnvironment(env);

  return async (event, context) => {
    const started = Date.now();
    const requestId = event.requestContext?.requestId ?? context?.awsRequestId ?? 'unknown';
    const note: OperationRequest['note'] = {};
    const trace = parseTraceHeader(env._X_AMZN_TRACE_ID);
    const traced = xray !== undefined && trace?.sampled === true;
    if (traced) xray.prepare();
    const calls = new RequestCalls(deps.dynamodb, traced ? (c) => xray.emit(trace, c) : undefined);
    let resource: string | undefined;
    let route: string | undefined;
    let operation: string | undefined;
    let response: HttpResponse;
    let problem: string | undefined;
    let error: unknown;
    try {
      if (config.openApi !== undefined && isOpenApiRequest(event, config.basePath)) {
        route = OPENAPI_ROUTE;
        response = openApiResponse(config.openApi, event, config.basePath);
      } else {
        const match = resolveRoute(event, config.resources, config.basePath);
        route = match.route;
        operation = match.operation;
        const served = services.get(match.resource);
        if (!served || !environment.resources.get(match.resource)!.operations.has(match.operation)) {
          throw new HttpError(PROBLEMS.ROUTE_NOT_FOUND, `${match.route} is not served by this function.`);
        }
        resource = match.resource;
        // The request's own store: the function's client, every call recorded (src/handler/dynamodb-calls.ts).
        const s: Services = { ...served, store: served.store.sendingThrough(calls.client) };
        if (match.id !== undefined) note.itemId = match.id;
        const owner = s.config.ownerScoping ? requireOwner(event) : undefined;
        const principal = callerPrincipal(event);
        const remaining = context?.getRemainingTimeInMillis?.() ?? Infinity;
        const req: OperationRequest = {
          event,
          ...(owner !== undefined ? { owner } : {}),
          ...(principal !== undefined ? { principal } : {}),
          ...scopeOf(s, owner, match.ancestors),
          ancestors: match.ancestors,
          deadline: started + Math.min(MAX_RETRY_WINDOW_MS, remaining - RESPONSE_RESERVE_MS),
          note,
        };
        response = await DISPATCH[`${match.spec.method} ${match.spec.target}`](s, req, match.id!);
      }
    } catch (e) {
      const mapped = toHttpError(e);
      // Only failures the handler did not decide itself are worth a stack in the log.
      if (!(e instanceof HttpError)) error = e;
      problem = mapped.problem.slug;
      response = problemResponse(mapped, requestId);
    }
    const latencyMs = Date.now() - started;
    const summary = calls.summary();
    const metrics = config.metrics && requestMetrics(config.metrics, {
      resource: resource ?? NO_RESOURCE,
      operation: route === OPENAPI_ROUTE ? OPENAPI_OPERATION : resource !== undefined ? operation! : NO_OPERATION,
      status: response.statusCode,
      latencyMs,
      calls: summary,
      idempotentReplay: note.idempotentReplay === true,
      writeRetries: note.retries ?? 0,
    }, started + latencyMs);
    logRequest(write, {
      requestId,
      ...(context?.awsRequestId ? { awsRequestId: context.awsRequestId } : {}),
      ...(trace ? { traceId: trace.traceId } : {}),
      ...(route ? { route } : {}),
      ...(operation ? { operation } : {}),
      status: response.statusCode,
      latencyMs,
      ...note,
      ...(problem ? { problem } : {}),
      ...(summary.calls > 0 ? { dynamodb: dynamoDbFields(summary) } : {}),
      ...(error !== undefined ? { error } : {}),
    }, metrics);
    return response;
  };
}

/** The DynamoDB part of the log line: units per table and overall; counters only when not zero. */
function dynamoDbFields(c: CallsSummary): DynamoDbLogFields {
  return {
    calls: c.calls,
    readUnits: c.readUnits,
    writeUnits: c.writeUnits,
    tables: c.capacity,
    ...(c.conditionFailures ? { conditionFailures: c.conditionFailures } : {}),
    ...(c.throttles ? { throttles: c.throttles } : {}),
    ...(c.sdkRetries ? { sdkRetries: c.sdkRetries } : {}),
    ...(c.unreported ? { unreportedCalls: c.unreported } : {}),
  };
}

/** DynamoDB's throttling errors, after the SDK's own retries. */
const THROTTLING = new Set([
  'ProvisionedThroughputExceededException', 'ThrottlingException', 'RequestLimitExceeded', 'LimitExceededException',
]);

/**
 * Maps anything thrown to the problem answered. HttpErrors are themselves; throttling and DynamoDB/network failures
 * are 503; DynamoDB's refusals of values the checks should have caught are the client's 413/422; the rest is a bug.
 */
function toHttpError(e: unknown): HttpError {
  if (e instanceof HttpError) return e;
  const err = e as { name?: string; message?: string; $fault?: string; $metadata?: { httpStatusCode?: number } };
  const unavailable = (detail: string) => new HttpError(PROBLEMS.SERVICE_UNAVAILABLE, detail, { headers: { 'retry-after': RETRY_AFTER_SECONDS } });
  let error: HttpError;
  if (err?.name && THROTTLING.has(err.name)) {
    error = unavailable('The database is throttling requests; retry after the time in Retry-After.');
  } else if (err?.name === 'TransactionConflictException') {
    error = new HttpError(PROBLEMS.WRITE_CONFLICT, 'A concurrent transaction touched the same item; retry the request.', {
      headers: { 'retry-after': RETRY_AFTER_SECONDS },
    });
  } else if (err?.$fault === 'server' || (err?.$metadata?.httpStatusCode ?? 0) >= 500 || isNetworkError(err)) {
    error = unavailable('The database is unavailable; retry after the time in Retry-After.');
  } else if (err?.name === 'ValidationException' && /item size|size limit/i.test(err.message ?? '')) {
    error = new HttpError(PROBLEMS.PAYLOAD_TOO_LARGE, 'The item exceeds what DynamoDB stores per item (400 KB).');
  } else if (err?.name === 'ValidationException' && /nesting|number|empty attribute name|numeric/i.test(err.message ?? '')) {
    error = new HttpError(PROBLEMS.VALIDATION_FAILED, `DynamoDB cannot store the item: ${err.message}`);
  } else {
    error = new HttpError(PROBLEMS.INTERNAL_ERROR, 'The request failed because of an error in the service; it is logged under this request id.');
  }
  return error;
}

const NETWORK_ERROR_CODES = /\b(ECONNRESET|ECONNREFUSED|ETIMEDOUT|EPIPE|ENOTFOUND|EAI_AGAIN|socket hang up)\b/;

/** Connection-level failures (after the SDK's retries), by code or, when the SDK re-wrapped the error, by message. */
function isNetworkError(err: { name?: string; code?: string; message?: string }): boolean {
  return err?.name === 'TimeoutError' || err?.name === 'AbortError'
    || NETWORK_ERROR_CODES.test(err?.code ?? '') || NETWORK_ERROR_CODES.test(err?.message ?? '');
}

/** The request's partition: the parent's full key (nested), the owner (owner-scoped), or none. */
function scopeOf(s: Services, owner: string | undefined, ancestors: readonly AncestorId[]): Pick<OperationRequest, 'scope'> {
  if (s.config.parent !== undefined) return { scope: { attribute: PARENT_KEY_ATTRIBUTE, value: scopeValue(owner, ancestors.map((a) => a.value)) } };
  if (owner !== undefined) return { scope: { attribute: s.config.ownerScoping!.attribute, value: owner } };
  return {};
}
