import { generateKeyPairSync, KeyObject, sign } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { JwtError, loadJwks, ScopeError, verifyJwt } from '../../src/local/jwt';

/** Signs a JWT (RS256 or ES256) with a locally generated key. */
export function signJwt(claims: Record<string, unknown>, key: KeyObject, kid: string, alg: 'RS256' | 'ES256' = 'RS256'): string {
  const enc = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const input = `${enc({ alg, kid, typ: 'JWT' })}.${enc(claims)}`;
  const sig = sign('sha256', Buffer.from(input), alg === 'ES256' ? { key, dsaEncoding: 'ieee-p1363' } : key);
  return `${input}.${sig.toString('base64url')}`;
}

describe('JWT verification against a local JWKS', () => {
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const other = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'jwks-')), 'jwks.json');
  fs.writeFileSync(file, JSON.stringify({
    keys: [
      { ...rsa.publicKey.export({ format: 'jwk' }), kid: 'rsa1', alg: 'RS256', use: 'sig' },
      { ...ec.publicKey.export({ format: 'jwk' }), kid: 'ec1', alg: 'ES256', use: 'sig' },
    ],
  }));
  const now = Math.floor(Date.now() / 1000);
  const base = { iss: 'https://issuer.example.com/', aud: 'api', sub: 'user-1', exp: now + 300, scope: 'items/read items/write' };
  const expect_ = { issuer: 'https://issuer.example.com/', audience: ['api'] };
  let jwks: Awaited<ReturnType<typeof loadJwks>>;
  beforeAll(async () => { jwks = await loadJwks(file); });

  test('a valid RS256 and a valid ES256 token verify and expose claims and scopes', () => {
    expect(verifyJwt(signJwt(base, rsa.privateKey, 'rsa1'), jwks, expect_)).toEqual({ claims: base, scopes: ['items/read', 'items/write'] });
    expect(verifyJwt(signJwt(base, ec.privateKey, 'ec1', 'ES256'), jwks, expect_).claims.sub).toBe('user-1');
  });

  test.each([
    ['expired', { ...base, exp: now - 1 }, 'rsa1', /expired/],
    ['not yet valid', { ...base, nbf: now + 60 }, 'rsa1', /nbf/],
    ['wrong audience', { ...base, aud: 'other' }, 'rsa1', /audience/],
    ['wrong issuer', { ...base, iss: 'https://evil.example.com/' }, 'rsa1', /issuer/],
    ['no exp', { ...base, exp: undefined }, 'rsa1', /no exp/],
    ['unknown kid', base, 'nope', /no key with kid/],
  ])('rejects a token that is %s', (_n, claims, kid, message) => {
    expect(() => verifyJwt(signJwt(claims as any, rsa.privateKey, kid), jwks, expect_)).toThrow(message);
  });

  test('rejects a token signed by another key, a tampered token and garbage', () => {
    expect(() => verifyJwt(signJwt(base, other.privateKey, 'rsa1'), jwks, expect_)).toThrow(/signature/);
    const [h, , s] = signJwt(base, rsa.privateKey, 'rsa1').split('.');
    const forged = `${h}.${Buffer.from(JSON.stringify({ ...base, sub: 'admin' })).toString('base64url')}.${s}`;
    expect(() => verifyJwt(forged, jwks, expect_)).toThrow(JwtError);
    expect(() => verifyJwt('not.a.jwt', jwks, expect_)).toThrow(JwtError);
    expect(() => verifyJwt('abc', jwks, expect_)).toThrow(JwtError);
    const none = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(JSON.stringify(base)).toString('base64url')}.`;
    expect(() => verifyJwt(none, jwks, expect_)).toThrow(/alg/);
  });

  test('a Cognito access token carries client_id instead of aud', () => {
    const { aud: _aud, ...rest } = base;
    expect(verifyJwt(signJwt({ ...rest, client_id: 'api' }, rsa.privateKey, 'rsa1'), jwks, expect_).claims.client_id).toBe('api');
  });

  test('missing route scopes is a ScopeError (403), not a JwtError (401)', () => {
    expect(() => verifyJwt(signJwt(base, rsa.privateKey, 'rsa1'), jwks, { ...expect_, scopes: ['admin'] })).toThrow(ScopeError);
    expect(verifyJwt(signJwt(base, rsa.privateKey, 'rsa1'), jwks, { ...expect_, scopes: ['admin', 'items/write'] }).scopes).toContain('items/write');
  });
});
