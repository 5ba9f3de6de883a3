import type { Worker } from 'bullmq';
import { MAINTENANCE_TASKS, QUEUES, type QueueName } from '../core/jobs.js';
import { startQueueWorker, type JobProcessor } from '../runtime/queue.js';
import type { RedisTarget } from '../runtime/redis.js';
import type { WorkerContext } from './context.js';
import { matchProcessor } from './processors/match.js';
import { ingestProcessor } from './processors/ingest.js';
import { deliverProcessor } from './processors/deliver.js';
import { maintenancePasses } from './processors/maintenance.js';

export interface RunningWorkers {
  workers: Worker[];
  /** Runs the recovery pass now, here: enqueues accepted work whose job is missing or failed; returns how many. */
  sweep(): Promise<number>;
  /** Runs the exchange passes now, here (move notices, then the exchange sweep). */
  tick(): Promise<{ notices: number; swept: number }>;
  close(): Promise<void>;
}

/**
 * Starts a BullMQ worker per queue and makes sure the periodic passes exist as
 * job schedulers (one job per period for the whole cluster, not one loop per
 * worker process).
 */
export function startWorkers(ctx: WorkerContext, redis: RedisTarget, prefix = 'msix'): RunningWorkers {
  const c = ctx.config;
  const maintenance = maintenancePasses(ctx);
  const processors: { [Q in QueueName]: JobProcessor<Q> } = {
    [QUEUES.match]: matchProcessor(ctx),
    [QUEUES.ingest]: ingestProcessor(ctx),
    [QUEUES.deliver]: deliverProcessor(ctx),
    [QUEUES.maintenance]: maintenance.processor,
  };
  const common = { prefix, logger: ctx.logger, stalledIntervalMs: c.JOB_STALLED_INTERVAL_MS };
  const workers = (Object.keys(processors) as QueueName[]).map((name) =>
    startQueueWorker(redis, name, processors[name] as JobProcessor<QueueName>, {
      ...common,
      // Three passes may run at once; each task at most once per process.
      concurrency: name === QUEUES.maintenance ? 3 : c.WORKER_CONCURRENCY,
      // An ingest resumes from its checkpoint, so a worker dying during it (a crash, two rolling restarts) costs
      // at most one batch: tolerate many deaths before BullMQ fails it (and the recovery pass retries even then).
      ...(name === QUEUES.ingest ? { maxStalledCount: c.INGEST_MAX_STALLS } : {}),
    }),
  );
  let closed = false;
  const schedule = async (): Promise<void> => {
    try {
      await ctx.queue.schedule(MAINTENANCE_TASKS.relay, c.MATCH_SWEEP_MS, { task: MAINTENANCE_TASKS.relay });
      await ctx.queue.schedule(MAINTENANCE_TASKS.moveNotices, c.EXCHANGE_EVENTS_POLL_MS, {
        task: MAINTENANCE_TASKS.moveNotices,
      });
      await ctx.queue.schedule(MAINTENANCE_TASKS.exchangeSweep, c.EXCHANGE_SWEEP_MS, {
        task: MAINTENANCE_TASKS.exchangeSweep,
      });
      if (c.AUDIT_HEAD_LOG_SECONDS > 0)
        await ctx.queue.schedule(MAINTENANCE_TASKS.auditHead, c.AUDIT_HEAD_LOG_SECONDS * 1000, {
          task: MAINTENANCE_TASKS.auditHead,
        });
      if (c.ALERT_WEBHOOK_URL)
        await ctx.queue.schedule(MAINTENANCE_TASKS.alerts, c.ALERT_CHECK_MS, { task: MAINTENANCE_TASKS.alerts });
    } catch (err) {
      if (closed) return;
      ctx.logger.warn({ err }, 'could not create the maintenance schedulers yet; trying again in 5 s');
      setTimeout(() => void schedule(), 5000).unref();
    }
  };
  void schedule();
  return {
    workers,
    sweep: () => maintenance.run(MAINTENANCE_TASKS.relay),
    tick: async () => ({
      notices: await maintenance.run(MAINTENANCE_TASKS.moveNotices),
      swept: await maintenance.run(MAINTENANCE_TASKS.exchangeSweep),
    }),
    close: async () => {
      closed = true;
      await Promise.all(workers.map((w) => w.close()));
    },
  };
}
