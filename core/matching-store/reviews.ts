/**
 * The near-match worklist: list, read, and resolve as "same child" or
 * "different child". A resolution is a manual decision stored as
 * record-pair constraints, so the engine never undoes it; the record's
 * `version` column is the ETag that keeps two reviewers from silently
 * overwriting each other.
 */
import type { Actor } from '../audit.js';
import { appendAudit } from '../audit.js';
import { emitStudentEvent } from '../outbox/student-events.js';
import type { Db } from '../store/db.js';
import { refreshStudent } from '../students.js';
import { setMatchStatus } from '../records.js';
import type { MsixId } from '@msix/adapter-sdk/canonical';
import { addConstraints, type ConstraintChange } from './constraints.js';
import type { MatchExplanation } from './explanation.js';
import { lockKeys } from './keys.js';
import { currentLink, lockStudents, recordsOfStudent, removeLink, settleEmptied, writeLink } from './links.js';
import { lockedAmong } from './locks.js';
import { batchGate, lockRecord, placeRecord, placeWaiting, prepare, type PlaceDeps } from './place.js';
import { followMerges } from './students-live.js';

export type ReviewStatus = 'open' | 'resolved' | 'closed';

export interface ReviewSummary {
  id: string;
  recordId: string;
  stateCode: string;
  stateStudentId: string;
  kind: 'near-match' | 'relink';
  reason: string;
  status: ReviewStatus;
  /** The student the record is linked to now (relink reviews), else null. */
  currentMsixId: string | null;
  /** Students the record may belong to, merged ids replaced by their masters. */
  candidateMsixIds: string[];
  bestProbability: number;
  rulesVersion: string;
  version: number;
  ageDays: number;
  createdAt: string;
  updatedAt: string;
  decision: 'same' | 'different' | null;
  decidedMsixId: string | null;
  decidedBy: string | null;
  decidedAt: string | null;
  closedReason: string | null;
}

export interface ReviewDetail extends ReviewSummary {
  explanation: MatchExplanation;
}

interface Row {
  id: string;
  record_id: string;
  state_code: string;
  state_student_id: string;
  kind: ReviewSummary['kind'];
  reason: string;
  status: ReviewStatus;
  current_msix_id: string | null;
  candidate_msix_ids: string[];
  best_probability: number;
  rules_version: string;
  version: number;
  created_at: Date | string;
  updated_at: Date | string;
  decision: ReviewSummary['decision'];
  decided_msix_id: string | null;
  decided_by: string | null;
  decided_at: Date | string | null;
  closed_reason: string | null;
  explanation?: MatchExplanation;
}

const iso = (d: Date | string | null): string | null => (d === null ? null : new Date(d).toISOString());
const DAY_MS = 86_400_000;

function summary(r: Row, live: Map<string, string>): ReviewSummary {
  const candidates: string[] = [];
  for (const id of r.candidate_msix_ids) {
    const m = live.get(id) ?? id;
    if (!candidates.includes(m)) candidates.push(m);
  }
  return {
    id: r.id,
    recordId: r.record_id,
    stateCode: r.state_code,
    stateStudentId: r.state_student_id,
    kind: r.kind,
    reason: r.reason,
    status: r.status,
    currentMsixId: r.current_msix_id === null ? null : (live.get(r.current_msix_id) ?? r.current_msix_id),
    candidateMsixIds: candidates,
    bestProbability: r.best_probability,
    rulesVersion: r.rules_version,
    version: r.version,
    ageDays: Math.floor((Date.now() - new Date(r.created_at).getTime()) / DAY_MS),
    createdAt: iso(r.created_at)!,
    updatedAt: iso(r.updated_at)!,
    decision: r.decision,
    decidedMsixId: r.decided_msix_id,
    decidedBy: r.decided_by,
    decidedAt: iso(r.decided_at),
    closedReason: r.closed_reason,
  };
}

export interface ReviewFilter {
  /** Only reviews of records from this state. */
  state?: string | null;
  status?: ReviewStatus;
  minAgeDays?: number;
  maxAgeDays?: number;
  minScore?: number;
  maxScore?: number;
  limit: number;
  offset: number;
}

const COLUMNS = `r.id, r.record_id, r.state_code, s.state_student_id, r.kind, r.reason, r.status, r.current_msix_id,
  r.candidate_msix_ids, r.best_probability, r.rules_version, r.version, r.created_at, r.updated_at, r.decision,
  r.decided_msix_id, r.decided_by, r.decided_at, r.closed_reason`;

/** The worklist, oldest first (worklist aging), with the total for paging. */
export async function listReviews(db: Db, f: ReviewFilter): Promise<{ items: ReviewSummary[]; total: number }> {
  const where: string[] = [];
  const params: unknown[] = [];
  const add = (sql: string, v: unknown) => {
    params.push(v);
    where.push(sql.replace('?', `$${params.length}`));
  };
  if (f.state) add('r.state_code = ?', f.state);
  if (f.status) add('r.status = ?', f.status);
  if (f.minAgeDays !== undefined) add(`r.created_at <= now() - (? * interval '1 day')`, f.minAgeDays);
  if (f.maxAgeDays !== undefined) add(`r.created_at > now() - (? * interval '1 day')`, f.maxAgeDays + 1);
  if (f.minScore !== undefined) add('r.best_probability >= ?', f.minScore);
  if (f.maxScore !== undefined) add('r.best_probability <= ?', f.maxScore);
  const cond = where.length ? `WHERE ${where.join(' AND ')}` : '';
  const total = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM match_reviews r ${cond}`, params);
  const rows = await db.query<Row>(
    `SELECT ${COLUMNS} FROM match_reviews r JOIN state_records s ON s.id = r.record_id ${cond}
     ORDER BY r.created_at, r.id LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
    [...params, f.limit, f.offset],
  );
  const live = await followMerges(
    db,
    rows.rows.flatMap((r) => [...r.candidate_msix_ids, ...(r.current_msix_id ? [r.current_msix_id] : [])]),
  );
  return { items: rows.rows.map((r) => summary(r, live)), total: total.rows[0]?.n ?? 0 };
}

export async function getReview(db: Db, id: string): Promise<ReviewDetail | null> {
  if (!/^[0-9a-f-]{36}$/i.test(id)) return null;
  const r = await db.query<Row>(
    `SELECT ${COLUMNS}, r.explanation FROM match_reviews r JOIN state_records s ON s.id = r.record_id WHERE r.id = $1`,
    [id],
  );
  const row = r.rows[0];
  if (!row) return null;
  const live = await followMerges(db, [
    ...row.candidate_msix_ids,
    ...(row.current_msix_id ? [row.current_msix_id] : []),
  ]);
  return { ...summary(row, live), explanation: row.explanation! };
}

export interface ResolveInput {
  reviewId: string;
  decision: 'same' | 'different';
  /** For `same`: the student the record belongs to (one of the review's candidates, or its current student). */
  msixId?: string;
  /** The version the reviewer read (If-Match); null skips the check. */
  ifMatch: number | null;
  actor: Actor;
  /** A state-bound reviewer may resolve only reviews of its own state's records; null: any state. */
  scopeState: string | null;
  traceId: string | null;
}

export type ResolveResult =
  | { kind: 'resolved'; review: ReviewDetail; msixId: MsixId | null; outcome: 'linked' | 'new-student' | 'review' }
  | { kind: 'not-found' }
  | { kind: 'forbidden'; reason: string }
  | {
      kind: 'already-decided';
      status: ReviewStatus;
      decidedBy: string | null;
      decidedAt: string | null;
      closedReason: string | null;
    }
  | { kind: 'stale'; version: number }
  | { kind: 'locked'; msixIds: string[]; requestIds: string[] }
  | { kind: 'invalid'; reason: string };

/**
 * Resolves one review. `same`: the record is linked (manual) to the chosen
 * student, with must-link constraints to its records and cannot-link
 * constraints to the other candidates. `different`: cannot-link constraints
 * to every candidate (and to its current student, for a relink review);
 * the record leaves that student and the engine places it again under
 * those constraints (usually a new student).
 */
export async function resolveReview(deps: PlaceDeps, input: ResolveInput): Promise<ResolveResult> {
  return deps.db.transaction(async (tx) => {
    await batchGate(tx);
    const found = await tx.query<Row>(
      `SELECT ${COLUMNS} FROM match_reviews r JOIN state_records s ON s.id = r.record_id WHERE r.id = $1 FOR
       UPDATE OF r`,
      [input.reviewId],
    );
    const row = found.rows[0];
    if (!row) return { kind: 'not-found' } as const;
    if (input.scopeState !== null && row.state_code !== input.scopeState) {
      return {
        kind: 'forbidden',
        reason:
          `This review is of a ${row.state_code} record; a ${input.scopeState} data administrator resolves ` +
          `${input.scopeState}'s reviews only.`,
      } as const;
    }
    if (row.status !== 'open') {
      return {
        kind: 'already-decided',
        status: row.status,
        decidedBy: row.decided_by,
        decidedAt: iso(row.decided_at),
        closedReason: row.closed_reason,
      } as const;
    }
    if (input.ifMatch !== null && input.ifMatch !== row.version)
      return { kind: 'stale', version: row.version } as const;

    const rec = await lockRecord(tx, row.record_id);
    if (!rec) return { kind: 'not-found' } as const;
    await lockKeys(tx, prepare(rec).keys);
    const link = await currentLink(tx, rec.id);
    const live = await followMerges(tx, [...row.candidate_msix_ids, ...(link ? [link.msix_id] : [])]);
    const candidates = [...new Set(row.candidate_msix_ids.map((id) => live.get(id) ?? id))];
    const current = link ? link.msix_id : null;
    const involved = [...new Set([...candidates, ...(current ? [current] : [])])];

    let target: string | null = null;
    if (input.decision === 'same') {
      if (!input.msixId)
        return { kind: 'invalid', reason: 'A "same" decision names the student: send msixId.' } as const;
      target = live.get(input.msixId) ?? (await followMerges(tx, [input.msixId])).get(input.msixId) ?? input.msixId;
      if (!involved.includes(target)) {
        return {
          kind: 'invalid',
          reason:
            `Student ${input.msixId} is not a candidate of this review (candidates: ` +
            `${involved.join(', ') || 'none'}).`,
        } as const;
      }
    } else if (input.msixId) {
      return {
        kind: 'invalid',
        reason: 'A "different" decision names no student: the record is none of the candidates.',
      } as const;
    }
    const locked = await lockedAmong(tx, involved);
    if (locked.msixIds.length) return { kind: 'locked', ...locked } as const;
    await lockStudents(tx, involved);

    const by = { source: 'review' as const, sourceId: row.id, actor: input.actor.id };
    const recordsOf = async (ids: string[]) =>
      (await Promise.all(ids.map((id) => recordsOfStudent(tx, id))))
        .flat()
        .filter((x) => x.recordId !== rec.id)
        .map((x) => x.recordId);
    const change: ConstraintChange = { added: [], revoked: [] };
    const merge = (c: ConstraintChange) => {
      change.added.push(...c.added);
      change.revoked.push(...c.revoked);
    };
    const ctx = { actor: input.actor.id, reviewId: row.id, traceId: input.traceId };
    const event = (
      msixId: string,
      kind: Parameters<typeof emitStudentEvent>[1]['kind'],
      details: Record<string, unknown>,
    ) =>
      emitStudentEvent(tx, {
        msixId,
        recordId: rec.id,
        stateCode: rec.state_code,
        kind,
        details: { reviewId: row.id, ...details },
        traceId: input.traceId,
      });

    let finalMsix: string | null;
    let outcome: 'linked' | 'new-student' | 'review';
    if (target !== null) {
      merge(await addConstraints(tx, 'must-link', [rec.id], await recordsOf([target]), by));
      merge(
        await addConstraints(tx, 'cannot-link', [rec.id], await recordsOf(involved.filter((x) => x !== target)), by),
      );
      const stored = (
        await tx.query<{ explanation: MatchExplanation }>('SELECT explanation FROM match_reviews WHERE id = $1', [
          row.id,
        ])
      ).rows[0]!.explanation;
      await writeLink(
        tx,
        {
          recordId: rec.id,
          msixId: target,
          linkType: 'manual',
          score: stored.students.find((s) => (live.get(s.msixId) ?? s.msixId) === target)?.bestProbability ?? null,
          rulesVersion: row.rules_version,
          explanation: { ...stored, decision: 'manual', reason: 'review-same', decidedBy: input.actor.id },
        },
        { ...ctx, cause: 'review-same' },
      );
      await setMatchStatus(tx, [rec.id], 'matched');
      await refreshStudent(tx, target as MsixId, deps.consolidation);
      if (current && current !== target) {
        const emptied = await settleEmptied(tx, current, target);
        if (!emptied) await refreshStudent(tx, current as MsixId, deps.consolidation);
        await event(current, 'link-changed', { from: current, to: target, emptied });
      }
      await event(target, current ? 'link-changed' : 'record-linked', {
        from: current,
        to: target,
        linkType: 'manual',
      });
      finalMsix = target;
      outcome = 'linked';
    } else {
      merge(await addConstraints(tx, 'cannot-link', [rec.id], await recordsOf(involved), by));
      if (current) {
        await removeLink(tx, rec.id, { ...ctx, cause: 'review-different' });
        const emptied = await settleEmptied(tx, current, null);
        if (!emptied) await refreshStudent(tx, current as MsixId, deps.consolidation);
        await event(current, 'link-changed', { from: current, to: null, emptied });
      }
      await markResolved(tx, row.id, input, null);
      const placed = await placeRecord(
        tx,
        deps,
        { ...rec, match_status: 'pending' },
        { ...ctx, cause: 'review-different' },
      );
      finalMsix = placed.msixId;
      outcome =
        placed.kind === 'review'
          ? 'review'
          : placed.kind === 'linked' && placed.linkType === 'new'
            ? 'new-student'
            : 'linked';
    }
    await markResolved(tx, row.id, input, finalMsix);
    // Records held with this one (clearly the same child) follow it now that it is placed.
    if (outcome !== 'review') await placeWaiting(tx, deps, rec.id, { ...ctx, cause: 'held-resolved' });
    await appendAudit(tx, {
      actor: input.actor,
      action: 'match-review.resolve',
      msixId: finalMsix,
      recordIds: [rec.id],
      traceId: input.traceId,
      reason: `near-match review ${row.id} resolved as ${input.decision}`,
      details: {
        reviewId: row.id,
        decision: input.decision,
        candidates: involved,
        outcome,
        constraintsAdded: change.added.length,
        constraintsRevoked: change.revoked.length,
      },
    });
    const review = await getReview(tx, row.id);
    return { kind: 'resolved', review: review!, msixId: finalMsix as MsixId | null, outcome } as const;
  });
}

async function markResolved(tx: Db, id: string, input: ResolveInput, msixId: string | null): Promise<void> {
  await tx.query(
    `UPDATE match_reviews SET status = 'resolved', decision = $2, decided_msix_id = $3, decided_by = $4,
       decided_at = COALESCE(decided_at, now()), version = CASE WHEN status = 'open' THEN version + 1
       ELSE version END, updated_at = now()
     WHERE id = $1`,
    [id, input.decision, msixId, input.actor.id],
  );
}
