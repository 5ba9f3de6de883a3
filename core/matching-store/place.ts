/**
 * Places one stored record under a consolidated student with the engine:
 * link, new student, or near-match review. Every path that changes which
 * student a record belongs to because of matching runs through here, inside
 * the caller's transaction, after the caller row-locked the record.
 *
 * Policy (docs/matching-operations.md):
 * - A near match keeps the record apart, unlinked, until a person decides.
 * - The engine never moves an existing link on its own: when an updated
 *   record no longer fits its student, it keeps its link and a `relink`
 *   review opens. Only a manual decision (a must-link constraint) moves it.
 * - Manual links are sticky: an update refreshes the student and nothing else.
 */
import type { StateRecord, MsixId } from '@msix/adapter-sdk/canonical';
import type { ConsolidationOptions } from '../consolidate.js';
import { emitStudentEvent } from '../outbox/student-events.js';
import { blockingKeys } from '../matching/blocking.js';
import { decideArrival, matchArriving, type ArrivalResult } from '../matching/incremental.js';
import { standardize } from '../matching/standardize.js';
import type { StandardizedPerson } from '../matching/types.js';
import type { Db } from '../store/db.js';
import { createStudent, refreshStudent } from '../students.js';
import { setMatchStatus } from '../records.js';
import { fetchForDecision, heldRecordOf, isHeldStudent, type CurrentLink } from './candidates.js';
import { storeModel, storePopulation } from './engine.js';
import { explainArrival, type MatchExplanation } from './explanation.js';
import { removeKeys, tryLockKeys } from './keys.js';
import { currentLink, liveStudent, lockStudents, settleEmptied, writeLink, type LinkCause } from './links.js';
import { commitLink, commitNewStudent, lockStudentForLink, type PlacedRecord } from './place-writes.js';
import { toPersonRecord } from './person.js';
import { closeOpenReview, openReview } from './review-writes.js';
import { followMerges } from './students-live.js';

/** Taken shared by every matching write and exclusively by the bulk load, so the two never interleave. */
export const MATCH_BATCH_LOCK = 727_004;

export interface PlaceDeps {
  db: Db;
  consolidation: ConsolidationOptions;
}

export interface PlaceContext extends LinkCause {
  traceId: string | null;
  /**
   * How many held records' decisions led to this placement (records waiting for a held record are placed again, see
   * {@link placeWaiting}).
   */
  depth?: number;
}

export type PlaceOutcome =
  | {
      kind: 'linked';
      msixId: MsixId;
      linkType: 'new' | 'auto' | 'manual';
      score: number | null;
      movedFrom: MsixId | null;
    }
  | { kind: 'refreshed'; msixId: MsixId }
  | { kind: 'review'; reviewId: string; msixId: MsixId | null }
  | { kind: 'withdrawn'; msixId: MsixId | null };

export interface RecordRow {
  id: string;
  state_code: string;
  state_student_id: string;
  status: 'active' | 'withdrawn';
  version: number;
  match_status: 'pending' | 'matched' | 'review';
  record: StateRecord;
  /** Read by {@link lockRecord}; the one-statement writes need them. */
  received_at?: Date | string;
  updated_at?: Date | string;
  /** The transaction's `now()`. */
  tx_now?: Date | string;
}

/** Waits while a bulk load runs (shared side of {@link MATCH_BATCH_LOCK}). */
export async function batchGate(tx: Db): Promise<void> {
  await tx.query('SELECT pg_advisory_xact_lock_shared($1)', [MATCH_BATCH_LOCK]);
}

/** Row-locks one state record; every writer of a record's link takes this lock first. */
export async function lockRecord(tx: Db, id: string): Promise<RecordRow | null> {
  const r = await tx.query<RecordRow>(
    'SELECT id, state_code, state_student_id, status, version, match_status, record, received_at, ' +
      'updated_at, now() AS tx_now FROM state_records WHERE id = $1 FOR UPDATE',
    [id],
  );
  return r.rows[0] ?? null;
}

/** The standardized record and its blocking keys. */
export function prepare(r: Pick<RecordRow, 'id' | 'record'>): { std: StandardizedPerson; keys: string[] } {
  const std = standardize(toPersonRecord(r.id, r.record));
  return { std, keys: blockingKeys(std) };
}

/**
 * Scores the record against its candidates (sharing a key, named by a manual
 * decision, in its current student, or held for review) with the manual
 * constraints. With `lockKeys` the same statement first takes the key
 * advisory locks; with `writeKeys` it replaces the record's blocking keys
 * (the caller holds the record lock, and the key locks or `lockKeys`). Returns the
 * record's current link and open review too.
 *
 * Held records (unlinked, waiting for a near-match review) take no part in
 * the engine's decision, which is among students only; `heldWith` names the
 * held record an unlinked arrival clearly belongs with (a clean link-level
 * match, or a must-link), when the decision among students is not a link:
 * the arrival is then held with it instead of starting a student of its own.
 */
export async function decide(
  tx: Db,
  r: Pick<RecordRow, 'id'>,
  std: StandardizedPerson,
  keys: string[],
  opts: { writeKeys?: boolean; lockKeys?: boolean } = {},
): Promise<{
  result: ArrivalResult;
  byId: Map<string, StandardizedPerson>;
  currentLink: CurrentLink | null;
  openReview: string | null;
  heldWith: string | null;
}> {
  const model = storeModel();
  const { candidates, constraints, currentLink, openReview } = await fetchForDecision(tx, {
    recordId: r.id,
    keys,
    maxBlock: model.maxBlockSize,
    writeKeys: opts.writeKeys,
    lockKeys: opts.lockKeys,
  });
  const population = await storePopulation(tx, model);
  const all = matchArriving(
    std,
    candidates,
    model,
    { mustLink: constraints.mustLink, cannotLink: constraints.cannotLink },
    undefined,
    { population },
  );
  const byId = new Map(candidates.map((c) => [c.record.recordId, c.record]));
  if (!all.students.some((s) => isHeldStudent(s.studentId)))
    return { result: all, byId, currentLink, openReview, heldWith: null };
  const decision = decideArrival(
    all.students.filter((s) => !isHeldStudent(s.studentId)),
    all.linkWeight!,
    all.reviewWeight!,
  );
  // A held record that waits for this one cannot be waited for in turn: this one decides, and it follows.
  const waitsForMe = new Set(candidates.filter((c) => c.held && c.waitsFor === r.id).map((c) => c.studentId));
  const strong = all.students.find(
    (s) =>
      isHeldStudent(s.studentId) &&
      !waitsForMe.has(s.studentId) &&
      s.manual !== 'cannot-link' &&
      s.distinct !== true &&
      (s.manual === 'must-link' || (s.bestWeight >= all.linkWeight! && s.conflicts.length === 0)),
  );
  const heldWith = strong && !currentLink && decision.kind !== 'link' ? heldRecordOf(strong.studentId) : null;
  return { result: { ...all, decision }, byId, currentLink, openReview, heldWith };
}

const placed = (r: RecordRow): PlacedRecord | null =>
  r.received_at !== undefined && r.updated_at !== undefined && r.tx_now !== undefined
    ? {
        id: r.id,
        state_code: r.state_code,
        state_student_id: r.state_student_id,
        version: r.version,
        record: r.record,
        received_at: r.received_at,
        updated_at: r.updated_at,
        tx_now: r.tx_now,
      }
    : null;

const bestOf = (result: ArrivalResult, msixId: string): number | null =>
  result.students.find((s) => s.studentId === msixId)?.bestProbability ?? null;

/**
 * Places a row-locked record. The caller owns the transaction, the batch gate
 * and the record lock. When the record was held for review and is placed now
 * (linked, a new student, withdrawn), the records held with it are placed
 * again ({@link placeWaiting}).
 */
export async function placeRecord(tx: Db, deps: PlaceDeps, r: RecordRow, ctx: PlaceContext): Promise<PlaceOutcome> {
  const { outcome, hadOpenReview } = await placeOne(tx, deps, r, ctx);
  if (outcome.kind !== 'review' && hadOpenReview) await placeWaiting(tx, deps, r.id, ctx);
  return outcome;
}

const MAX_WAIT_DEPTH = 5;

/**
 * Places again the unlinked records held with `recordId` (their open review
 * waits for it) now that it left review: each sees it as a linked candidate
 * and usually follows it to its student. A waiting record that another
 * transaction holds, or whose blocking keys another job holds, is left as it
 * is (that job places it, or its review stays open for a person): the caller
 * already holds `recordId`'s locks, and waiting here could deadlock.
 */
export async function placeWaiting(tx: Db, deps: PlaceDeps, recordId: string, ctx: PlaceContext): Promise<void> {
  const depth = (ctx.depth ?? 0) + 1;
  if (depth > MAX_WAIT_DEPTH) return;
  const waiting = await tx.query<{ record_id: string }>(
    `SELECT record_id FROM match_reviews WHERE waits_for_record = $1 AND status = 'open' ORDER BY record_id`,
    [recordId],
  );
  for (const { record_id } of waiting.rows) {
    const locked = await tx.query<RecordRow>(
      `SELECT id, state_code, state_student_id, status, version, match_status, record, received_at, updated_at,
       now() AS tx_now
       FROM state_records WHERE id = $1 FOR UPDATE SKIP LOCKED`,
      [record_id],
    );
    const w = locked.rows[0];
    if (w?.status !== 'active' || w.match_status !== 'review') continue;
    if (!(await tryLockKeys(tx, prepare(w).keys))) continue;
    await placeRecord(tx, deps, { ...w, match_status: 'pending' }, { ...ctx, cause: 'held-resolved', depth });
  }
}

async function placeOne(
  tx: Db,
  deps: PlaceDeps,
  r: RecordRow,
  ctx: PlaceContext,
): Promise<{ outcome: PlaceOutcome; hadOpenReview: boolean }> {
  const out = (outcome: PlaceOutcome, hadOpenReview: boolean) => ({ outcome, hadOpenReview });
  const event = (
    msixId: string,
    kind: Parameters<typeof emitStudentEvent>[1]['kind'],
    details: Record<string, unknown>,
  ) => emitStudentEvent(tx, { msixId, recordId: r.id, stateCode: r.state_code, kind, details, traceId: ctx.traceId });

  if (r.status === 'withdrawn') {
    await removeKeys(tx, r.id);
    const closed = await closeOpenReview(tx, r.id, 'record withdrawn');
    const link = await currentLink(tx, r.id);
    await setMatchStatus(tx, [r.id], 'matched');
    if (link) {
      await refreshStudent(tx, link.msix_id, deps.consolidation);
      await event(link.msix_id, 'record-withdrawn', { version: r.version });
    }
    return out({ kind: 'withdrawn', msixId: link?.msix_id ?? null }, closed !== null);
  }

  const { std, keys } = prepare(r);
  // One statement: the key locks taken, the keys replaced, the current link, the constraints and the candidates read.
  const {
    result,
    byId,
    currentLink: link,
    openReview: open,
    heldWith,
  } = await decide(tx, r, std, keys, { writeKeys: true, lockKeys: true });
  const had = open !== null;

  if (link?.link_type === 'manual') {
    await closeOpenReview(tx, r.id, 'manual link kept');
    await setMatchStatus(tx, [r.id], 'matched');
    await refreshStudent(tx, link.msix_id, deps.consolidation);
    await event(link.msix_id, 'record-updated', { version: r.version, linkType: 'manual' });
    return out({ kind: 'refreshed', msixId: link.msix_id }, had);
  }

  const d = result.decision;
  const explain = (decision: MatchExplanation['decision'], reason: string, chosen: string | null) =>
    explainArrival(std, byId, result, decision, reason, chosen, heldWith);
  const fast = link ? null : placed(r);

  // The common outcomes for a record without a link: linked or a new student, written in one statement each.
  if (d.kind === 'link' && fast) {
    const target = await lockStudentForLink(tx, d.studentId);
    if (target) {
      const linkType = d.reason === 'manual' ? 'manual' : 'auto';
      const score = bestOf(result, d.studentId);
      await commitLink(
        tx,
        fast,
        target,
        {
          linkType,
          score,
          rulesVersion: result.rulesVersion,
          explanation: explain(d.reason === 'manual' ? 'manual' : 'link', d.reason, d.studentId),
        },
        ctx,
        deps.consolidation,
      );
      return out({ kind: 'linked', msixId: target.msix_id, linkType, score, movedFrom: null }, had);
    }
  }
  if (d.kind === 'new' && fast && !heldWith) {
    const msixId = await commitNewStudent(
      tx,
      fast,
      {
        linkType: 'new',
        score: null,
        rulesVersion: result.rulesVersion,
        explanation: explain('new', 'no-candidate', null),
      },
      ctx,
      deps.consolidation,
    );
    return out({ kind: 'linked', msixId, linkType: 'new', score: null, movedFrom: null }, had);
  }

  if (d.kind === 'link') {
    // A manual move touches two students: lock both in id order first, like every multi-student writer.
    if (link && link.msix_id !== d.studentId && d.reason === 'manual')
      await lockStudents(tx, [link.msix_id, d.studentId]);
    const target = await liveStudent(tx, d.studentId);
    if (target && (!link || link.msix_id === target.msix_id || d.reason === 'manual')) {
      const linkType =
        d.reason === 'manual'
          ? 'manual'
          : link?.link_type === 'new' && link.msix_id === target.msix_id
            ? 'new'
            : 'auto';
      const score = bestOf(result, d.studentId);
      const from = await writeLink(
        tx,
        {
          recordId: r.id,
          msixId: target.msix_id,
          linkType,
          score,
          rulesVersion: result.rulesVersion,
          explanation: explain(d.reason === 'manual' ? 'manual' : 'link', d.reason, d.studentId),
        },
        { ...ctx, cause: link?.msix_id === target.msix_id ? 'rescore' : ctx.cause },
      );
      await closeOpenReview(tx, r.id, 'linked');
      await setMatchStatus(tx, [r.id], 'matched');
      await refreshStudent(tx, target.msix_id, deps.consolidation);
      if (from && from !== target.msix_id) {
        const emptied = await settleEmptied(tx, from, target.msix_id);
        if (!emptied) await refreshStudent(tx, from as MsixId, deps.consolidation);
        await event(from, 'link-changed', { from, to: target.msix_id, emptied });
        await event(target.msix_id, 'link-changed', { from, to: target.msix_id });
        return out({ kind: 'linked', msixId: target.msix_id, linkType, score, movedFrom: from as MsixId }, had);
      }
      if (link) {
        await event(target.msix_id, 'record-updated', { version: r.version, linkType });
        return out({ kind: 'refreshed', msixId: target.msix_id }, had);
      }
      await event(target.msix_id, 'record-linked', { linkType, score });
      return out({ kind: 'linked', msixId: target.msix_id, linkType, score, movedFrom: null }, had);
    }
  }

  if (d.kind === 'new' && link) {
    const others = await tx.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM links l JOIN state_records s ON s.id = l.record_id WHERE l.msix_id = $1
       AND l.record_id <> $2 AND s.status = 'active'`,
      [link.msix_id, r.id],
    );
    if ((others.rows[0]?.n ?? 0) === 0) {
      await writeLink(
        tx,
        {
          recordId: r.id,
          msixId: link.msix_id,
          linkType: link.link_type,
          score: link.score,
          rulesVersion: result.rulesVersion,
          explanation: explain('new', 'no-candidate', null),
        },
        { ...ctx, cause: 'rescore' },
      );
      await closeOpenReview(tx, r.id, 're-matched');
      await setMatchStatus(tx, [r.id], 'matched');
      await refreshStudent(tx, link.msix_id, deps.consolidation);
      await event(link.msix_id, 'record-updated', { version: r.version, linkType: link.link_type });
      return out({ kind: 'refreshed', msixId: link.msix_id }, had);
    }
  }

  if (d.kind === 'new' && !link && !heldWith) {
    const msixId = await createStudent(tx);
    await writeLink(
      tx,
      {
        recordId: r.id,
        msixId,
        linkType: 'new',
        score: null,
        rulesVersion: result.rulesVersion,
        explanation: explain('new', 'no-candidate', null),
      },
      ctx,
    );
    await closeOpenReview(tx, r.id, 'new student');
    await setMatchStatus(tx, [r.id], 'matched');
    await refreshStudent(tx, msixId, deps.consolidation);
    await event(msixId, 'student-created', { linkType: 'new' });
    return out({ kind: 'linked', msixId, linkType: 'new', score: null, movedFrom: null }, had);
  }

  // Everything else is for a person: a near match, a conflict, two students at once,
  // an existing link that no longer fits, or a record held with another held record
  // (it waits for that record's review, whose candidates it shares).
  const heldCandidates =
    heldWith && d.kind === 'new'
      ? ((
          await tx.query<{ candidate_msix_ids: string[] }>(
            `SELECT candidate_msix_ids FROM match_reviews WHERE record_id = $1 AND status = 'open'`,
            [heldWith],
          )
        ).rows[0]?.candidate_msix_ids ?? [])
      : [];
  const candidates = d.kind === 'review' ? d.studentIds : d.kind === 'link' ? [d.studentId] : heldCandidates;
  const merged = await followMerges(tx, candidates);
  const live = [...new Set(candidates.map((id) => merged.get(id) ?? id))];
  const reason = link
    ? d.kind === 'review'
      ? d.reason
      : 'changed'
    : d.kind === 'review'
      ? d.reason
      : heldWith
        ? 'held-match'
        : 'near-match';
  const explanation = explain('review', reason, null);
  const review = await openReview(tx, {
    recordId: r.id,
    stateCode: r.state_code,
    recordVersion: r.version,
    kind: link ? 'relink' : 'near-match',
    reason,
    currentMsixId: link?.msix_id ?? null,
    candidateMsixIds: live,
    bestProbability: result.students[0]?.bestProbability ?? 0,
    rulesVersion: result.rulesVersion,
    explanation,
    waitsForRecord: link ? null : heldWith,
  });
  await setMatchStatus(tx, [r.id], 'review');
  if (link) {
    await refreshStudent(tx, link.msix_id, deps.consolidation);
    await event(link.msix_id, 'record-updated', { version: r.version, review: review.id });
  }
  for (const id of link ? [link.msix_id, ...live.filter((x) => x !== link.msix_id)] : live) {
    await event(id, 'review-opened', { reviewId: review.id, reason, updated: !review.created });
  }
  return out({ kind: 'review', reviewId: review.id, msixId: link?.msix_id ?? null }, had);
}
