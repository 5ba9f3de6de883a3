/**
 * The writes of the two common match outcomes, each in one statement: a new
 * record linked to an existing student, and a new record that starts a new
 * student. Each statement writes the link, its history row, closes the
 * record's open review (a held record sent again), marks the record matched,
 * stores the student's consolidated view and emits the event, so a match job
 * costs a handful of round trips instead of twenty. Every other outcome
 * (updates, moves, reviews) takes the step-by-step path in `place.ts`.
 *
 * The consolidated view is computed before the statement from the student's
 * other records plus the one being linked, exactly as `refreshStudent` would
 * compute it after the link: same inputs, same order.
 */
import type { StateRecord } from '../../specs/canonical/state-record.js';
import { newMsixId, type MsixId } from '../../specs/ids.js';
import { consolidate, type ConsolidationInput, type ConsolidationOptions } from '../consolidate.js';
import type { Db } from '../store/db.js';
import { linkedRecords } from '../students.js';
import type { MatchExplanation } from './explanation.js';
import type { LinkCause, StudentRow } from './links.js';

const iso = (d: Date | string): string => new Date(d).toISOString();

/** A student row-locked for a link, with the records linked to it now (its consolidation inputs). */
export interface LockedStudent extends StudentRow {
  status: 'active' | 'locked';
  createdAt: string;
  inputs: ConsolidationInput[];
}

interface LockRow {
  msix_id: MsixId; status: StudentRow['status']; merged_into: MsixId | null; created_at: Date | string; version: number; snap_version: number | null;
  record_id: string | null; state_code: string; state_student_id: string; rstatus: 'active' | 'withdrawn'; record: StateRecord;
  received_at: Date | string; updated_at: Date | string; link_type: 'new' | 'auto' | 'manual'; score: number | null; rules_version: string; linked_at: Date | string;
}

/**
 * Row-locks the live student for an id (following `merged_into`, like
 * `liveStudent`) and reads its linked records in the same statement. The
 * records are read with the statement's snapshot, taken before a wait for
 * the row lock: when the student's version moved while waiting (another
 * writer changed it and committed), they are read again. Null when the chain
 * ends in a retired or missing student.
 */
export async function lockStudentForLink(tx: Db, msixId: string): Promise<LockedStudent | null> {
  let id: string | null = msixId;
  for (let hops = 0; id !== null && hops < 20; hops++) {
    const r: { rows: LockRow[] } = await tx.query<LockRow>(
      `WITH lk AS (SELECT msix_id, status, merged_into, created_at, version FROM students WHERE msix_id = $1 FOR UPDATE)
       SELECT lk.*, (SELECT version FROM students WHERE msix_id = $1) AS snap_version,
              l.record_id, s.state_code, s.state_student_id, s.status AS rstatus, s.record, s.received_at, s.updated_at,
              l.link_type, l.score, l.rules_version, l.linked_at
       FROM lk LEFT JOIN links l ON l.msix_id = lk.msix_id AND lk.status IN ('active', 'locked') LEFT JOIN state_records s ON s.id = l.record_id
       ORDER BY l.linked_at`, [id],
    );
    const head = r.rows[0];
    if (!head) return null;
    if (head.status === 'merged') { id = head.merged_into; continue; }
    if (head.status !== 'active' && head.status !== 'locked') return null;
    const inputs = head.snap_version === head.version
      ? r.rows.filter((x) => x.record_id !== null).map((x): ConsolidationInput => ({
        recordId: x.record_id!, stateCode: x.state_code, stateStudentId: x.state_student_id, status: x.rstatus, record: x.record,
        receivedAt: iso(x.received_at), updatedAt: iso(x.updated_at),
        link: { linkType: x.link_type, score: x.score, rulesVersion: x.rules_version, linkedAt: iso(x.linked_at) },
      }))
      : await linkedRecords(tx, head.msix_id);
    return { msix_id: head.msix_id, status: head.status, merged_into: head.merged_into, createdAt: iso(head.created_at), inputs };
  }
  return null;
}

/** The record being placed as a consolidation input, linked at the transaction's time. */
export interface PlacedRecord {
  id: string;
  state_code: string;
  state_student_id: string;
  version: number;
  record: StateRecord;
  received_at: Date | string;
  updated_at: Date | string;
  /** `now()` of the transaction: what `links.linked_at` and `students.created_at` default to. */
  tx_now: Date | string;
}

export interface PlacementWrite {
  linkType: 'new' | 'auto' | 'manual';
  score: number | null;
  rulesVersion: string;
  explanation: MatchExplanation;
}

/** The consolidated view of `inputs` plus the placed record, as `refreshStudent` computes it after the link. */
function viewWith(
  msixId: MsixId, status: 'active' | 'locked', createdAt: string, inputs: readonly ConsolidationInput[], r: PlacedRecord, w: PlacementWrite,
  opts: ConsolidationOptions, now: string,
): string {
  const mine: ConsolidationInput = {
    recordId: r.id, stateCode: r.state_code, stateStudentId: r.state_student_id, status: 'active', record: r.record,
    receivedAt: iso(r.received_at), updatedAt: iso(r.updated_at),
    link: { linkType: w.linkType, score: w.score, rulesVersion: w.rulesVersion, linkedAt: iso(r.tx_now) },
  };
  // ORDER BY linked_at, with this link at the transaction's time (stable sort keeps the rest in order).
  const all = [...inputs, mine].sort((a, b) => (a.link.linkedAt < b.link.linkedAt ? -1 : a.link.linkedAt > b.link.linkedAt ? 1 : 0));
  return JSON.stringify(consolidate(msixId, status, all, opts, { createdAt, updatedAt: now }));
}

/** Link insert, history, review close, match status, view and event, as data-modifying CTEs of one statement. */
const WRITES = `
  ln AS (INSERT INTO links (record_id, msix_id, link_type, score, rules_version, explanation)
         SELECT $1::uuid, msix_id, $3::text, $4::float8, $5::text, $6::jsonb FROM target RETURNING msix_id),
  hist AS (INSERT INTO link_history (record_id, from_msix_id, to_msix_id, link_type, score, rules_version, explanation, cause, review_id, request_id, actor)
           SELECT $1::uuid, NULL, msix_id, $3::text, $4::float8, $5::text, $6::jsonb, $7::text, $8::uuid, $9::uuid, $10::text FROM ln),
  rv AS (UPDATE match_reviews SET status = 'closed', closed_reason = $11::text, version = version + 1, updated_at = now()
         WHERE record_id = $1::uuid AND status = 'open' AND EXISTS (SELECT 1 FROM ln) RETURNING id),
  ms AS (UPDATE state_records SET match_status = 'matched' WHERE id = $1::uuid AND EXISTS (SELECT 1 FROM ln)),
  ev AS (INSERT INTO student_events (msix_id, record_id, state_code, kind, details, trace_id)
         SELECT msix_id, $1::uuid, $14::text, $15::text, $16::jsonb, $17::text FROM ln)`;

/**
 * Links a record that has no link yet to a row-locked live student, in one
 * statement. The caller holds the record's row lock (so it has no link) and
 * the student's (from {@link lockStudentForLink}).
 */
export async function commitLink(
  tx: Db, r: PlacedRecord, student: LockedStudent, w: PlacementWrite, c: LinkCause & { traceId: string | null }, opts: ConsolidationOptions,
): Promise<void> {
  const now = new Date().toISOString();
  const view = viewWith(student.msix_id, student.status, student.createdAt, student.inputs, r, w, opts, now);
  const out = await tx.query<{ msix_id: string | null }>(
    `WITH target AS (SELECT $2::text AS msix_id),
     st AS (UPDATE students SET view = $12::jsonb, version = version + 1, updated_at = $13::timestamptz WHERE msix_id = $2::text),${WRITES}
     SELECT (SELECT msix_id FROM ln) AS msix_id`,
    [r.id, student.msix_id, w.linkType, w.score, w.rulesVersion, JSON.stringify(w.explanation), c.cause, c.reviewId ?? null, c.requestId ?? null, c.actor,
      'linked', view, now, r.state_code, 'record-linked', JSON.stringify({ linkType: w.linkType, score: w.score }), c.traceId],
  );
  if (out.rows[0]?.msix_id !== student.msix_id) throw new Error(`link of record ${r.id} to ${student.msix_id} was not written`);
}

/**
 * Creates a student for a record that has no link yet, with its link and
 * consolidated view, in one statement (a fresh id again on the rare id
 * collision). Returns the new MSIX id.
 */
export async function commitNewStudent(
  tx: Db, r: PlacedRecord, w: PlacementWrite, c: LinkCause & { traceId: string | null }, opts: ConsolidationOptions,
): Promise<MsixId> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const msixId = newMsixId();
    const now = new Date().toISOString();
    const view = viewWith(msixId, 'active', iso(r.tx_now), [], r, w, opts, now);
    const out = await tx.query<{ msix_id: string | null }>(
      `WITH target AS (INSERT INTO students (msix_id, view, version, updated_at) VALUES ($2::text, $12::jsonb, 2, $13::timestamptz) ON CONFLICT DO NOTHING RETURNING msix_id),
       ${WRITES}
       SELECT (SELECT msix_id FROM ln) AS msix_id`,
      [r.id, msixId, w.linkType, w.score, w.rulesVersion, JSON.stringify(w.explanation), c.cause, c.reviewId ?? null, c.requestId ?? null, c.actor,
        'new student', view, now, r.state_code, 'student-created', JSON.stringify({ linkType: w.linkType }), c.traceId],
    );
    if (out.rows[0]?.msix_id === msixId) return msixId;
  }
  throw new Error('could not allocate a unique MSIX id after 5 attempts');
}
