import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Config } from '../config.js';
import { loadKeySet, type KeySet, writePrivateFile } from './keys.js';

/** Where the embedded default keeps what it generates for itself, under the data folder. */
export const defaultKeysFile = (dataDir: string) => join(dataDir, 'auth', 'signing-keys.json');
export const defaultAdminPasswordFile = (dataDir: string) => join(dataDir, 'auth', 'admin-password');

export interface AuthStartUp {
  keys: KeySet;
  /** The admin password start-up enforces, and where it came from; undefined: no admin is managed. */
  admin: { password: string; source: 'HERALD_ADMIN_PASSWORD' | 'generated' | 'file'; file?: string } | undefined;
}

/**
 * The token keys (AUTH_KEYS_FILE, or a key generated into the data folder at first start) and the
 * admin password (HERALD_ADMIN_PASSWORD, or on the embedded default one generated into the data
 * folder at first start, mode 0600). There is never an admin with a well-known password.
 */
export async function prepareAuth(config: Config, { embeddedDatabase }: { embeddedDatabase: boolean }): Promise<AuthStartUp> {
  const keys = config.auth.keysFile
    ? await loadKeySet(config.auth.keysFile, { generateIfMissing: false })
    : await loadKeySet(defaultKeysFile(config.dataDir), { generateIfMissing: true });
  if (config.auth.adminPassword !== undefined) {
    return { keys, admin: { password: config.auth.adminPassword, source: 'HERALD_ADMIN_PASSWORD' } };
  }
  if (!embeddedDatabase) return { keys, admin: undefined };
  const file = defaultAdminPasswordFile(config.dataDir);
  try {
    const password = (await readFile(file, 'utf8')).trim();
    if (password.length >= 12) return { keys, admin: { password, source: 'file', file } };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const password = randomBytes(18).toString('base64url');
  await writePrivateFile(file, `${password}\n`);
  return { keys, admin: { password, source: 'generated', file } };
}
