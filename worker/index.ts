import type { Worker } from 'bullmq';
import { QUEUES, matchJobId, type QueueName } from '../core/jobs.js';
import { pendingIngests } from '../core/ingest/storage.js';
import { pendingMatches } from '../core/records.js';
import { startQueueWorker, type JobProcessor } from '../runtime/queue.js';
import type { WorkerContext } from './context.js';
import { matchProcessor } from './processors/match.js';
import { ingestProcessor } from './processors/ingest.js';
import { deliverProcessor } from './processors/deliver.js';
import { startExchangeLoops } from './processors/exchange-loops.js';

/** Processors by queue. A queue with no processor here is not consumed by this process. */
export function processors(ctx: WorkerContext): Partial<{ [Q in QueueName]: JobProcessor<Q> }> {
  return {
    [QUEUES.match]: matchProcessor(ctx),
    [QUEUES.ingest]: ingestProcessor(ctx),
    [QUEUES.deliver]: deliverProcessor(ctx),
  };
}

export interface RunningWorkers {
  workers: Worker[];
  /** Re-enqueues records and files accepted while the queue was unreachable; returns how many. */
  sweep(): Promise<number>;
  close(): Promise<void>;
}

/** Starts a BullMQ worker per queue and the sweeper that guarantees no accepted record or file waits forever. */
export function startWorkers(ctx: WorkerContext, redisUrl: string, prefix = 'msix'): RunningWorkers {
  const workers = Object.entries(processors(ctx)).map(([name, fn]) =>
    startQueueWorker(redisUrl, name as QueueName, fn as JobProcessor<QueueName>, ctx.config.WORKER_CONCURRENCY, prefix),
  );
  const sweep = async (): Promise<number> => {
    const pending = await pendingMatches(ctx.db, ctx.config.MATCH_SWEEP_MS);
    for (const p of pending) {
      await ctx.queue.enqueue(
        QUEUES.match,
        { recordId: p.id, version: p.version, traceId: `sweep-${p.id}` },
        { jobId: matchJobId(p.id, p.version) },
      );
    }
    if (pending.length) ctx.logger.info({ count: pending.length }, 're-enqueued pending matches');
    const files = await pendingIngests(ctx.db, ctx.config.MATCH_SWEEP_MS);
    for (const id of files)
      await ctx.queue.enqueue(QUEUES.ingest, { exchangeId: id, traceId: `sweep-${id}` }, { jobId: `ingest-${id}` });
    if (files.length) ctx.logger.info({ count: files.length }, 're-enqueued stored files');
    return pending.length + files.length;
  };
  const exchange = startExchangeLoops(ctx);
  const timer = setInterval(() => {
    sweep().catch((e: unknown) => ctx.logger.warn({ err: e }, 'match sweep failed'));
  }, ctx.config.MATCH_SWEEP_MS);
  timer.unref();
  return {
    workers,
    sweep,
    close: async () => {
      clearInterval(timer);
      await exchange.close();
      await Promise.all(workers.map((w) => w.close()));
    },
  };
}
