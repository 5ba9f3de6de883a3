-- The set-based write of the state records aggregate (core/records.ts owns this file: the migrator runs it
-- again whenever it changes). Every write of a submitted record goes through apply_state_records: the API,
-- batch files and Ed-Fi (edfi_create_student calls it), one row or a batch.
--
-- p_items: a JSON array of {i, state, sid, del, rec, hash, csv}, at most one item per (state, sid) (the caller
-- splits a batch that names a student twice). MSIX semantics: insert and update both upsert; the same content
-- of an active record is 'unchanged'; delete withdraws ('not_found' when there is nothing, 'unchanged' when
-- already withdrawn). Created, updated and withdrawn records are pending matching again. The name and birth
-- date columns are read from the record here, so that rule has one home. Returns one row per item.
CREATE OR REPLACE FUNCTION apply_state_records(p_exchange uuid, p_items json)
RETURNS TABLE (i integer, record_id uuid, outcome text, version integer)
LANGUAGE plpgsql SET plan_cache_mode = force_generic_plan AS $$
#variable_conflict use_column
BEGIN
  RETURN QUERY
  WITH item AS (
    SELECT * FROM json_to_recordset(p_items) AS t(i integer, state text, sid text, del boolean, rec jsonb, hash text, csv text)
  ), cur AS (
    -- Row locks first: a concurrent writer of the same student waits here, and what it committed is what is compared.
    SELECT s.id, s.state_code, s.state_student_id, s.status, s.version, s.content_hash
    FROM state_records s JOIN item ON s.state_code = item.state AND s.state_student_id = item.sid
    FOR UPDATE OF s
  ), plan AS (
    SELECT item.*, cur.id AS cid, cur.version AS cversion,
      CASE
        WHEN item.del THEN CASE WHEN cur.id IS NULL THEN 'not_found' WHEN cur.status = 'withdrawn' THEN 'unchanged'
                                ELSE 'withdrawn' END
        WHEN cur.id IS NULL THEN 'created'
        WHEN cur.content_hash = item.hash AND cur.status = 'active' THEN 'unchanged'
        ELSE 'updated'
      END AS outcome
    FROM item LEFT JOIN cur ON cur.state_code = item.state AND cur.state_student_id = item.sid
  ), ins AS (
    INSERT INTO state_records (state_code, state_student_id, record, content_hash, codeset_version, last_exchange_id,
      first_name, last_name1, birth_date)
    SELECT p.state, p.sid, p.rec, p.hash, p.csv, p_exchange, p.rec->'identity'->>'firstName',
      p.rec->'identity'->>'lastName1', (p.rec->'identity'->>'birthDate')::date
    FROM plan p WHERE p.outcome = 'created'
    RETURNING state_records.id, state_records.state_student_id, state_records.state_code, state_records.version
  ), upd AS (
    UPDATE state_records s SET record = p.rec, content_hash = p.hash, codeset_version = p.csv,
      last_exchange_id = p_exchange, first_name = p.rec->'identity'->>'firstName',
      last_name1 = p.rec->'identity'->>'lastName1', birth_date = (p.rec->'identity'->>'birthDate')::date,
      status = 'active', version = s.version + 1, match_status = 'pending', updated_at = now()
    FROM plan p WHERE s.id = p.cid AND p.outcome = 'updated'
    RETURNING s.id, s.version
  ), wd AS (
    UPDATE state_records s SET status = 'withdrawn', version = s.version + 1, match_status = 'pending',
      last_exchange_id = p_exchange, updated_at = now()
    FROM plan p WHERE s.id = p.cid AND p.outcome = 'withdrawn'
    RETURNING s.id, s.version
  )
  SELECT p.i, coalesce(ins.id, p.cid), p.outcome, coalesce(ins.version, upd.version, wd.version, p.cversion, 0)
  FROM plan p
  LEFT JOIN ins ON p.outcome = 'created' AND ins.state_code = p.state AND ins.state_student_id = p.sid
  LEFT JOIN upd ON upd.id = p.cid
  LEFT JOIN wd ON wd.id = p.cid
  ORDER BY p.i;
END $$;

-- The matcher's verdict on records (matched, review). With p_versions, only where the record is still that version
-- and pending: a record updated since waits for its own match job.
CREATE OR REPLACE FUNCTION set_match_status(p_ids uuid[], p_status text[], p_versions integer[])
RETURNS void LANGUAGE plpgsql SET plan_cache_mode = force_generic_plan AS $$
BEGIN
  IF p_versions IS NULL THEN
    UPDATE state_records s SET match_status = u.st FROM unnest(p_ids, p_status) AS u(id, st) WHERE s.id = u.id;
  ELSE
    UPDATE state_records s SET match_status = u.st FROM unnest(p_ids, p_versions, p_status) AS u(id, v, st)
    WHERE s.id = u.id AND s.version = u.v AND s.match_status = 'pending';
  END IF;
END $$;
