import t from 'tap';
import { readClaims } from '../src/auth/claims.js';
import { retryAfterSeconds } from '../src/auth/retry-after.js';

t.test('Retry-After in seconds or as an HTTP date', async (t) => {
  const now = Date.parse('2025-01-01T12:00:00Z');
  t.equal(retryAfterSeconds('42', now), 42);
  t.equal(retryAfterSeconds(' 0 ', now), 0);
  t.equal(retryAfterSeconds('Wed, 01 Jan 2025 12:01:30 GMT', now), 90);
  t.equal(retryAfterSeconds('Wed, 01 Jan 2025 11:00:00 GMT', now), 0, 'a date in the past: now');
  t.equal(retryAfterSeconds(null, now), undefined);
  t.equal(retryAfterSeconds('soon', now), undefined);
  t.equal(retryAfterSeconds('-5', now), undefined);
});

t.test('the claims of an access token are read for display, and anything else reads as none', async (t) => {
  const payload = Buffer.from(JSON.stringify({ sub: 'u-1', role: 'admin', name: 'Zoë' })).toString('base64url');
  t.same(readClaims(`e30.${payload}.sig`), { sub: 'u-1', role: 'admin', name: 'Zoë' });
  t.same(readClaims('opaque-token'), {});
  t.same(readClaims('a.%%%.c'), {});
  t.same(readClaims(`a.${Buffer.from('null').toString('base64url')}.c`), {});
});
