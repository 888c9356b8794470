-- Up Migration

-- Handles are stored in lower case (matched case-insensitively), so a plain unique index is enough.
CREATE TABLE users (
  id            uuid PRIMARY KEY,
  handle        text NOT NULL UNIQUE CHECK (handle ~ '^[a-z0-9_]{3,30}$'),
  display_name  text NOT NULL DEFAULT '' CHECK (char_length(display_name) <= 100),
  -- Argon2id, PHC string format; never leaves the database except to be verified.
  password_hash text NOT NULL,
  role          text NOT NULL DEFAULT 'user' CHECK (role IN ('user', 'admin')),
  created_at    timestamptz NOT NULL,
  updated_at    timestamptz NOT NULL,
  version       integer NOT NULL DEFAULT 1 CHECK (version >= 1)
);

-- Refresh tokens are kept only as a SHA-256 of the token. A family is one sign-in and every token
-- rotated from it; a used token stays (with used_at) until it expires, so that presenting it again
-- is recognized as theft and revokes the family.
CREATE TABLE refresh_tokens (
  token_hash bytea PRIMARY KEY,
  family_id  uuid NOT NULL,
  user_id    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  issued_at  timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  used_at    timestamptz,
  revoked_at timestamptz
);
CREATE INDEX refresh_tokens_family_idx ON refresh_tokens (family_id);
CREATE INDEX refresh_tokens_user_idx ON refresh_tokens (user_id) WHERE revoked_at IS NULL;
CREATE INDEX refresh_tokens_expiry_idx ON refresh_tokens (expires_at);

-- Down Migration

DROP TABLE refresh_tokens;
DROP TABLE users;
