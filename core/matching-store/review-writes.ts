/**
 * Opening and closing near-match reviews. One open review per record: a
 * record re-matched while its review is open updates that review in place
 * (its version, the ETag, moves on), so a reviewer holding the old version
 * gets 412 instead of deciding on stale evidence.
 */
import type { Db } from '../store/db.js';
import type { MatchExplanation } from './explanation.js';

export interface OpenReview {
  recordId: string;
  stateCode: string;
  recordVersion: number;
  kind: 'near-match' | 'relink';
  reason: string;
  currentMsixId: string | null;
  candidateMsixIds: string[];
  bestProbability: number;
  rulesVersion: string;
  explanation: MatchExplanation;
  /** An unlinked record held with another held record: placed again when that record leaves review. */
  waitsForRecord?: string | null;
}

/** Opens a review for the record, or refreshes the open one; returns its id and whether it is new. */
export async function openReview(tx: Db, r: OpenReview): Promise<{ id: string; created: boolean }> {
  const upd = await tx.query<{ id: string }>(
    `UPDATE match_reviews SET record_version = $2, kind = $3, reason = $4, current_msix_id = $5,
     candidate_msix_ids = $6,
       best_probability = $7, rules_version = $8, explanation = $9, waits_for_record = $10, version = version + 1,
       updated_at = now()
     WHERE record_id = $1 AND status = 'open' RETURNING id`,
    [
      r.recordId,
      r.recordVersion,
      r.kind,
      r.reason,
      r.currentMsixId,
      r.candidateMsixIds,
      r.bestProbability,
      r.rulesVersion,
      JSON.stringify(r.explanation),
      r.waitsForRecord ?? null,
    ],
  );
  if (upd.rows[0]) return { id: upd.rows[0].id, created: false };
  const ins = await tx.query<{ id: string }>(
    `INSERT INTO match_reviews (record_id, state_code, record_version, kind, reason, current_msix_id,
     candidate_msix_ids, best_probability, rules_version, explanation, waits_for_record)
     VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11) RETURNING id`,
    [
      r.recordId,
      r.stateCode,
      r.recordVersion,
      r.kind,
      r.reason,
      r.currentMsixId,
      r.candidateMsixIds,
      r.bestProbability,
      r.rulesVersion,
      JSON.stringify(r.explanation),
      r.waitsForRecord ?? null,
    ],
  );
  return { id: ins.rows[0]!.id, created: true };
}

/** Closes the record's open review without a decision (the record was withdrawn or re-matched cleanly). */
export async function closeOpenReview(tx: Db, recordId: string, why: string): Promise<string | null> {
  const r = await tx.query<{ id: string }>(
    `UPDATE match_reviews SET status = 'closed', closed_reason = $2, version = version + 1, updated_at = now()
     WHERE record_id = $1 AND status = 'open' RETURNING id`,
    [recordId, why],
  );
  return r.rows[0]?.id ?? null;
}
