/**
 * Concurrent Ed-Fi writes for one child: each rebuilds the canonical record
 * from the child's documents, so without the per-student lock a write could
 * store a record that misses a document committed next to it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSystem, type TestSystem } from '../support/system.js';
import { edfiClient, type EdfiClient } from './support/client.js';
import { lea, program, school, smepa, ssa, student } from './support/fixtures.js';

let sys: TestSystem;
let tx: EdfiClient;
beforeAll(async () => {
  sys = await startSystem({ env: { RATE_LIMIT_MAX: '100000' } });
  tx = await edfiClient(sys, 'TX');
  for (const [r, b] of [
    ['localEducationAgencies', lea()],
    ['schools', school()],
    ['programs', program()],
    ['students', student('604821')],
  ] as const) {
    expect((await tx.post(r, b)).statusCode).toBe(201);
  }
});
afterAll(async () => {
  await sys?.close();
});

describe('concurrent writes for one student', () => {
  it('leave a canonical record with every document, and one version per change', async () => {
    const dates = Array.from(
      { length: 12 },
      (_, i) => `2025-${String(1 + (i % 12)).padStart(2, '0')}-${String(10 + i).padStart(2, '0')}`,
    );
    const results = await Promise.all([
      ...dates.map((d) => tx.post('studentSchoolAssociations', ssa('604821', { entryDate: d }))),
      tx.post('studentMigrantEducationProgramAssociations', smepa('604821')),
      // The same new student twice at once: one creates, the other updates nothing.
      tx.post('students', student('604822')),
      tx.post('students', student('604822')),
    ]);
    expect(results.map((r) => r.statusCode).sort()).toEqual([...Array(14).fill(201), 200].sort());
    const rec = await sys.db.query<{ version: number; record: { enrollments: unknown[]; qualifyingMoves: unknown[] } }>(
      `SELECT version, record FROM state_records WHERE state_student_id = '604821'`,
    );
    expect(rec.rows[0]!.record.enrollments).toHaveLength(12);
    expect(rec.rows[0]!.record.qualifyingMoves).toHaveLength(1);
    expect(rec.rows[0]!.version).toBe(14);
    expect((await sys.db.query(`SELECT 1 FROM state_records WHERE state_student_id = '604822'`)).rowCount).toBe(1);
  });
});
