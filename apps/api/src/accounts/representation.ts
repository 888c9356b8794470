import type { components } from '../openapi/contract.generated.js';
import type { UserProfileData } from './types.js';

/** A row of `users`, as the repository returns it (never with the password hash). */
export interface UserRow {
  id: string;
  handle: string;
  display_name: string;
  role: 'user' | 'admin';
  follower_count: number;
  following_count: number;
  created_at: Date;
  updated_at: Date;
  version: number;
}

/** The public profile (anyone may read it) and the own account, as openapi.yaml defines them. */
export type PublicProfile = components['schemas']['UserProfile'];
export type OwnAccount = components['schemas']['OwnAccount'];

export const toPublicProfile = (row: UserRow): PublicProfile => ({
  id: row.id,
  handle: row.handle,
  display_name: row.display_name,
  follower_count: row.follower_count,
  following_count: row.following_count,
  created_at: row.created_at.toISOString(),
});

export const toOwnAccount = (row: UserRow): OwnAccount => ({
  ...toPublicProfile(row),
  role: row.role,
  updated_at: row.updated_at.toISOString(),
  version: row.version,
});

/** The account as user events carry it. */
export const toEventProfile = (row: UserRow): UserProfileData => ({
  id: row.id,
  handle: row.handle,
  display_name: row.display_name,
  role: row.role,
  created_at: row.created_at.toISOString(),
  updated_at: row.updated_at.toISOString(),
  version: row.version,
});
