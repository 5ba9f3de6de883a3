import type { Job } from 'bullmq';
import { completeIntent } from '../../core/job-intents.js';
import { matchJobId, type MatchJob } from '../../core/jobs.js';
import { matchRecord } from '../../core/linking.js';
import type { WorkerContext } from '../context.js';

/**
 * The `match` job: places one state record under a consolidated student, or
 * holds it for a near-match review; then its job intent is done.
 */
export function matchProcessor(ctx: WorkerContext) {
  return async (job: Job<MatchJob>) => {
    const outcome = await matchRecord(
      { db: ctx.db, consolidation: { requiredCredits: ctx.config.GRADUATION_CREDITS } },
      job.data,
    );
    await completeIntent(ctx.db, matchJobId(job.data.recordId, job.data.version));
    const log = {
      traceId: job.data.traceId,
      recordId: job.data.recordId,
      outcome: outcome.kind,
      ...(outcome.kind === 'review' ? { reviewId: outcome.reviewId } : {}),
    };
    // A held record waits for a person: worth a line at info level; everything else is routine.
    if (outcome.kind === 'review') ctx.logger.info(log, 'match held for near-match review');
    else ctx.logger.debug(log, 'match done');
    return outcome;
  };
}
