-- Every SIF queue holds its own copy of each event for it (issue 15 item 4): a move notice or record answer placed
-- in a state's inbox is copied, in the same statement, to every queue subscribed to StudentRecordExchanges in that
-- state's environments. Each copy has its own message id and is acknowledged on its queue alone, so one consumer
-- reading its queue no longer takes the message from the others. seq orders a queue's messages in placement order.
CREATE TABLE sif_queue_messages (
  seq bigserial PRIMARY KEY,
  id uuid NOT NULL UNIQUE DEFAULT gen_random_uuid(),
  queue_id uuid NOT NULL REFERENCES sif_queues (id) ON DELETE CASCADE,
  delivery_id uuid NOT NULL REFERENCES deliveries (id),
  zone_id text NOT NULL,
  placed_at timestamptz NOT NULL DEFAULT now(),
  acked_at timestamptz,
  UNIQUE (queue_id, delivery_id)
);
CREATE INDEX sif_queue_messages_open ON sif_queue_messages (queue_id, seq) WHERE acked_at IS NULL;
CREATE INDEX sif_subscriptions_service ON sif_subscriptions (environment_id, service_name);

-- What the queues showed before (their state's unacknowledged inbox items), copied to each subscribed queue in order.
INSERT INTO sif_queue_messages (queue_id, delivery_id, zone_id)
SELECT q.queue_id, q.delivery_id, q.zone_id FROM (
  SELECT DISTINCT ON (s.queue_id, i.delivery_id) s.queue_id, i.delivery_id, s.zone_id, i.seq
  FROM inbox_items i
  JOIN sif_environments e ON e.state_code = i.state_code AND e.deleted_at IS NULL
  JOIN sif_subscriptions s ON s.environment_id = e.id AND s.service_name = 'StudentRecordExchanges'
  WHERE i.acked_at IS NULL
  ORDER BY s.queue_id, i.delivery_id, s.zone_id
) q ORDER BY q.seq, q.queue_id;
