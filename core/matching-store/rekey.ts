/**
 * Re-keying the store after a change of matching rules. Blocking keys are
 * computed when a record is matched, so records matched under earlier rules
 * keep the keys of those rules: an arriving record looks them up with the new
 * keys and can miss them. This recomputes the keys of every matched record,
 * page by page, writing only the records whose keys changed, so a second run
 * writes nothing. Links, students and reviews are not touched: re-matching
 * is a separate decision (`npm run match:load` for pending records).
 */
import { blockingKeys } from '../matching/blocking.js';
import type { Db } from '../store/db.js';
import { standardizeStored, type StoredIdentityRow } from './person.js';

export interface RekeyOptions {
  /** Records read and written per transaction (default 2,000). */
  pageRows?: number;
  onProgress?: (done: number) => void;
}

export interface RekeyReport {
  /** Matched, active records examined. */
  records: number;
  /** Records whose stored keys differed and were replaced. */
  changed: number;
  keysAdded: number;
  keysRemoved: number;
  ms: number;
}

type Row = StoredIdentityRow & { keys: string[] | null };

/** Recomputes the blocking keys of every matched record with the engine's current rules. */
export async function rekeyStore(db: Db, options: RekeyOptions = {}): Promise<RekeyReport> {
  const started = performance.now();
  const pageRows = options.pageRows ?? 2000;
  const report: RekeyReport = { records: 0, changed: 0, keysAdded: 0, keysRemoved: 0, ms: 0 };
  let after = '00000000-0000-0000-0000-000000000000';
  for (;;) {
    const page = await db.transaction(async (tx) => {
      const r = await tx.query<Row>(
        `SELECT s.id, s.state_code, s.state_student_id, s.record->'identity' AS identity,
         s.record->'parents' AS parents,
                (SELECT array_agg(b.key) FROM blocking_keys b WHERE b.record_id = s.id) AS keys
         FROM state_records s
         WHERE s.status = 'active' AND s.match_status <> 'pending' AND s.id > $1
         ORDER BY s.id LIMIT $2`,
        [after, pageRows],
      );
      const del: string[] = [];
      const addKey: string[] = [];
      const addRecord: string[] = [];
      for (const row of r.rows) {
        const std = standardizeStored(row);
        const want = new Set(blockingKeys(std));
        const have = new Set(row.keys ?? []);
        const added = [...want].filter((k) => !have.has(k));
        const removed = [...have].filter((k) => !want.has(k));
        if (added.length === 0 && removed.length === 0) continue;
        report.changed++;
        report.keysAdded += added.length;
        report.keysRemoved += removed.length;
        if (removed.length > 0) del.push(row.id);
        for (const k of want) {
          addKey.push(k);
          addRecord.push(row.id);
        }
      }
      if (del.length > 0) await tx.query('DELETE FROM blocking_keys WHERE record_id = ANY($1::uuid[])', [del]);
      if (addKey.length > 0) {
        await tx.query(
          'INSERT INTO blocking_keys (key, record_id) SELECT * FROM unnest($1::text[], $2::uuid[]) ON ' +
            'CONFLICT DO NOTHING',
          [addKey, addRecord],
        );
      }
      return r.rows;
    });
    report.records += page.length;
    options.onProgress?.(report.records);
    if (page.length < pageRows) break;
    after = page[page.length - 1]!.id;
  }
  report.ms = performance.now() - started;
  return report;
}
