/**
 * Merge and split of consolidated students, MSIX practice: one data
 * administrator asks, a different one approves; the students named are
 * locked while the request is pending; on approval the master keeps its MSIX
 * id, merged students redirect to it, split-off records get a new MSIX id.
 * Every step is a `link_history` row and an audit event, and an approved
 * request can be undone through an undo request that needs approval too.
 */
import type { Actor } from '../audit.js';
import { appendAudit } from '../audit.js';
import { emitStudentEvent, type StudentEventKind } from '../outbox/student-events.js';
import type { Db } from '../store/db.js';
import { createStudent, refreshStudent, setStudentStatus } from '../students.js';
import type { MsixId } from '@msix/adapter-sdk/canonical';
import { addConstraints, revertConstraints, type ConstraintChange } from './constraints.js';
import { lockStudents, writeLink, type LinkType } from './links.js';
import { lockedAmong, lockForRequest, LockRace, unlockRequest } from './locks.js';
import { batchGate, type PlaceDeps } from './place.js';

export type MergeKind = 'merge' | 'split' | 'undo';
export const MERGE_STATUSES = ['pending', 'approved', 'rejected', 'undone'] as const;
export type MergeStatus = (typeof MERGE_STATUSES)[number];

export type MergeRequestInput =
  | { kind: 'merge'; masterMsixId: string; mergedMsixIds: string[]; reason?: string }
  | { kind: 'split'; msixId: string; recordIds: string[]; reason?: string };

/** One record moved by an approved request, as it was before (what undo restores). */
interface MovedRecord {
  recordId: string;
  from: string;
  to: string;
  linkType: LinkType;
  score: number | null;
  rulesVersion: string;
  explanation: Record<string, unknown>;
}

interface ApprovalResult {
  moved?: MovedRecord[];
  newMsixId?: string;
  constraints?: ConstraintChange;
}

export interface MergeRequestView {
  id: string;
  kind: MergeKind;
  status: MergeStatus;
  /** merge: the student that keeps its id; split: the student split; undo: the master of the request undone. */
  masterMsixId: string;
  mergedMsixIds: string[];
  recordIds: string[];
  undoOf: string | null;
  reason: string | null;
  requestedBy: string;
  requestedState: string | null;
  requestedAt: string;
  decidedBy: string | null;
  decidedState: string | null;
  decidedAt: string | null;
  decisionNote: string | null;
  /** Split: the MSIX id the split-off records received. */
  newMsixId: string | null;
  /** Approvals so far; a request spanning states waits for one from each state the requester does not speak for. */
  approvals: Approval[];
  version: number;
}

/** One administrator's approval of a pending request (state null: a national administrator, who covers every state). */
export interface Approval {
  by: string;
  state: string | null;
  at: string;
  note: string | null;
}

interface Row {
  id: string;
  kind: MergeKind;
  status: MergeStatus;
  master_msix_id: string;
  merged_msix_ids: string[];
  record_ids: string[];
  undo_of: string | null;
  reason: string | null;
  requested_by: string;
  requested_state: string | null;
  requested_at: Date | string;
  decided_by: string | null;
  decided_state: string | null;
  decided_at: Date | string | null;
  decision_note: string | null;
  result: ApprovalResult;
  approvals: Approval[];
  version: number;
}

const iso = (d: Date | string | null): string | null => (d === null ? null : new Date(d).toISOString());

function view(r: Row): MergeRequestView {
  return {
    id: r.id,
    kind: r.kind,
    status: r.status,
    masterMsixId: r.master_msix_id,
    mergedMsixIds: r.merged_msix_ids,
    recordIds: r.record_ids,
    undoOf: r.undo_of,
    reason: r.reason,
    requestedBy: r.requested_by,
    requestedState: r.requested_state,
    requestedAt: iso(r.requested_at)!,
    decidedBy: r.decided_by,
    decidedState: r.decided_state,
    decidedAt: iso(r.decided_at),
    decisionNote: r.decision_note,
    newMsixId: r.result.newMsixId ?? null,
    approvals: r.approvals,
    version: r.version,
  };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The requests a state's administrator may see (`$n` is the state): those its state made, and those touching a
 * student with a record of its state. Others name children of other states only, by MSIX id: not the state's to read.
 */
const seenByState = (n: number): string =>
  `(requested_state = $${n} OR EXISTS (SELECT 1 FROM links l JOIN state_records s ON s.id = l.record_id
     WHERE s.state_code = $${n} AND (l.msix_id = master_msix_id OR l.msix_id = ANY(merged_msix_ids)
       OR l.msix_id = result->>'newMsixId')))`;

/** One request; `scopeState` (a state's administrator): null when the request is not that state's to see. */
export async function getMergeRequest(
  db: Db,
  id: string,
  scopeState: string | null = null,
): Promise<MergeRequestView | null> {
  if (!UUID.test(id)) return null;
  const r = await db.query<Row>(
    `SELECT * FROM merge_requests WHERE id = $1${scopeState === null ? '' : ` AND ${seenByState(2)}`}`,
    scopeState === null ? [id] : [id, scopeState],
  );
  return r.rows[0] ? view(r.rows[0]) : null;
}

export async function listMergeRequests(
  db: Db,
  f: { status?: MergeStatus; msixId?: string; scopeState?: string | null; limit: number; offset: number },
): Promise<{ items: MergeRequestView[]; total: number }> {
  const where: string[] = [];
  const params: unknown[] = [];
  if (f.scopeState) {
    params.push(f.scopeState);
    where.push(seenByState(params.length));
  }
  if (f.status) {
    params.push(f.status);
    where.push(`status = $${params.length}`);
  }
  if (f.msixId) {
    params.push(f.msixId);
    where.push(
      `(master_msix_id = $${params.length} OR $${params.length} = ANY(merged_msix_ids) OR ` +
        `result->>'newMsixId' = $${params.length})`,
    );
  }
  const cond = where.length ? `WHERE ${where.join(' AND ')}` : '';
  const total = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM merge_requests ${cond}`, params);
  const rows = await db.query<Row>(
    `SELECT * FROM merge_requests ${cond} ORDER BY requested_at DESC, id LIMIT $${params.length + 1}
     OFFSET $${params.length + 2}`,
    [...params, f.limit, f.offset],
  );
  return { items: rows.rows.map(view), total: total.rows[0]?.n ?? 0 };
}

export interface ActorScope {
  actor: Actor;
  /** A state-bound data administrator acts on students with a record of this state; null: any student. */
  scopeState: string | null;
  /**
   * Whether the disclosure grounds open this child to the requester (the request scope's policy for its principal:
   * an enrolled record of its state, a notice naming its state, a search choice). Absent: no ground counts, only
   * the requester's own students and review candidates ({@link unseenAmong}).
   */
  sees?: (db: Db, msixId: string) => Promise<boolean>;
  traceId: string | null;
}

export type CreateResult =
  | { kind: 'created'; request: MergeRequestView }
  | { kind: 'invalid'; reason: string }
  /**
   * No such student, or (`unseen`, the ids) one the requester may not see: both answer alike, so a request cannot
   * probe which MSIX ids exist, are locked or were merged; the shell audits the unseen ones as a refusal.
   */
  | { kind: 'not-found'; reason: string; unseen: string[] }
  | { kind: 'forbidden'; reason: string }
  | { kind: 'conflict'; reason: string }
  | { kind: 'locked'; msixIds: string[]; requestIds: string[] };

async function studentStates(db: Db, msixIds: readonly string[]): Promise<Set<string>> {
  const r = await db.query<{ state_code: string }>(
    'SELECT DISTINCT s.state_code FROM links l JOIN state_records s ON s.id = l.record_id WHERE ' +
      'l.msix_id = ANY($1::text[])',
    [msixIds],
  );
  return new Set(r.rows.map((x) => x.state_code));
}

async function outOfScope(db: Db, scopeState: string | null, msixIds: readonly string[]): Promise<string | null> {
  if (scopeState === null) return null;
  if ((await studentStates(db, msixIds)).has(scopeState)) return null;
  return (
    `None of students ${msixIds.join(', ')} has a ${scopeState} record; a ${scopeState} data administrator ` +
    `acts on students with a ${scopeState} record.`
  );
}

/** What a request naming students the requester may not see (or that do not exist) answers: the same words for both. */
const notOpenTo = (ids: readonly string[]): string =>
  `No student ${ids.join(', ')} that you may act on: name students with a record of your state, or one your state ` +
  `was shown (a near-match review of its record, a move notice, a national search you chose from).`;

/**
 * The students a state-bound requester may not name (issue 13 finding 11: a request locks every student it names, so
 * naming another state's child would take it from that state's reviews and merges). A request may name a student
 * only when the requester may see it: the disclosure grounds open it to the requester (`sees`), or every record of
 * it is the requester's state's, or it was the record or a candidate of a near-match review of an enrolled record of
 * the requester's state (the worklist showed it side by side). A stub record (no enrollment) opens nothing here either.
 */
async function unseenAmong(tx: Db, who: ActorScope, msixIds: readonly string[]): Promise<string[]> {
  const state = who.scopeState;
  if (state === null) return [];
  const unseen: string[] = [];
  for (const id of msixIds) {
    const own = await tx.query<{ own: boolean }>(
      `SELECT bool_and(s.state_code = $2) AS own FROM links l JOIN state_records s ON s.id = l.record_id
       WHERE l.msix_id = $1`,
      [id, state],
    );
    if (own.rows[0]?.own) continue;
    const reviewed = await tx.query(
      `SELECT 1 FROM match_reviews r JOIN state_records s ON s.id = r.record_id
       WHERE s.state_code = $2 AND ($1 = ANY(r.candidate_msix_ids) OR r.current_msix_id = $1)
         AND jsonb_array_length(coalesce(s.record->'enrollments', '[]'::jsonb)) > 0 LIMIT 1`,
      [id, state],
    );
    if (reviewed.rows.length) continue;
    if (who.sees && (await who.sees(tx, id))) continue;
    unseen.push(id);
  }
  return unseen;
}

/** Opens a merge or split request and locks its students. */
export async function createMergeRequest(
  deps: PlaceDeps,
  input: MergeRequestInput,
  who: ActorScope,
): Promise<CreateResult> {
  const master = input.kind === 'merge' ? input.masterMsixId : input.msixId;
  const merged = input.kind === 'merge' ? [...new Set(input.mergedMsixIds)] : [];
  if (input.kind === 'merge') {
    if (merged.length === 0) return { kind: 'invalid', reason: 'Name at least one student to merge into the master.' };
    if (merged.includes(master))
      return { kind: 'invalid', reason: 'The master cannot also be one of the merged students.' };
  }
  const recordIds = input.kind === 'split' ? [...new Set(input.recordIds)] : [];
  if (input.kind === 'split' && recordIds.length === 0)
    return { kind: 'invalid', reason: 'Name at least one record to split off.' };
  if (recordIds.some((id) => !UUID.test(id))) return { kind: 'invalid', reason: 'Record ids are UUIDs.' };
  const all = [master, ...merged];
  try {
    return await deps.db.transaction(async (tx): Promise<CreateResult> => {
      const students = await lockStudents(tx, all);
      const missing = all.filter((id) => !students.has(id));
      // Before anything about a student is told (merged, retired, locked): whether the requester may name it at all.
      const unseen = await unseenAmong(
        tx,
        who,
        all.filter((id) => students.has(id)),
      );
      if (missing.length || unseen.length)
        return { kind: 'not-found', reason: notOpenTo([...missing, ...unseen]), unseen };
      for (const id of all) {
        const s = students.get(id)!;
        if (s.status === 'merged')
          return {
            kind: 'conflict',
            reason: `Student ${id} was merged into ${s.merged_into}; name that student instead.`,
          };
        if (s.status === 'retired')
          return { kind: 'conflict', reason: `Student ${id} is retired (it has no records).` };
      }
      const held = await lockedAmong(tx, all);
      if (held.msixIds.length) return { kind: 'locked', ...held };
      if (input.kind === 'split') {
        const linked = await tx.query<{ record_id: string }>('SELECT record_id FROM links WHERE msix_id = $1', [
          master,
        ]);
        const mine = new Set(linked.rows.map((r) => r.record_id));
        const stray = recordIds.filter((id) => !mine.has(id));
        if (stray.length)
          return { kind: 'invalid', reason: `Records ${stray.join(', ')} are not linked to student ${master}.` };
        if (mine.size - recordIds.length < 1)
          return {
            kind: 'invalid',
            reason: 'A split leaves at least one record with the master; to move every record, merge instead.',
          };
      }
      const ins = await tx.query<Row>(
        `INSERT INTO merge_requests (kind, master_msix_id, merged_msix_ids, record_ids, reason, requested_by,
         requested_state)
         VALUES ($1,$2,$3,$4,$5,$6,$7) RETURNING *`,
        [input.kind, master, merged, recordIds, input.reason ?? null, who.actor.id, who.actor.state ?? null],
      );
      const row = ins.rows[0]!;
      await lockForRequest(tx, all, row.id);
      for (const m of all) await refreshIfLive(tx, deps, m);
      await appendAudit(tx, {
        actor: who.actor,
        action: `${input.kind}-request.create`,
        msixId: master,
        recordIds,
        traceId: who.traceId,
        reason: input.reason ?? null,
        details: { requestId: row.id, mergedMsixIds: merged },
      });
      return { kind: 'created', request: view(row) };
    });
  } catch (e) {
    if (e instanceof LockRace) return { kind: 'locked', msixIds: e.msixIds, requestIds: e.requestIds };
    throw e;
  }
}

export type DecideResult =
  | { kind: 'approved' | 'rejected'; request: MergeRequestView }
  /** Approval recorded; the request still waits for an administrator of each of these states (or a national one). */
  | { kind: 'awaiting'; request: MergeRequestView; states: string[] }
  | { kind: 'not-found' }
  | { kind: 'forbidden'; reason: string }
  | { kind: 'same-person'; reason: string }
  | { kind: 'not-pending'; status: MergeStatus; decidedBy: string | null }
  | { kind: 'stale'; version: number }
  | { kind: 'conflict'; reason: string };

/** The request row-locked, with the checks every decision shares. */
async function pendingForDecision(
  tx: Db,
  id: string,
  who: ActorScope,
  ifMatch: number | null,
  approving: boolean,
): Promise<Row | Exclude<DecideResult, { kind: 'approved' | 'rejected' }>> {
  if (!UUID.test(id)) return { kind: 'not-found' };
  const r = await tx.query<Row>('SELECT * FROM merge_requests WHERE id = $1 FOR UPDATE', [id]);
  const row = r.rows[0];
  if (!row) return { kind: 'not-found' };
  const scope = await outOfScope(tx, who.scopeState, await studentsOf(tx, row));
  if (scope) return { kind: 'forbidden', reason: scope };
  if (row.status !== 'pending') return { kind: 'not-pending', status: row.status, decidedBy: row.decided_by };
  if (ifMatch !== null && ifMatch !== row.version) return { kind: 'stale', version: row.version };
  if (approving && row.requested_by === who.actor.id) {
    return {
      kind: 'same-person',
      reason: `${who.actor.id} made this request; a different data administrator must approve it.`,
    };
  }
  if (approving && row.approvals.some((a) => a.by === who.actor.id))
    return { kind: 'conflict', reason: `${who.actor.id} has approved this request already.` };
  return row;
}

/**
 * The states an approval must still come from: every state holding a record of a student the request touches
 * (all of them, not any), less the requester's and the approvers'. A national administrator (no state), as requester
 * or approver, speaks for every state.
 */
async function awaitingStates(tx: Db, row: Row, approvals: readonly Approval[]): Promise<string[]> {
  if (row.requested_state === null || approvals.some((a) => a.state === null)) return [];
  const covered = new Set([row.requested_state, ...approvals.map((a) => a.state)].filter((x) => x !== null));
  return [...(await studentStates(tx, await studentsOf(tx, row)))].filter((st) => !covered.has(st)).sort();
}

/** Every student a request touches: its master and merged ones, and for an undo those of the request it undoes. */
async function studentsOf(tx: Db, row: Row): Promise<string[]> {
  return [row.master_msix_id, ...row.merged_msix_ids, ...(await undoStudents(tx, row))];
}

async function undoStudents(db: Db, row: Row): Promise<string[]> {
  if (!row.undo_of) return [];
  const o = await db.query<Row>('SELECT * FROM merge_requests WHERE id = $1', [row.undo_of]);
  const orig = o.rows[0];
  return orig
    ? [orig.master_msix_id, ...orig.merged_msix_ids, ...(orig.result.newMsixId ? [orig.result.newMsixId] : [])]
    : [];
}

async function finish(
  tx: Db,
  row: Row,
  status: MergeStatus,
  who: ActorScope,
  note: string | null,
  result: ApprovalResult | null,
  approvals: readonly Approval[] = row.approvals,
): Promise<MergeRequestView> {
  const r = await tx.query<Row>(
    `UPDATE merge_requests SET status = $2, decided_by = $3, decided_state = $4, decided_at = now(), decision_note = $5,
       result = COALESCE($6::jsonb, result), approvals = $7::jsonb, version = version + 1 WHERE id = $1 RETURNING *`,
    [
      row.id,
      status,
      who.actor.id,
      who.actor.state ?? null,
      note,
      result ? JSON.stringify(result) : null,
      JSON.stringify(approvals),
    ],
  );
  return view(r.rows[0]!);
}

/** Rejects (or, by its maker, withdraws) a pending request and unlocks its students. */
export async function rejectMergeRequest(
  deps: PlaceDeps,
  id: string,
  who: ActorScope & { ifMatch: number | null; note?: string },
): Promise<DecideResult> {
  return deps.db.transaction(async (tx): Promise<DecideResult> => {
    const row = await pendingForDecision(tx, id, who, who.ifMatch, false);
    if (!('id' in row)) return row;
    await unlockRequest(tx, row.id);
    for (const m of await studentsOf(tx, row)) await refreshIfLive(tx, deps, m);
    const request = await finish(tx, row, 'rejected', who, who.note ?? null, null);
    await appendAudit(tx, {
      actor: who.actor,
      action: `${row.kind}-request.reject`,
      msixId: row.master_msix_id,
      traceId: who.traceId,
      details: { requestId: row.id },
    });
    return { kind: 'rejected', request };
  });
}

/** Recomputes the view of a student that still stands (its status may have changed). */
async function refreshIfLive(tx: Db, deps: PlaceDeps, msixId: string): Promise<void> {
  const s = await tx.query<{ status: string }>('SELECT status FROM students WHERE msix_id = $1', [msixId]);
  if (s.rows[0] && (s.rows[0].status === 'active' || s.rows[0].status === 'locked'))
    await refreshStudent(tx, msixId as MsixId, deps.consolidation);
}

/** Approves a pending request (never by the person who made it) and applies it. */
export async function approveMergeRequest(
  deps: PlaceDeps,
  id: string,
  who: ActorScope & { ifMatch: number | null; note?: string },
): Promise<DecideResult> {
  return deps.db.transaction(async (tx): Promise<DecideResult> => {
    await batchGate(tx);
    const row = await pendingForDecision(tx, id, who, who.ifMatch, true);
    if (!('id' in row)) return row;
    const approval: Approval = {
      by: who.actor.id,
      state: who.actor.state ?? null,
      at: new Date().toISOString(),
      note: who.note ?? null,
    };
    const approvals = [...row.approvals, approval];
    const awaiting = await awaitingStates(tx, row, approvals);
    if (awaiting.length) {
      const r = await tx.query<Row>(
        'UPDATE merge_requests SET approvals = $2::jsonb, version = version + 1 WHERE id = $1 RETURNING *',
        [row.id, JSON.stringify(approvals)],
      );
      await appendAudit(tx, {
        actor: who.actor,
        action: `${row.kind}-request.approval`,
        msixId: row.master_msix_id,
        traceId: who.traceId,
        reason: `approval of a ${row.kind} requested by ${row.requested_by}; still needs ${awaiting.join(', ')}`,
        details: { requestId: row.id, requestedBy: row.requested_by, awaitingStates: awaiting },
      });
      return { kind: 'awaiting', request: view(r.rows[0]!), states: awaiting };
    }
    const applied =
      row.kind === 'merge'
        ? await applyMerge(tx, deps, row, who)
        : row.kind === 'split'
          ? await applySplit(tx, deps, row, who)
          : await applyUndo(tx, deps, row, who);
    if ('conflict' in applied) return { kind: 'conflict', reason: applied.conflict };
    await unlockRequest(tx, row.id);
    for (const m of applied.refresh) await refreshIfLive(tx, deps, m);
    const request = await finish(tx, row, 'approved', who, who.note ?? null, applied.result, approvals);
    await appendAudit(tx, {
      actor: who.actor,
      action: `${row.kind}-request.approve`,
      msixId: row.master_msix_id,
      recordIds: (applied.result.moved ?? []).map((m) => m.recordId),
      traceId: who.traceId,
      reason: `approved ${row.kind} requested by ${row.requested_by}`,
      details: {
        requestId: row.id,
        requestedBy: row.requested_by,
        newMsixId: applied.result.newMsixId ?? null,
        undoOf: row.undo_of,
        approvedBy: approvals.map((a) => a.by),
      },
    });
    return { kind: 'approved', request };
  });
}

type Applied = { result: ApprovalResult; refresh: string[] } | { conflict: string };

/** Row-locks every record of the students, in id order, then the students. */
async function lockAll(
  tx: Db,
  msixIds: readonly string[],
): Promise<
  {
    recordId: string;
    msixId: string;
    linkType: LinkType;
    score: number | null;
    rulesVersion: string;
    explanation: Record<string, unknown>;
    stateCode: string;
  }[]
> {
  const links = await tx.query<{ record_id: string }>(
    'SELECT record_id FROM links WHERE msix_id = ANY($1::text[]) ORDER BY record_id',
    [msixIds],
  );
  await tx.query('SELECT id FROM state_records WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE', [
    links.rows.map((l) => l.record_id),
  ]);
  await lockStudents(tx, msixIds);
  const r = await tx.query<{
    record_id: string;
    msix_id: string;
    link_type: LinkType;
    score: number | null;
    rules_version: string;
    explanation: Record<string, unknown>;
    state_code: string;
  }>(
    `SELECT l.record_id, l.msix_id, l.link_type, l.score, l.rules_version, l.explanation, s.state_code
     FROM links l JOIN state_records s ON s.id = l.record_id WHERE l.msix_id = ANY($1::text[]) ORDER BY l.record_id`,
    [msixIds],
  );
  return r.rows.map((x) => ({
    recordId: x.record_id,
    msixId: x.msix_id,
    linkType: x.link_type,
    score: x.score,
    rulesVersion: x.rules_version,
    explanation: x.explanation,
    stateCode: x.state_code,
  }));
}

async function emit(
  tx: Db,
  msixId: string,
  kind: StudentEventKind,
  details: Record<string, unknown>,
  traceId: string | null,
): Promise<void> {
  await emitStudentEvent(tx, { msixId, recordId: null, stateCode: null, kind, details, traceId });
}

async function move(
  tx: Db,
  m: MovedRecord,
  linkType: LinkType,
  explanation: Record<string, unknown>,
  cause: string,
  who: ActorScope,
  requestId: string,
): Promise<void> {
  await writeLink(
    tx,
    { recordId: m.recordId, msixId: m.to, linkType, score: m.score, rulesVersion: m.rulesVersion, explanation },
    { cause, actor: who.actor.id, requestId },
  );
}

async function applyMerge(tx: Db, _deps: PlaceDeps, row: Row, who: ActorScope): Promise<Applied> {
  const master = row.master_msix_id;
  const links = await lockAll(tx, [master, ...row.merged_msix_ids]);
  const masterRecords = links.filter((l) => l.msixId === master).map((l) => l.recordId);
  const moved: MovedRecord[] = links
    .filter((l) => l.msixId !== master)
    .map((l) => ({
      recordId: l.recordId,
      from: l.msixId,
      to: master,
      linkType: l.linkType,
      score: l.score,
      rulesVersion: l.rulesVersion,
      explanation: l.explanation,
    }));
  for (const m of moved) {
    await move(
      tx,
      m,
      'manual',
      { ...m.explanation, decision: 'manual', reason: 'merge', requestId: row.id, decidedBy: who.actor.id },
      'merge',
      who,
      row.id,
    );
  }
  await setStudentStatus(tx, row.merged_msix_ids, 'merged', master);
  const constraints = await addConstraints(
    tx,
    'must-link',
    masterRecords,
    moved.map((m) => m.recordId),
    { source: 'merge', sourceId: row.id, actor: who.actor.id },
  );
  await emit(tx, master, 'students-merged', { requestId: row.id, merged: row.merged_msix_ids }, who.traceId);
  for (const m of row.merged_msix_ids)
    await emit(tx, m, 'students-merged', { requestId: row.id, into: master }, who.traceId);
  return { result: { moved, constraints }, refresh: [master] };
}

async function applySplit(tx: Db, _deps: PlaceDeps, row: Row, who: ActorScope): Promise<Applied> {
  const master = row.master_msix_id;
  const links = await lockAll(tx, [master]);
  const splitIds = new Set(row.record_ids);
  const leaving = links.filter((l) => splitIds.has(l.recordId));
  if (leaving.length !== splitIds.size)
    return {
      conflict:
        'Some records of the request are no longer linked to the student; reject this request and make a new one.',
    };
  const staying = links.filter((l) => !splitIds.has(l.recordId)).map((l) => l.recordId);
  if (staying.length === 0) return { conflict: 'The split would leave the master with no record.' };
  const newMsixId = await createStudent(tx);
  const moved: MovedRecord[] = leaving.map((l) => ({
    recordId: l.recordId,
    from: master,
    to: newMsixId,
    linkType: l.linkType,
    score: l.score,
    rulesVersion: l.rulesVersion,
    explanation: l.explanation,
  }));
  for (const m of moved) {
    await move(
      tx,
      m,
      'manual',
      { ...m.explanation, decision: 'manual', reason: 'split', requestId: row.id, decidedBy: who.actor.id },
      'split',
      who,
      row.id,
    );
  }
  const by = { source: 'split' as const, sourceId: row.id, actor: who.actor.id };
  const apart = await addConstraints(tx, 'cannot-link', [...splitIds], staying, by);
  const together = await addConstraints(tx, 'must-link', [...splitIds], [...splitIds], by);
  await emit(tx, master, 'student-split', { requestId: row.id, newMsixId, recordIds: row.record_ids }, who.traceId);
  await emit(
    tx,
    newMsixId,
    'student-split',
    { requestId: row.id, from: master, recordIds: row.record_ids },
    who.traceId,
  );
  return {
    result: {
      moved,
      newMsixId,
      constraints: { added: [...apart.added, ...together.added], revoked: [...apart.revoked, ...together.revoked] },
    },
    refresh: [master, newMsixId],
  };
}

async function applyUndo(tx: Db, _deps: PlaceDeps, row: Row, who: ActorScope): Promise<Applied> {
  const o = await tx.query<Row>('SELECT * FROM merge_requests WHERE id = $1 FOR UPDATE', [row.undo_of]);
  const orig = o.rows[0];
  if (orig?.status !== 'approved') return { conflict: 'The request to undo is no longer approved (already undone?).' };
  const moved = orig.result.moved ?? [];
  const students = [
    ...new Set([
      orig.master_msix_id,
      ...orig.merged_msix_ids,
      ...(orig.result.newMsixId ? [orig.result.newMsixId] : []),
    ]),
  ];
  const links = await lockAll(tx, students);
  const where = new Map(links.map((l) => [l.recordId, l.msixId]));
  const strayed = moved.filter((m) => where.get(m.recordId) !== m.to);
  if (strayed.length)
    return {
      conflict:
        `Records ${strayed.map((m) => m.recordId).join(', ')} moved since; undoing would lose that change. ` +
        `Use a new merge or split.`,
    };
  if (orig.kind === 'split') {
    const newcomers = links.filter(
      (l) => l.msixId === orig.result.newMsixId && !moved.some((m) => m.recordId === l.recordId),
    );
    if (newcomers.length)
      return {
        conflict:
          `Student ${orig.result.newMsixId} has records linked since the split ` +
          `(${newcomers.map((l) => l.recordId).join(', ')}); split them off or merge instead.`,
      };
  }
  for (const m of moved) {
    await move(tx, { ...m, to: m.from }, m.linkType, m.explanation, 'undo', who, row.id);
  }
  if (orig.kind === 'merge') {
    await setStudentStatus(tx, orig.merged_msix_ids, 'active', null);
  } else if (orig.result.newMsixId) {
    await setStudentStatus(tx, [orig.result.newMsixId], 'merged', orig.master_msix_id);
  }
  if (orig.result.constraints)
    await revertConstraints(tx, orig.result.constraints, { actor: who.actor.id, sourceId: row.id });
  await tx.query(`UPDATE merge_requests SET status = 'undone', version = version + 1 WHERE id = $1`, [orig.id]);
  for (const s of students)
    await emit(tx, s, 'link-changed', { requestId: row.id, undoOf: orig.id, undoKind: orig.kind }, who.traceId);
  return { result: { moved: moved.map((m) => ({ ...m, from: m.to, to: m.from })) }, refresh: students };
}

/** Asks to undo an approved merge or split; it takes effect when a different data administrator approves it. */
export async function requestUndo(
  deps: PlaceDeps,
  id: string,
  who: ActorScope & { reason?: string },
): Promise<CreateResult> {
  if (!UUID.test(id)) return { kind: 'not-found', reason: `No request ${id}.`, unseen: [] };
  try {
    return await deps.db.transaction(async (tx): Promise<CreateResult> => {
      const o = await tx.query<Row>('SELECT * FROM merge_requests WHERE id = $1 FOR UPDATE', [id]);
      const orig = o.rows[0];
      if (!orig) return { kind: 'not-found', reason: `No request ${id}.`, unseen: [] };
      if (orig.kind === 'undo')
        return { kind: 'conflict', reason: 'An undo cannot itself be undone; make a new merge or split request.' };
      if (orig.status !== 'approved')
        return { kind: 'conflict', reason: `Only an approved request can be undone; this one is ${orig.status}.` };
      const students = [
        orig.master_msix_id,
        ...orig.merged_msix_ids,
        ...(orig.result.newMsixId ? [orig.result.newMsixId] : []),
      ];
      const scope = await outOfScope(tx, who.scopeState, students);
      if (scope) return { kind: 'forbidden', reason: scope };
      const ins = await tx.query<Row>(
        `INSERT INTO merge_requests (kind, master_msix_id, undo_of, reason, requested_by, requested_state)
         VALUES ('undo', $1, $2, $3, $4, $5) RETURNING *`,
        [orig.master_msix_id, orig.id, who.reason ?? null, who.actor.id, who.actor.state ?? null],
      );
      await lockForRequest(tx, students, ins.rows[0]!.id);
      for (const m of students) await refreshIfLive(tx, deps, m);
      await appendAudit(tx, {
        actor: who.actor,
        action: 'undo-request.create',
        msixId: orig.master_msix_id,
        traceId: who.traceId,
        reason: who.reason ?? null,
        details: { requestId: ins.rows[0]!.id, undoOf: orig.id },
      });
      return { kind: 'created', request: view(ins.rows[0]!) };
    });
  } catch (e) {
    if (e instanceof LockRace) return { kind: 'locked', msixIds: e.msixIds, requestIds: e.requestIds };
    throw e;
  }
}
