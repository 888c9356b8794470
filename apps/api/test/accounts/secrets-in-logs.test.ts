import { Writable } from 'node:stream';
import { logSerializers } from '@herald/logging';
import { pino } from 'pino';
import t from 'tap';
import { startTestHerald } from '../helpers/herald.js';

/**
 * Credentials never reach a log line: the whole API runs at the most verbose level with its logs
 * captured, goes through every flow that carries a password or a token, good and bad, and the
 * captured lines are searched for each secret.
 */

const lines: string[] = [];
const capture = new Writable({
  write(chunk, _encoding, done) {
    lines.push(chunk.toString());
    done();
  },
});
const herald = await startTestHerald(t, { LOG_LEVEL: 'trace' }, pino({ level: 'trace', serializers: logSerializers }, capture));

t.test('no password, access token, refresh token or password hash appears in any log line', async (t) => {
  const password = 'Secret-Password-123';
  const newPassword = 'Another-Secret-456';
  const handle = 'logged_user';
  const anon = { as: 'anonymous' as const };
  await herald.request({ method: 'POST', url: '/api/v1/users', ...anon, body: { handle, password } });
  await herald.request({ method: 'POST', url: '/api/v1/users', ...anon, body: { handle: 'x', password: 'Short-Secret' } });
  await herald.request({ method: 'POST', url: '/api/v1/auth/token', ...anon, body: { handle, password: 'Wrong-Secret-789' } });
  const tokens = (await herald.request({ method: 'POST', url: '/api/v1/auth/token', ...anon, body: { handle, password } })).json();
  const refreshed = (await herald.request({ method: 'POST', url: '/api/v1/auth/refresh', ...anon, body: { refresh_token: tokens.refresh_token } })).json();
  // A reused refresh token, a malformed body with a password in it, a bad token in the header.
  await herald.request({ method: 'POST', url: '/api/v1/auth/refresh', ...anon, body: { refresh_token: tokens.refresh_token } });
  await herald.request({ method: 'POST', url: '/api/v1/auth/token', ...anon, body: `{"handle":"${handle}","password":"${password}"` });
  await herald.request({ method: 'GET', url: '/api/v1/me', as: `${refreshed.access_token}x` });
  await herald.request({ method: 'PATCH', url: '/api/v1/me', as: refreshed.access_token, body: { password: newPassword, current_password: 'Wrong-Current-000' } });
  await herald.request({ method: 'PATCH', url: '/api/v1/me', as: refreshed.access_token, body: { password: newPassword, current_password: password } });
  await herald.request({ method: 'GET', url: `/api/v1/products?access_token=${refreshed.access_token}`, ...anon });
  await herald.request({ method: 'GET', url: '/api/v1/me', as: 'admin' });

  const logText = lines.join('');
  t.ok(lines.length > 20, `the run was logged (${lines.length} lines)`);
  t.match(logText, /request completed/, 'requests were logged');
  const secrets = {
    password,
    newPassword,
    'wrong password': 'Wrong-Secret-789',
    'short password': 'Short-Secret',
    'wrong current password': 'Wrong-Current-000',
    'admin password': herald.adminPassword,
    'access token': tokens.access_token,
    'refreshed access token': refreshed.access_token,
    'refresh token': tokens.refresh_token,
    'rotated refresh token': refreshed.refresh_token,
    'a password hash': '$argon2id$',
    'an access token signature': tokens.access_token.split('.')[2],
  };
  for (const [name, secret] of Object.entries(secrets)) {
    t.notOk(logText.includes(secret), `no ${name} in the logs`);
  }
});
