import type { Db } from './store/db.js';
import type { MsixId } from '@msix/adapter-sdk/canonical';
import type { MatchJob } from './jobs.js';
import type { ConsolidationOptions } from './consolidate.js';
import { batchGate, lockRecord, placeRecord } from './matching-store/place.js';

export type MatchOutcome =
  | { kind: 'skipped'; reason: string }
  | { kind: 'linked'; msixId: MsixId; linkType: 'new' | 'auto' | 'manual'; score: number | null }
  | { kind: 'refreshed'; msixId: MsixId }
  | { kind: 'review'; reviewId: string; msixId: MsixId | null };

export interface LinkingDeps {
  db: Db;
  consolidation: ConsolidationOptions;
}

/**
 * Places one state record under a consolidated student with the record-linkage
 * engine (core/matching-store/place.ts). Idempotent: a record that is no
 * longer pending is left alone, so a job that runs twice changes nothing the
 * second time. Concurrent jobs whose records share a blocking key are
 * serialized by advisory locks on those keys, so two states' records of one
 * child arriving together never create two students.
 */
export async function matchRecord(deps: LinkingDeps, job: MatchJob): Promise<MatchOutcome> {
  return deps.db.transaction(async (tx) => {
    await batchGate(tx);
    const r = await lockRecord(tx, job.recordId);
    if (!r) return { kind: 'skipped', reason: 'record no longer exists' };
    if (r.match_status !== 'pending') return { kind: 'skipped', reason: 'already matched' };
    const out = await placeRecord(tx, deps, r, { cause: 'match', actor: 'system', traceId: job.traceId });
    switch (out.kind) {
      case 'linked':
        return { kind: 'linked', msixId: out.msixId, linkType: out.linkType, score: out.score };
      case 'refreshed':
        return { kind: 'refreshed', msixId: out.msixId };
      case 'review':
        return { kind: 'review', reviewId: out.reviewId, msixId: out.msixId };
      case 'withdrawn':
        return out.msixId
          ? { kind: 'refreshed', msixId: out.msixId }
          : { kind: 'skipped', reason: 'withdrawn record was never linked' };
    }
  });
}
