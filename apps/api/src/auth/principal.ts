/** Roles a user account can have. */
export const roles = ['user', 'admin'] as const;
export type Role = (typeof roles)[number];

/** Who is making a request, as established from their credentials. */
export interface Principal {
  userId: string;
  handle: string;
  role: Role;
}
