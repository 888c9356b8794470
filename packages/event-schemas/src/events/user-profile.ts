/** The public state of a user account as carried in user events: never a password or a token. */
export const userProfileSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['id', 'handle', 'display_name', 'role', 'created_at', 'updated_at', 'version'],
  properties: {
    id: { type: 'string', format: 'uuid' },
    handle: { type: 'string', pattern: '^[a-z0-9_]{3,30}$', description: 'Unique, lower case.' },
    display_name: { type: 'string', maxLength: 100 },
    role: { enum: ['user', 'admin'] },
    created_at: { type: 'string', format: 'date-time' },
    updated_at: { type: 'string', format: 'date-time' },
    version: { type: 'integer', minimum: 1 },
  },
} as const;
