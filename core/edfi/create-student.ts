/**
 * The most common Ed-Fi write, a Student the state has not sent before, in
 * one SQL statement: the document, the ledger row and the state's canonical
 * record are inserted together (autocommit makes the statement atomic), so
 * a bulk load of new students costs one round trip each instead of a
 * transaction of six. A Student that already exists falls back to the
 * general transactional path (write.ts).
 *
 * Built beside core/records.ts applyStateRecord and core/ledger.ts
 * createExchange: the state record is written with their semantics (a new
 * record is version 1, pending matching; an existing one with other content
 * is updated to the next version and pending again; the same content is left
 * alone). test/edfi/create-student.test.ts checks the rows against theirs.
 */
import type { Db } from '../store/db.js';
import type { StateRecord } from '../../specs/canonical/state-record.js';
import { validateStateRecord } from '../../specs/validation.js';
import { contentHash } from '../canonical-json.js';
import { buildStateRecord, locate, type SourceIssue } from './canonical.js';
import { edfiCrosswalks } from './crosswalks.js';
import { fromRow, COLUMNS, type NewDoc, type Row, type StoredDoc } from './store.js';
import type { CanonicalProblem, Writer } from './sync.js';

export type CreateStudentResult =
  | { kind: 'created'; doc: StoredDoc; match: { recordId: string; version: number } | null }
  /** The state already has this student: use the general path. */
  | { kind: 'exists' }
  | { kind: 'invalid'; problems: CanonicalProblem[] };

/** The canonical record of a student who has nothing but the Student document. */
function recordOf(stateCode: string, doc: NewDoc): { kind: 'ok'; record: StateRecord; codesetVersion: string; warnings: SourceIssue[] } | { kind: 'invalid'; problems: CanonicalProblem[] } {
  const edfiDoc = { id: doc.id, resource: doc.resource, body: doc.body, updatedAt: new Date().toISOString() };
  const build = buildStateRecord({ stateCode, studentUniqueId: doc.studentUniqueId!, docs: [edfiDoc], refs: new Map() }, edfiCrosswalks());
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

const SQL = `
WITH doc AS (
  INSERT INTO edfi_documents (id, state_code, resource, identity_key, alias_key, key_values, ref_keys, student_unique_id, body, content_hash, change_version, client_id)
  VALUES ($1, $2, $3, $4, NULL, $5, '{}', $6, $7, $8, nextval('edfi_change_version_seq'), $9)
  ON CONFLICT (state_code, identity_key) DO NOTHING
  RETURNING ${COLUMNS}
), ex AS (
  INSERT INTO exchanges (direction, kind, state_code, status, trace_id, client_id, counts, summary, completed_at)
  SELECT 'inbound', 'edfi-api', $2, 'completed', $10, $9, '{"received":1,"accepted":1,"rejected":0}'::jsonb,
         jsonb_build_object('resource', $3::text, 'documentId', doc.id) || $11::jsonb, now()
  FROM doc
  RETURNING id
), rec AS (
  INSERT INTO state_records (state_code, state_student_id, record, content_hash, codeset_version, last_exchange_id, first_name, last_name1, birth_date)
  SELECT $2, $6, $12, $13, $14, ex.id, $15, $16, $17 FROM ex
  ON CONFLICT (state_code, state_student_id) DO UPDATE SET
    record = EXCLUDED.record, content_hash = EXCLUDED.content_hash, codeset_version = EXCLUDED.codeset_version,
    last_exchange_id = EXCLUDED.last_exchange_id, first_name = EXCLUDED.first_name, last_name1 = EXCLUDED.last_name1,
    birth_date = EXCLUDED.birth_date, status = 'active', version = state_records.version + 1, match_status = 'pending', updated_at = now()
  WHERE state_records.content_hash <> EXCLUDED.content_hash OR state_records.status <> 'active'
  RETURNING id, version
)
SELECT doc.*, (SELECT id FROM rec) AS record_id, (SELECT version FROM rec) AS record_version FROM doc`;

/** Creates a new Student with its canonical record and ledger row in one statement, or says it exists. */
export async function createStudent(db: Db, w: Writer, doc: NewDoc): Promise<CreateStudentResult> {
  const canonical = recordOf(w.stateCode, doc);
  if (canonical.kind === 'invalid') return canonical;
  const { action: _a, ...body } = canonical.record;
  const r = await db.query<Row & { record_id: string | null; record_version: number | null }>(SQL, [
    doc.id, w.stateCode, doc.resource, doc.identityKey, JSON.stringify(doc.keyValues), doc.studentUniqueId, JSON.stringify(doc.body), doc.contentHash,
    w.clientId, w.traceId,
    JSON.stringify(canonical.warnings.length ? { warnings: canonical.warnings.map(({ resource, docId, path, message }) => ({ resource, docId, path, message })) } : {}),
    JSON.stringify(body), contentHash(body), canonical.codesetVersion, body.identity.firstName, body.identity.lastName1, body.identity.birthDate,
  ]);
  const row = r.rows[0];
  if (!row) return { kind: 'exists' };
  return {
    kind: 'created', doc: fromRow(row),
    match: row.record_id ? { recordId: row.record_id, version: Number(row.record_version) } : null,
  };
}
