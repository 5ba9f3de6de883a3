import type { Db } from './store/db.js';
import type { MsixId } from '../specs/ids.js';
import type { MatchJob } from './jobs.js';
import { createStudent, refreshStudent } from './students.js';
import type { ConsolidationOptions } from './consolidate.js';
import { emitStudentEvent } from './events.js';

export const DETERMINISTIC_RULES_VERSION = 'deterministic-1';

export type MatchOutcome =
  | { kind: 'skipped'; reason: string }
  | { kind: 'linked'; msixId: MsixId; linkType: 'new' | 'auto'; score: number | null }
  | { kind: 'refreshed'; msixId: MsixId };

export interface LinkingDeps {
  db: Db;
  consolidation: ConsolidationOptions;
}

/**
 * Places one state record under a consolidated student. Idempotent: a record
 * that is no longer pending is left alone, so a job that runs twice changes
 * nothing the second time. Concurrent jobs for records with the same birth
 * date are serialized by an advisory lock, so two states' records of one
 * child arriving together never create two students.
 */
export async function matchRecord(deps: LinkingDeps, job: MatchJob): Promise<MatchOutcome> {
  return deps.db.transaction(async (tx) => {
    const rec = await tx.query<{ id: string; state_code: string; status: string; match_status: string; version: number; first_name: string; last_name1: string; birth_date: string | null }>(
      `SELECT id, state_code, status, match_status, version, first_name, last_name1, to_char(birth_date, 'YYYY-MM-DD') AS birth_date
       FROM state_records WHERE id = $1`, [job.recordId],
    );
    const r = rec.rows[0];
    if (!r) return { kind: 'skipped', reason: 'record no longer exists' };
    await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`match:${r.birth_date ?? 'none'}`]);
    const fresh = await tx.query<{ match_status: string }>('SELECT match_status FROM state_records WHERE id = $1 FOR UPDATE', [r.id]);
    if (fresh.rows[0]?.match_status !== 'pending') return { kind: 'skipped', reason: 'already matched' };

    const existing = await tx.query<{ msix_id: MsixId }>('SELECT msix_id FROM links WHERE record_id = $1', [r.id]);
    if (existing.rows[0]) {
      const msixId = existing.rows[0].msix_id;
      await refreshStudent(tx, msixId, deps.consolidation);
      await tx.query(`UPDATE state_records SET match_status = 'matched' WHERE id = $1`, [r.id]);
      await emitStudentEvent(tx, { msixId, recordId: r.id, stateCode: r.state_code, kind: r.status === 'active' ? 'record-updated' : 'record-withdrawn', details: { version: r.version }, traceId: job.traceId });
      return { kind: 'refreshed', msixId };
    }
    if (r.status !== 'active') {
      await tx.query(`UPDATE state_records SET match_status = 'matched' WHERE id = $1`, [r.id]);
      return { kind: 'skipped', reason: 'withdrawn record was never linked' };
    }
    const cand = await tx.query<{ msix_id: MsixId }>(
      `SELECT l.msix_id FROM state_records s JOIN links l ON l.record_id = s.id
       WHERE s.id <> $1 AND s.status = 'active' AND s.birth_date = $2::date
         AND upper(s.first_name) = upper($3) AND upper(s.last_name1) = upper($4)
       ORDER BY l.linked_at LIMIT 1`, [r.id, r.birth_date, r.first_name, r.last_name1],
    );
    const found = cand.rows[0]?.msix_id;
    const msixId = found ?? (await createStudent(tx));
    const linkType = found ? 'auto' : 'new';
    await tx.query(
      `INSERT INTO links (record_id, msix_id, link_type, score, rules_version, explanation) VALUES ($1,$2,$3,$4,$5,$6)`,
      [r.id, msixId, linkType, found ? 1 : null, DETERMINISTIC_RULES_VERSION,
        JSON.stringify(found ? { rule: 'same first name, first surname and birth date' } : { rule: 'no candidate' })],
    );
    await tx.query(`UPDATE state_records SET match_status = 'matched' WHERE id = $1`, [r.id]);
    await refreshStudent(tx, msixId, deps.consolidation);
    await emitStudentEvent(tx, { msixId, recordId: r.id, stateCode: r.state_code, kind: found ? 'record-linked' : 'student-created', details: { linkType }, traceId: job.traceId });
    return { kind: 'linked', msixId, linkType, score: found ? 1 : null };
  });
}
