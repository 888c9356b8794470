import { randomBytes } from 'node:crypto';
import { hash, verify, type Algorithm } from '@node-rs/argon2';

/** `Algorithm.Argon2id` (a const enum, which cannot be imported as a value here). */
const ARGON2ID = 2 as Algorithm.Argon2id;

/**
 * Argon2id with parameters set here, not left to the library: 19 MiB of memory, 2 passes, one
 * lane (OWASP's first recommended configuration). Hashing runs on libuv's thread pool, off the
 * event loop.
 */
export const passwordHashParameters = {
  algorithm: ARGON2ID,
  memoryCost: 19_456,
  timeCost: 2,
  parallelism: 1,
  outputLen: 32,
} as const;

/** The `$argon2id$v=19$m=..,t=..,p=..$` prefix hashes made with the current parameters start with. */
const CURRENT_PREFIX = `$argon2id$v=19$m=${passwordHashParameters.memoryCost},t=${passwordHashParameters.timeCost},p=${passwordHashParameters.parallelism}$`;

export interface PasswordHasher {
  hash(password: string): Promise<string>;
  /** Whether `password` matches `stored`; with no stored hash (unknown user) it costs the same and says no. */
  verify(stored: string | undefined, password: string): Promise<boolean>;
  /** Whether a hash was made with other parameters and should be replaced at the next sign-in. */
  needsRehash(stored: string): boolean;
}

export function createPasswordHasher(): PasswordHasher {
  // A real hash of a random password: verifying against it takes as long as a real check, so a
  // sign-in for an unknown handle cannot be told apart by its timing.
  const decoy = hash(randomBytes(32).toString('base64url'), passwordHashParameters);
  return {
    hash: (password) => hash(password, passwordHashParameters),
    async verify(stored, password) {
      if (stored === undefined) {
        await verify(await decoy, password).catch(() => false);
        return false;
      }
      return verify(stored, password).catch(() => false);
    },
    needsRehash: (stored) => !stored.startsWith(CURRENT_PREFIX),
  };
}
