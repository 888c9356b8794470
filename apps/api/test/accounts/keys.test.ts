import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { addSigningKey, generateSigningJwk, keySetOf, loadKeySet } from '../../src/auth/keys.js';
import { startTestHerald } from '../helpers/herald.js';

/** Signing keys: generated at first start (0600), rotated without signing anyone out. */

const dir = await mkdtemp(join(tmpdir(), 'herald-keys-'));
t.teardown(() => rm(dir, { recursive: true, force: true }));

t.test('a missing key file is generated with one Ed25519 key, readable by its owner only', async (t) => {
  const file = join(dir, 'generated', 'signing-keys.json');
  const keys = await loadKeySet(file, { generateIfMissing: true });
  t.equal((await stat(file)).mode & 0o777, 0o600);
  t.equal(keys.jwks.keys.length, 1);
  t.equal(keys.signing.kid, keys.jwks.keys[0]!.kid);
  const again = await loadKeySet(file, { generateIfMissing: true });
  t.equal(again.signing.kid, keys.signing.kid, 'the next start reads the same key');
  await t.rejects(loadKeySet(join(dir, 'absent.json'), { generateIfMissing: false }), /does not exist/, 'a configured file must exist');
});

t.test('the last key with a private part signs; a staged key only verifies', async (t) => {
  const file = join(dir, 'rotation.json');
  const first = await addSigningKey(file);
  const staged = await addSigningKey(file, { stage: true });
  let keys = await loadKeySet(file, { generateIfMissing: false });
  t.equal(keys.signing.kid, first, 'a staged key does not sign');
  t.ok(keys.verification.has(staged), 'but it verifies');
  const promoted = await addSigningKey(file);
  keys = await loadKeySet(file, { generateIfMissing: false });
  t.equal(keys.signing.kid, promoted);
  t.same([...keys.verification.keys()].sort(), [first, staged, promoted].sort());
});

t.test('a key file that cannot sign, or holds something else, is refused with a message naming no key', async (t) => {
  const { d: _d, ...publicOnly } = generateSigningJwk() as Record<string, unknown>;
  t.throws(() => keySetOf({ keys: [publicOnly] }, 'f.json'), /no key has a private part/);
  t.throws(() => keySetOf({ keys: [{ kty: 'RSA', n: 'x', e: 'AQAB' }] }, 'f.json'), /not an Ed25519 JWK/);
  t.throws(() => keySetOf({}, 'f.json'), /holds no keys/);
});

t.test('after a rotation, tokens signed by the old key verify until they expire, and new ones use the new key', async (t) => {
  const dataDir = await mkdtemp(join(tmpdir(), 'herald-rotation-'));
  t.teardown(() => rm(dataDir, { recursive: true, force: true }));
  const file = join(dataDir, 'keys.json');
  const oldKid = await addSigningKey(file);
  const before = await startTestHerald(t, { AUTH_KEYS_FILE: file });
  const user = await before.signUp();
  await before.close();

  const newKid = await addSigningKey(file);
  const after = await startTestHerald(t, { AUTH_KEYS_FILE: file, DATABASE_URL: before.databaseUrl });
  const old = await after.request({ method: 'GET', url: '/api/v1/me', as: user.accessToken });
  t.equal(old.statusCode, 200, 'a token of the old key still verifies');
  const fresh = await after.request({ method: 'POST', url: '/api/v1/auth/token', as: 'anonymous', body: { handle: user.handle, password: user.password } });
  const header = JSON.parse(Buffer.from(fresh.json().access_token.split('.')[0], 'base64url').toString());
  t.equal(header.kid, newKid, 'new tokens are signed with the new key');
  const jwks = (await after.request({ method: 'GET', url: '/.well-known/jwks.json', as: 'anonymous' })).json();
  t.same(jwks.keys.map((key: { kid: string }) => key.kid).sort(), [oldKid, newKid].sort(), 'both keys are published');
  t.notMatch(await readFile(file, 'utf8'), /"d": *""/);
});
