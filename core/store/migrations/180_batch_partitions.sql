-- Partitions of a national batch load's pair scoring (core/matching-store/batch-partitions.ts): one row per partition
-- while a partitioned load runs. A worker claims a row with a lease and stores its scores in `result`; the
-- coordinator scores a row itself when its lease runs out, and deletes its run's rows at the end.
CREATE TABLE batch_partitions (
  run_id text NOT NULL,
  part integer NOT NULL,
  block_lo integer NOT NULL,
  block_hi integer NOT NULL,
  snapshot text NOT NULL,
  records integer NOT NULL,
  status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'running', 'done')),
  claimed_by text,
  lease_until timestamptz,
  result bytea,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (run_id, part)
);
