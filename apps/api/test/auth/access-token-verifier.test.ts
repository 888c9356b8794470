import { createSigner } from 'fast-jwt';
import t from 'tap';
import { createAccessTokenVerifier } from '../../src/auth/access-token-verifier.js';
import { ephemeralKeySet, keySetOf, generateSigningJwk, TOKEN_ALGORITHM, type KeySet } from '../../src/auth/keys.js';

const ISSUER = 'https://herald.test';
const AUDIENCE = 'herald-api';
const claims = { sub: '0190a0b0-0000-7000-8000-000000000001', role: 'user', handle: 'ada' };

function signerFor(keys: KeySet, overrides: Record<string, unknown> = {}) {
  return createSigner({
    key: keys.signing.privatePem,
    algorithm: TOKEN_ALGORITHM,
    kid: keys.signing.kid,
    iss: ISSUER,
    aud: AUDIENCE,
    expiresIn: 60_000,
    ...overrides,
  });
}

const verifierFor = (keys: KeySet, cacheSize = 100) => createAccessTokenVerifier({ keys, issuer: ISSUER, audience: AUDIENCE, cacheSize });

t.test('a token signed with a key of the set, for this issuer and audience, names its principal, every time it is sent', async (t) => {
  const keys = ephemeralKeySet();
  const check = verifierFor(keys);
  const token = signerFor(keys)(claims);
  const expected = { principal: { userId: claims.sub, role: 'user', handle: 'ada' } };
  t.same(check(`Bearer ${token}`), expected, 'first use: verified');
  t.same(check(`Bearer ${token}`), expected, 'again: the same answer');
  t.same(check(`bearer ${token}`), expected, 'the scheme in any case');
});

t.test('a token remembered as verified is still refused once it has expired', async (t) => {
  const keys = ephemeralKeySet();
  const check = verifierFor(keys);
  const token = signerFor(keys, { expiresIn: 1_500 })(claims);
  t.ok('principal' in check(`Bearer ${token}`), 'valid at first');
  await new Promise((resolve) => setTimeout(resolve, 1_600));
  t.same(check(`Bearer ${token}`), { problem: 'the access token has expired' });
});

t.test('only the exact token is remembered: a tampered copy of a verified token is refused', async (t) => {
  const keys = ephemeralKeySet();
  const check = verifierFor(keys);
  const token = signerFor(keys)(claims);
  t.ok('principal' in check(`Bearer ${token}`));
  const [header, payload, signature] = token.split('.') as [string, string, string];
  const asAdmin = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(payload, 'base64url').toString()), role: 'admin' })).toString('base64url');
  const flipped = `${signature.slice(0, -2)}${signature.at(-2) === 'A' ? 'B' : 'A'}${signature.at(-1)}`;
  t.same(check(`Bearer ${header}.${asAdmin}.${signature}`), { problem: 'the access token is not valid' }, 'payload changed');
  t.same(check(`Bearer ${header}.${payload}.${flipped}`), { problem: 'the access token is not valid' }, 'signature changed');
  t.same(check(`Bearer ${token}x`), { problem: 'the access token is not valid' }, 'one character more');
});

t.test('refused: another key, issuer or audience, missing claims, a bad header', async (t) => {
  const keys = ephemeralKeySet();
  const check = verifierFor(keys);
  const stranger = keySetOf({ keys: [generateSigningJwk()] }, 'another key');
  const invalid = { problem: 'the access token is not valid' };
  t.same(check(`Bearer ${signerFor(stranger)(claims)}`), invalid, 'a key the set does not hold');
  t.same(check(`Bearer ${signerFor(keys, { iss: 'https://elsewhere' })(claims)}`), invalid, 'another issuer');
  t.same(check(`Bearer ${signerFor(keys, { aud: 'another-api' })(claims)}`), invalid, 'another audience');
  t.same(check(`Bearer ${signerFor(keys)({ sub: claims.sub, handle: 'ada', role: 'emperor' })}`), invalid, 'a role Herald does not have');
  t.same(check(`Bearer ${signerFor(keys, { noTimestamp: true })(claims)}`), invalid, 'no iat');
  t.same(check(`Bearer ${signerFor(keys, { clockTimestamp: Date.now() - 3_600_000 })(claims)}`), { problem: 'the access token has expired' });
  const malformed = { problem: 'the Authorization header does not hold a well-formed bearer token' };
  t.same(check('Bearer not-a-token'), malformed);
  t.same(check('Bearer a b'), malformed, 'two words');
  t.same(check('Bearer '), malformed, 'nothing after the scheme');
  t.same(check(`Basic ${Buffer.from('ada:secret').toString('base64')}`), invalid, 'another scheme');
});

t.test('with a cache size of 0 every token is verified each time, with the same answers', async (t) => {
  const keys = ephemeralKeySet();
  const check = verifierFor(keys, 0);
  const token = signerFor(keys)(claims);
  t.ok('principal' in check(`Bearer ${token}`));
  t.ok('principal' in check(`Bearer ${token}`));
  t.same(check(`Bearer ${signerFor(keys, { aud: 'x' })(claims)}`), { problem: 'the access token is not valid' });
});
