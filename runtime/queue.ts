import { Queue, Worker, type Job, type Processor } from 'bullmq';
import { Redis } from 'ioredis';
import type { JobPayloads, JobQueue, QueueName } from '../core/jobs.js';

export function redisOptions(url: string) {
  const u = new URL(url);
  return {
    host: u.hostname,
    port: Number(u.port || 6379),
    ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
    ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
    ...(u.pathname.length > 1 ? { db: Number(u.pathname.slice(1)) } : {}),
    ...(u.protocol === 'rediss:' ? { tls: {} } : {}),
    maxRetriesPerRequest: null as null,
  };
}

/** Retries with exponential backoff: a transient failure (database busy, state system down) heals itself. */
export const DEFAULT_JOB_OPTIONS = {
  attempts: 8,
  backoff: { type: 'exponential', delay: 1000 },
  removeOnComplete: { age: 24 * 3600, count: 10_000 },
  removeOnFail: { age: 7 * 24 * 3600 },
} as const;

/** The BullMQ implementation of core's JobQueue port. */
export class BullJobQueue implements JobQueue {
  private readonly queues = new Map<QueueName, Queue>();
  private readonly conn: Redis;
  constructor(
    private readonly redisUrl: string,
    private readonly prefix = 'msix',
  ) {
    this.conn = new Redis(redisOptions(redisUrl));
    this.conn.on('error', () => {});
  }
  queue(name: QueueName): Queue {
    let q = this.queues.get(name);
    if (!q) {
      q = new Queue(name, {
        connection: redisOptions(this.redisUrl),
        prefix: this.prefix,
        defaultJobOptions: DEFAULT_JOB_OPTIONS,
      });
      q.on('error', () => {});
      this.queues.set(name, q);
    }
    return q;
  }
  async enqueue<Q extends QueueName>(
    name: Q,
    payload: JobPayloads[Q],
    opts: { jobId: string; delayMs?: number },
  ): Promise<void> {
    await this.queue(name).add(name, payload, { jobId: opts.jobId, ...(opts.delayMs ? { delay: opts.delayMs } : {}) });
  }
  async ping(): Promise<boolean> {
    try {
      return (
        (await Promise.race([
          this.conn.ping(),
          new Promise<string>((_, rej) => setTimeout(() => rej(new Error('timeout')), 1000)),
        ])) === 'PONG'
      );
    } catch {
      return false;
    }
  }
  async close(): Promise<void> {
    await Promise.all([...this.queues.values()].map((q) => q.close()));
    this.conn.disconnect();
  }
}

export type JobProcessor<Q extends QueueName> = (job: Job<JobPayloads[Q]>) => Promise<unknown>;

/** Starts one BullMQ worker for a queue. */
export function startQueueWorker<Q extends QueueName>(
  redisUrl: string,
  name: Q,
  processor: JobProcessor<Q>,
  concurrency: number,
  prefix = 'msix',
): Worker {
  const w = new Worker(name, processor as Processor, { connection: redisOptions(redisUrl), concurrency, prefix });
  w.on('error', () => {});
  return w;
}
