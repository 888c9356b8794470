import t from 'tap';
import { authorizedFetch, type Fetch } from '../src/api/client.js';
import { createAuthSession, refreshDelayMs, SignInError, type AuthSession } from '../src/auth/session.js';
import { createFakeAuth, type FakeAuth, type FakeAuthOptions } from './helpers/fake-auth.js';
import { createFakeTimers } from './helpers/fake-timers.js';

const settle = async () => {
  for (let i = 0; i < 10; i++) await new Promise((resolve) => setImmediate(resolve));
};

const ADMIN = { handle: 'admin', password: 'correct horse battery staple' };

function setup(options: FakeAuthOptions & { fetchFn?: (auth: FakeAuth) => Fetch } = {}) {
  const timers = createFakeTimers();
  timers.now = 1_700_000_000_000;
  const auth = createFakeAuth({ now: () => timers.now, ...options });
  const session = createAuthSession({
    fetchFn: options.fetchFn ? options.fetchFn(auth) : auth.fetch,
    timers,
    now: () => timers.now,
    random: () => 0,
  });
  const states: string[] = [];
  session.subscribe(() => states.push(session.state.status));
  return { timers, auth, session, states };
}

async function signedIn(options?: Parameters<typeof setup>[0]) {
  const context = setup(options);
  await context.session.signIn(ADMIN.handle, ADMIN.password);
  await settle();
  return context;
}

const refreshCalls = (auth: FakeAuth) => auth.calls.filter((c) => c.path === '/api/v1/auth/refresh');

/** A call to the API that only a valid token gets through, as the products endpoints will. */
async function callApi(session: AuthSession, auth: FakeAuth): Promise<number> {
  const response = await session.fetch('/api/v1/me');
  await response.body?.cancel();
  return response.status;
}

t.test('refreshDelayMs: at 80 % of the lifetime, or one minute before the end when that is later', async (t) => {
  t.equal(refreshDelayMs(900), 840_000);
  t.equal(refreshDelayMs(60), 48_000);
  t.equal(refreshDelayMs(10), 8_000);
  t.equal(refreshDelayMs(0), 0);
  t.equal(refreshDelayMs(Number.NaN), 0);
});

t.test('signing in keeps the tokens and tells who is signed in, handle and role', async (t) => {
  const { session, auth, states } = await signedIn();
  t.same(states, ['signed-in', 'signed-in'], 'signed in, then the profile filled in');
  t.match(session.state, { status: 'signed-in', user: { handle: 'admin', role: 'admin', id: auth.users[0]!.id } });
  t.ok(session.accessToken(), 'an access token is held');
  const token = auth.calls.find((c) => c.path === '/api/v1/auth/token')!;
  t.same(token.body, ADMIN, 'handle and password sent to the token endpoint');
  t.equal(token.authorization, undefined, 'with no bearer');
});

t.test('the handle is sent in lower case and trimmed (handles are matched case-insensitively)', async (t) => {
  const { session } = setup();
  await session.signIn('  Admin ', ADMIN.password);
  t.equal(session.state.status, 'signed-in');
});

t.test('a wrong password is a credentials error, and nothing is kept', async (t) => {
  const { session, states } = setup();
  const error = await session.signIn('admin', 'not the password at all').catch((e: unknown) => e);
  t.ok(error instanceof SignInError);
  t.match(error, { kind: 'credentials', message: 'Wrong handle or password.' });
  t.equal(session.state.status, 'signed-out');
  t.equal(session.accessToken(), undefined);
  t.same(states, []);
});

t.test('too many attempts: rate-limited, with the wait from Retry-After', async (t) => {
  const { session } = setup({ maxFailedLogins: 2, retryAfterSeconds: 42 });
  for (let i = 0; i < 2; i++) await session.signIn('admin', 'wrong password, again').catch(() => {});
  const error = await session.signIn(ADMIN.handle, ADMIN.password).catch((e: unknown) => e);
  t.match(error, { kind: 'rate-limited', retryAfterSeconds: 42 });
});

t.test('an unreachable server is said to be unreachable', async (t) => {
  const { session } = setup({
    fetchFn: () => async () => {
      throw new TypeError('fetch failed');
    },
  });
  const error = await session.signIn(ADMIN.handle, ADMIN.password).catch((e: unknown) => e);
  t.match(error, { kind: 'unavailable' });
});

t.test('the access token is refreshed shortly before it expires, again and again, each refresh token used once', async (t) => {
  const { session, auth, timers } = await signedIn({ accessTtlSeconds: 900 });
  const first = session.accessToken();
  timers.advance(839_000);
  await settle();
  t.equal(refreshCalls(auth).length, 0, 'not before 840 s');
  timers.advance(1000);
  await settle();
  t.equal(refreshCalls(auth).length, 1, 'at 840 s of 900');
  t.not(session.accessToken(), first, 'a new access token');
  for (let i = 0; i < 3; i++) {
    timers.advance(840_000);
    await settle();
  }
  t.equal(refreshCalls(auth).length, 4);
  const presented = refreshCalls(auth).map((c) => (c.body as { refresh_token: string }).refresh_token);
  t.equal(new Set(presented).size, 4, 'each refresh presents the newest refresh token');
  t.same(auth.reusedRefreshTokens, [], 'none presented twice');
  t.equal(await callApi(session, auth), 200, 'the latest access token works');
  t.equal(session.state.status, 'signed-in');
});

t.test('a 401 from an API call refreshes once and retries; calls at the same time share that refresh', async (t) => {
  const { session, auth } = await signedIn();
  auth.expireAccessTokens();
  const statuses = await Promise.all([callApi(session, auth), callApi(session, auth), callApi(session, auth)]);
  t.same(statuses, [200, 200, 200], 'all three retried with the new token');
  t.equal(refreshCalls(auth).length, 1, 'one refresh for the three');
  t.same(auth.reusedRefreshTokens, [], 'no refresh token presented twice');
  const retried = auth.calls.filter((c) => c.path === '/api/v1/me').slice(-3);
  t.ok(retried.every((c) => c.authorization === `Bearer ${session.accessToken()}`), 'the retries carry the new token');
});

t.test('a call rejected after another refresh already replaced its token is retried with the new one, with no second refresh', async (t) => {
  let hold = false;
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const { session, auth, timers } = await signedIn({
    fetchFn: (auth) => async (input, init) => {
      if (hold && input === '/api/v1/me') await gate;
      return auth.fetch(input, init);
    },
  });
  hold = true;
  const call = callApi(session, auth); // sent with the first token, answered late
  await settle();
  hold = false;
  timers.advance(840_000); // the timed refresh replaces the token meanwhile
  await settle();
  timers.advance(60_000); // the first token has expired by the time the call is answered
  release();
  t.equal(await call, 200, 'retried with the new token');
  t.equal(refreshCalls(auth).length, 1, 'no second refresh');
  t.same(auth.reusedRefreshTokens, []);
});

t.test('when the refresh is refused, the session ends (sign in again) and the call gets its 401', async (t) => {
  const { session, auth, states } = await signedIn();
  auth.expireAccessTokens();
  auth.revokeRefreshTokens();
  t.equal(await callApi(session, auth), 401);
  t.same(session.state, { status: 'signed-out', reason: 'expired' });
  t.equal(session.accessToken(), undefined, 'tokens forgotten');
  t.equal(states.at(-1), 'signed-out');
});

t.test('a timed refresh that cannot reach the API is tried again with backoff, and the session lives on', async (t) => {
  let down = true;
  const { session, auth, timers } = await signedIn({
    fetchFn: (auth) => async (input, init) => {
      if (down && input === '/api/v1/auth/refresh') throw new TypeError('fetch failed');
      return auth.fetch(input, init);
    },
  });
  timers.advance(840_000);
  await settle();
  t.equal(session.state.status, 'signed-in');
  t.same(timers.pending(), [2000], 'retried after 2 s');
  timers.advance(2000);
  await settle();
  t.same(timers.pending(), [4000], 'then 4 s');
  down = false;
  timers.advance(4000);
  await settle();
  t.equal(session.state.status, 'signed-in');
  t.same(timers.pending(), [840_000], 'refreshed: the next refresh is timed from the new token');
  t.equal(await callApi(session, auth), 200);
});

t.test('a refresh answered 503 with Retry-After waits that long', async (t) => {
  const { session, timers } = await signedIn({
    fetchFn: (auth) => async (input, init) =>
      input === '/api/v1/auth/refresh' ? new Response(null, { status: 503, headers: { 'retry-after': '20' } }) : auth.fetch(input, init),
  });
  timers.advance(840_000);
  await settle();
  t.same(timers.pending(), [20_000]);
  t.equal(session.state.status, 'signed-in');
});

t.test('signing out forgets the tokens at once and revokes the refresh token with the bearer token', async (t) => {
  const { session, auth, timers } = await signedIn();
  const accessToken = session.accessToken();
  const done = session.signOut();
  t.same(session.state, { status: 'signed-out', reason: 'signed-out' }, 'signed out before the answer');
  t.equal(session.accessToken(), undefined);
  await done;
  const logout = auth.calls.find((c) => c.path === '/api/v1/auth/logout')!;
  t.equal(logout.authorization, `Bearer ${accessToken}`);
  t.match(logout.body, { refresh_token: String });
  t.equal(auth.loggedOut, 1, 'the family is revoked');
  t.equal(auth.liveRefreshTokens(), 0);
  t.same(timers.pending(), [], 'no refresh left scheduled');
  t.equal(await callApi(session, auth), 401, 'later calls go without a token');
  t.equal(auth.calls.at(-1)!.authorization, undefined);
});

t.test('signing out with an expired access token refreshes once to revoke the family', async (t) => {
  const { session, auth } = await signedIn();
  auth.expireAccessTokens();
  await session.signOut();
  t.equal(auth.loggedOut, 1);
  t.same(auth.reusedRefreshTokens, []);
});

t.test('a refresh answered after signing out is revoked, not kept', async (t) => {
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const { session, auth } = await signedIn({
    fetchFn: (auth) => async (input, init) => {
      if (input === '/api/v1/auth/refresh') await gate;
      return auth.fetch(input, init);
    },
  });
  auth.expireAccessTokens();
  const call = callApi(session, auth);
  await settle();
  const signedOut = session.signOut();
  release();
  await signedOut;
  t.equal(await call, 401, 'the call is not retried once signed out');
  await settle();
  t.equal(session.accessToken(), undefined);
  t.equal(session.state.status, 'signed-out');
  t.equal(auth.liveRefreshTokens(), 0, 'the rotated pair is revoked');
});

t.test('authorizedFetch sends no Authorization header when signed out, and keeps the caller\'s headers', async (t) => {
  const seen: Headers[] = [];
  const fetchFn: Fetch = async (_input, init) => {
    seen.push(new Headers(init?.headers));
    return new Response('{}', { status: 200 });
  };
  let token: string | undefined;
  const apiFetch = authorizedFetch({ accessToken: () => token, renewAfterRejection: async () => false }, fetchFn);
  await apiFetch('/x', { headers: { accept: 'application/json' } });
  token = 'abc';
  await apiFetch('/x', { headers: { accept: 'application/json' } });
  t.equal(seen[0]!.get('authorization'), null);
  t.equal(seen[1]!.get('authorization'), 'Bearer abc');
  t.equal(seen[1]!.get('accept'), 'application/json');
});
