/**
 * Candidates of one arriving record: the linked records that share a
 * blocking key with it, plus every record a manual decision names with it
 * (found even when no key is shared any more), each with its student.
 */
import type { StateRecord } from '../../specs/canonical/state-record.js';
import type { MsixId } from '../../specs/ids.js';
import { standardize } from '../matching/standardize.js';
import type { Candidate } from '../matching/incremental.js';
import type { StandardizedPerson } from '../matching/types.js';
import type { Db } from '../store/db.js';
import type { RecordConstraints } from './constraints.js';
import { recordsByKeys } from './keys.js';
import { toPersonRecord } from './person.js';

export interface StoreCandidate extends Candidate<StandardizedPerson> {
  stateCode: string;
  /** A record held unlinked for a near-match review: its `studentId` is {@link heldStudentId} of the record. */
  held?: boolean;
  /** For a held record held with another one: the record it waits for. */
  waitsFor?: string | null;
}

/**
 * A held record stands for a student of its own in the engine (it may be a
 * child the store does not know yet): `held:<record id>`, never an MSIX id.
 */
export const heldStudentId = (recordId: string): string => `held:${recordId}`;
export const isHeldStudent = (studentId: string): boolean => studentId.startsWith('held:');
export const heldRecordOf = (studentId: string): string => studentId.slice('held:'.length);

type IdentityRow = { id: string; state_code: string; state_student_id: string; identity: StateRecord['identity']; parents: StateRecord['parents'] | null; version?: number };

/**
 * Standardized candidates by record id and version, most recently used last.
 * Standardizing costs tens of microseconds a record and the same families'
 * records are candidates again and again; a version bump is a new key, so an
 * entry is never stale.
 */
const STD_CACHE_MAX = 50_000;
const stdCache = new Map<string, StandardizedPerson>();

/** Identity rows to standardized persons (cached when the row carries its version). */
export function standardizeRow(r: IdentityRow): StandardizedPerson {
  const key = r.version === undefined ? null : `${r.id}:${r.version}`;
  if (key !== null) {
    const hit = stdCache.get(key);
    if (hit) {
      stdCache.delete(key);
      stdCache.set(key, hit);
      return hit;
    }
  }
  const std = standardize(toPersonRecord(r.id, { stateCode: r.state_code, stateStudentId: r.state_student_id, identity: r.identity, parents: r.parents ?? undefined }));
  if (key !== null) {
    stdCache.set(key, std);
    if (stdCache.size > STD_CACHE_MAX) stdCache.delete(stdCache.keys().next().value!);
  }
  return std;
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

type CandidateRow = IdentityRow & {
  msix_id: string | null;
  held: boolean | null;
  waits_for: string | null;
  constraints: { kind: 'must-link' | 'cannot-link'; a: string; b: string }[] | null;
  cur: CurrentLink | null;
  open_review: string | null;
};

/** The record's own link, as the decision needs it (read under the caller's record lock). */
export interface CurrentLink {
  msix_id: MsixId;
  link_type: 'new' | 'auto' | 'manual';
  score: number | null;
  rules_version: string;
}

/**
 * Everything one decision reads, in one statement (one round trip): the
 * record's current link, its open review if any, its active manual constraints, and its candidates:
 * records sharing a blocking key (keys shared by `maxBlock` or more other
 * records skipped, i.e. blocks of more than `maxBlock` with the record
 * itself), records named by a constraint, and the records of the student it
 * is linked to now. Candidates are linked records of live students, and
 * records held unlinked for a near-match review (`held`).
 *
 * With `writeKeys` the same statement replaces the record's rows in
 * `blocking_keys` (the caller holds the record's row lock and the key
 * locks). Its own rows are never read as candidates, so the statement's
 * snapshot not seeing them does not matter.
 */
export async function fetchForDecision(
  db: Db, opts: { recordId: string; keys: readonly string[]; maxBlock: number; writeKeys?: boolean },
): Promise<{ candidates: StoreCandidate[]; constraints: RecordConstraints; currentLink: CurrentLink | null; openReview: string | null }> {
  const writes = opts.writeKeys
    ? `del AS (DELETE FROM blocking_keys WHERE record_id = $1 AND NOT (key = ANY($2::text[]))),
     ins AS (INSERT INTO blocking_keys (key, record_id) SELECT DISTINCT k, $1::uuid FROM unnest($2::text[]) AS k ON CONFLICT DO NOTHING),
     `
    : '';
  const r = await db.query<CandidateRow>(
    `WITH ${writes}cur AS (SELECT msix_id, link_type, score, rules_version FROM links WHERE record_id = $1),
     cons AS (
       SELECT kind, record_a, record_b FROM match_constraints WHERE revoked_at IS NULL AND record_a = $1
       UNION ALL SELECT kind, record_a, record_b FROM match_constraints WHERE revoked_at IS NULL AND record_b = $1),
     blocked AS (
       SELECT k.key, b.record_id FROM unnest($2::text[]) AS k(key)
       CROSS JOIN LATERAL (SELECT record_id FROM blocking_keys WHERE key = k.key AND record_id <> $1 LIMIT $3) b),
     ids AS (
       SELECT record_id FROM blocked WHERE key IN (SELECT key FROM blocked GROUP BY key HAVING count(*) < $3)
       UNION SELECT CASE WHEN record_a = $1 THEN record_b ELSE record_a END FROM cons
       UNION SELECT l.record_id FROM links l JOIN cur ON l.msix_id = cur.msix_id)
     SELECT c.constraints, c.cur, c.open_review, x.* FROM (
       SELECT (SELECT json_agg(json_build_object('kind', kind, 'a', record_a, 'b', record_b)) FROM cons) AS constraints,
              (SELECT row_to_json(cur) FROM cur) AS cur,
              (SELECT id FROM match_reviews WHERE record_id = $1 AND status = 'open') AS open_review) c
     LEFT JOIN LATERAL (
       SELECT s.id, s.version, s.state_code, s.state_student_id, s.record->'identity' AS identity, s.record->'parents' AS parents, l.msix_id, l.msix_id IS NULL AS held,
              CASE WHEN l.msix_id IS NULL THEN (SELECT m.waits_for_record FROM match_reviews m WHERE m.record_id = s.id AND m.status = 'open') END AS waits_for
       FROM state_records s LEFT JOIN links l ON l.record_id = s.id LEFT JOIN students st ON st.msix_id = l.msix_id
       WHERE s.id IN (SELECT record_id FROM ids) AND s.id <> $1 AND s.status = 'active'
         AND (st.status IN ('active', 'locked') OR (l.record_id IS NULL AND s.match_status = 'review'))) x ON true`,
    [opts.recordId, opts.keys, opts.maxBlock],
  );
  const constraints: RecordConstraints = { mustLink: [], cannotLink: [], partners: [] };
  for (const c of r.rows[0]?.constraints ?? []) {
    (c.kind === 'must-link' ? constraints.mustLink : constraints.cannotLink).push([c.a, c.b]);
    const partner = c.a === opts.recordId ? c.b : c.a;
    if (!constraints.partners.includes(partner)) constraints.partners.push(partner);
  }
  const candidates = r.rows.filter((row) => row.id !== null)
    .map((row): StoreCandidate => (row.held
      ? { record: standardizeRow(row), studentId: heldStudentId(row.id), stateCode: row.state_code, held: true, waitsFor: row.waits_for }
      : { record: standardizeRow(row), studentId: row.msix_id!, stateCode: row.state_code }));
  return { candidates, constraints, currentLink: r.rows[0]?.cur ?? null, openReview: r.rows[0]?.open_review ?? null };
}
