/**
 * The student aggregate: the only code that writes `students` rows (new students, their consolidated views,
 * their status). Views go through the SQL function `store_student_views` (students.sql beside this module, run
 * again by the migrator when it changes), one student or many; the match job's one-call commit
 * (core/matching-store/place-writes.sql) calls it too. The view itself is computed by core/consolidate.ts.
 */
import type { Db } from './store/db.js';
import type { ModuleSqlFile } from './store/migrate.js';
import { type Student, newMsixId, type MsixId } from '@msix/adapter-sdk/canonical';
import { consolidate, type ConsolidationInput, type ConsolidationOptions } from './consolidate.js';
import { GatewayError } from './errors.js';
import { requireGrounds, type Scope } from './security/scope.js';

/** The file of `store_student_views`, the one write of consolidated views. */
export const STUDENTS_SQL: ModuleSqlFile = { id: 'core/students', url: new URL('./students.sql', import.meta.url) };

/** New students with fresh MSIX ids and no view yet, in one round trip (retrying the rare id collision). */
export async function createStudents(tx: Db, count: number): Promise<MsixId[]> {
  const out: MsixId[] = [];
  for (let attempt = 0; out.length < count && attempt < 5; attempt++) {
    const want = Array.from({ length: count - out.length }, () => newMsixId());
    const r = await tx.query<{ msix_id: MsixId }>(
      'INSERT INTO students (msix_id) SELECT unnest($1::text[]) ON CONFLICT DO NOTHING RETURNING msix_id',
      [want],
    );
    out.push(...r.rows.map((x) => x.msix_id));
  }
  if (out.length < count) throw new Error(`could not allocate ${count} unique MSIX ids after 5 attempts`);
  return out;
}

/** {@link createStudents} with one student. */
export async function createStudent(db: Db): Promise<MsixId> {
  return (await createStudents(db, 1))[0]!;
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

const inputOf = (x: LinkedRow): ConsolidationInput => ({
  recordId: x.record_id,
  stateCode: x.state_code,
  stateStudentId: x.state_student_id,
  status: x.status,
  record: x.record,
  receivedAt: iso(x.received_at),
  updatedAt: iso(x.updated_at),
  link: { linkType: x.link_type, score: x.score, rulesVersion: x.rules_version, linkedAt: iso(x.linked_at) },
});

export async function linkedRecords(db: Db, msixId: string): Promise<ConsolidationInput[]> {
  const r = await db.query<LinkedRow>(
    `SELECT l.record_id, s.state_code, s.state_student_id, s.status, s.record, s.received_at, s.updated_at,
            l.link_type, l.score, l.rules_version, l.linked_at
     FROM links l JOIN state_records s ON s.id = l.record_id WHERE l.msix_id = $1 ORDER BY l.linked_at`,
    [msixId],
  );
  return r.rows.map(inputOf);
}

/**
 * Stores consolidated views computed by the caller (the match job computes the view before its one-call
 * commit). `create` inserts new students with their first view instead (ids already taken are skipped).
 * Returns the ids written.
 */
export async function storeStudentViews(
  tx: Db,
  views: readonly Student[],
  now: string,
  opts: { create: boolean },
): Promise<string[]> {
  if (!views.length) return [];
  const r = await tx.query<{ id: string }>('SELECT id FROM store_student_views($1::json, $2::timestamptz, $3) AS id', [
    JSON.stringify(views.map((view) => ({ msix_id: view.msixId, view }))),
    now,
    opts.create,
  ]);
  return r.rows.map((x) => x.id);
}

/**
 * Recomputes and stores the consolidated views of students: row-locks them (in id order, as everywhere, so
 * no deadlock), reads their linked records, consolidates each and stores the views. A student with no record left gets
 * the empty view. Returns the views by id; an id that does not exist is absent.
 */
export async function refreshStudents(
  tx: Db,
  msixIds: readonly string[],
  opts: ConsolidationOptions,
): Promise<Map<string, Student>> {
  if (msixIds.length === 0) return new Map();
  const ids = [...new Set(msixIds)].sort();
  // Lock first, read after, in two statements: the read takes a new snapshot after any wait for the locks, so
  // it sees the links another writer of these students committed meanwhile (one statement would re-check only
  // the locked student rows and join the links of its older snapshot).
  await tx.query('SELECT 1 FROM students WHERE msix_id = ANY($1::text[]) ORDER BY msix_id FOR UPDATE', [ids]);
  const rows = await tx.query<
    { msix_id: MsixId; st_status: Student['status']; created_at: Date | string } & Partial<LinkedRow>
  >(
    `SELECT st.msix_id, st.status AS st_status, st.created_at, l.record_id, s.state_code, s.state_student_id,
            s.status, s.record, s.received_at, s.updated_at, l.link_type, l.score, l.rules_version, l.linked_at
     FROM students st LEFT JOIN links l ON l.msix_id = st.msix_id LEFT JOIN state_records s ON s.id = l.record_id
     WHERE st.msix_id = ANY($1::text[]) ORDER BY st.msix_id, l.linked_at`,
    [ids],
  );
  const by = new Map<MsixId, { status: Student['status']; createdAt: string; inputs: ConsolidationInput[] }>();
  for (const r of rows.rows) {
    let e = by.get(r.msix_id);
    if (!e) by.set(r.msix_id, (e = { status: r.st_status, createdAt: iso(r.created_at), inputs: [] }));
    if (r.record_id) e.inputs.push(inputOf(r as LinkedRow));
  }
  const now = new Date().toISOString();
  const views = new Map<string, Student>();
  for (const [msixId, e] of by) {
    views.set(msixId, consolidate(msixId, e.status, e.inputs, opts, { createdAt: e.createdAt, updatedAt: now }));
  }
  await storeStudentViews(tx, [...views.values()], now, { create: false });
  return views;
}

/** {@link refreshStudents} with one student, which must exist. */
export async function refreshStudent(db: Db, msixId: MsixId, opts: ConsolidationOptions): Promise<Student> {
  const view = (await refreshStudents(db, [msixId], opts)).get(msixId);
  if (!view) throw new Error(`student ${msixId} does not exist`);
  return view;
}

/**
 * A merge, its undo, or a student left without records: the student's status (and where it was merged into,
 * null to clear) changes and it is a new version.
 */
export async function setStudentStatus(
  tx: Db,
  msixIds: readonly string[],
  status: 'active' | 'merged' | 'retired',
  mergedInto: string | null,
): Promise<void> {
  if (!msixIds.length) return;
  await tx.query(
    `UPDATE students SET status = $2, merged_into = $3, version = version + 1, updated_at = now()
     WHERE msix_id = ANY($1::text[])`,
    [msixIds, status, mergedInto],
  );
}

/**
 * A merge or split request locks the students it will change (active → locked) and releases them after
 * (locked → active). The version stays: the student's content has not changed.
 */
export async function setStudentsLocked(tx: Db, msixIds: readonly string[], locked: boolean): Promise<void> {
  if (!msixIds.length) return;
  await tx.query(`UPDATE students SET status = $2 WHERE msix_id = ANY($1::text[]) AND status = $3`, [
    msixIds,
    locked ? 'locked' : 'active',
    locked ? 'active' : 'locked',
  ]);
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
