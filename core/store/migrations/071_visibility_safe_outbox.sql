-- Visibility-safe readers of what writers add concurrently (issue 11 item 1).

-- The student events outbox: each row carries the id of the transaction that wrote it, so a consumer reads
-- only what no running transaction can still precede (core/outbox/student-events.ts has the proof). A plain
-- INSERT from SQL (matching_commit, the bulk load) gets it from the default.
ALTER TABLE student_events ADD COLUMN xid xid8 NOT NULL DEFAULT pg_current_xact_id();
CREATE INDEX student_events_xid ON student_events (xid, id);
ALTER TABLE event_cursors ADD COLUMN last_xid xid8 NOT NULL DEFAULT '0';
-- Every event written before now carries this migration's transaction id: a consumer's place among them is its last id.
UPDATE event_cursors SET last_xid = pg_current_xact_id();

-- Ed-Fi change versions from the writing transaction's id instead of a sequence (core/edfi/store.ts has the
-- proof). The offset keeps every new version above every version handed out by the sequence before.
CREATE TABLE edfi_change_clock (
  one boolean PRIMARY KEY DEFAULT true CHECK (one),
  xid_offset bigint NOT NULL
);
INSERT INTO edfi_change_clock (xid_offset)
SELECT greatest(0, greatest(
  coalesce((SELECT max(change_version) FROM edfi_documents), 0),
  coalesce((SELECT max(change_version) FROM edfi_deletes), 0),
  (SELECT last_value FROM edfi_change_version_seq)) + 1 - pg_current_xact_id()::text::bigint);

-- The change version of whatever the current transaction writes.
CREATE FUNCTION edfi_change_version() RETURNS bigint LANGUAGE sql VOLATILE AS $$
  SELECT pg_current_xact_id()::text::bigint + xid_offset FROM edfi_change_clock
$$;

-- The newest change version a client may sync up to: every transaction that could still commit a change at
-- or below it has ended.
CREATE FUNCTION edfi_newest_change_version() RETURNS bigint LANGUAGE sql STABLE AS $$
  SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint - 1 + xid_offset FROM edfi_change_clock
$$;

-- edfi_create_student (020) with the new change version; then nothing uses the sequence.
CREATE OR REPLACE FUNCTION edfi_create_student(
  p_id text, p_state text, p_resource text, p_identity_key text, p_key_values jsonb, p_student text, p_body jsonb,
  p_hash text, p_client text, p_trace text, p_summary jsonb, p_record jsonb, p_record_hash text, p_codeset text,
  p_first text, p_last text, p_birth date
) RETURNS TABLE (
  id text, state_code text, resource text, identity_key text, alias_key text, key_values jsonb, ref_keys text[],
  student_unique_id text, body jsonb, content_hash text, change_version bigint, updated_at timestamptz,
  record_id uuid, record_version integer
) LANGUAGE plpgsql AS $$
#variable_conflict use_column
BEGIN
  RETURN QUERY
  WITH doc AS (
    INSERT INTO edfi_documents (id, state_code, resource, identity_key, alias_key, key_values, ref_keys, student_unique_id, body, content_hash, change_version, client_id)
    VALUES (p_id, p_state, p_resource, p_identity_key, NULL, p_key_values, '{}', p_student, p_body, p_hash, edfi_change_version(), p_client)
    ON CONFLICT (state_code, identity_key) DO NOTHING
    RETURNING edfi_documents.id, edfi_documents.state_code, edfi_documents.resource, edfi_documents.identity_key, edfi_documents.alias_key,
      edfi_documents.key_values, edfi_documents.ref_keys, edfi_documents.student_unique_id, edfi_documents.body, edfi_documents.content_hash,
      edfi_documents.change_version, edfi_documents.updated_at
  ), ex AS (
    INSERT INTO exchanges (direction, kind, state_code, status, trace_id, client_id, counts, summary, completed_at)
    SELECT 'inbound', 'edfi-api', p_state, 'completed', p_trace, p_client, '{"received":1,"accepted":1,"rejected":0}'::jsonb,
           jsonb_build_object('resource', p_resource, 'documentId', doc.id) || p_summary, now()
    FROM doc
    RETURNING exchanges.id
  ), rec AS (
    INSERT INTO state_records (state_code, state_student_id, record, content_hash, codeset_version, last_exchange_id, first_name, last_name1, birth_date)
    SELECT p_state, p_student, p_record, p_record_hash, p_codeset, ex.id, p_first, p_last, p_birth FROM ex
    ON CONFLICT (state_code, state_student_id) DO UPDATE SET
      record = EXCLUDED.record, content_hash = EXCLUDED.content_hash, codeset_version = EXCLUDED.codeset_version,
      last_exchange_id = EXCLUDED.last_exchange_id, first_name = EXCLUDED.first_name, last_name1 = EXCLUDED.last_name1,
      birth_date = EXCLUDED.birth_date, status = 'active', version = state_records.version + 1, match_status = 'pending', updated_at = now()
    WHERE state_records.content_hash <> EXCLUDED.content_hash OR state_records.status <> 'active'
    RETURNING state_records.id, state_records.version
  )
  SELECT doc.id, doc.state_code, doc.resource, doc.identity_key, doc.alias_key, doc.key_values, doc.ref_keys, doc.student_unique_id,
         doc.body, doc.content_hash, doc.change_version, doc.updated_at, (SELECT rec.id FROM rec), (SELECT rec.version FROM rec)
  FROM doc;
END;
$$;
DROP SEQUENCE edfi_change_version_seq;
