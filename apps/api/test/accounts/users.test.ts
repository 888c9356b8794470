import t from 'tap';
import { readTopic, startTestHerald } from '../helpers/herald.js';
import { topicName } from '@herald/event-schemas';

/** Users: registration, profiles, the own account, password changes and the events they publish. */

const herald = await startTestHerald(t);
const USERS = '/api/v1/users';

t.test('registering answers 201 with the public profile, never the password', async (t) => {
  const response = await herald.request({ method: 'POST', url: USERS, as: 'anonymous', body: { handle: 'Alice_W', password: 'correct horse battery', display_name: 'Alice W.' } });
  t.equal(response.statusCode, 201, response.body);
  const profile = response.json();
  t.same(Object.keys(profile).sort(), ['created_at', 'display_name', 'follower_count', 'following_count', 'handle', 'id']);
  t.equal(profile.handle, 'alice_w', 'handles are stored in lower case');
  t.equal(response.headers.location, `${USERS}/${profile.id}`);
  t.notMatch(response.body, /correct horse/);

  const byHandle = await herald.request({ method: 'GET', url: `${USERS}/@ALICE_W`, as: 'anonymous' });
  t.equal(byHandle.statusCode, 200, 'handles are matched case-insensitively');
  t.same(byHandle.json(), profile);
  const byId = await herald.request({ method: 'GET', url: `${USERS}/${profile.id}`, as: 'anonymous' });
  t.same(byId.json(), profile);
});

t.test('a handle taken in any case is a 409 naming the handle; reserved handles are taken', async (t) => {
  await herald.signUp('bob_taken');
  for (const handle of ['BOB_TAKEN', 'admin', 'Root']) {
    const response = await herald.request({ method: 'POST', url: USERS, as: 'anonymous', body: { handle, password: 'a long enough password' } });
    t.equal(response.statusCode, 409, handle);
    t.equal(response.json().errors[0].field, 'handle');
  }
});

t.test('bad registrations are 400s naming the field, and create nothing', async (t) => {
  const before = (await herald.pool.query('select count(*)::int as n from users')).rows[0].n;
  const cases = [
    [{ handle: 'ab', password: 'a long enough password' }, 'handle'],
    [{ handle: 'has-dash', password: 'a long enough password' }, 'handle'],
    [{ handle: 'carol', password: 'short' }, 'password'],
    [{ handle: 'carol', password: 'x'.repeat(257) }, 'password'],
    [{ handle: 'carol', password: 'a long enough password', display_name: 'd'.repeat(101) }, 'display_name'],
    [{ handle: 'carol', password: 'a long enough password', role: 'admin' }, 'role'],
  ] as const;
  for (const [body, field] of cases) {
    const response = await herald.request({ method: 'POST', url: USERS, as: 'anonymous', body });
    t.equal(response.statusCode, 400, JSON.stringify(body).slice(0, 80));
    t.ok(response.json().errors.some((error: { field: string }) => error.field === field || error.field === ''), `names ${field}: ${response.body}`);
    t.notMatch(response.body, /a long enough password|xxxxxxxx/, 'the error does not repeat the password');
  }
  t.equal((await herald.pool.query('select count(*)::int as n from users')).rows[0].n, before);
});

t.test('GET /me is the own account with its role; PATCH /me changes the display name', async (t) => {
  const user = await herald.signUp();
  const me = await herald.request({ method: 'GET', url: '/api/v1/me', as: user.accessToken });
  t.equal(me.statusCode, 200);
  t.match(me.json(), { id: user.id, handle: user.handle, role: 'user', version: 1 });
  const changed = await herald.request({ method: 'PATCH', url: '/api/v1/me', as: user.accessToken, body: { display_name: 'New Name' } });
  t.equal(changed.statusCode, 200, changed.body);
  t.match(changed.json(), { display_name: 'New Name', version: 2 });
  const anonymous = await herald.request({ method: 'GET', url: '/api/v1/me', as: 'anonymous' });
  t.equal(anonymous.statusCode, 401);
});

t.test('a password change needs the current password and signs out every session', async (t) => {
  const user = await herald.signUp();
  const missing = await herald.request({ method: 'PATCH', url: '/api/v1/me', as: user.accessToken, body: { password: 'a brand new password' } });
  t.equal(missing.statusCode, 400, 'current_password is required with password');
  const wrong = await herald.request({ method: 'PATCH', url: '/api/v1/me', as: user.accessToken, body: { password: 'a brand new password', current_password: 'not it at all' } });
  t.equal(wrong.statusCode, 403);
  t.equal(wrong.json().errors[0].field, 'current_password');

  const changed = await herald.request({ method: 'PATCH', url: '/api/v1/me', as: user.accessToken, body: { password: 'a brand new password', current_password: user.password } });
  t.equal(changed.statusCode, 200, changed.body);
  const refresh = await herald.request({ method: 'POST', url: '/api/v1/auth/refresh', as: 'anonymous', body: { refresh_token: user.refreshToken } });
  t.equal(refresh.statusCode, 401, 'refresh tokens issued before the change are revoked');
  const oldPassword = await herald.request({ method: 'POST', url: '/api/v1/auth/token', as: 'anonymous', body: { handle: user.handle, password: user.password } });
  t.equal(oldPassword.statusCode, 401);
  const newPassword = await herald.request({ method: 'POST', url: '/api/v1/auth/token', as: 'anonymous', body: { handle: user.handle, password: 'a brand new password' } });
  t.equal(newPassword.statusCode, 200);
});

t.test('UserRegistered and UserUpdated go to the users topic keyed by the user id, without secrets', async (t) => {
  const user = await herald.signUp();
  await herald.request({ method: 'PATCH', url: '/api/v1/me', as: user.accessToken, body: { display_name: 'Evented', password: 'another new password', current_password: user.password } });
  const received = await readTopic(herald.transport, topicName('users', herald.topicPrefix), (events) =>
    events.filter((e) => e.event.subject === user.id).length >= 2,
  );
  const mine = received.filter((e) => e.event.subject === user.id);
  t.same(mine.map((e) => e.event.type), ['UserRegistered', 'UserUpdated']);
  t.ok(mine.every((e) => e.record.key === user.id));
  t.match(mine[1]!.event.data, { user: { display_name: 'Evented', version: 2 }, changed: ['display_name', 'password'] });
  const raw = mine.map((e) => e.record.value).join('\n');
  t.notMatch(raw, new RegExp(`${user.password}|another new password|argon2`), 'no password or hash in any event');
});
