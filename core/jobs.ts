/**
 * Queue names and job payloads shared by the gateway (producer) and the worker
 * (consumer). Payloads carry ids and a trace id, never student data: the data
 * stays in Postgres and a job re-reads it, which also makes every job idempotent.
 */
export const QUEUES = {
  ingest: 'ingest',
  match: 'match',
  deliver: 'deliver',
  maintenance: 'maintenance',
  batch: 'batch',
} as const;
export type QueueName = (typeof QUEUES)[keyof typeof QUEUES];

export interface IngestJob {
  exchangeId: string;
  traceId: string;
}
export interface MatchJob {
  recordId: string;
  version: number;
  traceId: string;
}
export interface DeliverJob {
  deliveryId: string;
  traceId: string;
}
/** One partition of a national batch load to score (core/matching-store/batch-partitions.ts). */
export interface BatchPartitionJob {
  runId: string;
  part: number;
  traceId: string;
}

/** The periodic passes that run once per cluster (job schedulers), by what they do. */
export const MAINTENANCE_TASKS = {
  /** Enqueues job intents whose job is missing or failed: the recovery pass. */
  relay: 'relay-intents',
  /** Keeps every delivery and record request moving (core/exchange/sweep.ts). */
  exchangeSweep: 'exchange-sweep',
  /** Turns student events into move notices (core/exchange/notices/move-consumer.ts). */
  moveNotices: 'move-notices',
  /** Logs the audit chain head, an anchor log storage keeps (docs/security.md, Audit). */
  auditHead: 'audit-head',
  /** Sends the status board's new and cleared alerts to ALERT_WEBHOOK_URL (core/alerts.ts). */
  alerts: 'alert-webhook',
} as const;
export type MaintenanceTask = (typeof MAINTENANCE_TASKS)[keyof typeof MAINTENANCE_TASKS];
export interface MaintenanceJob {
  task: MaintenanceTask;
}

export interface JobPayloads {
  ingest: IngestJob;
  match: MatchJob;
  deliver: DeliverJob;
  maintenance: MaintenanceJob;
  batch: BatchPartitionJob;
}

/**
 * The port through which core-level flows enqueue work. `jobId` makes enqueueing
 * idempotent: the same id twice is one job.
 */
export interface JobQueue {
  enqueue<Q extends QueueName>(
    queue: Q,
    payload: JobPayloads[Q],
    opts: { jobId: string; delayMs?: number },
  ): Promise<void>;
  /**
   * Enqueues many jobs of one queue in one round trip (optional: callers fall back to {@link enqueue}). All or
   * nothing as far as the caller knows: on a failure some may be queued, which their job ids make harmless.
   */
  enqueueMany?<Q extends QueueName>(
    queue: Q,
    jobs: readonly { payload: JobPayloads[Q]; jobId: string }[],
  ): Promise<void>;
  /** True when the queue backend answers. */
  ping(): Promise<boolean>;
}

/** What {@link RecoverableJobQueue.ensure} found and did. */
export type EnsureOutcome = 'added' | 'retried' | 'queued' | 'completed';

/** A queue that can also look at a job by id: what the recovery pass needs. */
export interface RecoverableJobQueue extends JobQueue {
  /**
   * Makes sure the job will run: added when missing, retried when it failed
   * all its attempts, left alone while waiting or running; 'completed' when it
   * already finished.
   */
  ensure<Q extends QueueName>(queue: Q, payload: JobPayloads[Q], opts: { jobId: string }): Promise<EnsureOutcome>;
}

/** The job id for matching one version of one record: enqueueing it twice is harmless. */
export function matchJobId(recordId: string, version: number): string {
  return `match-${recordId}-v${version}`;
}

/** The job id for ingesting one uploaded file. */
export function ingestJobId(exchangeId: string): string {
  return `ingest-${exchangeId}`;
}
