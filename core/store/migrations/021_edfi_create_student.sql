-- Creating a new Ed-Fi Student with its canonical record and ledger row in one call
-- (core/edfi/create-student.ts). A PL/pgSQL function so Postgres plans the statement once
-- per connection instead of on every request.
CREATE FUNCTION edfi_create_student(
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
    VALUES (p_id, p_state, p_resource, p_identity_key, NULL, p_key_values, '{}', p_student, p_body, p_hash, nextval('edfi_change_version_seq'), p_client)
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
