-- Appending audit events to the hash chain in one statement (core/audit.ts owns this file: the migrator runs it
-- again whenever it changes). The caller sends each event with the text it hashes, less its first part (`["` and
-- the previous row's hash); the function takes the append lock (727002, as audit_purge() does), reads the last
-- hash and inserts the events in order, each chained onto the one before. PL/pgSQL and VOLATILE, so the read runs
-- on a snapshot taken after the lock is granted (read committed): it sees the row of the append that held the lock
-- before. One round trip instead of five (begin, lock, read, insert, commit), and the lock is held only while the
-- server runs the statements. Inside a caller's transaction the lock is held until that transaction ends.
CREATE OR REPLACE FUNCTION audit_append(p_events jsonb) RETURNS TABLE (seq bigint, hash text)
LANGUAGE plpgsql VOLATILE AS $$
#variable_conflict use_column
DECLARE
  prev text;
  h text;
  e jsonb;
  n bigint;
BEGIN
  PERFORM pg_advisory_xact_lock(727002);
  SELECT a.hash INTO prev FROM audit_events a ORDER BY a.seq DESC LIMIT 1;
  prev := coalesce(prev, repeat('0', 64));
  FOR e IN SELECT x FROM jsonb_array_elements(p_events) AS t(x) LOOP
    h := encode(sha256(convert_to('["' || prev, 'UTF8') || decode(e->>'tail', 'base64')), 'hex');
    INSERT INTO audit_events AS a (at, actor, actor_state, actor_roles, action, outcome, msix_id, record_ids, fields,
      reason, trace_id, details, prev_hash, hash)
    VALUES ((e->>'at')::timestamptz, e->>'actor', e->>'actorState',
      ARRAY(SELECT jsonb_array_elements_text(e->'actorRoles')), e->>'action', e->>'outcome', e->>'msixId',
      ARRAY(SELECT jsonb_array_elements_text(e->'recordIds')), ARRAY(SELECT jsonb_array_elements_text(e->'fields')),
      e->>'reason', e->>'traceId', e->'details', prev, h)
    RETURNING a.seq INTO n;
    seq := n;
    hash := h;
    RETURN NEXT;
    prev := h;
  END LOOP;
END $$;
