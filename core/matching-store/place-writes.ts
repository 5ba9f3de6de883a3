/**
 * The writes of the two common match outcomes, each in one round trip: a new
 * record linked to an existing student, and a new record that starts a new
 * student. Each call writes the link, its history row, closes the
 * record's open review (a held record sent again), marks the record matched,
 * stores the student's consolidated view and emits the event, so a match job
 * costs a handful of round trips instead of twenty. Every other outcome
 * (updates, moves, reviews) takes the step-by-step path in `place.ts`.
 *
 * The consolidated view is computed before the call from the student's
 * other records plus the one being linked, exactly as `refreshStudent` would
 * compute it after the link: same inputs, same order
 * (test/matching-store/place-writes.test.ts checks the rows against the step-by-step writes).
 */
import { type StateRecord, newMsixId, type MsixId } from '@msix/adapter-sdk/canonical';
import { consolidate, type ConsolidationInput, type ConsolidationOptions } from '../consolidate.js';
import type { Db } from '../store/db.js';
import type { ModuleSqlFile } from '../store/migrate.js';
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
  msix_id: MsixId;
  status: StudentRow['status'];
  merged_into: MsixId | null;
  created_at: Date | string;
  record_id: string | null;
  state_code: string;
  state_student_id: string;
  rstatus: 'active' | 'withdrawn';
  record: StateRecord;
  received_at: Date | string;
  updated_at: Date | string;
  link_type: 'new' | 'auto' | 'manual';
  score: number | null;
  rules_version: string;
  linked_at: Date | string;
}

/**
 * Row-locks the live student for an id (following `merged_into`, like
 * `liveStudent`) and reads its linked records, in one round trip: the
 * function `matching_lock_student` reads them after taking the lock, with a
 * new snapshot, so it sees whatever another writer of the student committed
 * while this one waited. Null when the chain ends in a retired or missing
 * student.
 */
export async function lockStudentForLink(tx: Db, msixId: string): Promise<LockedStudent | null> {
  let id: string | null = msixId;
  for (let hops = 0; id !== null && hops < 20; hops++) {
    const r: { rows: LockRow[] } = await tx.query<LockRow>('SELECT * FROM matching_lock_student($1::text)', [id]);
    const head = r.rows[0];
    if (!head) return null;
    if (head.status === 'merged') {
      id = head.merged_into;
      continue;
    }
    if (head.status !== 'active' && head.status !== 'locked') return null;
    const inputs = r.rows
      .filter((x) => x.record_id !== null)
      .map(
        (x): ConsolidationInput => ({
          recordId: x.record_id!,
          stateCode: x.state_code,
          stateStudentId: x.state_student_id,
          status: x.rstatus,
          record: x.record,
          receivedAt: iso(x.received_at),
          updatedAt: iso(x.updated_at),
          link: { linkType: x.link_type, score: x.score, rulesVersion: x.rules_version, linkedAt: iso(x.linked_at) },
        }),
      );
    return {
      msix_id: head.msix_id,
      status: head.status,
      merged_into: head.merged_into,
      createdAt: iso(head.created_at),
      inputs,
    };
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
  msixId: MsixId,
  status: 'active' | 'locked',
  createdAt: string,
  inputs: readonly ConsolidationInput[],
  r: PlacedRecord,
  w: PlacementWrite,
  opts: ConsolidationOptions,
  now: string,
): string {
  const mine: ConsolidationInput = {
    recordId: r.id,
    stateCode: r.state_code,
    stateStudentId: r.state_student_id,
    status: 'active',
    record: r.record,
    receivedAt: iso(r.received_at),
    updatedAt: iso(r.updated_at),
    link: { linkType: w.linkType, score: w.score, rulesVersion: w.rulesVersion, linkedAt: iso(r.tx_now) },
  };
  // ORDER BY linked_at, with this link at the transaction's time (stable sort keeps the rest in order).
  const all = [...inputs, mine].sort((a, b) =>
    a.link.linkedAt < b.link.linkedAt ? -1 : a.link.linkedAt > b.link.linkedAt ? 1 : 0,
  );
  return JSON.stringify(consolidate(msixId, status, all, opts, { createdAt, updatedAt: now }));
}

/** The file of `matching_commit`, which this module owns (run again by the migrator when it changes). */
export const PLACE_WRITES_SQL: ModuleSqlFile = {
  id: 'core/matching-store/place-writes',
  url: new URL('./place-writes.sql', import.meta.url),
};

/**
 * One call of `matching_commit` (place-writes.sql): view, link with history, review close, match status and
 * event, each written by its aggregate's own SQL function.
 */
async function commit(
  tx: Db,
  isNew: boolean,
  r: PlacedRecord,
  msixId: string,
  w: PlacementWrite,
  c: LinkCause & { traceId: string | null },
  closeReason: string,
  view: string,
  now: string,
  kind: 'record-linked' | 'student-created',
  details: Record<string, unknown>,
): Promise<string | null> {
  const out = await tx.query<{ m: string | null }>(
    `SELECT matching_commit($1::boolean, $2::uuid, $3::text, $4::text, $5::float8, $6::text, $7::jsonb, $8::text,
     $9::uuid, $10::uuid, $11::text,
       $12::text, $13::jsonb, $14::timestamptz, $15::text, $16::text, $17::jsonb, $18::text) AS m`,
    [
      isNew,
      r.id,
      msixId,
      w.linkType,
      w.score,
      w.rulesVersion,
      JSON.stringify(w.explanation),
      c.cause,
      c.reviewId ?? null,
      c.requestId ?? null,
      c.actor,
      closeReason,
      view,
      now,
      r.state_code,
      kind,
      JSON.stringify(details),
      c.traceId,
    ],
  );
  return out.rows[0]?.m ?? null;
}

/**
 * Links a record that has no link yet to a row-locked live student, in one
 * call. The caller holds the record's row lock (so it has no link) and the
 * student's (from {@link lockStudentForLink}).
 */
export async function commitLink(
  tx: Db,
  r: PlacedRecord,
  student: LockedStudent,
  w: PlacementWrite,
  c: LinkCause & { traceId: string | null },
  opts: ConsolidationOptions,
): Promise<void> {
  const now = new Date().toISOString();
  const view = viewWith(student.msix_id, student.status, student.createdAt, student.inputs, r, w, opts, now);
  const m = await commit(tx, false, r, student.msix_id, w, c, 'linked', view, now, 'record-linked', {
    linkType: w.linkType,
    score: w.score,
  });
  if (m !== student.msix_id) throw new Error(`link of record ${r.id} to ${student.msix_id} was not written`);
}

/**
 * Creates a student for a record that has no link yet, with its link and
 * consolidated view, in one call (a fresh id again on the rare id
 * collision). Returns the new MSIX id.
 */
export async function commitNewStudent(
  tx: Db,
  r: PlacedRecord,
  w: PlacementWrite,
  c: LinkCause & { traceId: string | null },
  opts: ConsolidationOptions,
): Promise<MsixId> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const msixId = newMsixId();
    const now = new Date().toISOString();
    const view = viewWith(msixId, 'active', iso(r.tx_now), [], r, w, opts, now);
    if (
      (await commit(tx, true, r, msixId, w, c, 'new student', view, now, 'student-created', {
        linkType: w.linkType,
      })) === msixId
    )
      return msixId;
  }
  throw new Error('could not allocate a unique MSIX id after 5 attempts');
}
