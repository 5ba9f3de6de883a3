import type { Job } from 'bullmq';
import type { DeliverJob } from '../../core/jobs.js';
import { runDelivery } from '../../core/exchange/delivery/deliver.js';
import type { WorkerContext } from '../context.js';
import { exchangeDeps } from './exchange-deps.js';

/** The `deliver` job: one attempt at one message to one state (notices, record responses, live queries). */
export function deliverProcessor(ctx: WorkerContext) {
  const deps = exchangeDeps(ctx);
  return async (job: Job<DeliverJob>) => {
    const outcome = await runDelivery(deps, job.data.deliveryId);
    ctx.logger.debug(
      { traceId: job.data.traceId, deliveryId: job.data.deliveryId, outcome: outcome.kind },
      'deliver done',
    );
    return outcome;
  };
}
