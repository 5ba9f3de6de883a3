-- Outbox of what happened to students, written in the same transaction as the change,
-- so consumers (move notifications, change queries, reports) never miss or invent one.
CREATE TABLE student_events (
  id bigserial PRIMARY KEY,
  msix_id text NOT NULL,
  record_id uuid,
  state_code text,
  kind text NOT NULL,
  details jsonb NOT NULL DEFAULT '{}'::jsonb,
  trace_id text,
  at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX student_events_msix ON student_events (msix_id, id);

-- Where each consumer of student_events has read up to.
CREATE TABLE event_cursors (
  consumer text PRIMARY KEY,
  last_id bigint NOT NULL DEFAULT 0,
  updated_at timestamptz NOT NULL DEFAULT now()
);
