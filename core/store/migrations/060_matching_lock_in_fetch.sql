-- matching_fetch takes the blocking-key advisory locks itself before reading (one round trip
-- fewer per match job): a volatile function's statements each take a new snapshot, so its reads
-- come after the locks exactly as when the locks were a statement of their own.
DROP FUNCTION matching_fetch(uuid, text[], integer, boolean);

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
