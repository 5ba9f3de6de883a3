/**
 * Queue names and job payloads shared by the gateway (producer) and the worker
 * (consumer). Payloads carry ids and a trace id, never student data: the data
 * stays in Postgres and a job re-reads it, which also makes every job idempotent.
 */
export const QUEUES = { ingest: 'ingest', match: 'match', deliver: 'deliver' } as const;
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

export interface JobPayloads {
  ingest: IngestJob;
  match: MatchJob;
  deliver: DeliverJob;
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
  /** True when the queue backend answers. */
  ping(): Promise<boolean>;
}

/** The job id for matching one version of one record: enqueueing it twice is harmless. */
export function matchJobId(recordId: string, version: number): string {
  return `match-${recordId}-v${version}`;
}
