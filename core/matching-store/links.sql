-- The one write of links with their history (core/matching-store/links.ts owns this file: the migrator runs it
-- again whenever it changes). Every link written, by a match job, a review, a merge or the bulk load, gets its
-- link_history row here, so the history is complete.
--
-- p_links: a JSON array of {record_id, msix_id, link_type, score, rules_version, explanation, cause, review_id,
-- request_id, actor}, each record at most once. p_replace: an existing link is moved or updated (linked_at kept
-- when the student stays the same); false: an existing link is left alone and gets no history row. Returns the
-- records written, with the student each was linked to before (null when none).
CREATE OR REPLACE FUNCTION write_links(p_links json, p_replace boolean)
RETURNS TABLE (record_id uuid, from_msix_id text)
LANGUAGE plpgsql SET plan_cache_mode = force_generic_plan AS $$
#variable_conflict use_column
BEGIN
  RETURN QUERY
  WITH item AS (
    SELECT * FROM json_to_recordset(p_links) AS t(record_id uuid, msix_id text, link_type text, score double precision,
      rules_version text, explanation jsonb, cause text, review_id uuid, request_id uuid, actor text)
  ), prev AS (
    SELECT l.record_id, l.msix_id FROM links l JOIN item ON l.record_id = item.record_id
  ), up AS (
    INSERT INTO links (record_id, msix_id, link_type, score, rules_version, explanation)
    SELECT i.record_id, i.msix_id, i.link_type, i.score, i.rules_version, i.explanation FROM item i
    ON CONFLICT (record_id) DO UPDATE SET msix_id = EXCLUDED.msix_id, link_type = EXCLUDED.link_type,
      score = EXCLUDED.score, rules_version = EXCLUDED.rules_version, explanation = EXCLUDED.explanation,
      linked_at = CASE WHEN links.msix_id = EXCLUDED.msix_id THEN links.linked_at ELSE now() END
      WHERE p_replace
    RETURNING links.record_id
  ), hist AS (
    INSERT INTO link_history (record_id, from_msix_id, to_msix_id, link_type, score, rules_version, explanation,
      cause, review_id, request_id, actor)
    SELECT i.record_id, prev.msix_id, i.msix_id, i.link_type, i.score, i.rules_version, i.explanation, i.cause,
      i.review_id, i.request_id, i.actor
    FROM item i JOIN up ON up.record_id = i.record_id LEFT JOIN prev ON prev.record_id = i.record_id
  )
  SELECT up.record_id, prev.msix_id FROM up LEFT JOIN prev ON prev.record_id = up.record_id;
END $$;
