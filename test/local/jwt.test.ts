import { generateKeyPairSync, KeyObject, sign } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Jwks, JwtConfigError, JwtError, jwtExpectations, loadJwks, ScopeError, verifyJwt } from '../../src/local/jwt';

type Alg = 'RS256' | 'RS384' | 'PS256' | 'ES256';

/** Signs a JWT with a locally generated key; `header` overrides header fields (`kid: undefined` drops it). */
export function signJwt(claims: Record<string, unknown>, key: KeyObject, kid: string | undefined, alg: Alg = 'RS256', header: Record<string, unknown> = {}): string {
  const enc = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const input = `${enc({ alg, kid, typ: 'JWT', ...header })}.${enc(claims)}`;
  const hash = alg === 'RS384' ? 'sha384' : 'sha256';
  const sig = sign(hash, Buffer.from(input), alg === 'ES256' ? { key, dsaEncoding: 'ieee-p1363' } : alg === 'PS256' ? { key, padding: 6, saltLength: 32 } : key);
  return `${input}.${sig.toString('base64url')}`;
}

describe('JWT verification as API Gateway\'s JWT authorizer does it', () => {
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const rsaNoAlg = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const other = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'jwks-')), 'jwks.json');
  fs.writeFileSync(file, JSON.stringify({
    keys: [
      { ...rsa.publicKey.export({ format: 'jwk' }), kid: 'rsa1', alg: 'RS256', use: 'sig' },
      { ...rsaNoAlg.publicKey.export({ format: 'jwk' }), kid: 'rsa-any', use: 'sig' },
      { ...ec.publicKey.export({ format: 'jwk' }), kid: 'ec1', alg: 'ES256', use: 'sig' },
      { ...other.publicKey.export({ format: 'jwk' }), use: 'sig' }, // no kid: never matches
    ],
  }));
  const nowMs = Date.now();
  const now = Math.floor(nowMs / 1000);
  const base = { iss: 'https://issuer.example.com/', aud: 'api', sub: 'user-1', exp: now + 300, iat: now, scope: 'items/read items/write' };
  const expect_ = { issuer: 'https://issuer.example.com/', audience: ['api'], nowMs };
  let jwks: Jwks;
  beforeAll(async () => { jwks = await loadJwks(file); });

  test('a valid RS256 token verifies and exposes claims and scopes; PS256 and RS384 too, on a key without alg', () => {
    expect(verifyJwt(signJwt(base, rsa.privateKey, 'rsa1'), jwks, expect_)).toEqual({ claims: base, scopes: ['items/read', 'items/write'] });
    expect(verifyJwt(signJwt(base, rsaNoAlg.privateKey, 'rsa-any', 'PS256'), jwks, expect_).claims.sub).toBe('user-1');
    expect(verifyJwt(signJwt(base, rsaNoAlg.privateKey, 'rsa-any', 'RS384'), jwks, expect_).claims.sub).toBe('user-1');
  });

  test.each([
    ['expired', { ...base, exp: now - 1 }, /expired/],
    ['expiring this very second (no leeway)', { ...base, exp: nowMs / 1000 }, /expired/],
    ['not yet valid', { ...base, nbf: now + 60 }, /nbf/],
    ['issued in the future', { ...base, iat: now + 60 }, /iat/],
    ['with a non-numeric exp', { ...base, exp: String(now + 60) }, /exp/],
    ['without exp', { ...base, exp: undefined }, /exp/],
    ['of another issuer', { ...base, iss: 'https://evil.example.com/' }, /issuer/],
    ['without iss', { ...base, iss: undefined }, /issuer/],
    ['for another audience', { ...base, aud: 'other' }, /audience/],
    ['for another audience, with client_id the configured one (aud wins)', { ...base, aud: 'other-app', client_id: 'api' }, /audience/],
    ['with neither aud nor client_id', { ...base, aud: undefined }, /audience/],
  ])('rejects (401) a token %s', (_n, claims, message) => {
    const token = signJwt(claims as any, rsa.privateKey, 'rsa1');
    expect(() => verifyJwt(token, jwks, expect_)).toThrow(JwtError);
    expect(() => verifyJwt(token, jwks, expect_)).toThrow(message);
  });

  test('aud may be a list; client_id counts only when there is no aud (Cognito access tokens)', () => {
    expect(verifyJwt(signJwt({ ...base, aud: ['x', 'api'] }, rsa.privateKey, 'rsa1'), jwks, expect_).claims.sub).toBe('user-1');
    const { aud: _aud, ...rest } = base;
    expect(verifyJwt(signJwt({ ...rest, client_id: 'api' }, rsa.privateKey, 'rsa1'), jwks, expect_).claims.client_id).toBe('api');
    expect(() => verifyJwt(signJwt({ ...rest, client_id: 'other' }, rsa.privateKey, 'rsa1'), jwks, expect_)).toThrow(/audience/);
  });

  test('kid: required, must name a key of the JWKS; one with a newline is a plain 401 with a header-safe message', () => {
    expect(() => verifyJwt(signJwt(base, rsa.privateKey, undefined), jwks, expect_)).toThrow(/no kid/);
    expect(() => verifyJwt(signJwt(base, rsa.privateKey, 'nope'), jwks, expect_)).toThrow(/kid/);
    expect(() => verifyJwt(signJwt(base, other.privateKey, ''), jwks, expect_)).toThrow(JwtError);
    let error: Error | undefined;
    try {
      verifyJwt(signJwt(base, rsa.privateKey, 'rsa1\r\nx-injected: 1'), jwks, expect_);
    } catch (e) {
      error = e as Error;
    }
    expect(error).toBeInstanceOf(JwtError);
    expect(error!.message).toMatch(/^[\x20-\x7e]+$/);
  });

  test('alg must be RSA-based and fit the key: ES256 (not supported by API Gateway), a mismatch with the JWK alg, none', () => {
    expect(() => verifyJwt(signJwt(base, ec.privateKey, 'ec1', 'ES256'), jwks, expect_)).toThrow(/RSA-based/);
    expect(() => verifyJwt(signJwt(base, rsa.privateKey, 'rsa1', 'PS256'), jwks, expect_)).toThrow(/kid and alg/); // JWK says RS256
    expect(() => verifyJwt(signJwt(base, rsa.privateKey, 'ec1'), jwks, expect_)).toThrow(/kid and alg/); // RS256 on an EC key
    const none = `${Buffer.from('{"alg":"none","kid":"rsa1"}').toString('base64url')}.${Buffer.from(JSON.stringify(base)).toString('base64url')}.`;
    expect(() => verifyJwt(none, jwks, expect_)).toThrow(/RSA-based/);
    expect(() => verifyJwt(signJwt(base, rsa.privateKey, 'rsa1', 'RS256', { alg: 'HS256' }), jwks, expect_)).toThrow(/RSA-based/);
  });

  test('rejects a token signed by another key, a tampered token and garbage', () => {
    expect(() => verifyJwt(signJwt(base, other.privateKey, 'rsa1'), jwks, expect_)).toThrow(/signature/);
    const [h, , s] = signJwt(base, rsa.privateKey, 'rsa1').split('.');
    const forged = `${h}.${Buffer.from(JSON.stringify({ ...base, sub: 'admin' })).toString('base64url')}.${s}`;
    expect(() => verifyJwt(forged, jwks, expect_)).toThrow(/signature/);
    for (const garbage of ['not.a.jwt', 'abc', `${h}.bnVsbA.${s}`]) expect(() => verifyJwt(garbage, jwks, expect_)).toThrow(JwtError);
  });

  test('missing route scopes is a ScopeError (403), not a JwtError (401); scp works like scope', () => {
    expect(() => verifyJwt(signJwt(base, rsa.privateKey, 'rsa1'), jwks, { ...expect_, scopes: ['admin'] })).toThrow(ScopeError);
    expect(verifyJwt(signJwt(base, rsa.privateKey, 'rsa1'), jwks, { ...expect_, scopes: ['admin', 'items/write'] }).scopes).toContain('items/write');
    const { scope: _s, ...noScope } = base;
    expect(verifyJwt(signJwt({ ...noScope, scp: ['admin'] }, rsa.privateKey, 'rsa1'), jwks, { ...expect_, scopes: ['admin'] }).scopes).toEqual(['admin']);
  });

  test('verification without a known issuer and audience is refused outright (a runner bug, never a pass)', () => {
    expect(() => verifyJwt(signJwt(base, rsa.privateKey, 'rsa1'), jwks, { issuer: '', audience: ['api'] })).toThrow(/issuer and at least one audience/);
    expect(() => verifyJwt(signJwt(base, rsa.privateKey, 'rsa1'), jwks, { issuer: base.iss, audience: [] })).toThrow(/issuer and at least one audience/);
  });
});

describe('issuer and audience to verify against', () => {
  const ref = { Ref: 'UserPoolClient' };
  test('plain template values are used', () => {
    expect(jwtExpectations('A/B', { kind: 'jwt', issuer: 'https://i/', audience: ['a', 'b'] }, { audience: [] })).toEqual({ issuer: 'https://i/', audience: ['a', 'b'] });
  });
  test('deploy-time values need --issuer and --audience; with them the runner starts', () => {
    const cognito = { kind: 'cognito', issuer: { 'Fn::Join': ['', ['https://cognito-idp.', { Ref: 'AWS::Region' }]] }, audience: [ref] };
    expect(() => jwtExpectations('A/B', cognito, { audience: [] })).toThrow(JwtConfigError);
    expect(() => jwtExpectations('A/B', cognito, { audience: [] })).toThrow(/A\/B uses cognito authorization, whose issuer and audience .*--issuer .*--audience/);
    expect(() => jwtExpectations('A/B', cognito, { issuer: 'https://i/', audience: [] })).toThrow(/whose audience .*--audience/);
    expect(jwtExpectations('A/B', cognito, { issuer: 'https://i/', audience: ['client1'] })).toEqual({ issuer: 'https://i/', audience: ['client1'] });
  });
});
