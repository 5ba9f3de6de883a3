-- Held-back canonical records of Ed-Fi students (issue 16 item 2): an Ed-Fi document that is valid Ed-Fi is stored
-- even when the MSIX record built from the student's documents breaks a canonical rule; the record is then not
-- applied (the matcher never sees it) and waits here with its per-field issues (paths, rules and messages, never
-- values) for the state's data administrators, until a later write corrects it (core/edfi/held.ts).
CREATE TABLE edfi_held_records (
  state_code text NOT NULL,
  student_unique_id text NOT NULL,
  issues jsonb NOT NULL,
  held_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (state_code, student_unique_id)
);
CREATE INDEX edfi_held_records_held_at ON edfi_held_records (held_at);
