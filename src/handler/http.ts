/**
 * HTTP on API Gateway's payload format 2.0: reading headers and JSON bodies, and writing JSON and problem+json
 * (RFC 9457) responses.
 */
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { JsonObject, JsonValue, parseStrictJson } from './json';
import { PROBLEM_CONTENT_TYPE, PROBLEM_TYPE_BASE, ProblemDocument, ProblemSpec, ProblemViolation, PROBLEMS } from '../shared/problems';

/** The response type handed back to API Gateway. */
export type HttpResponse = APIGatewayProxyStructuredResultV2 & { statusCode: number; headers: Record<string, string> };

/**
 * Largest body read at all, in bytes. Above DynamoDB's 400 KB item limit on purpose: JSON text is often larger than
 * the item it describes (whitespace, escapes), so the item's computed size decides 413 for anything smaller.
 */
export const MAX_BODY_BYTES = 1024 * 1024;

/** A failure that maps to one problem response. Thrown anywhere below the entry; answered by {@link problemResponse}. */
export class HttpError extends Error {
  constructor(
    public readonly problem: ProblemSpec,
    public readonly detail: string,
    public readonly extra: { readonly errors?: ProblemViolation[]; readonly headers?: Record<string, string> } = {},
  ) {
    super(`${problem.slug}: ${detail}`);
    this.name = 'HttpError';
  }
}

/** The problem+json response for `error`. */
export function problemResponse(error: HttpError, requestId: string): HttpResponse {
  const doc: ProblemDocument = {
    type: PROBLEM_TYPE_BASE + error.problem.slug,
    title: error.problem.title,
    status: error.problem.status,
    detail: error.detail,
    requestId,
    ...(error.extra.errors ? { errors: error.extra.errors } : {}),
  };
  return {
    statusCode: error.problem.status,
    headers: { 'content-type': PROBLEM_CONTENT_TYPE, ...error.extra.headers },
    body: JSON.stringify(doc),
  };
}

/** A JSON response. */
export function jsonResponse(statusCode: number, body: unknown, headers: Record<string, string> = {}): HttpResponse {
  return { statusCode, headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) };
}

/** A response without a body (204, 304). */
export function emptyResponse(statusCode: number, headers: Record<string, string> = {}): HttpResponse {
  return { statusCode, headers };
}

/** A request header (case-insensitive; API Gateway joins repeated headers with commas). */
export function header(event: APIGatewayProxyEventV2, name: string): string | undefined {
  const headers = event.headers ?? {};
  const lower = name.toLowerCase();
  if (headers[lower] !== undefined) return headers[lower];
  for (const key of Object.keys(headers)) {
    if (key.toLowerCase() === lower) return headers[key];
  }
  return undefined;
}

/** Media types a body may have. */
export type BodyKind = 'document' | 'merge-patch';

/**
 * Reads the body as a JSON object: 415 for a media type the route does not take, 413 above
 * {@link MAX_BODY_BYTES}, 400 for missing, undecodable or malformed JSON or a non-object, 422 for values that cannot
 * be stored (too deep, unstorable numbers).
 */
export function readJsonObject(event: APIGatewayProxyEventV2, kind: BodyKind): JsonObject {
  checkContentType(header(event, 'content-type'), kind);
  const raw = event.body ?? '';
  let text: string;
  if (event.isBase64Encoded) {
    // base64 is 4 chars per 3 bytes: refuse by the encoded length before allocating the decoded buffer.
    if (raw.length > Math.ceil(MAX_BODY_BYTES / 3) * 4 + 4) throw tooLarge();
    const bytes = Buffer.from(raw, 'base64');
    if (bytes.length > MAX_BODY_BYTES) throw tooLarge();
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    } catch {
      throw new HttpError(PROBLEMS.INVALID_JSON, 'The body is not valid UTF-8.');
    }
  } else {
    if (raw.length > MAX_BODY_BYTES || Buffer.byteLength(raw, 'utf8') > MAX_BODY_BYTES) throw tooLarge();
    text = raw;
  }
  if (text.trim() === '') throw new HttpError(PROBLEMS.INVALID_BODY, 'The request needs a JSON object body.');
  const parsed = parseStrictJson(text);
  if (parsed.kind === 'malformed') throw new HttpError(PROBLEMS.INVALID_JSON, `The body is not valid JSON: ${parsed.reason}.`);
  if (!isJsonObject(parsed.value)) {
    throw new HttpError(PROBLEMS.INVALID_BODY, `The body must be a JSON object, not ${describe(parsed.value)}.`);
  }
  if (parsed.violations.length > 0) {
    throw new HttpError(PROBLEMS.VALIDATION_FAILED, 'The item holds values DynamoDB cannot store.', { errors: parsed.violations });
  }
  return parsed.value;
}

function tooLarge(): HttpError {
  return new HttpError(PROBLEMS.PAYLOAD_TOO_LARGE, `The body is larger than ${MAX_BODY_BYTES} bytes.`);
}

/** Accepted for PATCH, advertised in 415 answers to PATCH (RFC 5789 Accept-Patch). */
const PATCH_TYPES = ['application/merge-patch+json', 'application/json'];

function checkContentType(value: string | undefined, kind: BodyKind): void {
  const [mediaType, ...params] = (value ?? '').split(';').map((s) => s.trim().toLowerCase());
  let ok: boolean;
  if (kind === 'merge-patch') {
    ok = PATCH_TYPES.includes(mediaType);
  } else {
    // Any JSON document type, but not the patch formats: their bodies mean something else.
    ok = mediaType === 'application/json'
      || (/^application\/[a-z0-9!#$&^_.-]+\+json$/.test(mediaType)
        && mediaType !== 'application/merge-patch+json' && mediaType !== 'application/json-patch+json');
  }
  const charset = params.find((p) => p.startsWith('charset='))?.slice('charset='.length).replace(/"/g, '');
  if (ok && charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') ok = false;
  if (!ok) {
    const accepted = kind === 'merge-patch' ? PATCH_TYPES.join(', ') : 'application/json (or another application/*+json document type)';
    throw new HttpError(
      PROBLEMS.UNSUPPORTED_MEDIA_TYPE,
      `Content-Type ${value === undefined ? 'is missing' : JSON.stringify(value)}; expected ${accepted}, UTF-8.`,
      kind === 'merge-patch' ? { headers: { 'accept-patch': PATCH_TYPES.join(', ') } } : {},
    );
  }
}

/** A JSON object (not an array, not null). */
export function isJsonObject(v: JsonValue | undefined): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function describe(v: JsonValue): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return `a ${typeof v}`;
}
