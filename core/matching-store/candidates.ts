/**
 * Candidates of one arriving record: the linked records that share a
 * blocking key with it, plus every record a manual decision names with it
 * (found even when no key is shared any more), each with its student.
 */
import type { MsixId } from '@msix/adapter-sdk/canonical';
import type { Candidate } from '../matching/incremental.js';
import type { StandardizedPerson } from '../matching/types.js';
import type { Db } from '../store/db.js';
import type { RecordConstraints } from './constraints.js';
import { keyLockIds, recordsByKeys } from './keys.js';
import { standardizeStored, type StoredIdentityRow } from './person.js';

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

type IdentityRow = StoredIdentityRow & { version?: number };

/**
 * Standardized candidates by record id and version, most recently used last.
 * Standardizing costs tens of microseconds a record and the same families'
 * records are candidates again and again; a version bump is a new key, so an
 * entry is never stale.
 */
const STD_CACHE_MAX = 50_000;
const stdCache = new Map<string, StandardizedPerson>();

/** Empties the cache (benchmarks: a worker meeting records it has not standardized yet). */
export function clearStandardizedCache(): void {
  stdCache.clear();
}

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
  const std = standardizeStored(r);
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
    `SELECT s.id, s.state_code, s.state_student_id, s.record->'identity' AS identity, s.record->'parents' AS parents,
     l.msix_id
     FROM state_records s JOIN links l ON l.record_id = s.id JOIN students st ON st.msix_id = l.msix_id
     WHERE s.id = ANY($1::uuid[]) AND s.status = 'active' AND st.status IN ('active', 'locked')`,
    [ids],
  );
  return r.rows.map((row) => ({ record: standardizeRow(row), studentId: row.msix_id, stateCode: row.state_code }));
}

export async function findCandidates(
  db: Db,
  opts: {
    recordId: string;
    keys: readonly string[];
    partners: readonly string[];
    extraStudents?: readonly string[];
    maxBlock: number;
  },
): Promise<StoreCandidate[]> {
  const ids = new Set(await recordsByKeys(db, opts.keys, opts.recordId, opts.maxBlock));
  for (const p of opts.partners) if (p !== opts.recordId) ids.add(p);
  if (opts.extraStudents?.length) {
    const r = await db.query<{ record_id: string }>('SELECT record_id FROM links WHERE msix_id = ANY($1::text[])', [
      opts.extraStudents,
    ]);
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
 * With `lockKeys` the statement first takes the advisory lock of every key
 * (as {@link lockKeys} in keys.ts; its reads come after the locks, with a
 * new snapshot). With `writeKeys` it replaces the record's rows in
 * `blocking_keys` (the caller holds the record's row lock, and the key locks
 * or `lockKeys`). Its own rows are never read as candidates, so the statement's
 * snapshot not seeing them does not matter.
 */
export async function fetchForDecision(
  db: Db,
  opts: { recordId: string; keys: readonly string[]; maxBlock: number; writeKeys?: boolean; lockKeys?: boolean },
): Promise<{
  candidates: StoreCandidate[];
  constraints: RecordConstraints;
  currentLink: CurrentLink | null;
  openReview: string | null;
}> {
  // The statement is the function matching_fetch (migration 061_matching_functions.sql), so its plan is prepared once
  // per connection.
  const r = await db.query<CandidateRow>(
    'SELECT * FROM matching_fetch($1::uuid, $2::text[], $3::int, $4::boolean, $5::int4[])',
    [opts.recordId, opts.keys, opts.maxBlock, opts.writeKeys === true, opts.lockKeys ? keyLockIds(opts.keys) : null],
  );
  const constraints: RecordConstraints = { mustLink: [], cannotLink: [], partners: [] };
  for (const c of r.rows[0]?.constraints ?? []) {
    (c.kind === 'must-link' ? constraints.mustLink : constraints.cannotLink).push([c.a, c.b]);
    const partner = c.a === opts.recordId ? c.b : c.a;
    if (!constraints.partners.includes(partner)) constraints.partners.push(partner);
  }
  const candidates = r.rows
    .filter((row) => row.id !== null)
    .map(
      (row): StoreCandidate =>
        row.held
          ? {
              record: standardizeRow(row),
              studentId: heldStudentId(row.id),
              stateCode: row.state_code,
              held: true,
              waitsFor: row.waits_for,
            }
          : { record: standardizeRow(row), studentId: row.msix_id!, stateCode: row.state_code },
    );
  return { candidates, constraints, currentLink: r.rows[0]?.cur ?? null, openReview: r.rows[0]?.open_review ?? null };
}
