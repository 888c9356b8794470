import { createHash, randomBytes } from 'node:crypto';
import type { Pool, PoolClient } from '../db/pool.js';
import { HttpProblem } from '../errors.js';
import { uuidv7 } from '../lib/uuid-v7.js';
import { USER_COLUMNS } from './repository.js';
import type { UserRow } from './representation.js';

type Queryable = Pool | PoolClient;

/**
 * Refresh tokens: opaque (32 random bytes), stored only as their SHA-256, single use. Each use
 * rotates the token within its family (one sign-in); a used token presented again means it was
 * copied, so the whole family is revoked and whoever holds its newest token is signed out too.
 */
export interface RefreshTokens {
  /** Starts a family (a sign-in) and returns its first token. */
  issue(db: Queryable, userId: string): Promise<string>;
  /** Spends a token and returns the next one of its family with the account it belongs to. */
  rotate(token: string): Promise<{ user: UserRow; refreshToken: string }>;
  /** Revokes the family of a token, if it belongs to the user. */
  revokeFamily(token: string, userId: string): Promise<void>;
  /** Revokes every token of a user (a password change, sign-out everywhere). */
  revokeAll(db: Queryable, userId: string): Promise<void>;
}

const hashOf = (token: string) => createHash('sha256').update(token).digest();
const TOKEN_FORMAT = /^[A-Za-z0-9_-]{43}$/;

export const invalidRefreshToken = (detail: string) => new HttpProblem('HERALD_INVALID_REFRESH_TOKEN', detail);

export function createRefreshTokens({ pool, ttlSeconds }: { pool: Pool; ttlSeconds: number }): RefreshTokens {
  async function insert(db: Queryable, userId: string, familyId: string): Promise<string> {
    const token = randomBytes(32).toString('base64url');
    await db.query({
      name: 'refresh-tokens-insert',
      text: `INSERT INTO refresh_tokens (token_hash, family_id, user_id, expires_at) VALUES ($1, $2, $3, now() + make_interval(secs => $4))`,
      values: [hashOf(token), familyId, userId, ttlSeconds],
    });
    return token;
  }

  return {
    async issue(db, userId) {
      // Expired tokens are no use even for reuse detection; a few are cleared with each sign-in.
      await db.query({
        name: 'refresh-tokens-expire',
        text: `DELETE FROM refresh_tokens WHERE token_hash IN (SELECT token_hash FROM refresh_tokens WHERE expires_at < now() LIMIT 100)`,
      });
      return insert(db, userId, uuidv7());
    },

    async rotate(token) {
      if (!TOKEN_FORMAT.test(token)) throw invalidRefreshToken('the refresh token is not one this server issued');
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const { rows } = await client.query<{ family_id: string; user_id: string; expired: boolean; used_at: Date | null; revoked_at: Date | null }>({
          name: 'refresh-tokens-lock',
          text: `SELECT family_id, user_id, expires_at <= now() AS expired, used_at, revoked_at
            FROM refresh_tokens WHERE token_hash = $1 FOR UPDATE`,
          values: [hashOf(token)],
        });
        const row = rows[0];
        let problem: HttpProblem | undefined;
        if (!row) problem = invalidRefreshToken('the refresh token is not one this server issued, or it has expired');
        else if (row.revoked_at) problem = invalidRefreshToken('the refresh token was revoked; sign in again');
        else if (row.expired) problem = invalidRefreshToken('the refresh token has expired; sign in again');
        else if (row.used_at) {
          await client.query({
            name: 'refresh-tokens-revoke-family',
            text: 'UPDATE refresh_tokens SET revoked_at = now() WHERE family_id = $1 AND revoked_at IS NULL',
            values: [row.family_id],
          });
          problem = invalidRefreshToken('the refresh token was already used; every session started from the same sign-in is now signed out');
        }
        if (problem) {
          // Commit: the family's revocation must stick even though the request fails.
          await client.query('COMMIT');
          throw problem;
        }
        await client.query({ name: 'refresh-tokens-spend', text: 'UPDATE refresh_tokens SET used_at = now() WHERE token_hash = $1', values: [hashOf(token)] });
        const users = await client.query<UserRow>({ name: 'users-by-id', text: `SELECT ${USER_COLUMNS} FROM users WHERE id = $1`, values: [row!.user_id] });
        const refreshToken = await insert(client, row!.user_id, row!.family_id);
        await client.query('COMMIT');
        return { user: users.rows[0]!, refreshToken };
      } catch (error) {
        await client.query('ROLLBACK').catch(() => {});
        throw error;
      } finally {
        client.release();
      }
    },

    async revokeFamily(token, userId) {
      if (!TOKEN_FORMAT.test(token)) return;
      await pool.query({
        name: 'refresh-tokens-revoke-family-of',
        text: `UPDATE refresh_tokens SET revoked_at = now()
          WHERE family_id = (SELECT family_id FROM refresh_tokens WHERE token_hash = $1 AND user_id = $2) AND revoked_at IS NULL`,
        values: [hashOf(token), userId],
      });
    },

    async revokeAll(db, userId) {
      await db.query({
        name: 'refresh-tokens-revoke-user',
        text: 'UPDATE refresh_tokens SET revoked_at = now() WHERE user_id = $1 AND revoked_at IS NULL',
        values: [userId],
      });
    },
  };
}
