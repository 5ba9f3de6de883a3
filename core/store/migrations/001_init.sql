-- Foundation schema: state records, consolidated students, links, the exchange ledger, audit.

CREATE TABLE states (
  code text PRIMARY KEY CHECK (code ~ '^[A-Z]{2}$'),
  name text NOT NULL,
  enabled boolean NOT NULL DEFAULT true,
  config jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_at timestamptz NOT NULL DEFAULT now()
);

-- The exchange ledger: one row per inbound submission or outbound delivery.
CREATE TABLE exchanges (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  direction text NOT NULL CHECK (direction IN ('inbound', 'outbound')),
  kind text NOT NULL,
  state_code text NOT NULL,
  status text NOT NULL,
  trace_id text NOT NULL,
  client_id text,
  parent_id uuid REFERENCES exchanges(id),
  msix_id text,
  counts jsonb NOT NULL DEFAULT '{}'::jsonb,
  summary jsonb NOT NULL DEFAULT '{}'::jsonb,
  error jsonb,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  completed_at timestamptz
);
CREATE INDEX exchanges_status_ts ON exchanges (status, created_at DESC);
CREATE INDEX exchanges_state_ts ON exchanges (state_code, created_at DESC);
CREATE INDEX exchanges_msix ON exchanges (msix_id) WHERE msix_id IS NOT NULL;

-- One state's record of one child, as last sent (canonical JSON) plus the columns queries need.
CREATE TABLE state_records (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  state_code text NOT NULL,
  state_student_id text NOT NULL,
  status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'withdrawn')),
  record jsonb NOT NULL,
  content_hash text NOT NULL,
  codeset_version text NOT NULL,
  version integer NOT NULL DEFAULT 1,
  match_status text NOT NULL DEFAULT 'pending' CHECK (match_status IN ('pending', 'matched', 'review')),
  last_exchange_id uuid REFERENCES exchanges(id),
  first_name text NOT NULL,
  last_name1 text NOT NULL,
  birth_date date,
  received_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (state_code, state_student_id)
);
CREATE INDEX state_records_match_pending ON state_records (updated_at) WHERE match_status = 'pending';
CREATE INDEX state_records_name_dob ON state_records (birth_date, last_name1, first_name);

-- The consolidated child. `view` is recomputed from the linked records, never edited.
CREATE TABLE students (
  msix_id text PRIMARY KEY CHECK (msix_id ~ '^[1-9][0-9]{11}$'),
  status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'merged', 'locked', 'retired')),
  merged_into text REFERENCES students(msix_id),
  view jsonb NOT NULL DEFAULT '{}'::jsonb,
  version integer NOT NULL DEFAULT 1,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- Which student each state record belongs to, how it got there, and why.
CREATE TABLE links (
  record_id uuid PRIMARY KEY REFERENCES state_records(id),
  msix_id text NOT NULL REFERENCES students(msix_id),
  link_type text NOT NULL CHECK (link_type IN ('new', 'auto', 'manual')),
  score double precision,
  rules_version text NOT NULL,
  explanation jsonb NOT NULL DEFAULT '{}'::jsonb,
  linked_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX links_msix ON links (msix_id);

-- Append-only audit trail. Rows are chained by hash so that tampering shows.
CREATE TABLE audit_events (
  seq bigserial PRIMARY KEY,
  at timestamptz NOT NULL DEFAULT now(),
  actor text NOT NULL,
  actor_state text,
  actor_roles text[] NOT NULL DEFAULT '{}',
  action text NOT NULL,
  outcome text NOT NULL DEFAULT 'success',
  msix_id text,
  record_ids text[] NOT NULL DEFAULT '{}',
  fields text[] NOT NULL DEFAULT '{}',
  reason text,
  trace_id text,
  details jsonb NOT NULL DEFAULT '{}'::jsonb,
  prev_hash text NOT NULL,
  hash text NOT NULL
);
CREATE INDEX audit_msix ON audit_events (msix_id, at) WHERE msix_id IS NOT NULL;
CREATE INDEX audit_action ON audit_events (action, at);
