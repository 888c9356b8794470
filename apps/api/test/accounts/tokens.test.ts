import { createHmac, generateKeyPairSync, sign as signWith } from 'node:crypto';
import t from 'tap';
import { startTestHerald } from '../helpers/herald.js';

/**
 * Access tokens: only a token this server signed, with its current keys, for its audience, still
 * within its lifetime, lets a request in. Each classic attack on JWT verification is a 401.
 */

const herald = await startTestHerald(t);
const user = await herald.signUp();

const b64 = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
const decode = (token: string) => {
  const [header, payload, signature] = token.split('.') as [string, string, string];
  return { header: JSON.parse(Buffer.from(header, 'base64url').toString()), payload: JSON.parse(Buffer.from(payload, 'base64url').toString()), signature };
};
const me = (token: string) => herald.request({ method: 'GET', url: '/api/v1/me', as: token });

t.test('an issued access token carries kid, iss, aud, sub, role and a 15-minute lifetime, EdDSA-signed', async (t) => {
  const { header, payload } = decode(user.accessToken);
  t.equal(header.alg, 'EdDSA');
  t.type(header.kid, 'string');
  t.match(payload, { iss: 'herald', aud: 'herald-api', sub: user.id, role: 'user', handle: user.handle });
  t.equal(payload.exp - payload.iat, 900);
  const jwks = await herald.request({ method: 'GET', url: '/.well-known/jwks.json', as: 'anonymous' });
  t.equal(jwks.statusCode, 200);
  t.ok(jwks.json().keys.some((key: { kid: string }) => key.kid === header.kid), 'its kid is published');
  t.notOk(jwks.json().keys.some((key: Record<string, unknown>) => 'd' in key), 'no private part is published');
  t.equal((await me(user.accessToken)).statusCode, 200);
});

/** A token with the given header and payload, signed by `signature(signingInput)`. */
const forge = (header: object, payload: object, signature: (input: string) => string) => {
  const input = `${b64(header)}.${b64(payload)}`;
  return `${input}.${signature(input)}`;
};

t.test('each attack on the token is a 401 with WWW-Authenticate: Bearer error="invalid_token"', async (t) => {
  const { header, payload } = decode(user.accessToken);
  const jwks = (await herald.request({ method: 'GET', url: '/.well-known/jwks.json', as: 'anonymous' })).json();
  const publicJwk = jwks.keys[0];
  const stranger = generateKeyPairSync('ed25519').privateKey;
  const strangerSign = (input: string) => signWith(null, Buffer.from(input), stranger).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  const [h, p, s] = user.accessToken.split('.') as [string, string, string];
  const flipped = `${s.slice(0, -4)}${s.slice(-4) === 'AAAA' ? 'BBBB' : 'AAAA'}`;

  const attacks: Record<string, string> = {
    'alg none': `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ ...payload, role: 'admin' })}.`,
    'HMAC signed with the public key': forge({ ...header, alg: 'HS256' }, { ...payload, role: 'admin' }, (input) =>
      createHmac('sha256', JSON.stringify(publicJwk)).update(input).digest('base64url'),
    ),
    'HMAC signed with the public key as x': forge({ ...header, alg: 'HS256' }, { ...payload, role: 'admin' }, (input) =>
      createHmac('sha256', publicJwk.x).update(input).digest('base64url'),
    ),
    'an unknown kid': forge({ ...header, kid: 'not-a-key-of-ours' }, payload, strangerSign),
    'a known kid, signed by another key': forge(header, { ...payload, role: 'admin' }, strangerSign),
    'no kid': forge({ alg: 'EdDSA', typ: 'JWT' }, payload, strangerSign),
    'a tampered payload': `${h}.${b64({ ...payload, role: 'admin' })}.${s}`,
    'a tampered signature': `${h}.${p}.${flipped}`,
    'garbage': 'not.a.jwt',
  };
  for (const [attack, token] of Object.entries(attacks)) {
    const response = await me(token);
    t.equal(response.statusCode, 401, attack);
    t.match(response.headers['www-authenticate'], /^Bearer realm="herald", error="invalid_token"/, attack);
    t.equal(response.headers['content-type'], 'application/problem+json; charset=utf-8', attack);
  }
});

t.test('a token for another audience or from another issuer, or expired, is a 401 even when correctly signed', async (t) => {
  // Tokens signed with this server's own key, through its own signer, but with other claims.
  const signer = herald.app.jwt;
  const claims = { sub: user.id, role: 'user' as const, handle: user.handle };
  const cases = {
    'wrong audience': signer.sign(claims, { aud: 'another-api' } as never),
    'wrong issuer': signer.sign(claims, { iss: 'someone-else' } as never),
    // Signed as if an hour ago: it expired 45 minutes ago.
    expired: signer.sign(claims, { clockTimestamp: Date.now() - 3_600_000 } as never),
  };
  for (const [name, token] of Object.entries(cases)) {
    const response = await me(token);
    t.equal(response.statusCode, 401, name);
  }
  const expired = await me(cases.expired);
  t.match(expired.headers['www-authenticate'], /expired/);
  t.equal((await me(signer.sign(claims))).statusCode, 200, 'the same signer with the right claims is accepted (the cases above fail for their claim)');
});

t.test('without a token a write is a 401 with WWW-Authenticate: Bearer; a user without the role gets 403', async (t) => {
  const anonymous = await herald.request({ method: 'POST', url: '/api/v1/products', as: 'anonymous', body: { not: 'even valid' } });
  t.equal(anonymous.statusCode, 401, 'credentials are checked before the body');
  t.equal(anonymous.headers['www-authenticate'], 'Bearer realm="herald"');
  const asUser = await herald.request({ method: 'POST', url: '/api/v1/products', as: user.accessToken, body: { not: 'even valid' } });
  t.equal(asUser.statusCode, 403);
  t.match(asUser.json().detail, /role admin/);
  for (const [method, url] of [['GET', '/api/v1/dead-letters?group=notifier'], ['POST', '/api/v1/dead-letters/redrive']] as const) {
    const response = await herald.request({ method, url, as: user.accessToken, ...(method === 'POST' ? { body: { group: 'notifier' } } : {}) });
    t.equal(response.statusCode, 403, `${method} ${url} needs admin`);
  }
  const read = await herald.request({ method: 'GET', url: '/api/v1/products', as: 'anonymous' });
  t.equal(read.statusCode, 200, 'public reads stay open');
});
