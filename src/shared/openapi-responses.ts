/**
 * The responses of the OpenAPI document (openapi.ts): per route, its success, the problems (RFC 9457) its function can
 * answer with, and what API Gateway itself answers; the shared `Problem`, `GatewayError` schemas and response headers.
 */
import type { ResourceConfig } from './config';
import type { ContractAuthorization } from './openapi';
import { ETAG_PATTERN, Json, SchemaNames } from './openapi-schemas';
import { PROBLEM_CONTENT_TYPE, PROBLEM_TYPE_BASE, PROBLEMS, ProblemSpec } from './problems';
import type { RouteSpec } from './routes';

/** Where a resource sits among the others: under a parent, above children. */
export interface Relations {
  readonly nested: boolean;
  readonly hasChildren: boolean;
}

/** API Gateway's own answers to a route (no problem+json: the function is not involved). */
export function gatewayResponseObjects(auth: ContractAuthorization, method: string): Json {
  const answers: Json = {};
  for (const status of [...gatewayStatuses(auth, method)].sort((a, b) => a - b)) {
    answers[String(status)] = { description: GATEWAY_RESPONSES[status], content: { 'application/json': { schema: { $ref: '#/components/schemas/GatewayError' } } } };
  }
  return answers;
}


/** The problems each route can answer with (besides 500 and 503, which every route can). */
const ROUTE_PROBLEMS: Record<string, ProblemSpec[]> = {
  'GET collection': [PROBLEMS.INVALID_QUERY, PROBLEMS.INVALID_CURSOR],
  'POST collection': [
    PROBLEMS.INVALID_JSON, PROBLEMS.INVALID_BODY, PROBLEMS.INVALID_HEADER, PROBLEMS.ALREADY_EXISTS, PROBLEMS.WRITE_CONFLICT,
    PROBLEMS.PAYLOAD_TOO_LARGE, PROBLEMS.UNSUPPORTED_MEDIA_TYPE, PROBLEMS.VALIDATION_FAILED, PROBLEMS.IDEMPOTENCY_KEY_REUSED,
    PROBLEMS.IDEMPOTENCY_UNAVAILABLE,
  ],
  'GET item': [PROBLEMS.INVALID_QUERY, PROBLEMS.INVALID_ID, PROBLEMS.INVALID_HEADER, PROBLEMS.NOT_FOUND, PROBLEMS.PRECONDITION_FAILED],
  'PUT item': [
    PROBLEMS.INVALID_JSON, PROBLEMS.INVALID_BODY, PROBLEMS.INVALID_ID, PROBLEMS.ID_MISMATCH, PROBLEMS.INVALID_HEADER,
    PROBLEMS.ALREADY_EXISTS, PROBLEMS.WRITE_CONFLICT, PROBLEMS.PRECONDITION_FAILED, PROBLEMS.PAYLOAD_TOO_LARGE,
    PROBLEMS.UNSUPPORTED_MEDIA_TYPE, PROBLEMS.VALIDATION_FAILED,
  ],
  'PATCH item': [
    PROBLEMS.INVALID_JSON, PROBLEMS.INVALID_BODY, PROBLEMS.INVALID_ID, PROBLEMS.ID_MISMATCH, PROBLEMS.INVALID_HEADER,
    PROBLEMS.NOT_FOUND, PROBLEMS.WRITE_CONFLICT, PROBLEMS.PRECONDITION_FAILED, PROBLEMS.PAYLOAD_TOO_LARGE,
    PROBLEMS.UNSUPPORTED_MEDIA_TYPE, PROBLEMS.VALIDATION_FAILED,
  ],
  'DELETE item': [PROBLEMS.INVALID_ID, PROBLEMS.INVALID_HEADER, PROBLEMS.NOT_FOUND, PROBLEMS.WRITE_CONFLICT, PROBLEMS.PRECONDITION_FAILED],
};

/** What API Gateway itself answers with, by status, and when. */
const GATEWAY_RESPONSES: Record<number, string> = {
  401: 'API Gateway: no valid token (JWT and Cognito authorizers)',
  403: 'API Gateway: the authorizer refused the caller',
  413: 'API Gateway: the request exceeds 10 MB',
  429: 'API Gateway: the stage\'s throttling limits were exceeded',
  500: 'API Gateway: the integration failed',
  503: 'API Gateway: the integration is unavailable',
  504: 'API Gateway: the integration timed out',
};

export function responses(r: ResourceConfig, route: RouteSpec, names: SchemaNames, auth: ContractAuthorization, rel: Relations): Json {
  const out: Json = {};
  const header = (name: string, required: boolean) => ({ $ref: `#/components/headers/${name}${required ? '' : 'Optional'}` });
  const itemJson = { 'application/json': { schema: { $ref: `#/components/schemas/${names.item}` } } };
  switch (`${route.method} ${route.target}`) {
    case 'GET collection':
      out['200'] = { description: 'A page of items', content: { 'application/json': { schema: { $ref: `#/components/schemas/${names.page}` } } } };
      break;
    case 'POST collection':
      out['201'] = {
        description: 'Created (or, with the same `Idempotency-Key` and body, the original response replayed)',
        headers: { 'Location': header('Location', true), 'ETag': header('ETag', true), 'Idempotent-Replayed': header('IdempotentReplayed', false) },
        content: itemJson,
      };
      break;
    case 'GET item':
      out['200'] = {
        description: 'The item; with `fields`, the named attributes and the ids, under a weak ETag',
        headers: { ETag: header('ReadETag', true) },
        content: { 'application/json': { schema: { anyOf: [{ $ref: `#/components/schemas/${names.item}` }, { $ref: `#/components/schemas/${names.partial}` }] } } },
      };
      out['304'] = { description: 'Not modified: `If-None-Match` matched (weak comparison)', headers: { ETag: header('ReadETag', true) } };
      break;
    case 'PUT item':
      out['200'] = { description: 'Replaced', headers: { ETag: header('ETag', true) }, content: itemJson };
      out['201'] = { description: 'Created', headers: { Location: header('Location', true), ETag: header('ETag', true) }, content: itemJson };
      break;
    case 'PATCH item':
      out['200'] = { description: 'The merged item', headers: { ETag: header('ETag', true) }, content: itemJson };
      break;
    case 'DELETE item':
      out['204'] = { description: 'Deleted' };
      break;
  }
  const problems = [...ROUTE_PROBLEMS[`${route.method} ${route.target}`]];
  if (rel.nested && route.target === 'collection') problems.push(PROBLEMS.INVALID_ID);
  // A nested item is created under its parent, checked in the same transaction.
  if (rel.nested && (route.method === 'POST' || route.method === 'PUT')) problems.push(PROBLEMS.PARENT_NOT_FOUND);
  if (rel.hasChildren && route.method === 'DELETE') problems.push(PROBLEMS.HAS_CHILDREN);
  if (r.ownerScoping) problems.push(PROBLEMS.UNAUTHORIZED);
  problems.push(PROBLEMS.INTERNAL_ERROR, PROBLEMS.SERVICE_UNAVAILABLE);
  const gateway = gatewayStatuses(auth, route.method);
  const statuses = [...new Set([...problems.map((p) => p.status), ...gateway])].sort((a, b) => a - b);
  for (const status of statuses) {
    const specs = problems.filter((p) => p.status === status);
    const content: Json = {};
    const descriptions: string[] = specs.map((p) => `\`${p.slug}\` (${p.title})`);
    if (specs.length > 0) content[PROBLEM_CONTENT_TYPE] = { schema: problemResponseSchema(status, specs) };
    if (gateway.has(status)) {
      content['application/json'] = { schema: { $ref: '#/components/schemas/GatewayError' } };
      descriptions.push(GATEWAY_RESPONSES[status]);
    }
    const response: Json = { description: descriptions.join('; '), content };
    const headers: Json = {};
    if (status === 503) headers['Retry-After'] = header('RetryAfter', false);
    if (status === 409 && specs.includes(PROBLEMS.WRITE_CONFLICT)) headers['Retry-After'] = header('RetryAfter', false);
    if (status === 401) headers['WWW-Authenticate'] = header('WwwAuthenticate', false);
    if (status === 415 && route.method === 'PATCH') headers['Accept-Patch'] = header('AcceptPatch', false);
    if (Object.keys(headers).length > 0) response.headers = headers;
    out[String(status)] = response;
  }
  return out;
}

/** The statuses API Gateway itself may answer a route with. */
function gatewayStatuses(auth: ContractAuthorization, method: string): Set<number> {
  const gateway = new Set<number>([429, 500, 503, 504]);
  if (auth.kind === 'jwt' || auth.kind === 'cognito') gateway.add(401);
  if (auth.kind !== 'none') gateway.add(403);
  if (method !== 'GET' && method !== 'DELETE') gateway.add(413);
  return gateway;
}

function problemResponseSchema(status: number, specs: ProblemSpec[]): Json {
  return {
    allOf: [
      { $ref: '#/components/schemas/Problem' },
      { properties: { type: { enum: specs.map((p) => PROBLEM_TYPE_BASE + p.slug) }, status: { const: status } } },
    ],
  };
}

export function problemSchema(): Json {
  return {
    type: 'object',
    description: 'An error (RFC 9457). Clients branch on `type`; `detail` is for humans and may change.',
    required: ['type', 'title', 'status', 'detail', 'requestId'],
    properties: {
      type: { type: 'string', format: 'uri', enum: Object.values(PROBLEMS).map((p) => PROBLEM_TYPE_BASE + p.slug) },
      title: { type: 'string' },
      status: { type: 'integer' },
      detail: { type: 'string' },
      requestId: { type: 'string', description: 'API Gateway\'s request id (`apigw-requestid`): the key to the function\'s log line.' },
      errors: {
        type: 'array',
        description: '422 `validation-failed` only: every violation found.',
        items: {
          type: 'object',
          required: ['path', 'message'],
          properties: { path: { type: 'string', description: 'JSON Pointer (RFC 6901) into the item' }, message: { type: 'string' } },
        },
      },
    },
  };
}

export function gatewayErrorSchema(): Json {
  return {
    type: 'object',
    description: 'A response API Gateway sends itself, before or instead of the function.',
    required: ['message'],
    properties: { message: { type: 'string' } },
  };
}

export function sharedHeaders(): Json {
  const etag = { description: 'The item\'s entity tag, `"<version>.<generation>"` (strong).', schema: { type: 'string', pattern: ETAG_PATTERN } };
  const location = { description: 'Path of the item (under the custom domain\'s mapping key when the request came through it).', schema: { type: 'string' } };
  const retryAfter = { description: 'Seconds to wait before retrying.', schema: { type: 'string', pattern: '^[0-9]+$' } };
  const readEtag = {
    description: 'The item\'s entity tag: strong, `"<version>.<generation>"`; weak, `W/"<version>.<generation>"`, for a partial representation (`fields`).',
    schema: { type: 'string', pattern: '^(W/)?"[0-9]+(\\.[A-Za-z0-9_-]+)?"$' },
  };
  return {
    ETag: { ...etag, required: true },
    ReadETag: { ...readEtag, required: true },
    Location: { ...location, required: true },
    RetryAfterOptional: retryAfter,
    IdempotentReplayedOptional: { description: '`true` when this is the replay of an earlier request with the same `Idempotency-Key`.', schema: { type: 'string', enum: ['true'] } },
    AcceptPatchOptional: { description: 'The media types PATCH accepts.', schema: { type: 'string' } },
    WwwAuthenticateOptional: { description: 'The authentication scheme the API expects (`Bearer`).', schema: { type: 'string' } },
  };
}
