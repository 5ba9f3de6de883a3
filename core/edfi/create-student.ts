/**
 * The most common Ed-Fi write, a Student the state has not sent before, in
 * one SQL statement: the document, the ledger row and the state's canonical
 * record are inserted together (autocommit makes the statement atomic), so
 * a bulk load of new students costs one round trip each instead of a
 * transaction of six. The statement is the PL/pgSQL function
 * `edfi_create_student` in create-student.sql, which this module owns (planned once per connection). A Student
 * that already exists falls back to the general transactional path (write.ts).
 *
 * The state record is written by `apply_state_records` (core/records.sql), the one write path of state records;
 * test/edfi/create-student.test.ts checks the rows against core/records.ts applyStateRecord.
 */
import type { Db } from '../store/db.js';
import type { ModuleSqlFile } from '../store/migrate.js';
import { type StateRecord, validateStateRecord } from '@msix/adapter-sdk/canonical';
import { contentHash } from '../canonical-json.js';
import { buildStateRecord, locate, type SourceIssue } from './canonical.js';
import { edfiCrosswalks } from './crosswalks.js';
import { fromRow, type NewDoc, type Row, type StoredDoc } from './store.js';
import type { CanonicalProblem, Writer } from './sync.js';

export type CreateStudentResult =
  | { kind: 'created'; doc: StoredDoc; match: { recordId: string; version: number } | null }
  /** The state already has this student: use the general path. */
  | { kind: 'exists' }
  | { kind: 'invalid'; problems: CanonicalProblem[] };

/** The canonical record of a student who has nothing but the Student document. */
function recordOf(
  stateCode: string,
  doc: NewDoc,
):
  | { kind: 'ok'; record: StateRecord; codesetVersion: string; warnings: SourceIssue[] }
  | { kind: 'invalid'; problems: CanonicalProblem[] } {
  const edfiDoc = { id: doc.id, resource: doc.resource, body: doc.body, updatedAt: new Date().toISOString() };
  const build = buildStateRecord(
    { stateCode, studentUniqueId: doc.studentUniqueId!, docs: [edfiDoc], refs: new Map() },
    edfiCrosswalks(),
  );
  if (build.kind === 'invalid') return { kind: 'invalid', problems: build.issues.map(({ severity: _s, ...p }) => p) };
  if (build.kind !== 'record') throw new Error('a Student document always gives a record');
  const v = validateStateRecord(build.record);
  if (v.kind === 'invalid') {
    return {
      kind: 'invalid',
      problems: v.issues.map((i) => ({
        ...(locate(build.provenance, i.path) ?? { resource: doc.resource, docId: doc.id, path: '$' }),
        message: `The MSIX record built from it breaks a rule at ${i.path}: ${i.message}${i.fix ? `. ${i.fix}` : '.'}`,
      })),
    };
  }
  return { kind: 'ok', record: v.record, codesetVersion: v.codesetVersion, warnings: build.warnings };
}

/** The function `edfi_create_student`, in create-student.sql beside this module (run again when it changes). */
export const EDFI_CREATE_STUDENT_SQL: ModuleSqlFile = {
  id: 'core/edfi/create-student',
  url: new URL('./create-student.sql', import.meta.url),
};

const SQL = `SELECT * FROM edfi_create_student($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14)`;

/** Creates a new Student with its canonical record and ledger row in one statement, or says it exists. */
export async function createStudent(db: Db, w: Writer, doc: NewDoc): Promise<CreateStudentResult> {
  const canonical = recordOf(w.stateCode, doc);
  if (canonical.kind === 'invalid') return canonical;
  const { action: _a, ...body } = canonical.record;
  const r = await db.query<Row & { record_id: string | null; record_version: number | null }>(SQL, [
    doc.id,
    w.stateCode,
    doc.resource,
    doc.identityKey,
    JSON.stringify(doc.keyValues),
    doc.studentUniqueId,
    JSON.stringify(doc.body),
    doc.contentHash,
    w.clientId,
    w.traceId,
    JSON.stringify(
      canonical.warnings.length
        ? {
            warnings: canonical.warnings.map(({ resource, docId, path, message }) => ({
              resource,
              docId,
              path,
              message,
            })),
          }
        : {},
    ),
    JSON.stringify(body),
    contentHash(body),
    canonical.codesetVersion,
  ]);
  const row = r.rows[0];
  if (!row) return { kind: 'exists' };
  return {
    kind: 'created',
    doc: fromRow(row),
    match: row.record_id ? { recordId: row.record_id, version: Number(row.record_version) } : null,
  };
}
