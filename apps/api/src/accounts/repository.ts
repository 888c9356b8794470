import type { Pool, PoolClient } from '../db/pool.js';
import type { UserRow } from './representation.js';

type Queryable = Pool | PoolClient;

/** Every column but the password hash. */
export const USER_COLUMNS = 'id, handle, display_name, role, follower_count, following_count, created_at, updated_at, version';

/** Inserts an account; returns nothing when the handle is taken (the events go with the row only). */
export const insertUserSql = `INSERT INTO users (id, handle, display_name, password_hash, role, created_at, updated_at, version)
  VALUES ($1, $2, $3, $4, $5, $6, $6, 1)
  ON CONFLICT (handle) DO NOTHING
  RETURNING ${USER_COLUMNS}`;

export async function findById(db: Queryable, id: string): Promise<UserRow | undefined> {
  const { rows } = await db.query<UserRow>({ name: 'users-by-id', text: `SELECT ${USER_COLUMNS} FROM users WHERE id = $1`, values: [id] });
  return rows[0];
}

export async function findByHandle(db: Queryable, handle: string): Promise<UserRow | undefined> {
  const { rows } = await db.query<UserRow>({
    name: 'users-by-handle',
    text: `SELECT ${USER_COLUMNS} FROM users WHERE handle = $1`,
    values: [handle],
  });
  return rows[0];
}

/** The account and its password hash, for a sign-in or a password change. */
export async function findCredentials(db: Queryable, by: { handle: string } | { id: string }) {
  const [column, value] = 'handle' in by ? ['handle', by.handle] : ['id', by.id];
  const { rows } = await db.query<UserRow & { password_hash: string }>({
    name: `users-credentials-by-${column}`,
    text: `SELECT ${USER_COLUMNS}, password_hash FROM users WHERE ${column} = $1`,
    values: [value],
  });
  return rows[0];
}

/** Applies a change to an account if it is still at `version`; returns the new row, or nothing. */
export async function updateUser(
  client: PoolClient,
  id: string,
  version: number,
  change: { displayName?: string; passwordHash?: string; role?: 'user' | 'admin' },
  at: Date,
): Promise<UserRow | undefined> {
  const { rows } = await client.query<UserRow>({
    name: 'users-update',
    text: `UPDATE users SET
        display_name = COALESCE($3, display_name),
        password_hash = COALESCE($4, password_hash),
        role = COALESCE($5, role),
        updated_at = $6,
        version = version + 1
      WHERE id = $1 AND version = $2
      RETURNING ${USER_COLUMNS}`,
    values: [id, version, change.displayName ?? null, change.passwordHash ?? null, change.role ?? null, at],
  });
  return rows[0];
}

/** Replaces a password hash made with older parameters; not a change of the account (no event). */
export async function replacePasswordHash(db: Queryable, id: string, oldHash: string, newHash: string): Promise<void> {
  await db.query('UPDATE users SET password_hash = $3 WHERE id = $1 AND password_hash = $2', [id, oldHash, newHash]);
}
