import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDb, STORE_KINDS } from '../support/db.js';
import type { Db } from '../../core/store/db.js';
import { generatePopulation, type SyntheticRecord } from '../../lab/matching/synthetic/generator.js';
import { runBatchLoad } from '../../core/matching-store/batch-load.js';
import { insertPending, personToStateRecord } from '../../lab/matching/store-fixtures.js';
import { consolidation, match, storeRecord } from './helpers.js';

const SIZE = { postgres: 3000, pglite: 800 } as const;

/** Pairwise precision and recall of the store's links against the generator's truth. */
async function quality(db: Db, truth: Map<string, SyntheticRecord>, storeIds: Map<string, string>) {
  const r = await db.query<{ record_id: string; msix_id: string }>('SELECT record_id, msix_id FROM links');
  const student = new Map(r.rows.map((x) => [x.record_id, x.msix_id]));
  const byChild = new Map<number, string[]>();
  for (const [rid, s] of truth)
    (byChild.get(s.childId) ?? byChild.set(s.childId, []).get(s.childId)!).push(storeIds.get(rid)!);
  let tp = 0;
  let fn = 0;
  for (const ids of byChild.values())
    for (let i = 0; i < ids.length; i++)
      for (let j = i + 1; j < ids.length; j++) {
        const a = student.get(ids[i]!);
        const b = student.get(ids[j]!);
        if (a && a === b) tp++;
        else fn++;
      }
  const childOf = new Map([...truth].map(([rid, s]) => [storeIds.get(rid)!, s]));
  const byStudent = new Map<string, string[]>();
  for (const [rid, s] of student) (byStudent.get(s) ?? byStudent.set(s, []).get(s)!).push(rid);
  let fp = 0;
  let twinsMerged = 0;
  for (const ids of byStudent.values())
    for (let i = 0; i < ids.length; i++)
      for (let j = i + 1; j < ids.length; j++) {
        const a = childOf.get(ids[i]!)!;
        const b = childOf.get(ids[j]!)!;
        if (a.childId !== b.childId) {
          fp++;
          if (a.twinGroup !== null && a.twinGroup === b.twinGroup) twinsMerged++;
        }
      }
  return { precision: tp / Math.max(1, tp + fp), recall: tp / Math.max(1, tp + fn), twinsMerged };
}

describe.each(STORE_KINDS)('bulk matching of a national load on %s', (kind) => {
  let db: Db;
  let drop: () => Promise<void>;
  const people = [...generatePopulation({ records: SIZE[kind], seed: 11 })];
  const truth = new Map(people.map((p) => [p.record.recordId, p]));
  let storeIds: Map<string, string>;
  beforeAll(async () => {
    ({ db, drop } = await freshDb(kind));
    storeIds = await insertPending(
      db,
      people.map((p) => p.record),
    );
  });
  afterAll(async () => {
    await drop?.();
  });

  it('links every pending record in one pass, with students, keys, explanations and reviews', async () => {
    const report = await runBatchLoad(db, { consolidation, chunkRecords: 700 });
    expect(report.pending).toBe(storeIds.size);
    expect(report.linked + report.reviews).toBe(report.pending);
    expect(report.reviews / report.pending).toBeLessThan(0.05);
    const pending = await db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM state_records WHERE match_status = 'pending'`,
    );
    expect(pending.rows[0]!.n).toBe(0);
    const q = await quality(db, new Map([...truth].filter(([rid]) => storeIds.has(rid))), storeIds);
    expect(q.twinsMerged).toBe(0);
    expect(q.precision).toBeGreaterThan(0.98);
    expect(q.recall).toBeGreaterThan(0.9);
    const noKeys = await db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM state_records s WHERE NOT EXISTS (SELECT 1 FROM blocking_keys b
       WHERE b.record_id = s.id)`,
    );
    expect(noKeys.rows[0]!.n).toBe(0);
    const students = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM students WHERE view = '{}'::jsonb`);
    expect(students.rows[0]!.n).toBe(0);
    const sample = await db.query<{ explanation: { decision: string; rulesVersion: string } }>(
      `SELECT explanation FROM links WHERE link_type = 'auto' LIMIT 1`,
    );
    expect(sample.rows[0]!.explanation).toMatchObject({
      decision: 'batch',
      rulesVersion: expect.stringMatching(/^person-/),
    });
    const hist = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM link_history WHERE cause = 'batch'`);
    expect(hist.rows[0]!.n).toBe(report.linked);
  });

  it('runs again as a no-op, and incremental matching continues from its students', async () => {
    const again = await runBatchLoad(db, { consolidation });
    expect(again.pending).toBe(0);
    // A new record of an already loaded child links to that child's student.
    const known = people.find((p) => p.record.firstName && p.record.birthDate && storeIds.has(p.record.recordId))!;
    const student = (
      await db.query<{ msix_id: string }>('SELECT msix_id FROM links WHERE record_id = $1', [
        storeIds.get(known.record.recordId),
      ])
    ).rows[0]?.msix_id;
    const rec = personToStateRecord({ ...known.record, state: 'WA', stateStudentId: 'NEW-ARRIVAL' });
    const stored = await storeRecord(db, rec);
    const out = await match(db, stored.id);
    if (student) expect(out).toMatchObject({ kind: 'linked', msixId: student });
  });
});
