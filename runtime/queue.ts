import { Queue, Worker, type Job, type Processor } from 'bullmq';
import { Cluster, type Redis } from 'ioredis';
import { UnavailableError } from '../core/errors.js';
import {
  QUEUES,
  type EnsureOutcome,
  type JobPayloads,
  type QueueName,
  type RecoverableJobQueue,
} from '../core/jobs.js';
import { LogLimiter, errorKey } from './log-limit.js';
import { jobDuration, jobFailures } from './metrics.js';
import type { Logger } from './logger.js';
import { bullConnection, createRedis, queueKeyPrefix, type RedisTarget } from './redis.js';

/** Retries with exponential backoff: a transient failure (database busy, state system down) heals itself. */
export const DEFAULT_JOB_OPTIONS = {
  attempts: 8,
  backoff: { type: 'exponential', delay: 1000 },
  removeOnComplete: { age: 24 * 3600, count: 10_000 },
  removeOnFail: { age: 7 * 24 * 3600 },
} as const;

/**
 * Job options by queue. `deliver` gets one attempt: a delivery keeps its own
 * retry budget, backoff and circuit in Postgres (DELIVERY_MAX_ATTEMPTS), and
 * the exchange sweep re-enqueues a delivery whose job failed, so BullMQ
 * retries on top would multiply the attempts a receiving state sees.
 * `maintenance` jobs are the periodic passes: one try, kept briefly.
 */
function jobOptions(retry: { attempts?: number; backoffMs?: number }): Record<QueueName, object> {
  const retried = {
    ...DEFAULT_JOB_OPTIONS,
    attempts: retry.attempts ?? DEFAULT_JOB_OPTIONS.attempts,
    backoff: { type: 'exponential', delay: retry.backoffMs ?? DEFAULT_JOB_OPTIONS.backoff.delay },
  };
  return {
    [QUEUES.match]: retried,
    [QUEUES.ingest]: retried,
    [QUEUES.deliver]: { attempts: 1, removeOnComplete: { age: 3600, count: 10_000 }, removeOnFail: { age: 24 * 3600 } },
    [QUEUES.maintenance]: MAINTENANCE_JOB_OPTIONS,
    // A partition is claimed in Postgres and its coordinator scores it itself when its worker fails: a few retries
    // (a database blip), then the coordinator's takeover, never a silent loss.
    [QUEUES.batch]: {
      attempts: 3,
      backoff: { type: 'exponential', delay: 1000 },
      removeOnComplete: true,
      removeOnFail: { age: 24 * 3600 },
    },
  };
}
const MAINTENANCE_JOB_OPTIONS = { attempts: 1, removeOnComplete: true, removeOnFail: { count: 100 } };

const SILENT: Pick<Logger, 'error' | 'warn' | 'info'> = { error: () => {}, warn: () => {}, info: () => {} };

export interface QueueOptions {
  /** Key prefix of every queue (tests use one per file). */
  prefix?: string;
  /** Where queue and connection errors go (rate-limited). */
  logger?: Pick<Logger, 'error' | 'warn' | 'info'>;
  /** Longest an enqueue may take before it fails (default 2 s): a request is never held by a Redis outage. */
  enqueueTimeoutMs?: number;
  /** Attempts and first backoff of match and ingest jobs (default 8 and 1 s). */
  attempts?: number;
  backoffMs?: number;
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new UnavailableError('redis', new Error(`${what} took over ${ms} ms`))), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

/**
 * The BullMQ implementation of core's job queue ports. Producers fail fast
 * when Redis is down (no offline queue, a timeout on every enqueue): the
 * caller has already written a job intent in Postgres, so it answers normally
 * and the recovery pass enqueues the job when Redis is back.
 */
export class BullJobQueue implements RecoverableJobQueue {
  private readonly queues = new Map<QueueName, Queue>();
  private readonly conn: Redis | Cluster;
  /** Cluster clients made for the queues (BullMQ leaves closing a client it was given to its owner). */
  private readonly clients: (Redis | Cluster)[] = [];
  /** The key prefix as configured; BullMQ's keys use {@link keyPrefix}. */
  readonly prefix: string;
  private readonly keyPrefix: string;
  private readonly limiter: LogLimiter;
  private readonly enqueueTimeoutMs: number;
  private readonly jobOptions: Record<QueueName, object>;
  constructor(
    private readonly redis: RedisTarget,
    opts: QueueOptions | string = {},
  ) {
    const o = typeof opts === 'string' ? { prefix: opts } : opts;
    this.prefix = o.prefix ?? 'msix';
    this.keyPrefix = queueKeyPrefix(redis, this.prefix);
    this.limiter = new LogLimiter(o.logger ?? SILENT);
    this.enqueueTimeoutMs = o.enqueueTimeoutMs ?? 2000;
    this.jobOptions = jobOptions(o);
    this.conn = createRedis(redis, { maxRetriesPerRequest: 1, enableOfflineQueue: false });
    this.conn.on('error', (err: Error) =>
      this.limiter.log(
        'warn',
        errorKey('redis', err),
        { err },
        'redis unreachable; writes are stored and queued later',
      ),
    );
  }
  queue(name: QueueName): Queue {
    let q = this.queues.get(name);
    if (!q) {
      const connection = bullConnection(this.redis, { maxRetriesPerRequest: 1, enableOfflineQueue: false });
      if (connection instanceof Cluster) this.clients.push(connection);
      q = new Queue(name, {
        connection,
        prefix: this.keyPrefix,
        defaultJobOptions: this.jobOptions[name],
      });
      q.on('error', (err: Error) =>
        this.limiter.log('warn', errorKey(`queue ${name}`, err), { err, queue: name }, 'queue error'),
      );
      this.queues.set(name, q);
    }
    return q;
  }
  async enqueue<Q extends QueueName>(
    name: Q,
    payload: JobPayloads[Q],
    opts: { jobId: string; delayMs?: number },
  ): Promise<void> {
    await withTimeout(
      this.queue(name).add(name, payload, { jobId: opts.jobId, ...(opts.delayMs ? { delay: opts.delayMs } : {}) }),
      this.enqueueTimeoutMs,
      `enqueue on ${name}`,
    );
  }
  async enqueueMany<Q extends QueueName>(
    name: Q,
    jobs: readonly { payload: JobPayloads[Q]; jobId: string }[],
  ): Promise<void> {
    if (!jobs.length) return;
    // One job goes in without a pipeline: BullMQ's addBulk builds an ioredis pipeline, which copies every Lua script
    // of the client onto it (a measurable part of an Ed-Fi POST's CPU).
    if (jobs.length === 1) return this.enqueue(name, jobs[0]!.payload, { jobId: jobs[0]!.jobId });
    await withTimeout(
      this.queue(name).addBulk(jobs.map((j) => ({ name, data: j.payload, opts: { jobId: j.jobId } }))),
      this.enqueueTimeoutMs,
      `enqueue of ${jobs.length} on ${name}`,
    );
  }
  /**
   * Makes sure a job exists and will run: adds it when missing, retries it
   * when it failed all its attempts (BullMQ ignores an add under the id of a
   * failed job), leaves it when waiting or running.
   */
  async ensure<Q extends QueueName>(name: Q, payload: JobPayloads[Q], opts: { jobId: string }): Promise<EnsureOutcome> {
    const q = this.queue(name);
    return withTimeout(
      (async (): Promise<EnsureOutcome> => {
        const job = await q.getJob(opts.jobId);
        if (!job) {
          await q.add(name, payload, { jobId: opts.jobId });
          return 'added';
        }
        const state = await job.getState();
        if (state === 'failed') {
          // A full new budget of attempts (and backoff), as if the job had just been added.
          await job.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true });
          return 'retried';
        }
        if (state === 'completed') return 'completed';
        if (state === 'unknown') {
          await q.add(name, payload, { jobId: opts.jobId });
          return 'added';
        }
        return 'queued';
      })(),
      this.enqueueTimeoutMs * 2,
      `ensure on ${name}`,
    );
  }
  /**
   * A periodic pass as a BullMQ job scheduler: one job per period for the
   * whole cluster, whichever worker takes it (never one pass per process).
   * Upserting is left to a scheduler that is missing or has another period: an
   * upsert of a live scheduler would move its next run, so workers checking
   * every period (see worker/index.ts) could postpone a longer pass for ever.
   * Answers whether it (re)created the scheduler.
   */
  async schedule(id: string, everyMs: number, payload: JobPayloads['maintenance']): Promise<boolean> {
    const q = this.queue(QUEUES.maintenance);
    const existing = await q.getJobScheduler(id);
    if (existing && existing.every === everyMs) return false;
    await q.upsertJobScheduler(id, { every: everyMs }, { name: id, data: payload, opts: MAINTENANCE_JOB_OPTIONS });
    return true;
  }
  /** Jobs in each queue by state, for /metrics and the help desk's board. */
  async counts(): Promise<Record<QueueName, Record<string, number>>> {
    const names = Object.values(QUEUES);
    const all = await withTimeout(
      Promise.all(
        names.map((n) => this.queue(n).getJobCounts('waiting', 'active', 'delayed', 'failed', 'prioritized')),
      ),
      this.enqueueTimeoutMs,
      'queue counts',
    );
    return Object.fromEntries(names.map((n, i) => [n, all[i]!])) as Record<QueueName, Record<string, number>>;
  }
  /** The BullMQ queues themselves, for the queue board. */
  bullQueues(): Queue[] {
    return Object.values(QUEUES).map((n) => this.queue(n));
  }
  async ping(): Promise<boolean> {
    try {
      return (await withTimeout(this.conn.ping(), 1000, 'ping')) === 'PONG';
    } catch {
      return false;
    }
  }
  async close(): Promise<void> {
    await Promise.all([...this.queues.values()].map((q) => q.close()));
    for (const c of this.clients) c.disconnect();
    this.conn.disconnect();
  }
}

export type JobProcessor<Q extends QueueName> = (job: Job<JobPayloads[Q]>) => Promise<unknown>;

export interface QueueWorkerOptions {
  concurrency: number;
  prefix?: string;
  logger?: Pick<Logger, 'error' | 'warn' | 'info'>;
  /** How often BullMQ looks for jobs whose worker died; also their lock's lifetime (twice this). */
  stalledIntervalMs?: number;
  /** How many times a job may lose its worker before it is failed. */
  maxStalledCount?: number;
}

/** A finished attempt's run time (BullMQ stamps when it started and finished). */
function observeJob(queue: QueueName, outcome: 'completed' | 'failed', job: Job): void {
  if (job.processedOn && job.finishedOn)
    jobDuration.observe({ queue, outcome }, Math.max(0, job.finishedOn - job.processedOn) / 1000);
}

const traceOf = (job: Job | undefined) => (job?.data as { traceId?: string } | undefined)?.traceId;

/**
 * Starts one BullMQ worker for a queue. Nothing it does is silent: a failed
 * attempt is a warning with the trace id, a job that used up its attempts an
 * error, a stalled job (its worker died) a warning, and a connection error a
 * warning at most once a minute for the same error.
 */
export function startQueueWorker<Q extends QueueName>(
  redis: RedisTarget,
  name: Q,
  processor: JobProcessor<Q>,
  opts: QueueWorkerOptions,
): Worker {
  const log = opts.logger ?? SILENT;
  const limiter = new LogLimiter(log);
  const connection = bullConnection(redis, { maxRetriesPerRequest: null });
  const w = new Worker(name, processor as Processor, {
    connection,
    concurrency: opts.concurrency,
    prefix: queueKeyPrefix(redis, opts.prefix ?? 'msix'),
    ...(opts.stalledIntervalMs
      ? { stalledInterval: opts.stalledIntervalMs, lockDuration: 2 * opts.stalledIntervalMs }
      : {}),
    ...(opts.maxStalledCount ? { maxStalledCount: opts.maxStalledCount } : {}),
  });
  w.on('error', (err: Error) =>
    limiter.log('warn', errorKey(`worker ${name}`, err), { err, queue: name }, 'queue worker error'),
  );
  w.on('completed', (job: Job) => observeJob(name, 'completed', job));
  w.on('failed', (job: Job | undefined, err: Error) => {
    const attempts = job?.opts.attempts ?? 1;
    const final = !job || job.attemptsMade >= attempts;
    jobFailures.inc({ queue: name, final: String(final) });
    if (job) observeJob(name, 'failed', job);
    const fields = { err, queue: name, jobId: job?.id, traceId: traceOf(job), attempt: job?.attemptsMade, attempts };
    // The same outage fails many jobs the same way: one line per error a minute, with how many were suppressed.
    const key = errorKey(`failed ${name} ${final ? 'final' : 'retry'}`, err);
    if (final) limiter.log('error', key, fields, 'job failed all its attempts; the recovery pass retries it');
    else limiter.log('warn', key, fields, 'job attempt failed; it is retried');
  });
  if (connection instanceof Cluster) w.on('closed', () => connection.disconnect());
  w.on('stalled', (jobId: string) =>
    log.warn({ queue: name, jobId }, 'job stalled (its worker stopped); it runs again elsewhere'),
  );
  return w;
}
