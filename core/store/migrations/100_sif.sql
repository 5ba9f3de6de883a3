-- The SIF 3 surface (issue 15): environments, the objects states write as SIF, and the queues their consumers poll.

-- A consumer's environment: created with the application key (a machine client's id) and secret; later requests
-- carry the session token (Basic or SIF_HMACSHA256). Only the token's SHA-256 is kept; the secret is kept sealed,
-- because SIF_HMACSHA256 needs it as the HMAC key.
CREATE TABLE sif_environments (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  token_hash text NOT NULL UNIQUE,
  client_id text NOT NULL REFERENCES clients (client_id),
  state_code text NOT NULL REFERENCES states (code),
  secret_sealed text NOT NULL,
  solution_id text,
  consumer_name text,
  default_zone text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  deleted_at timestamptz
);
CREATE INDEX sif_environments_client ON sif_environments (client_id);

-- Every SIF object a state wrote (or reference data loaded for it), as a schema-shaped Goessner tree. RefIds are kept
-- as 32 upper-case hex digits whichever form was sent. change_seq orders changes for changesSinceMarker.
CREATE SEQUENCE sif_change_seq;
CREATE TABLE sif_objects (
  ref_id text PRIMARY KEY,
  state_code text NOT NULL,
  zone_id text NOT NULL,
  object text NOT NULL,
  student_ref text,
  school_ref text,
  state_student_id text,
  body jsonb NOT NULL,
  change_seq bigint NOT NULL DEFAULT nextval('sif_change_seq'),
  deleted_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX sif_objects_list ON sif_objects (state_code, object, zone_id, created_at, ref_id) WHERE deleted_at IS NULL;
CREATE INDEX sif_objects_student ON sif_objects (student_ref) WHERE deleted_at IS NULL;
CREATE INDEX sif_objects_school ON sif_objects (school_ref) WHERE deleted_at IS NULL;
CREATE INDEX sif_objects_changes ON sif_objects (state_code, object, change_seq);
CREATE INDEX sif_objects_student_id ON sif_objects (state_code, state_student_id) WHERE object = 'StudentPersonal';

-- A consolidated record the gateway serves as a SIF object (a child's academic record across states): its RefId.
CREATE TABLE sif_consolidated_refs (
  ref_id text PRIMARY KEY,
  msix_id text NOT NULL,
  object text NOT NULL,
  UNIQUE (msix_id, object)
);

-- Queues and subscriptions of an environment. A queue shows the state's messages (move notices, record answers) in
-- the exchange engine's order; reading with lastMessageId acknowledges everything up to that message.
CREATE TABLE sif_queues (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  environment_id uuid NOT NULL REFERENCES sif_environments (id) ON DELETE CASCADE,
  name text,
  created_at timestamptz NOT NULL DEFAULT now(),
  last_accessed timestamptz
);
CREATE TABLE sif_subscriptions (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  environment_id uuid NOT NULL REFERENCES sif_environments (id) ON DELETE CASCADE,
  queue_id uuid NOT NULL REFERENCES sif_queues (id) ON DELETE CASCADE,
  zone_id text NOT NULL,
  context_id text NOT NULL DEFAULT 'DEFAULT',
  service_type text NOT NULL DEFAULT 'OBJECT',
  service_name text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (queue_id, zone_id, context_id, service_name)
);
