-- Enqueue after commit (issue 11 item 2, issue 17): a job's intent is written in the same
-- transaction as the work that needs it, enqueued after commit, and deleted when the job
-- finishes. Whatever happens to Redis or to the job in between (Redis down, a job that used
-- up its attempts during a Postgres outage, a lost job), the recovery pass finds the intent
-- and enqueues or retries its job: one relay instead of a sweeper per feature.
CREATE TABLE job_intents (
  job_id text PRIMARY KEY,
  queue text NOT NULL,
  payload jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  -- When the relay last looked (or the intent was written): it takes the longest-untouched
  -- first and moves each to the back after looking, so a stuck head never starves the rest.
  due_at timestamptz NOT NULL DEFAULT now(),
  relayed integer NOT NULL DEFAULT 0
);
CREATE INDEX job_intents_due ON job_intents (due_at, job_id);

-- Work accepted before this migration and not yet done.
INSERT INTO job_intents (job_id, queue, payload)
SELECT 'match-' || id || '-v' || version, 'match',
       jsonb_build_object('recordId', id::text, 'version', version, 'traceId', 'recovery-' || id)
  FROM state_records WHERE match_status = 'pending'
ON CONFLICT DO NOTHING;
INSERT INTO job_intents (job_id, queue, payload)
SELECT 'ingest-' || e.id, 'ingest', jsonb_build_object('exchangeId', e.id::text, 'traceId', e.trace_id)
  FROM exchanges e JOIN submission_files f ON f.exchange_id = e.id
 WHERE e.kind = 'file' AND e.direction = 'inbound' AND e.status IN ('received', 'processing') AND f.complete
ON CONFLICT DO NOTHING;

-- Ingest checkpoints: each committed batch of a file records, in the same transaction, what
-- happened to its records (one letter each), so an ingest whose worker died resumes after the
-- last committed batch and reports the first outcome of every record, not "unchanged".
CREATE TABLE ingest_checkpoints (
  exchange_id uuid NOT NULL REFERENCES exchanges(id) ON DELETE CASCADE,
  first_ok integer NOT NULL,
  outcomes text NOT NULL,
  PRIMARY KEY (exchange_id, first_ok)
);
