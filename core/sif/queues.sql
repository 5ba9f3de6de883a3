-- The SIF queue-copy rule (core/sif/queues.ts owns this file: the migrator runs it again whenever it changes), in
-- one place: which queues get their own copy of an exchange message (move notice, record answer) placed in a
-- state's inbox. Every queue subscribed to the service (p_service: StudentRecordExchanges, EXCHANGE_SERVICE in
-- core/sif/events.ts) in one of the state's live environments, once, in the zone of its subscription (the first
-- zone id when the queue is subscribed in several). A queue subscribed later gets only the messages placed after
-- (SIF 3 events go to the consumers subscribed when they are published).
-- The placement (copyToSifQueues) inserts from it; the one-time backfill of migration 140 wrote the same rule
-- before this function existed, and test/sif/queues.test.ts checks that both give the same copies.
CREATE OR REPLACE FUNCTION sif_queue_copy_targets(p_state text, p_service text)
RETURNS TABLE (queue_id uuid, zone_id text)
LANGUAGE sql STABLE AS $$
  SELECT DISTINCT ON (s.queue_id) s.queue_id, s.zone_id
  FROM sif_environments e
  JOIN sif_subscriptions s ON s.environment_id = e.id AND s.service_name = p_service
  WHERE e.state_code = p_state AND e.deleted_at IS NULL
  ORDER BY s.queue_id, s.zone_id
$$;
