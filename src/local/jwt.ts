/**
 * JWT verification for the local runner, as API Gateway's JWT authorizer does it: signature against a JWKS
 * (RS256/384/512, ES256/384/512, PS256/384/512), `iss`, `aud` (or `client_id` for Cognito access tokens), `exp`,
 * `nbf`, and the route's scopes. Tokens are really verified — a forged or expired token is refused locally too.
 */
import { createPublicKey, KeyObject, verify as cryptoVerify } from 'crypto';
import * as fs from 'fs';

export interface Jwks {
  readonly keys: Map<string | undefined, KeyObject[]>;
}

export class JwtError extends Error {}

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
  const keys = new Map<string | undefined, KeyObject[]>();
  for (const jwk of list) {
    if (jwk.use && jwk.use !== 'sig') continue;
    const key = createPublicKey({ key: jwk, format: 'jwk' });
    for (const kid of [jwk.kid as string | undefined, undefined]) {
      keys.set(kid, [...(keys.get(kid) ?? []), key]);
    }
  }
  return { keys };
}

const ALGORITHMS: Record<string, { hash: string; pss?: boolean; ec?: boolean }> = {
  RS256: { hash: 'sha256' },
  RS384: { hash: 'sha384' },
  RS512: { hash: 'sha512' },
  PS256: { hash: 'sha256', pss: true },
  PS384: { hash: 'sha384', pss: true },
  PS512: { hash: 'sha512', pss: true },
  ES256: { hash: 'sha256', ec: true },
  ES384: { hash: 'sha384', ec: true },
  ES512: { hash: 'sha512', ec: true },
};

export interface JwtExpectations {
  readonly issuer?: string;
  readonly audience?: string[];
  /** The route needs any one of these scopes. */
  readonly scopes?: string[];
  /** Seconds since the epoch; defaults to now. */
  readonly now?: number;
}

export interface VerifiedJwt {
  readonly claims: Record<string, unknown>;
  readonly scopes: string[];
}

function b64json(part: string): any {
  try {
    return JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
  } catch {
    throw new JwtError('token is not a JWT (undecodable part)');
  }
}

/** Verifies a compact JWS token; throws JwtError (→ 401) or ScopeError (→ 403). */
export function verifyJwt(token: string, jwks: Jwks, expect: JwtExpectations): VerifiedJwt {
  const parts = token.split('.');
  if (parts.length !== 3) throw new JwtError('token is not a JWT (expected three parts)');
  const header = b64json(parts[0]);
  const claims = b64json(parts[1]);
  const alg = ALGORITHMS[header?.alg];
  if (!alg) throw new JwtError(`unsupported or missing alg '${header?.alg}'`);
  const candidates = jwks.keys.get(header.kid) ?? (header.kid === undefined ? jwks.keys.get(undefined) : undefined) ?? [];
  if (candidates.length === 0) throw new JwtError(`no key with kid '${header.kid}' in the JWKS`);
  const signed = Buffer.from(`${parts[0]}.${parts[1]}`);
  const signature = Buffer.from(parts[2], 'base64url');
  const ok = candidates.some((key) => {
    try {
      return cryptoVerify(alg.hash, signed, {
        key,
        ...(alg.pss ? { padding: 6 /* RSA_PKCS1_PSS_PADDING */, saltLength: -1 } : {}),
        ...(alg.ec ? { dsaEncoding: 'ieee-p1363' as const } : {}),
      }, signature);
    } catch {
      return false;
    }
  });
  if (!ok) throw new JwtError('signature does not verify');
  if (typeof claims !== 'object' || claims === null) throw new JwtError('claims are not an object');

  const now = expect.now ?? Math.floor(Date.now() / 1000);
  if (typeof claims.exp !== 'number') throw new JwtError('token has no exp');
  if (now >= claims.exp) throw new JwtError('token expired');
  if (typeof claims.nbf === 'number' && now < claims.nbf) throw new JwtError('token not yet valid (nbf)');
  if (expect.issuer !== undefined && claims.iss !== expect.issuer) {
    throw new JwtError(`issuer '${claims.iss}' is not '${expect.issuer}'`);
  }
  if (expect.audience && expect.audience.length > 0) {
    const auds = [claims.aud, claims.client_id].flat().filter((a) => typeof a === 'string');
    if (!auds.some((a) => expect.audience!.includes(a))) {
      throw new JwtError(`audience ${JSON.stringify(claims.aud ?? claims.client_id)} is not one of ${JSON.stringify(expect.audience)}`);
    }
  }
  const scopes = typeof claims.scope === 'string' ? claims.scope.split(' ').filter(Boolean)
    : Array.isArray(claims.scp) ? claims.scp.map(String) : [];
  if (expect.scopes && expect.scopes.length > 0 && !expect.scopes.some((s) => scopes.includes(s))) {
    throw new ScopeError(`token scopes ${JSON.stringify(scopes)} include none of ${JSON.stringify(expect.scopes)}`);
  }
  return { claims, scopes };
}

/** The token is valid but lacks the route's scopes: API Gateway answers 403. */
export class ScopeError extends Error {}
