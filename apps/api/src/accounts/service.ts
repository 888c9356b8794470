import { createEvent, type HeraldEvent } from '@herald/event-schemas';
import type { Principal } from '../auth/principal.js';
import type { PasswordHasher } from '../auth/passwords.js';
import type { Pool } from '../db/pool.js';
import { HttpProblem, notFound } from '../errors.js';
import { uuidv7 } from '../lib/uuid-v7.js';
import type { UnitOfWork } from '../outbox/unit-of-work.js';
import type { RefreshTokens } from './refresh-tokens.js';
import * as repository from './repository.js';
import { toEventProfile, type UserRow } from './representation.js';

/** Handles nobody can register: they would pass for the service or its operators. */
export const RESERVED_HANDLES: ReadonlySet<string> = new Set(['admin', 'administrator', 'root', 'system', 'herald', 'support', 'security', 'moderator']);
export const ADMIN_HANDLE = 'admin';
const UPDATE_ATTEMPTS = 5;

export interface Registration {
  handle: string;
  password: string;
  display_name?: string;
}

export interface AccountChange {
  display_name?: string;
  password?: string;
  current_password?: string;
}

export interface SignedIn {
  user: UserRow;
  refreshToken: string;
}

export interface AccountService {
  register(registration: Registration): Promise<UserRow>;
  get(id: string): Promise<UserRow>;
  getByHandle(handle: string): Promise<UserRow>;
  /** Checks a handle and password; unknown handles and wrong passwords cost the same and fail alike. */
  signIn(handle: string, password: string): Promise<SignedIn>;
  update(id: string, change: AccountChange): Promise<UserRow>;
  /** Makes sure the account `admin` exists with role admin and this password. */
  ensureAdmin(password: string): Promise<'created' | 'updated' | 'unchanged'>;
  /** Who owns an account: the account itself. */
  ownerOf(id: string): Promise<string | undefined>;
}

export const principalOf = (user: UserRow): Principal => ({ userId: user.id, handle: user.handle, role: user.role });

const invalidCredentials = () => new HttpProblem('HERALD_INVALID_CREDENTIALS', 'the handle or the password is wrong');
const handleTaken = (handle: string) =>
  new HttpProblem('HERALD_DUPLICATE_HANDLE', `the handle ${handle} is taken`, [{ in: 'body', field: 'handle', message: 'is taken' }]);

export function createAccountService(options: {
  pool: Pool;
  unitOfWork: UnitOfWork;
  passwords: PasswordHasher;
  refreshTokens: RefreshTokens;
  eventSource: string;
}): AccountService {
  const { pool, unitOfWork, passwords, refreshTokens, eventSource } = options;

  async function insert(handle: string, password: string, displayName: string, role: 'user' | 'admin'): Promise<UserRow | undefined> {
    const id = uuidv7();
    const at = new Date();
    const passwordHash = await passwords.hash(password);
    const row: UserRow = { id, handle, display_name: displayName, role, follower_count: 0, following_count: 0, created_at: at, updated_at: at, version: 1 };
    const rows = await unitOfWork.writeOne<UserRow>({
      name: 'users-insert',
      sql: repository.insertUserSql,
      values: [id, handle, displayName, passwordHash, role, at],
      events: [createEvent({ id: uuidv7(), type: 'UserRegistered', subject: id, source: eventSource, time: at, data: { user: toEventProfile(row) } })],
    });
    return rows[0];
  }

  /**
   * Applies a change with optimistic concurrency (retried when another change got there first),
   * in one transaction with its event; a password change also revokes every refresh token.
   */
  async function change(
    id: string,
    decide: (current: UserRow & { password_hash: string }) => Promise<{ displayName?: string; passwordHash?: string; role?: 'user' | 'admin' } | null>,
  ): Promise<UserRow> {
    for (let attempt = 1; ; attempt++) {
      const current = await repository.findCredentials(pool, { id });
      if (!current) throw notFound('user', id);
      const fields = await decide(current);
      const { password_hash: _hash, ...currentRow } = current;
      if (!fields) return currentRow;
      const changed = [
        ...(fields.displayName !== undefined ? (['display_name'] as const) : []),
        ...(fields.passwordHash !== undefined ? (['password'] as const) : []),
        ...(fields.role !== undefined ? (['role'] as const) : []),
      ];
      const at = new Date();
      const updated = await unitOfWork.run(async (client) => {
        const row = await repository.updateUser(client, id, current.version, fields, at);
        if (!row) return { result: undefined, events: [] as HeraldEvent[] };
        if (fields.passwordHash !== undefined) await refreshTokens.revokeAll(client, id);
        const event = createEvent({ id: uuidv7(), type: 'UserUpdated', subject: id, source: eventSource, time: at, data: { user: toEventProfile(row), changed: [...changed] } });
        return { result: row, events: [event] };
      });
      if (updated) return updated;
      if (attempt >= UPDATE_ATTEMPTS) throw new HttpProblem('HERALD_UNAVAILABLE', `user ${id} is being changed concurrently; try again`);
    }
  }

  return {
    async register({ handle, password, display_name: displayName = '' }) {
      const normalized = handle.toLowerCase();
      if (RESERVED_HANDLES.has(normalized)) throw handleTaken(normalized);
      // A taken handle is refused before the (deliberately slow) password hash is computed.
      if (await repository.findByHandle(pool, normalized)) throw handleTaken(normalized);
      const row = await insert(normalized, password, displayName, 'user');
      if (!row) throw handleTaken(normalized);
      return row;
    },

    async get(id) {
      const row = await repository.findById(pool, id);
      if (!row) throw notFound('user', id);
      return row;
    },

    async getByHandle(handle) {
      const row = await repository.findByHandle(pool, handle.toLowerCase());
      if (!row) throw notFound('user', `@${handle.toLowerCase()}`);
      return row;
    },

    async signIn(handle, password) {
      const found = await repository.findCredentials(pool, { handle: handle.toLowerCase() });
      if (!(await passwords.verify(found?.password_hash, password)) || !found) throw invalidCredentials();
      const { password_hash: passwordHash, ...user } = found;
      if (passwords.needsRehash(passwordHash)) {
        await repository.replacePasswordHash(pool, user.id, passwordHash, await passwords.hash(password));
      }
      return { user, refreshToken: await refreshTokens.issue(pool, user.id) };
    },

    update(id, { display_name: displayName, password, current_password: currentPassword }) {
      return change(id, async (current) => {
        let passwordHash: string | undefined;
        if (password !== undefined) {
          if (currentPassword === undefined || !(await passwords.verify(current.password_hash, currentPassword))) {
            throw new HttpProblem('HERALD_FORBIDDEN', 'changing the password needs the current password', [
              { in: 'body', field: 'current_password', message: currentPassword === undefined ? 'is required to change the password' : 'does not match' },
            ]);
          }
          passwordHash = await passwords.hash(password);
        }
        const newName = displayName !== undefined && displayName !== current.display_name ? displayName : undefined;
        if (newName === undefined && passwordHash === undefined) return null;
        return { ...(newName !== undefined ? { displayName: newName } : {}), ...(passwordHash !== undefined ? { passwordHash } : {}) };
      });
    },

    async ensureAdmin(password) {
      const existing = await repository.findCredentials(pool, { handle: ADMIN_HANDLE });
      if (!existing) {
        if (await insert(ADMIN_HANDLE, password, 'Administrator', 'admin')) return 'created';
      }
      let outcome: 'updated' | 'unchanged' = 'unchanged';
      const current = existing ?? (await repository.findCredentials(pool, { handle: ADMIN_HANDLE }))!;
      await change(current.id, async (row) => {
        const role = row.role === 'admin' ? undefined : ('admin' as const);
        const passwordHash = (await passwords.verify(row.password_hash, password)) ? undefined : await passwords.hash(password);
        if (!role && !passwordHash) return null;
        outcome = 'updated';
        return { ...(role ? { role } : {}), ...(passwordHash ? { passwordHash } : {}) };
      });
      return outcome;
    },

    async ownerOf(id) {
      return (await repository.findById(pool, id))?.id;
    },
  };
}
