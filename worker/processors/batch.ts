import type { Job } from 'bullmq';
import type { BatchPartitionJob } from '../../core/jobs.js';
import { partitionWorker } from '../../core/matching-store/batch-load.js';
import type { WorkerContext } from '../context.js';

/**
 * The `batch` job: scores one partition (by blocking key) of a national batch load that a coordinator
 * (`npm run match:load -- --partitions N`) is running; a partition already done or held by a live worker is skipped.
 */
export function batchProcessor(ctx: WorkerContext) {
  const score = partitionWorker(ctx.db);
  return async (job: Job<BatchPartitionJob>) => {
    const outcome = await score(job.data);
    ctx.logger.info({ traceId: job.data.traceId, part: job.data.part, ...outcome }, 'batch partition');
    return outcome;
  };
}
