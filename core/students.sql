-- The one write of consolidated views (core/students.ts owns this file: the migrator runs it again whenever it
-- changes). p_views: a JSON array of {msix_id, view}. p_create false: stores each view on its existing student,
-- the next version. p_create true: inserts new students with their first view, version 2 (created and given a view,
-- as a student created empty and then refreshed would be); an id already taken is skipped. Returns the ids written.
CREATE OR REPLACE FUNCTION store_student_views(p_views json, p_now timestamptz, p_create boolean)
RETURNS SETOF text LANGUAGE plpgsql SET plan_cache_mode = force_generic_plan AS $$
BEGIN
  IF p_create THEN
    RETURN QUERY
    INSERT INTO students (msix_id, view, version, updated_at)
    SELECT v.msix_id, v.view, 2, p_now FROM json_to_recordset(p_views) AS v(msix_id text, view jsonb)
    ON CONFLICT DO NOTHING RETURNING students.msix_id;
  ELSE
    RETURN QUERY
    UPDATE students st SET view = v.view, version = st.version + 1, updated_at = p_now
    FROM json_to_recordset(p_views) AS v(msix_id text, view jsonb) WHERE st.msix_id = v.msix_id
    RETURNING st.msix_id;
  END IF;
END $$;
