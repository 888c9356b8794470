import t from 'tap';
import { startTestHerald } from '../helpers/herald.js';

/** Refresh tokens: single use, rotated, stored only as a hash; reuse revokes the whole sign-in. */

const herald = await startTestHerald(t);
const refresh = (token: string) => herald.request({ method: 'POST', url: '/api/v1/auth/refresh', as: 'anonymous', body: { refresh_token: token } });
const signIn = (handle: string, password: string) => herald.request({ method: 'POST', url: '/api/v1/auth/token', as: 'anonymous', body: { handle, password } });

t.test('signing in answers the token pair, never cached', async (t) => {
  const user = await herald.signUp();
  const response = await signIn(user.handle.toUpperCase(), user.password);
  t.equal(response.statusCode, 200);
  t.match(response.json(), { token_type: 'Bearer', expires_in: 900, access_token: /^[\w-]+\.[\w-]+\.[\w-]+$/, refresh_token: /^[\w-]{43}$/ });
  t.equal(response.headers['cache-control'], 'no-store');
});

t.test('a wrong password and an unknown handle get the same 401', async (t) => {
  const user = await herald.signUp();
  const wrong = await signIn(user.handle, 'not the password at all');
  const unknown = await signIn('nobody_by_this_name', 'not the password at all');
  t.equal(wrong.statusCode, 401);
  t.equal(unknown.statusCode, 401);
  const strip = (body: string) => ({ ...JSON.parse(body), instance: undefined });
  t.same(strip(wrong.body), strip(unknown.body));
});

t.test('a refresh token is single use: each refresh rotates it', async (t) => {
  const user = await herald.signUp();
  const first = await refresh(user.refreshToken);
  t.equal(first.statusCode, 200);
  const next = first.json().refresh_token;
  t.not(next, user.refreshToken);
  t.equal((await herald.request({ method: 'GET', url: '/api/v1/me', as: first.json().access_token })).statusCode, 200);
  const second = await refresh(next);
  t.equal(second.statusCode, 200, 'the rotated token works once');
});

t.test('presenting a used refresh token revokes its whole family, the newest token included', async (t) => {
  const user = await herald.signUp();
  const stolen = user.refreshToken;
  const legitimate = (await refresh(stolen)).json().refresh_token;
  const reuse = await refresh(stolen);
  t.equal(reuse.statusCode, 401);
  t.match(reuse.json().detail, /already used/);
  t.equal((await refresh(legitimate)).statusCode, 401, 'the token rotated from it is revoked too');

  const otherSignIn = (await signIn(user.handle, user.password)).json().refresh_token;
  t.equal((await refresh(otherSignIn)).statusCode, 200, 'another sign-in of the same user is another family: untouched');
});

t.test('refresh tokens are stored only as a hash', async (t) => {
  const user = await herald.signUp();
  const { rows } = await herald.pool.query<{ token_hash: Buffer }>('select token_hash from refresh_tokens r join users u on u.id = r.user_id where u.handle = $1', [user.handle]);
  t.equal(rows.length, 1);
  t.not(rows[0]!.token_hash.toString('base64url'), user.refreshToken);
  t.equal(rows[0]!.token_hash.length, 32);
});

t.test('logout revokes the sign-in; everywhere revokes all of the user', async (t) => {
  const user = await herald.signUp();
  const other = (await signIn(user.handle, user.password)).json().refresh_token;
  const out = await herald.request({ method: 'POST', url: '/api/v1/auth/logout', as: user.accessToken, body: { refresh_token: user.refreshToken } });
  t.equal(out.statusCode, 204);
  t.equal((await refresh(user.refreshToken)).statusCode, 401);
  const stillIn = await refresh(other);
  t.equal(stillIn.statusCode, 200, 'the other sign-in still works');
  await herald.request({ method: 'POST', url: '/api/v1/auth/logout', as: user.accessToken, body: { everywhere: true } });
  t.equal((await refresh(stillIn.json().refresh_token)).statusCode, 401);

  const intruder = await herald.signUp();
  const another = await herald.signUp();
  await herald.request({ method: 'POST', url: '/api/v1/auth/logout', as: intruder.accessToken, body: { refresh_token: another.refreshToken } });
  t.equal((await refresh(another.refreshToken)).statusCode, 200, "nobody can revoke someone else's sign-in");
});

t.test('an unknown handle costs the same time as a wrong password', async (t) => {
  const user = await herald.signUp();
  const timed = async (handle: string) => {
    const started = process.hrtime.bigint();
    await signIn(handle, 'a wrong password here');
    return Number(process.hrtime.bigint() - started) / 1e6;
  };
  const wrong: number[] = [];
  const unknown: number[] = [];
  for (let round = 0; round < 8; round++) {
    wrong.push(await timed(user.handle));
    unknown.push(await timed(`nobody_${round}`));
  }
  const median = (values: number[]) => values.sort((a, b) => a - b)[values.length >> 1]!;
  const ratio = median(unknown) / median(wrong);
  // Without the decoy hash an unknown handle answers in about 1 ms against tens of ms for a
  // password check: a ratio far below 0.5.
  t.ok(ratio > 0.5 && ratio < 2, `unknown/wrong median time ratio ${ratio.toFixed(2)} (${median(unknown).toFixed(1)} ms / ${median(wrong).toFixed(1)} ms)`);
});
