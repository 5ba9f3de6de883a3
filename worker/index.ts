import type { Worker } from 'bullmq';
import { MAINTENANCE_TASKS, QUEUES, type MaintenanceTask, type QueueName } from '../core/jobs.js';
import { startQueueWorker, type JobProcessor } from '../runtime/queue.js';
import type { RedisTarget } from '../runtime/redis.js';
import type { WorkerContext } from './context.js';
import { matchProcessor } from './processors/match.js';
import { ingestProcessor } from './processors/ingest.js';
import { deliverProcessor } from './processors/deliver.js';
import { maintenancePasses } from './processors/maintenance.js';
import { batchProcessor } from './processors/batch.js';

export interface RunningWorkers {
  workers: Worker[];
  /** Runs the recovery pass now, here: enqueues accepted work whose job is missing or failed; returns how many. */
  sweep(): Promise<number>;
  /** Runs the exchange passes now, here (move notices, then the exchange sweep). */
  tick(): Promise<{ notices: number; swept: number }>;
  /** Creates the maintenance schedulers missing from Redis now (as every worker does once per sweep period). */
  ensureSchedules(): Promise<number>;
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
    [QUEUES.batch]: batchProcessor(ctx),
  };
  const common = { prefix, logger: ctx.logger, stalledIntervalMs: c.JOB_STALLED_INTERVAL_MS };
  const workers = (Object.keys(processors) as QueueName[]).map((name) =>
    startQueueWorker(redis, name, processors[name] as JobProcessor<QueueName>, {
      ...common,
      // Three passes may run at once; each task at most once per process.
      // A batch partition takes a core for its whole run: one at a time per process.
      concurrency: name === QUEUES.maintenance ? 3 : name === QUEUES.batch ? 1 : c.WORKER_CONCURRENCY,
      // An ingest resumes from its checkpoint, so a worker dying during it (a crash, two rolling restarts) costs
      // at most one batch: tolerate many deaths before BullMQ fails it (and the recovery pass retries even then).
      ...(name === QUEUES.ingest ? { maxStalledCount: c.INGEST_MAX_STALLS } : {}),
    }),
  );
  let closed = false;
  /** The periodic passes this configuration runs, with their periods. */
  const periodic: [task: MaintenanceTask, everyMs: number][] = [
    [MAINTENANCE_TASKS.relay, c.MATCH_SWEEP_MS],
    [MAINTENANCE_TASKS.moveNotices, c.EXCHANGE_EVENTS_POLL_MS],
    [MAINTENANCE_TASKS.exchangeSweep, c.EXCHANGE_SWEEP_MS],
    ...(c.AUDIT_HEAD_LOG_SECONDS > 0
      ? [[MAINTENANCE_TASKS.auditHead, c.AUDIT_HEAD_LOG_SECONDS * 1000] as [MaintenanceTask, number]]
      : []),
    ...(c.ALERT_WEBHOOK_URL ? [[MAINTENANCE_TASKS.alerts, c.ALERT_CHECK_MS] as [MaintenanceTask, number]] : []),
  ];
  /** Creates the schedulers that are missing (or have another period); answers how many it created. */
  const ensureSchedules = async (): Promise<number> => {
    let created = 0;
    for (const [task, everyMs] of periodic) if (await ctx.queue.schedule(task, everyMs, { task })) created++;
    return created;
  };
  const schedule = async (): Promise<void> => {
    try {
      await ensureSchedules();
    } catch (err) {
      if (closed) return;
      ctx.logger.warn({ err }, 'could not create the maintenance schedulers yet; trying again in 5 s');
      setTimeout(() => void schedule(), 5000).unref();
    }
  };
  void schedule();
  // A Redis restored empty (a restart without persistence, a failover to an empty replica) loses the schedulers,
  // and with them the recovery pass that would re-enqueue everything else: every worker looks once per sweep period
  // and puts back what is missing, so the passes resume without a worker restart (found by the soak, issue 18).
  const keeper = setInterval(() => {
    ensureSchedules().then(
      (created) => {
        if (created) ctx.logger.warn({ created }, 'maintenance schedulers were missing from Redis; created again');
      },
      (err: unknown) => ctx.logger.warn({ err }, 'could not check the maintenance schedulers; next check in a period'),
    );
  }, c.MATCH_SWEEP_MS);
  keeper.unref();
  return {
    workers,
    sweep: () => maintenance.run(MAINTENANCE_TASKS.relay),
    tick: async () => ({
      notices: await maintenance.run(MAINTENANCE_TASKS.moveNotices),
      swept: await maintenance.run(MAINTENANCE_TASKS.exchangeSweep),
    }),
    ensureSchedules,
    close: async () => {
      closed = true;
      clearInterval(keeper);
      await Promise.all(workers.map((w) => w.close()));
    },
  };
}
