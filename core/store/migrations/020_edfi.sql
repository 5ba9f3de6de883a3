-- Ed-Fi documents as the states sent them (the Ed-Fi surface reads them back as they were written),
-- keyed per state by resource and natural key, with the change versions Ed-Fi change queries need.
-- Each state's documents are its own: natural keys are unique within a state, not across states.

-- One increasing number for every Ed-Fi change (insert, update, delete), across resources.
CREATE SEQUENCE edfi_change_version_seq;

CREATE TABLE edfi_documents (
  seq bigserial NOT NULL,
  -- The Ed-Fi resource id: 32 hex digits, as the ODS/API prints ids.
  id text PRIMARY KEY CHECK (id ~ '^[0-9a-f]{32}$'),
  -- No foreign key to states: every concurrent write of a state would share-lock that state's one row.
  -- The state comes from the writer's token, whose client row already references states.
  state_code text NOT NULL,
  resource text NOT NULL,
  -- `resource|[natural key values]`: what references point at.
  identity_key text NOT NULL,
  -- Education organizations also answer to `educationOrganizations|[id]`.
  alias_key text,
  key_values jsonb NOT NULL,
  -- Keys of the documents this one references: a referenced document cannot be deleted.
  ref_keys text[] NOT NULL DEFAULT '{}',
  -- Set for documents of one student: they are mapped together into that student's canonical record.
  student_unique_id text,
  body jsonb NOT NULL,
  content_hash text NOT NULL,
  change_version bigint NOT NULL,
  client_id text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (state_code, identity_key)
);
CREATE UNIQUE INDEX edfi_documents_alias ON edfi_documents (state_code, alias_key) WHERE alias_key IS NOT NULL;
CREATE INDEX edfi_documents_list ON edfi_documents (state_code, resource, seq);
CREATE INDEX edfi_documents_changes ON edfi_documents (state_code, resource, change_version);
CREATE INDEX edfi_documents_student ON edfi_documents (state_code, student_unique_id) WHERE student_unique_id IS NOT NULL;
-- Only documents that reference something (students reference nothing) are in the reference index.
CREATE INDEX edfi_documents_refs ON edfi_documents USING gin (ref_keys) WHERE ref_keys <> '{}';

-- Tombstones for `/{resource}/deletes` change queries.
CREATE TABLE edfi_deletes (
  seq bigserial PRIMARY KEY,
  id text NOT NULL,
  state_code text NOT NULL,
  resource text NOT NULL,
  key_values jsonb NOT NULL,
  change_version bigint NOT NULL,
  deleted_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX edfi_deletes_changes ON edfi_deletes (state_code, resource, change_version);
