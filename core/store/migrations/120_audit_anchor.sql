-- Audit anchoring (issue 13 finding 13). Before, any session that set msix.audit_purge could delete audit rows,
-- the newest included, and leave no trace. Now rows leave only through audit_purge(), a function owned by a
-- dedicated role (msix_audit_purger, no login) that keeps the last 30 days, and writes a checkpoint (the hash of the
-- chain up to the cut) in the same statement. The guard trigger lets a DELETE through only when it runs as that
-- role inside the function, so neither the application's role nor a superuser's plain DELETE passes; checkpoints
-- are append-only and written only by the function.
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'msix_audit_purger') THEN
    BEGIN
      CREATE ROLE msix_audit_purger NOLOGIN;
    EXCEPTION WHEN duplicate_object OR unique_violation THEN
      NULL; -- another database of the same cluster created it at the same moment
    END;
  END IF;
END
$$;
GRANT SELECT, DELETE ON audit_events TO msix_audit_purger;
GRANT SELECT, INSERT ON audit_checkpoints TO msix_audit_purger;
GRANT USAGE ON SEQUENCE audit_checkpoints_id_seq TO msix_audit_purger;

CREATE OR REPLACE FUNCTION audit_events_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' AND current_user = 'msix_audit_purger'
     AND current_setting('msix.audit_purge', true) = 'on' THEN
    RETURN OLD;
  END IF;
  RAISE EXCEPTION 'audit_events is append-only (% refused; old rows leave only through audit_purge())', TG_OP;
END
$$;

CREATE FUNCTION audit_checkpoints_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' AND current_user = 'msix_audit_purger' THEN
    RETURN NEW;
  END IF;
  RAISE EXCEPTION 'audit_checkpoints are written only by audit_purge() (% refused)', TG_OP;
END
$$;
CREATE TRIGGER audit_checkpoints_guarded BEFORE INSERT OR UPDATE OR DELETE ON audit_checkpoints
  FOR EACH ROW EXECUTE FUNCTION audit_checkpoints_guard();
CREATE TRIGGER audit_checkpoints_no_truncate BEFORE TRUNCATE ON audit_checkpoints
  FOR EACH STATEMENT EXECUTE FUNCTION audit_checkpoints_guard();

-- Deletes the events before p_before (never from the last 30 days) and records the checkpoint. 727002 is the audit
-- append lock (core/audit.ts AUDIT_LOCK), so no event is appended in between.
CREATE FUNCTION audit_purge(p_before timestamptz, p_actor text)
  RETURNS TABLE (through_seq bigint, through_hash text, through_at timestamptz, purged_rows bigint)
  LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
DECLARE
  cut record;
  n bigint;
BEGIN
  IF p_before IS NULL OR p_before > now() - interval '30 days' THEN
    RAISE EXCEPTION 'audit_purge keeps the last 30 days of audit events; purge only before %',
      now() - interval '30 days' USING ERRCODE = 'check_violation';
  END IF;
  PERFORM pg_advisory_xact_lock(727002);
  SELECT e.seq, e.hash, e.at INTO cut FROM audit_events e WHERE e.at < p_before ORDER BY e.seq DESC LIMIT 1;
  IF NOT FOUND THEN
    RETURN;
  END IF;
  PERFORM set_config('msix.audit_purge', 'on', true);
  DELETE FROM audit_events e WHERE e.seq <= cut.seq;
  GET DIAGNOSTICS n = ROW_COUNT;
  PERFORM set_config('msix.audit_purge', 'off', true);
  INSERT INTO audit_checkpoints (through_seq, through_hash, through_at, purged_rows, actor)
    VALUES (cut.seq, cut.hash, cut.at, n, p_actor);
  RETURN QUERY SELECT cut.seq::bigint, cut.hash::text, cut.at::timestamptz, n;
END
$$;
ALTER FUNCTION audit_purge(timestamptz, text) OWNER TO msix_audit_purger;
REVOKE ALL ON FUNCTION audit_purge(timestamptz, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION audit_purge(timestamptz, text) TO CURRENT_USER;
