import type { Db } from './store/db.js';
import type { Student } from '../specs/canonical/student.js';
import { newMsixId, type MsixId } from '../specs/ids.js';
import { consolidate, type ConsolidationInput, type ConsolidationOptions } from './consolidate.js';
import { GatewayError } from './errors.js';
import { requireGrounds, type Scope } from './security/scope.js';

/** Creates a student with a fresh MSIX id; retries on the (rare) id collision. */
export async function createStudent(db: Db): Promise<MsixId> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const id = newMsixId();
    const r = await db.query('INSERT INTO students (msix_id) VALUES ($1) ON CONFLICT DO NOTHING', [id]);
    if (r.rowCount === 1) return id;
  }
  throw new Error('could not allocate a unique MSIX id after 5 attempts');
}

interface LinkedRow {
  record_id: string;
  state_code: string;
  state_student_id: string;
  status: 'active' | 'withdrawn';
  record: ConsolidationInput['record'];
  received_at: Date | string;
  updated_at: Date | string;
  link_type: 'new' | 'auto' | 'manual';
  score: number | null;
  rules_version: string;
  linked_at: Date | string;
}

const iso = (d: Date | string): string => new Date(d).toISOString();

export async function linkedRecords(db: Db, msixId: string): Promise<ConsolidationInput[]> {
  const r = await db.query<LinkedRow>(
    `SELECT l.record_id, s.state_code, s.state_student_id, s.status, s.record, s.received_at, s.updated_at,
            l.link_type, l.score, l.rules_version, l.linked_at
     FROM links l JOIN state_records s ON s.id = l.record_id WHERE l.msix_id = $1 ORDER BY l.linked_at`,
    [msixId],
  );
  return r.rows.map((x) => ({
    recordId: x.record_id,
    stateCode: x.state_code,
    stateStudentId: x.state_student_id,
    status: x.status,
    record: x.record,
    receivedAt: iso(x.received_at),
    updatedAt: iso(x.updated_at),
    link: { linkType: x.link_type, score: x.score, rulesVersion: x.rules_version, linkedAt: iso(x.linked_at) },
  }));
}

/** Recomputes and stores the consolidated view of one student. */
export async function refreshStudent(db: Db, msixId: MsixId, opts: ConsolidationOptions): Promise<Student> {
  const s = await db.query<{ status: Student['status']; created_at: Date | string }>(
    'SELECT status, created_at FROM students WHERE msix_id = $1 FOR UPDATE',
    [msixId],
  );
  if (!s.rows[0]) throw new Error(`student ${msixId} does not exist`);
  const now = new Date().toISOString();
  const view = consolidate(msixId, s.rows[0].status, await linkedRecords(db, msixId), opts, {
    createdAt: iso(s.rows[0].created_at),
    updatedAt: now,
  });
  await db.query('UPDATE students SET view = $2, version = version + 1, updated_at = $3 WHERE msix_id = $1', [
    msixId,
    JSON.stringify(view),
    now,
  ]);
  return view;
}

/** The stored consolidated view; a merged student answers with the id it was merged into. */
export async function getStudent(
  db: Db,
  msixId: string,
): Promise<{ student: Student; version: number } | { mergedInto: string } | null> {
  const r = await db.query<{ view: Student; version: number; status: string; merged_into: string | null }>(
    'SELECT view, version, status, merged_into FROM students WHERE msix_id = $1',
    [msixId],
  );
  const row = r.rows[0];
  if (!row) return null;
  if (row.status === 'merged' && row.merged_into) return { mergedInto: row.merged_into };
  if (!row.view || !('msixId' in row.view)) return null;
  return { student: row.view, version: row.version };
}

export async function studentOfRecord(db: Db, recordId: string): Promise<MsixId | null> {
  const r = await db.query<{ msix_id: string }>('SELECT msix_id FROM links WHERE record_id = $1', [recordId]);
  return (r.rows[0]?.msix_id as MsixId | undefined) ?? null;
}

export type StudentRead = { kind: 'student'; student: Student; version: number } | { kind: 'merged'; into: string };

/**
 * Reads one consolidated child for the scope: the disclosure grounds first
 * (so an unknown id and a child without a ground answer alike: 403), then the
 * record; every read is an audited disclosure with its ground as the reason.
 * A merged id answers where the child went.
 */
export async function readStudent(
  db: Db,
  scope: Scope,
  msixId: string,
  details: Record<string, unknown> = {},
): Promise<StudentRead> {
  const g = await requireGrounds(db, scope, msixId);
  const found = await getStudent(db, msixId);
  if (!found) throw new GatewayError('GW_ERR_NOT_FOUND', `No student with MSIX id ${msixId}.`);
  if ('mergedInto' in found) return { kind: 'merged', into: found.mergedInto };
  await scope.audit.disclosed({
    action: 'student.read',
    msixId,
    recordIds: found.student.records.map((r) => r.recordId),
    fields: ['*'],
    reason: g.reason,
    details,
  });
  return { kind: 'student', student: found.student, version: found.version };
}
