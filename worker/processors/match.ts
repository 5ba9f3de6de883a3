import type { Job } from 'bullmq';
import type { MatchJob } from '../../core/jobs.js';
import { matchRecord } from '../../core/linking.js';
import type { WorkerContext } from '../context.js';

/** The `match` job: places one state record under a consolidated student. */
export function matchProcessor(ctx: WorkerContext) {
  return async (job: Job<MatchJob>) => {
    const outcome = await matchRecord({ db: ctx.db, consolidation: { requiredCredits: ctx.config.GRADUATION_CREDITS } }, job.data);
    ctx.logger.debug({ traceId: job.data.traceId, recordId: job.data.recordId, outcome: outcome.kind }, 'match done');
    return outcome;
  };
}
