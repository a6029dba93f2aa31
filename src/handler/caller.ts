/**
 * Who is calling, from what API Gateway's authorizer put in the request context: the owner of owner-scoped items, and
 * the principal that idempotency keys belong to.
 */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { HttpError } from './http';
import { PROBLEMS } from '../shared/problems';

/** Longest owner id (JWT `sub`) accepted, in UTF-8 bytes: it is part of every key of an owner-scoped table. */
export const MAX_OWNER_BYTES = 1024;

interface AuthorizerContext {
  readonly jwt?: { readonly claims?: Record<string, unknown> };
  readonly iam?: { readonly userArn?: unknown };
  readonly lambda?: unknown;
}

function authorizerOf(event: APIGatewayProxyEventV2): AuthorizerContext | undefined {
  return (event.requestContext as { authorizer?: AuthorizerContext } | undefined)?.authorizer;
}

/** The owner id of an owner-scoped request: the JWT `sub`; 401 without one. */
export function requireOwner(event: APIGatewayProxyEventV2): string {
  const sub = authorizerOf(event)?.jwt?.claims?.sub;
  if (typeof sub !== 'string' || sub.length === 0 || Buffer.byteLength(sub, 'utf8') > MAX_OWNER_BYTES) {
    throw new HttpError(PROBLEMS.UNAUTHORIZED, 'This API keeps items per owner and needs a JWT with a subject (sub) claim.', {
      headers: { 'www-authenticate': 'Bearer' },
    });
  }
  return sub;
}

/**
 * The principal an `Idempotency-Key` belongs to: the JWT `sub` (JWT and Cognito authorizers), the IAM caller's ARN
 * (IAM authorization; an assumed role's session ARN), or, for a Lambda authorizer, the context it returned (what it
 * said about the caller). Undefined only when the request carries no identity at all (`ApiAuthorization.none()`):
 * then every caller shares one namespace of keys.
 */
export function callerPrincipal(event: APIGatewayProxyEventV2): string | undefined {
  const authorizer = authorizerOf(event);
  const sub = authorizer?.jwt?.claims?.sub;
  if (typeof sub === 'string' && sub !== '') return `jwt:${sub}`;
  const arn = authorizer?.iam?.userArn;
  if (typeof arn === 'string' && arn !== '') return `iam:${arn}`;
  if (authorizer?.lambda !== undefined && authorizer.lambda !== null) return `lambda:${stableJson(authorizer.lambda)}`;
  return undefined;
}

/** JSON with object members sorted, so the same context always names the same principal. */
function stableJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableJson).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o).sort().map((k) => `${JSON.stringify(k)}:${stableJson(o[k])}`).join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}
