import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyStateRecords } from '../../core/ingest/apply-batch.js';
import { applyStateRecord } from '../../core/records.js';
import type { Db } from '../../core/store/db.js';
import { CODESET_VERSION, type StateRecord } from '../../specs/index.js';
import { freshDb } from '../support/db.js';

let db: Db;
let drop: () => Promise<void>;
beforeAll(async () => {
  ({ db, drop } = await freshDb('postgres'));
});
afterAll(async () => {
  await drop?.();
});

const rec = (state: string, id: string, action: StateRecord['action'], first = 'Ana'): StateRecord => ({
  stateCode: state,
  stateStudentId: id,
  action,
  identity: { firstName: first, lastName1: 'García', birthDate: '2012-03-14' },
});

// The same sequence of submissions, one batch per step.
const steps = (state: string): StateRecord[][] => [
  [rec(state, 'A', 'insert'), rec(state, 'B', 'insert'), rec(state, 'C', 'delete')],
  [rec(state, 'A', 'insert'), rec(state, 'B', 'update', 'Bea'), rec(state, 'D', 'update')],
  [rec(state, 'A', 'delete'), rec(state, 'B', 'update', 'Bea'), rec(state, 'E', 'insert')],
  [rec(state, 'A', 'delete'), rec(state, 'A2', 'insert'), rec(state, 'B', 'delete')],
  [rec(state, 'A', 'insert'), rec(state, 'B', 'update', 'Bea')],
];

describe('set-based apply', () => {
  it('gives exactly the outcomes and rows of applyStateRecord', async () => {
    const single: unknown[] = [];
    const batch: unknown[] = [];
    for (const step of steps('NM')) {
      for (const r of step) {
        const o = await db.transaction((tx) => applyStateRecord(tx, r, CODESET_VERSION, null));
        single.push([o.stateStudentId, o.status, o.version, o.needsMatch, o.recordId === null]);
      }
    }
    for (const step of steps('AZ')) {
      const outs = await db.transaction((tx) =>
        applyStateRecords(
          tx,
          step.map((record) => ({ record, codesetVersion: CODESET_VERSION })),
          null,
        ),
      );
      for (const o of outs) batch.push([o.stateStudentId, o.status, o.version, o.needsMatch, o.recordId === null]);
    }
    expect(batch).toEqual(single);
    const rows = async (state: string) =>
      (
        await db.query<Record<string, unknown>>(
          'SELECT state_student_id, status, version, record, content_hash, first_name, last_name1, ' +
            'birth_date::text AS bd, match_status FROM state_records WHERE state_code = $1 ORDER BY ' +
            'state_student_id',
          [state],
        )
      ).rows.map((r) => ({ ...r, record: { ...(r.record as object), stateCode: 'XX' } }));
    const nm = await rows('NM');
    expect(nm.length).toBe(5);
    const strip = (xs: Record<string, unknown>[]) => xs.map(({ content_hash: _h, ...x }) => x);
    expect(strip(await rows('AZ'))).toEqual(strip(nm));
  });

  it('falls back to the per-record path for a student twice in one batch', async () => {
    const outs = await db.transaction((tx) =>
      applyStateRecords(
        tx,
        [rec('UT', 'X', 'insert'), rec('UT', 'X', 'update', 'Xena')].map((record) => ({
          record,
          codesetVersion: CODESET_VERSION,
        })),
        null,
      ),
    );
    expect(outs.map((o) => [o.status, o.version])).toEqual([
      ['created', 1],
      ['updated', 2],
    ]);
  });
});
