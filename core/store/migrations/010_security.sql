-- Security: machine clients, token signing keys, audit retention checkpoints.

-- A state's machine client (OAuth2 client credentials). The secret is kept only as a scrypt hash.
-- During a rotation the previous hash may stay valid for a grace period so a state can redeploy.
CREATE TABLE clients (
  client_id text PRIMARY KEY CHECK (client_id ~ '^[a-z0-9_-]{8,64}$'),
  state_code text REFERENCES states(code),
  name text NOT NULL,
  roles text[] NOT NULL CHECK (cardinality(roles) > 0),
  secret_hash text NOT NULL,
  previous_secret_hash text,
  previous_valid_until timestamptz,
  status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'revoked')),
  created_at timestamptz NOT NULL DEFAULT now(),
  rotated_at timestamptz,
  revoked_at timestamptz,
  last_token_at timestamptz
);
CREATE INDEX clients_state ON clients (state_code, status);

-- Keys that sign the gateway's access tokens and session cookies. The newest key whose
-- sign_until is in the future signs; every key stays in the JWKS until publish_until,
-- which is after the last token it signed has expired.
CREATE TABLE signing_keys (
  kid text PRIMARY KEY,
  alg text NOT NULL,
  public_jwk jsonb NOT NULL,
  -- The private JWK, sealed with SIGNING_KEY_SECRET when one is configured ("sealed:" prefix).
  private_jwk text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  sign_until timestamptz NOT NULL,
  publish_until timestamptz NOT NULL
);
CREATE INDEX signing_keys_publish ON signing_keys (publish_until);

-- When old audit rows are purged, the hash of the last purged row is kept here so that
-- the chain of the rows that remain still verifies from a known starting point.
CREATE TABLE audit_checkpoints (
  id bigserial PRIMARY KEY,
  at timestamptz NOT NULL DEFAULT now(),
  through_seq bigint NOT NULL,
  through_hash text NOT NULL,
  through_at timestamptz NOT NULL,
  purged_rows bigint NOT NULL,
  actor text NOT NULL
);
CREATE INDEX audit_at ON audit_events (at);

-- The audit trail is append-only in the database too: updates and truncation are refused, and
-- deletes only pass inside a retention purge (which records a checkpoint first).
CREATE FUNCTION audit_events_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' AND current_setting('msix.audit_purge', true) = 'on' THEN
    RETURN OLD;
  END IF;
  RAISE EXCEPTION 'audit_events is append-only (% refused)', TG_OP;
END
$$;
CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events
  FOR EACH ROW EXECUTE FUNCTION audit_events_guard();
CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
  FOR EACH STATEMENT EXECUTE FUNCTION audit_events_guard();
