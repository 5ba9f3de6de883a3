-- The one write of the student events outbox (core/outbox/student-events.ts owns this file: the migrator runs it
-- again whenever it changes). p_events: a JSON array of {msix_id, record_id, state_code, kind, details, trace_id},
-- inserted in array order. The transaction id (xid) comes from the column default, which is what makes a reader's
-- cursor safe (see student-events.ts).
CREATE OR REPLACE FUNCTION emit_student_events(p_events json)
RETURNS void LANGUAGE plpgsql SET plan_cache_mode = force_generic_plan AS $$
BEGIN
  INSERT INTO student_events (msix_id, record_id, state_code, kind, details, trace_id)
  SELECT e.msix_id, e.record_id, e.state_code, e.kind, coalesce(e.details, '{}'::jsonb), e.trace_id
  FROM json_to_recordset(p_events) AS e(msix_id text, record_id uuid, state_code text, kind text, details jsonb,
    trace_id text);
END $$;
