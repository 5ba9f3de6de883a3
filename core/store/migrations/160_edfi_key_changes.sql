-- Natural-key changes of Ed-Fi documents for `/{resource}/keyChanges` change queries (issue 16 item 1): resources whose
-- key the Data Standard lets change (sessions, sections, class periods, grades, gradebook entries, locations, student
-- school and section associations) keep their id when PUT changes the key, and every document that references them
-- follows (its reference is rewritten; where that reference is part of its own key, its key changes too).
CREATE TABLE edfi_key_changes (
  seq bigserial PRIMARY KEY,
  id text NOT NULL,
  state_code text NOT NULL,
  resource text NOT NULL,
  old_key_values jsonb NOT NULL,
  new_key_values jsonb NOT NULL,
  change_version bigint NOT NULL DEFAULT edfi_change_version(),
  changed_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX edfi_key_changes_changes ON edfi_key_changes (state_code, resource, change_version);
