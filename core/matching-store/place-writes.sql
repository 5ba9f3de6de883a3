-- The writes of a match job's two common outcomes in one call (core/matching-store/place-writes.ts owns this file:
-- the migrator runs it again whenever it changes): a record without a link linked to a row-locked student (p_new
-- false: its view replaced), or to a new student (p_new true: inserted with its view; null back when the id is
-- taken). Each write goes through its aggregate's own function: the view (store_student_views, core/students.sql),
-- the link with its history (write_links, core/matching-store/links.sql), the match status (set_match_status,
-- core/records.sql) and the event (emit_student_events, core/outbox/student-events.sql); closing the record's open
-- review is the one statement of its own.
CREATE OR REPLACE FUNCTION matching_commit(p_new boolean, p_record uuid, p_msix text, p_link_type text,
  p_score double precision, p_rules text, p_explanation jsonb, p_cause text, p_review uuid, p_request uuid,
  p_actor text, p_close_reason text, p_view jsonb, p_now timestamptz, p_state text, p_kind text, p_details jsonb,
  p_trace text)
RETURNS text LANGUAGE plpgsql SET plan_cache_mode = force_generic_plan AS $$
BEGIN
  PERFORM 1 FROM store_student_views(json_build_array(json_build_object('msix_id', p_msix, 'view', p_view)), p_now,
    p_new);
  IF p_new AND NOT FOUND THEN RETURN NULL; END IF;
  PERFORM 1 FROM write_links(json_build_array(json_build_object('record_id', p_record, 'msix_id', p_msix,
    'link_type', p_link_type, 'score', p_score, 'rules_version', p_rules, 'explanation', p_explanation,
    'cause', p_cause, 'review_id', p_review, 'request_id', p_request, 'actor', p_actor)), true);
  UPDATE match_reviews SET status = 'closed', closed_reason = p_close_reason, version = version + 1, updated_at = now()
    WHERE record_id = p_record AND status = 'open';
  PERFORM set_match_status(ARRAY[p_record], ARRAY['matched'], NULL::integer[]);
  PERFORM emit_student_events(json_build_array(json_build_object('msix_id', p_msix, 'record_id', p_record,
    'state_code', p_state, 'kind', p_kind, 'details', p_details, 'trace_id', p_trace)));
  RETURN p_msix;
END $$;
