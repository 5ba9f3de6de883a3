/**
 * Held-back canonical records (issue 16 item 2). An Ed-Fi document that is
 * valid Ed-Fi is stored even when the MSIX record built from the student's
 * documents breaks a canonical rule (a name with digits, an enrollment before
 * the birth date, an unmappable grade level): an Ed-Fi client must be able to
 * write all its data. The record is then held back: not applied, so the
 * matcher never sees it, and listed here with its per-field issues (the
 * FieldIssue shape of file reports, located in the Ed-Fi document that caused
 * each one, never quoting a value) for the state's data administrators. The
 * state's last valid record, if any, stays in effect. The next write that
 * makes the record valid applies it and releases the hold; deleting the
 * student releases it too.
 */
import type { Db } from '../store/db.js';
import type { FieldIssue } from '@msix/adapter-sdk/canonical';
import type { Scope } from '../security/scope.js';

/** One issue of a held record: where in which Ed-Fi document, which rule, what to do. */
export interface HeldIssue extends Omit<FieldIssue, 'value'> {
  /** The Ed-Fi resource and document the issue is in. */
  resource: string;
  documentId: string;
}

export interface HeldRecord {
  stateCode: string;
  studentUniqueId: string;
  issues: HeldIssue[];
  heldAt: string;
  updatedAt: string;
}

/** Holds (or keeps holding, with the new issues) one student's record, in the write's transaction. */
export async function holdRecord(db: Db, stateCode: string, studentUniqueId: string, issues: HeldIssue[]) {
  await db.query(
    `INSERT INTO edfi_held_records (state_code, student_unique_id, issues) VALUES ($1, $2, $3::jsonb)
     ON CONFLICT (state_code, student_unique_id) DO UPDATE SET issues = EXCLUDED.issues, updated_at = now()`,
    [stateCode, studentUniqueId, JSON.stringify(issues)],
  );
}

/** Releases a hold (the record was applied, or the student deleted); true when there was one. */
export async function releaseRecord(db: Db, stateCode: string, studentUniqueId: string): Promise<boolean> {
  const r = await db.query('DELETE FROM edfi_held_records WHERE state_code = $1 AND student_unique_id = $2', [
    stateCode,
    studentUniqueId,
  ]);
  return (r.rowCount ?? 0) > 0;
}

interface Row {
  state_code: string;
  student_unique_id: string;
  issues: HeldIssue[];
  held_at: Date | string;
  updated_at: Date | string;
}

/**
 * The held records a caller may see: a state-bound caller its own state's, a national administrator every state's
 * (or one state's when asked); oldest hold first.
 */
export async function listHeldRecords(
  db: Db,
  scope: Pick<Scope, 'state'>,
  q: { stateCode?: string; offset: number; limit: number },
): Promise<{ items: HeldRecord[]; total: number }> {
  const state = scope.state ?? q.stateCode ?? null;
  const params = [state, q.offset, q.limit];
  const [rows, count] = await Promise.all([
    db.query<Row>(
      `SELECT state_code, student_unique_id, issues, held_at, updated_at FROM edfi_held_records
        WHERE ($1::text IS NULL OR state_code = $1) ORDER BY held_at, state_code, student_unique_id
        OFFSET $2 LIMIT $3`,
      params,
    ),
    db.query<{ n: string | number }>(
      'SELECT count(*) AS n FROM edfi_held_records WHERE ($1::text IS NULL OR state_code = $1)',
      [state],
    ),
  ]);
  return {
    items: rows.rows.map((r) => ({
      stateCode: r.state_code,
      studentUniqueId: r.student_unique_id,
      issues: r.issues,
      heldAt: new Date(r.held_at).toISOString(),
      updatedAt: new Date(r.updated_at).toISOString(),
    })),
    total: Number(count.rows[0]!.n),
  };
}
