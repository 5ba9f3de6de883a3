-- The match job's two hottest reads as functions, so their plans are prepared once per
-- connection instead of planned on every call (planning the candidate query took about 1 ms,
-- as long as executing it for 30 candidates at a million records). Each statement inside
-- takes its own snapshot, so a read after a lock sees what the lock holder committed.

-- Takes the blocking-key advisory locks (p_locks, sorted lock ids; one round trip fewer than a
-- statement of their own), replaces the record's blocking keys (when p_write) and returns, in one
-- row set: its manual constraints, current link and open review (on every row), and its candidates
-- (core/matching-store/candidates.ts). Every statement after the locks takes a new snapshot, so its
-- reads come after them.
CREATE FUNCTION matching_fetch(p_record uuid, p_keys text[], p_max integer, p_write boolean, p_locks integer[])
RETURNS TABLE (constraints json, cur json, open_review uuid, id uuid, version integer, state_code text, state_student_id text,
               identity jsonb, parents jsonb, msix_id text, held boolean, waits_for uuid)
LANGUAGE plpgsql SET plan_cache_mode = force_generic_plan AS $$
#variable_conflict use_column
BEGIN
  -- The key locks first (sorted lock ids, as matching_lock_keys takes them); every statement after
  -- takes a new snapshot, so the candidates read below include whatever a job holding one of
  -- these locks committed before releasing it.
  IF p_locks IS NOT NULL THEN PERFORM matching_lock_keys(p_locks); END IF;
  IF p_write THEN
    DELETE FROM blocking_keys WHERE record_id = p_record AND NOT (key = ANY (p_keys));
    INSERT INTO blocking_keys (key, record_id) SELECT DISTINCT k, p_record FROM unnest(p_keys) AS k ON CONFLICT DO NOTHING;
  END IF;
  RETURN QUERY
  WITH cur AS (SELECT msix_id, link_type, score, rules_version FROM links WHERE record_id = p_record),
  cons AS (
    SELECT kind, record_a, record_b FROM match_constraints WHERE revoked_at IS NULL AND record_a = p_record
    UNION ALL SELECT kind, record_a, record_b FROM match_constraints WHERE revoked_at IS NULL AND record_b = p_record),
  blocked AS (
    SELECT k.key, b.record_id FROM unnest(p_keys) AS k(key)
    CROSS JOIN LATERAL (SELECT bk.record_id FROM blocking_keys bk WHERE bk.key = k.key AND bk.record_id <> p_record LIMIT p_max) b),
  ids AS (
    SELECT record_id FROM blocked WHERE key IN (SELECT key FROM blocked GROUP BY key HAVING count(*) < p_max)
    UNION SELECT CASE WHEN record_a = p_record THEN record_b ELSE record_a END FROM cons
    UNION SELECT l.record_id FROM links l JOIN cur ON l.msix_id = cur.msix_id)
  SELECT c.constraints, c.cur, c.open_review, x.id, x.version, x.state_code, x.state_student_id, x.identity, x.parents, x.msix_id, x.held, x.waits_for
  FROM (
    SELECT (SELECT json_agg(json_build_object('kind', kind, 'a', record_a, 'b', record_b)) FROM cons) AS constraints,
           (SELECT row_to_json(cur) FROM cur) AS cur,
           (SELECT m.id FROM match_reviews m WHERE m.record_id = p_record AND m.status = 'open') AS open_review) c
  LEFT JOIN LATERAL (
    SELECT s.id, s.version, s.state_code, s.state_student_id, s.record->'identity' AS identity, s.record->'parents' AS parents,
           l.msix_id, l.msix_id IS NULL AS held,
           CASE WHEN l.msix_id IS NULL THEN (SELECT m.waits_for_record FROM match_reviews m WHERE m.record_id = s.id AND m.status = 'open') END AS waits_for
    FROM state_records s LEFT JOIN links l ON l.record_id = s.id LEFT JOIN students st ON st.msix_id = l.msix_id
    WHERE s.id IN (SELECT record_id FROM ids) AND s.id <> p_record AND s.status = 'active'
      AND (st.status IN ('active', 'locked') OR (l.record_id IS NULL AND s.match_status = 'review'))) x ON true;
END $$;

-- Row-locks one student and then (a new snapshot: after any wait for the lock) reads the
-- records linked to it, for its consolidated view. One row with null record columns when it
-- has none or is not live (merged, retired); no row when it does not exist.
CREATE FUNCTION matching_lock_student(p_msix text)
RETURNS TABLE (msix_id text, status text, merged_into text, created_at timestamptz, record_id uuid, state_code text, state_student_id text,
               rstatus text, record jsonb, received_at timestamptz, updated_at timestamptz, link_type text, score double precision,
               rules_version text, linked_at timestamptz)
LANGUAGE plpgsql SET plan_cache_mode = force_generic_plan AS $$
#variable_conflict use_column
DECLARE st record;
BEGIN
  SELECT s.msix_id, s.status, s.merged_into, s.created_at INTO st FROM students s WHERE s.msix_id = p_msix FOR UPDATE;
  IF NOT FOUND THEN RETURN; END IF;
  IF st.status IN ('active', 'locked') THEN
    RETURN QUERY
    SELECT st.msix_id::text, st.status::text, st.merged_into::text, st.created_at::timestamptz, l.record_id, r.state_code, r.state_student_id,
           r.status, r.record, r.received_at, r.updated_at, l.link_type, l.score, l.rules_version, l.linked_at
    FROM links l JOIN state_records r ON r.id = l.record_id WHERE l.msix_id = p_msix ORDER BY l.linked_at;
    IF FOUND THEN RETURN; END IF;
  END IF;
  RETURN QUERY SELECT st.msix_id::text, st.status::text, st.merged_into::text, st.created_at::timestamptz, NULL::uuid, NULL::text, NULL::text,
    NULL::text, NULL::jsonb, NULL::timestamptz, NULL::timestamptz, NULL::text, NULL::double precision, NULL::text, NULL::timestamptz;
END $$;

-- The writes of a match job's two common outcomes (core/matching-store/place-writes.ts): a record
-- without a link linked to a row-locked student (p_new false: its view replaced), or to a new
-- student (p_new true: inserted with its view; null back when the id is taken). Link, history,
-- the record's open review closed, match status and event, in one call.
CREATE FUNCTION matching_commit(p_new boolean, p_record uuid, p_msix text, p_link_type text, p_score double precision, p_rules text,
  p_explanation jsonb, p_cause text, p_review uuid, p_request uuid, p_actor text, p_close_reason text, p_view jsonb, p_now timestamptz,
  p_state text, p_kind text, p_details jsonb, p_trace text)
RETURNS text LANGUAGE plpgsql SET plan_cache_mode = force_generic_plan AS $$
BEGIN
  IF p_new THEN
    INSERT INTO students (msix_id, view, version, updated_at) VALUES (p_msix, p_view, 2, p_now) ON CONFLICT DO NOTHING;
    IF NOT FOUND THEN RETURN NULL; END IF;
  ELSE
    UPDATE students SET view = p_view, version = version + 1, updated_at = p_now WHERE msix_id = p_msix;
  END IF;
  INSERT INTO links (record_id, msix_id, link_type, score, rules_version, explanation) VALUES (p_record, p_msix, p_link_type, p_score, p_rules, p_explanation);
  INSERT INTO link_history (record_id, from_msix_id, to_msix_id, link_type, score, rules_version, explanation, cause, review_id, request_id, actor)
    VALUES (p_record, NULL, p_msix, p_link_type, p_score, p_rules, p_explanation, p_cause, p_review, p_request, p_actor);
  UPDATE match_reviews SET status = 'closed', closed_reason = p_close_reason, version = version + 1, updated_at = now()
    WHERE record_id = p_record AND status = 'open';
  UPDATE state_records SET match_status = 'matched' WHERE id = p_record;
  INSERT INTO student_events (msix_id, record_id, state_code, kind, details, trace_id) VALUES (p_msix, p_record, p_state, p_kind, p_details, p_trace);
  RETURN p_msix;
END $$;
