-- Batch file submissions: the uploaded file itself (in Postgres, so the gateway and the
-- workers need no shared disk and the payload never travels through the queue), and the
-- per-record result report of its ingest.

CREATE TABLE submission_files (
  exchange_id uuid PRIMARY KEY REFERENCES exchanges(id),
  state_code text NOT NULL,
  adapter_id text NOT NULL,
  file_name text,
  media_type text,
  size_bytes bigint NOT NULL DEFAULT 0,
  sha256 text,
  chunk_count integer NOT NULL DEFAULT 0,
  complete boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX submission_files_state_sha ON submission_files (state_code, sha256);

-- The file in order, about 1 MiB a row: written while the upload streams in, read back the same way.
CREATE TABLE submission_file_chunks (
  exchange_id uuid NOT NULL REFERENCES submission_files(exchange_id) ON DELETE CASCADE,
  seq integer NOT NULL,
  data bytea NOT NULL,
  PRIMARY KEY (exchange_id, seq)
);

-- The result report: every record applied or rejected, every problem with its field, value,
-- rule, message and fix. It quotes the state's own values, so it is served only to that
-- state (and masked for the help desk), never copied into the ledger summary.
CREATE TABLE ingest_reports (
  exchange_id uuid PRIMARY KEY REFERENCES exchanges(id),
  report jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
