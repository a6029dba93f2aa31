/**
 * JWT verification for the local runner, exactly as API Gateway's JWT authorizer for HTTP APIs documents it
 * ("Controlling access to HTTP APIs with JWT authorizers"):
 * - the token is the header's value, alone or after `Bearer`;
 * - only RSA-based algorithms (RS256/384/512, PS256/384/512); the header's `alg` must fit the key (`kty` RSA, and
 *   the JWK's `alg` when it has one);
 * - `kid` is required and must name a signing key of the JWKS;
 * - `iss` must be the configured issuer; `aud` must be one of the configured audiences, and only when the token has
 *   no `aud` is `client_id` checked instead (Cognito access tokens);
 * - `exp` must be after now, `nbf` and `iat` (when present) not after now — no clock leeway, as none is documented;
 * - the route's scopes: `scope` (space-separated) or `scp` must hold at least one (else 403).
 * Tokens are really verified: a forged or expired token is refused locally too. Error descriptions are fixed texts
 * (they go into the `WWW-Authenticate` header; nothing from the token is echoed).
 */
import { createPublicKey, KeyObject, verify as cryptoVerify } from 'crypto';
import * as fs from 'fs';

/** A signing key of the JWKS. */
export interface JwksKey {
  readonly key: KeyObject;
  readonly kty: string;
  /** The JWK's `alg`, when it names one. */
  readonly alg?: string;
}

export interface Jwks {
  /** Signing keys by `kid` (keys without a `kid` can never match a token, as on AWS, and are left out). */
  readonly keys: Map<string, JwksKey[]>;
}

export class JwtError extends Error {}

/** The token is valid but lacks the route's scopes: API Gateway answers 403. */
export class ScopeError extends Error {}

/** Loads a JWKS from a file path or an http(s) URL. */
export async function loadJwks(source: string): Promise<Jwks> {
  let json: any;
  if (/^https?:\/\//.test(source)) {
    const res = await fetch(source);
    if (!res.ok) throw new JwtError(`could not fetch JWKS from ${source}: HTTP ${res.status}`);
    json = await res.json();
  } else {
    if (!fs.existsSync(source)) throw new JwtError(`JWKS file ${source} does not exist`);
    json = JSON.parse(fs.readFileSync(source, 'utf8'));
  }
  const list: any[] = Array.isArray(json?.keys) ? json.keys : json?.kty ? [json] : [];
  if (list.length === 0) throw new JwtError(`${source} holds no JSON Web Keys ({ "keys": [...] })`);
  const keys = new Map<string, JwksKey[]>();
  for (const jwk of list) {
    if ((jwk.use && jwk.use !== 'sig') || typeof jwk.kid !== 'string') continue;
    const entry: JwksKey = { key: createPublicKey({ key: jwk, format: 'jwk' }), kty: String(jwk.kty), ...(typeof jwk.alg === 'string' ? { alg: jwk.alg } : {}) };
    keys.set(jwk.kid, [...(keys.get(jwk.kid) ?? []), entry]);
  }
  return { keys };
}

/** The algorithms API Gateway accepts: RSA-based only. */
const ALGORITHMS: Record<string, { hash: string; pss?: boolean }> = {
  RS256: { hash: 'sha256' },
  RS384: { hash: 'sha384' },
  RS512: { hash: 'sha512' },
  PS256: { hash: 'sha256', pss: true },
  PS384: { hash: 'sha384', pss: true },
  PS512: { hash: 'sha512', pss: true },
};

export interface JwtExpectations {
  /** The configured issuer (required: a JWT authorizer always has one). */
  readonly issuer: string;
  /** The configured audiences (required: a JWT authorizer always has at least one). */
  readonly audience: readonly string[];
  /** The route needs any one of these scopes. */
  readonly scopes?: readonly string[];
  /** The current time in ms since the epoch; defaults to now. */
  readonly nowMs?: number;
}

export interface VerifiedJwt {
  readonly claims: Record<string, unknown>;
  readonly scopes: string[];
}

function b64json(part: string): any {
  try {
    return JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
  } catch {
    throw new JwtError('the token is not a valid JWT');
  }
}

const isNumericDate = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/** Verifies a compact JWS token; throws JwtError (→ 401) or ScopeError (→ 403). */
export function verifyJwt(token: string, jwks: Jwks, expect: JwtExpectations): VerifiedJwt {
  if (!expect.issuer || expect.audience.length === 0) {
    throw new Error('JWT verification needs the issuer and at least one audience (the runner refuses to start without them)');
  }
  const parts = token.split('.');
  if (parts.length !== 3) throw new JwtError('the token is not a valid JWT');
  const header = b64json(parts[0]);
  const claims = b64json(parts[1]);
  if (typeof header !== 'object' || header === null || typeof claims !== 'object' || claims === null || Array.isArray(claims)) {
    throw new JwtError('the token is not a valid JWT');
  }
  const alg = typeof header.alg === 'string' ? ALGORITHMS[header.alg] : undefined;
  if (!alg) throw new JwtError('the token is not signed with a supported (RSA-based) algorithm');
  if (typeof header.kid !== 'string') throw new JwtError('the token has no kid');
  const candidates = (jwks.keys.get(header.kid) ?? []).filter((k) => k.kty === 'RSA' && (k.alg === undefined || k.alg === header.alg));
  if (candidates.length === 0) throw new JwtError('no signing key of the JWKS fits the token\'s kid and alg');
  const signed = Buffer.from(`${parts[0]}.${parts[1]}`);
  const signature = Buffer.from(parts[2], 'base64url');
  const ok = candidates.some(({ key }) => {
    try {
      return cryptoVerify(alg.hash, signed, { key, ...(alg.pss ? { padding: 6 /* RSA_PKCS1_PSS_PADDING */, saltLength: -1 } : {}) }, signature);
    } catch {
      return false;
    }
  });
  if (!ok) throw new JwtError('the token signature is invalid');

  if (claims.iss !== expect.issuer) throw new JwtError('the token does not have a valid issuer');
  if (claims.aud !== undefined) {
    const auds = [claims.aud].flat();
    if (!auds.some((a) => typeof a === 'string' && expect.audience.includes(a))) throw new JwtError('the token does not have a valid audience');
  } else if (typeof claims.client_id !== 'string' || !expect.audience.includes(claims.client_id)) {
    throw new JwtError('the token does not have a valid audience');
  }
  const nowMs = expect.nowMs ?? Date.now();
  if (!isNumericDate(claims.exp)) throw new JwtError('the token has no valid exp');
  if (claims.exp * 1000 <= nowMs) throw new JwtError('the token has expired');
  if (claims.nbf !== undefined && (!isNumericDate(claims.nbf) || claims.nbf * 1000 > nowMs)) throw new JwtError('the token is not valid yet (nbf)');
  if (claims.iat !== undefined && (!isNumericDate(claims.iat) || claims.iat * 1000 > nowMs)) throw new JwtError('the token was issued in the future (iat)');

  const scopes = typeof claims.scope === 'string' ? claims.scope.split(' ').filter(Boolean)
    : Array.isArray(claims.scp) ? claims.scp.map(String) : typeof claims.scp === 'string' ? claims.scp.split(' ').filter(Boolean) : [];
  if (expect.scopes && expect.scopes.length > 0 && !expect.scopes.some((s) => scopes.includes(s))) {
    throw new ScopeError('the token does not have the scopes this route needs');
  }
  return { claims, scopes };
}

/**
 * The issuer and audiences to verify against: from the template where it has them as plain values, else from the
 * flags. Throws with what to pass when either stays unknown (Cognito's are `{ Ref }`s until deploy).
 */
export function jwtExpectations(
  apiPath: string, auth: { kind: string; issuer?: unknown; audience?: unknown[] }, flags: { issuer?: string; audience?: string[] },
): { issuer: string; audience: string[] } {
  const issuer = typeof auth.issuer === 'string' ? auth.issuer : flags.issuer;
  const templateAudience = auth.audience ?? [];
  const audience = templateAudience.length > 0 && templateAudience.every((a): a is string => typeof a === 'string')
    ? templateAudience
    : flags.audience ?? [];
  const missing = [
    ...(issuer ? [] : ['--issuer <url> (e.g. https://cognito-idp.<region>.amazonaws.com/<user pool id>)']),
    ...(audience.length ? [] : ['--audience <id> (e.g. the Cognito app client id; repeatable)']),
  ];
  if (missing.length) {
    throw new JwtConfigError(`${apiPath} uses ${auth.kind} authorization, whose ${[!issuer && 'issuer', !audience.length && 'audience']
      .filter(Boolean).join(' and ')} the template only knows at deploy time: pass ${missing.join(' and ')}, or --no-auth`);
  }
  return { issuer: issuer!, audience };
}

/** The runner cannot verify tokens as API Gateway would: it must not start. */
export class JwtConfigError extends Error {}
