-- Exchange between states: record requests, move notices, deliveries with every attempt in the ledger.

-- How the gateway reaches each state's system. `delivery` says how messages reach the state
-- (inbox by default, so no state is ever unreachable); `source` is set for a state that keeps
-- its records at home and answers record requests live.
CREATE TABLE exchange_endpoints (
  state_code text PRIMARY KEY REFERENCES states(code),
  delivery jsonb NOT NULL DEFAULT '{"channel":"inbox"}'::jsonb,
  source jsonb,
  updated_at timestamptz NOT NULL DEFAULT now(),
  updated_by text NOT NULL DEFAULT 'system'
);

-- One circuit per receiving system (state + purpose): a state that is down gets one probe
-- at a time instead of a flood of doomed attempts, and everything flows once it is back.
CREATE TABLE exchange_circuits (
  target text PRIMARY KEY,
  failures integer NOT NULL DEFAULT 0,
  open_until timestamptz,
  opened_at timestamptz,
  last_error text,
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- A move (automatic, from the student events outbox) or a departure notice (a state says a
-- child is on the way). The dedupe key makes one notice per move, whatever repeats upstream.
CREATE TABLE move_notices (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  kind text NOT NULL CHECK (kind IN ('move', 'departure')),
  dedupe_key text NOT NULL UNIQUE,
  msix_id text NOT NULL,
  from_state text NOT NULL,
  to_state text NOT NULL,
  enrollment jsonb,
  expected_arrival date,
  comment text,
  event_id bigint,
  exchange_id uuid REFERENCES exchanges(id),
  created_by text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX move_notices_msix ON move_notices (msix_id, to_state);

-- A state's request for a child's records. No demographics are kept: only the child it resolved to.
CREATE TABLE record_requests (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  exchange_id uuid NOT NULL REFERENCES exchanges(id),
  requesting_state text NOT NULL,
  requested_by text NOT NULL,
  client_id text,
  lookup text NOT NULL CHECK (lookup IN ('msix-id', 'demographics')),
  msix_id text,
  purpose text NOT NULL,
  status text NOT NULL CHECK (status IN ('received', 'routed', 'waiting', 'answered', 'partly_answered', 'expired', 'failed')),
  reason text,
  deadline_at timestamptz NOT NULL,
  answer jsonb,
  answer_delivery_id uuid,
  -- Each status the request went through, with when: the lifecycle as the help desk sees it.
  history jsonb NOT NULL DEFAULT '[]'::jsonb,
  trace_id text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  completed_at timestamptz
);
CREATE INDEX record_requests_msix ON record_requests (msix_id, requesting_state);
CREATE INDEX record_requests_open ON record_requests (deadline_at) WHERE status IN ('received', 'routed', 'waiting');

-- Where each part of a request's answer comes from: the consolidated store, or a live state system.
CREATE TABLE record_request_sources (
  request_id uuid NOT NULL REFERENCES record_requests(id),
  state_code text NOT NULL,
  mode text NOT NULL CHECK (mode IN ('store', 'live')),
  status text NOT NULL CHECK (status IN ('pending', 'answered', 'not_found', 'failed', 'expired')),
  delivery_id uuid,
  state_student_id text,
  record jsonb,
  detail text,
  answered_at timestamptz,
  PRIMARY KEY (request_id, state_code)
);

-- One message to one state: a notice, a record response, or a live query. The body is the
-- message as sent (student data stays here, never in Redis). `seq` orders the messages a
-- state gets about one student; the deliver job never sends n+1 before n is delivered.
CREATE TABLE deliveries (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  exchange_id uuid NOT NULL REFERENCES exchanges(id),
  state_code text NOT NULL,
  kind text NOT NULL,
  msix_id text,
  seq bigint,
  idempotency_key text NOT NULL UNIQUE,
  notice_id uuid REFERENCES move_notices(id),
  request_id uuid REFERENCES record_requests(id),
  body jsonb NOT NULL,
  -- What the delivery discloses and why, for the audit event written when it is delivered.
  audit jsonb NOT NULL DEFAULT '{}'::jsonb,
  status text NOT NULL CHECK (status IN ('queued', 'held', 'sending', 'retrying', 'delivered', 'dead', 'cancelled', 'expired')),
  attempts integer NOT NULL DEFAULT 0,
  -- Attempts before this number do not count against the limit (a help-desk retry starts a new round).
  budget_from integer NOT NULL DEFAULT 0,
  next_attempt_at timestamptz NOT NULL DEFAULT now(),
  lease_until timestamptz,
  deadline_at timestamptz,
  channel text,
  last_error text,
  trace_id text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  delivered_at timestamptz,
  UNIQUE (state_code, msix_id, seq)
);
CREATE INDEX deliveries_due ON deliveries (next_attempt_at) WHERE status IN ('queued', 'retrying', 'sending');
CREATE INDEX deliveries_line ON deliveries (state_code, msix_id, seq) WHERE status NOT IN ('delivered', 'cancelled');
CREATE INDEX deliveries_status ON deliveries (status, created_at DESC);
CREATE INDEX deliveries_request ON deliveries (request_id) WHERE request_id IS NOT NULL;

-- The last sequence number given per (state, student).
CREATE TABLE delivery_sequences (
  state_code text NOT NULL,
  msix_id text NOT NULL,
  last_seq bigint NOT NULL,
  PRIMARY KEY (state_code, msix_id)
);

-- Messages waiting in a state's inbox (the polling channel), in the order they were placed.
CREATE TABLE inbox_items (
  seq bigserial PRIMARY KEY,
  state_code text NOT NULL,
  delivery_id uuid NOT NULL UNIQUE REFERENCES deliveries(id),
  placed_at timestamptz NOT NULL DEFAULT now(),
  acked_at timestamptz,
  acked_by text
);
CREATE INDEX inbox_open ON inbox_items (state_code, seq) WHERE acked_at IS NULL;

-- Attempt rows are ledger children of their delivery's row.
CREATE INDEX exchanges_parent ON exchanges (parent_id, created_at) WHERE parent_id IS NOT NULL;
