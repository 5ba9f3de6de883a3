-- Creating a new Ed-Fi Student with its ledger row and canonical record in one call (core/edfi/create-student.ts
-- owns this file: the migrator runs it again whenever it changes). PL/pgSQL, so Postgres plans it once per
-- connection instead of on every request. The state record is written by apply_state_records (core/records.sql),
-- the one write path of state records. Nothing when the state already has a document with this identity.

-- The version of migrations 021 and 071 took the name and birth date columns as parameters; apply_state_records
-- reads them from the record.
DROP FUNCTION IF EXISTS edfi_create_student(text, text, text, text, jsonb, text, jsonb, text, text, text, jsonb,
  jsonb, text, text, text, text, date);

CREATE OR REPLACE FUNCTION edfi_create_student(
  p_id text, p_state text, p_resource text, p_identity_key text, p_key_values jsonb, p_student text, p_body jsonb,
  p_hash text, p_client text, p_trace text, p_summary jsonb, p_record jsonb, p_record_hash text, p_codeset text
) RETURNS TABLE (
  id text, state_code text, resource text, identity_key text, alias_key text, key_values jsonb, ref_keys text[],
  student_unique_id text, body jsonb, content_hash text, change_version bigint, updated_at timestamptz,
  record_id uuid, record_version integer
) LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
  doc edfi_documents%ROWTYPE;
  exchange_id uuid;
  applied record;
BEGIN
  INSERT INTO edfi_documents (id, state_code, resource, identity_key, alias_key, key_values, ref_keys,
    student_unique_id, body, content_hash, change_version, client_id)
  VALUES (p_id, p_state, p_resource, p_identity_key, NULL, p_key_values, '{}', p_student, p_body, p_hash,
    edfi_change_version(), p_client)
  ON CONFLICT (state_code, identity_key) DO NOTHING
  RETURNING * INTO doc;
  IF NOT FOUND THEN RETURN; END IF;
  INSERT INTO exchanges (direction, kind, state_code, status, trace_id, client_id, counts, summary, completed_at)
  VALUES ('inbound', 'edfi-api', p_state, 'completed', p_trace, p_client,
    jsonb_build_object('received', 1, 'accepted', 1, 'rejected', 0),
    jsonb_build_object('resource', p_resource, 'documentId', doc.id) || p_summary, now())
  RETURNING exchanges.id INTO exchange_id;
  SELECT a.record_id, a.outcome, a.version INTO applied
  FROM apply_state_records(exchange_id, json_build_array(json_build_object(
    'i', 0, 'state', p_state, 'sid', p_student, 'del', false, 'rec', p_record, 'hash', p_record_hash,
    'csv', p_codeset))) AS a;
  RETURN QUERY SELECT doc.id, doc.state_code, doc.resource, doc.identity_key, doc.alias_key, doc.key_values,
    doc.ref_keys, doc.student_unique_id, doc.body, doc.content_hash, doc.change_version, doc.updated_at,
    CASE WHEN applied.outcome IN ('created', 'updated') THEN applied.record_id END,
    CASE WHEN applied.outcome IN ('created', 'updated') THEN applied.version END;
END $$;
