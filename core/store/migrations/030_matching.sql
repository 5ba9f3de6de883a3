-- Store-side record linkage: blocking keys, manual constraints, the near-match
-- worklist, merge/split requests with their locks, and the history of every link change.

-- Blocking keys of every active record (core/matching/blocking.ts). An arriving record
-- finds its candidates by key through the primary key index, never by a scan.
CREATE TABLE blocking_keys (
  key text NOT NULL,
  record_id uuid NOT NULL REFERENCES state_records(id) ON DELETE CASCADE,
  PRIMARY KEY (key, record_id)
);
CREATE INDEX blocking_keys_record ON blocking_keys (record_id);

-- Manual decisions as record pairs (record_a < record_b). They survive merges and splits
-- because they name records, not students, and the engine never undoes them.
CREATE TABLE match_constraints (
  id bigserial PRIMARY KEY,
  kind text NOT NULL CHECK (kind IN ('must-link', 'cannot-link')),
  record_a uuid NOT NULL REFERENCES state_records(id),
  record_b uuid NOT NULL REFERENCES state_records(id),
  source text NOT NULL CHECK (source IN ('review', 'merge', 'split', 'undo')),
  source_id uuid,
  created_by text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  revoked_at timestamptz,
  revoked_by text,
  revoked_source_id uuid,
  CHECK (record_a < record_b)
);
CREATE INDEX match_constraints_a ON match_constraints (record_a) WHERE revoked_at IS NULL;
CREATE INDEX match_constraints_b ON match_constraints (record_b) WHERE revoked_at IS NULL;
CREATE INDEX match_constraints_source ON match_constraints (source_id);

-- The near-match worklist. One open review per record at most; `version` is the ETag.
-- kind 'near-match': the record waits unlinked. kind 'relink': the record keeps its link
-- (current_msix_id) but the engine thinks it may belong elsewhere after an update.
CREATE TABLE match_reviews (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  record_id uuid NOT NULL REFERENCES state_records(id),
  state_code text NOT NULL,
  record_version integer NOT NULL,
  kind text NOT NULL CHECK (kind IN ('near-match', 'relink')),
  reason text NOT NULL,
  status text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'resolved', 'closed')),
  current_msix_id text REFERENCES students(msix_id),
  candidate_msix_ids text[] NOT NULL,
  best_probability double precision NOT NULL,
  rules_version text NOT NULL,
  explanation jsonb NOT NULL,
  version integer NOT NULL DEFAULT 1,
  decision text CHECK (decision IN ('same', 'different')),
  decided_msix_id text,
  decided_by text,
  decided_at timestamptz,
  closed_reason text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX match_reviews_one_open ON match_reviews (record_id) WHERE status = 'open';
CREATE INDEX match_reviews_worklist ON match_reviews (status, state_code, created_at);

-- Merge, split and undo requests: made by one data administrator, approved by another.
CREATE TABLE merge_requests (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  kind text NOT NULL CHECK (kind IN ('merge', 'split', 'undo')),
  status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'rejected', 'undone')),
  master_msix_id text NOT NULL REFERENCES students(msix_id),
  merged_msix_ids text[] NOT NULL DEFAULT '{}',
  record_ids uuid[] NOT NULL DEFAULT '{}',
  undo_of uuid REFERENCES merge_requests(id),
  reason text,
  requested_by text NOT NULL,
  requested_state text,
  requested_at timestamptz NOT NULL DEFAULT now(),
  decided_by text,
  decided_state text,
  decided_at timestamptz,
  decision_note text,
  -- What approval changed (records moved, students created, constraints added/revoked): undo reads it.
  result jsonb NOT NULL DEFAULT '{}'::jsonb,
  version integer NOT NULL DEFAULT 1
);
CREATE INDEX merge_requests_status ON merge_requests (status, requested_at);

-- A student named by a pending request is locked: no other request or review resolution touches it.
CREATE TABLE student_locks (
  msix_id text PRIMARY KEY REFERENCES students(msix_id),
  request_id uuid NOT NULL REFERENCES merge_requests(id),
  locked_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX student_locks_request ON student_locks (request_id);

-- Every change of a record's link, by the engine or by a person, with the rules version.
CREATE TABLE link_history (
  id bigserial PRIMARY KEY,
  record_id uuid NOT NULL REFERENCES state_records(id),
  from_msix_id text,
  to_msix_id text,
  link_type text,
  score double precision,
  rules_version text,
  explanation jsonb,
  cause text NOT NULL,
  review_id uuid,
  request_id uuid,
  actor text NOT NULL,
  at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX link_history_record ON link_history (record_id, id);
CREATE INDEX link_history_to ON link_history (to_msix_id, id) WHERE to_msix_id IS NOT NULL;
CREATE INDEX link_history_from ON link_history (from_msix_id, id) WHERE from_msix_id IS NOT NULL;

-- Serializes match jobs that share a blocking key: locks the keys' hashes in ascending order,
-- so two jobs never wait on each other in a cycle.
CREATE FUNCTION matching_lock_keys(hashes integer[]) RETURNS void LANGUAGE plpgsql AS $$
DECLARE h integer;
BEGIN
  FOREACH h IN ARRAY hashes LOOP
    PERFORM pg_advisory_xact_lock(727003, h);
  END LOOP;
END $$;
