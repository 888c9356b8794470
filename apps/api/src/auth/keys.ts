import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, type JsonWebKey } from 'node:crypto';
import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

/**
 * The keys that sign and verify access tokens. A key file holds a JWK Set of Ed25519 keys; the
 * last key with a private part signs new tokens, every key verifies. Rotation: append a new key
 * (`npm run auth:add-key`), and remove the old one once the tokens it signed have expired
 * (the access-token lifetime later), so nobody is logged out by a rotation.
 */

/** The one algorithm tokens are signed and verified with: verification accepts nothing else. */
export const TOKEN_ALGORITHM = 'EdDSA';

export interface VerificationKey {
  kid: string;
  /** SPKI PEM, as fast-jwt takes it. */
  publicPem: string;
  /** The public JWK published at /.well-known/jwks.json. */
  jwk: PublicJwk;
}

export interface PublicJwk {
  kty: 'OKP';
  crv: 'Ed25519';
  x: string;
  kid: string;
  alg: typeof TOKEN_ALGORITHM;
  use: 'sig';
}

export interface KeySet {
  signing: { kid: string; privatePem: string };
  /** By kid. */
  verification: ReadonlyMap<string, VerificationKey>;
  jwks: { keys: PublicJwk[] };
}

interface StoredJwk extends JsonWebKey {
  kid?: string;
}

export class KeyFileError extends Error {
  readonly code = 'HERALD_AUTH_KEYS_INVALID';
  constructor(message: string) {
    super(message);
    this.name = 'KeyFileError';
  }
}

/** RFC 7638 thumbprint of an Ed25519 key: a kid that names the key and nothing else. */
function thumbprint(x: string): string {
  return createHash('sha256').update(`{"crv":"Ed25519","kty":"OKP","x":"${x}"}`).digest('base64url');
}

/** A new Ed25519 private JWK with its kid. */
export function generateSigningJwk(): StoredJwk {
  const { privateKey } = generateKeyPairSync('ed25519');
  const jwk = privateKey.export({ format: 'jwk' }) as StoredJwk;
  return { ...jwk, kid: thumbprint(jwk.x!), alg: TOKEN_ALGORITHM, use: 'sig' } as StoredJwk;
}

/** Builds the key set from a JWK Set; fails with a message naming what is wrong (never a key). */
export function keySetOf(jwks: unknown, source: string): KeySet {
  const keys = (jwks as { keys?: unknown } | null)?.keys;
  if (!Array.isArray(keys) || keys.length === 0) throw new KeyFileError(`${source} holds no keys (expected {"keys": [...]})`);
  const verification = new Map<string, VerificationKey>();
  let signing: KeySet['signing'] | undefined;
  keys.forEach((raw: StoredJwk, index) => {
    if (raw?.kty !== 'OKP' || raw.crv !== 'Ed25519' || typeof raw.x !== 'string') {
      throw new KeyFileError(`${source}: key ${index} is not an Ed25519 JWK (kty OKP, crv Ed25519)`);
    }
    const kid = raw.kid ?? thumbprint(raw.x);
    if (verification.has(kid)) throw new KeyFileError(`${source}: kid ${kid} appears twice`);
    let publicPem: string;
    try {
      publicPem = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: raw.x }, format: 'jwk' })
        .export({ type: 'spki', format: 'pem' })
        .toString();
      if (raw.d !== undefined) {
        const privatePem = createPrivateKey({ key: { kty: 'OKP', crv: 'Ed25519', x: raw.x, d: raw.d }, format: 'jwk' })
          .export({ type: 'pkcs8', format: 'pem' })
          .toString();
        signing = { kid, privatePem };
      }
    } catch {
      throw new KeyFileError(`${source}: key ${index} (kid ${kid}) is not a valid Ed25519 key`);
    }
    verification.set(kid, {
      kid,
      publicPem,
      jwk: { kty: 'OKP', crv: 'Ed25519', x: raw.x, kid, alg: TOKEN_ALGORITHM, use: 'sig' },
    });
  });
  if (!signing) throw new KeyFileError(`${source}: no key has a private part ("d"), so no token could be signed`);
  return { signing, verification, jwks: { keys: [...verification.values()].map((key) => key.jwk) } };
}

export async function writePrivateFile(path: string, content: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(temporary, content, { mode: 0o600, flag: 'w' });
  await chmod(temporary, 0o600);
  await rename(temporary, path);
}

async function readJson(path: string): Promise<unknown | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new KeyFileError(`${path} is not valid JSON`);
  }
}

/**
 * Loads the key file; when `generateIfMissing`, a missing file is created with one new key
 * (mode 0600), which is how the embedded default needs nothing set up.
 */
export async function loadKeySet(path: string, { generateIfMissing }: { generateIfMissing: boolean }): Promise<KeySet> {
  let jwks = await readJson(path);
  if (jwks === undefined) {
    if (!generateIfMissing) throw new KeyFileError(`AUTH_KEYS_FILE ${path} does not exist`);
    jwks = { keys: [generateSigningJwk()] };
    await writePrivateFile(path, `${JSON.stringify(jwks, null, 2)}\n`);
  }
  return keySetOf(jwks, path);
}

/** A key set of one new key held in memory only: its tokens verify on this instance alone. */
export const ephemeralKeySet = (): KeySet => keySetOf({ keys: [generateSigningJwk()] }, 'a generated key');

/**
 * Adds a new signing key to the key file (creating it if needed): last, so that it signs, or with
 * `stage` first, so that it only verifies until it is moved last. Returns its kid.
 */
export async function addSigningKey(path: string, { stage = false }: { stage?: boolean } = {}): Promise<string> {
  const existing = ((await readJson(path)) as { keys?: StoredJwk[] } | undefined)?.keys ?? [];
  const key = generateSigningJwk();
  const keys = stage ? [key, ...existing] : [...existing, key];
  await writePrivateFile(path, `${JSON.stringify({ keys }, null, 2)}\n`);
  return key.kid!;
}
