-- Server-side sign-in sessions (issue 13): signing out or an administrator ends a session at once, everywhere.

-- A signed-in person's session. The cookie carries a random token; only its SHA-256 is kept.
CREATE TABLE sessions (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  token_hash text NOT NULL UNIQUE,
  subject text NOT NULL,
  name text,
  state_code text,
  roles text[] NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  last_seen_at timestamptz NOT NULL DEFAULT now(),
  revoked_at timestamptz,
  revoked_by text,
  ip text
);
CREATE INDEX sessions_subject ON sessions (subject, created_at DESC);
