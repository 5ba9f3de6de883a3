/**
 * Candidates of one arriving record: the linked records that share a
 * blocking key with it, plus every record a manual decision names with it
 * (found even when no key is shared any more), each with its student.
 */
import type { StateRecord } from '../../specs/canonical/state-record.js';
import { standardize } from '../matching/standardize.js';
import type { Candidate } from '../matching/incremental.js';
import type { StandardizedPerson } from '../matching/types.js';
import type { Db } from '../store/db.js';
import { recordsByKeys } from './keys.js';
import { toPersonRecord } from './person.js';

export interface StoreCandidate extends Candidate<StandardizedPerson> {
  stateCode: string;
}

type IdentityRow = { id: string; state_code: string; state_student_id: string; identity: StateRecord['identity']; parents: StateRecord['parents'] | null };

/** Identity rows to standardized persons. */
export function standardizeRow(r: IdentityRow): StandardizedPerson {
  return standardize(toPersonRecord(r.id, { stateCode: r.state_code, stateStudentId: r.state_student_id, identity: r.identity, parents: r.parents ?? undefined }));
}

/** Active linked records among `ids`, standardized, with the (non-merged) student each belongs to. */
export async function loadLinked(db: Db, ids: readonly string[]): Promise<StoreCandidate[]> {
  if (ids.length === 0) return [];
  const r = await db.query<IdentityRow & { msix_id: string }>(
    `SELECT s.id, s.state_code, s.state_student_id, s.record->'identity' AS identity, s.record->'parents' AS parents, l.msix_id
     FROM state_records s JOIN links l ON l.record_id = s.id JOIN students st ON st.msix_id = l.msix_id
     WHERE s.id = ANY($1::uuid[]) AND s.status = 'active' AND st.status IN ('active', 'locked')`, [ids],
  );
  return r.rows.map((row) => ({ record: standardizeRow(row), studentId: row.msix_id, stateCode: row.state_code }));
}

export async function findCandidates(
  db: Db, opts: { recordId: string; keys: readonly string[]; partners: readonly string[]; extraStudents?: readonly string[]; maxBlock: number },
): Promise<StoreCandidate[]> {
  const ids = new Set(await recordsByKeys(db, opts.keys, opts.recordId, opts.maxBlock));
  for (const p of opts.partners) if (p !== opts.recordId) ids.add(p);
  if (opts.extraStudents?.length) {
    const r = await db.query<{ record_id: string }>('SELECT record_id FROM links WHERE msix_id = ANY($1::text[])', [opts.extraStudents]);
    for (const row of r.rows) if (row.record_id !== opts.recordId) ids.add(row.record_id);
  }
  return loadLinked(db, [...ids]);
}
