import { afterAll, beforeAll, describe, expect, it } from 'vitest';
/**
 * The state records aggregate has one write path (core/records.ts over the SQL function apply_state_records
 * in core/records.sql): one record is a batch of one. These tests check that a batch gives exactly what the
 * same records applied one at a time give, including batches that mix states and name a student twice.
 */
import { applyStateRecord, applyStateRecords } from '../../core/records.js';
import type { Db } from '../../core/store/db.js';
import { CODESET_VERSION, type StateRecord } from '@msix/adapter-sdk/canonical';
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

describe('state records: one write path', () => {
  it('a batch gives exactly the outcomes and rows of the same records one at a time', async () => {
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

  it('applies a student named twice in one batch in order, and a batch that mixes states', async () => {
    const outs = await db.transaction((tx) =>
      applyStateRecords(
        tx,
        [
          rec('UT', 'X', 'insert'),
          rec('ID', 'X', 'insert'),
          rec('UT', 'X', 'update', 'Xena'),
          rec('UT', 'X', 'update', 'Xena'),
          rec('ID', 'X', 'delete'),
          rec('UT', 'Y', 'delete'),
        ].map((record) => ({ record, codesetVersion: CODESET_VERSION })),
        null,
      ),
    );
    expect(outs.map((o) => [o.stateStudentId, o.status, o.version, o.needsMatch])).toEqual([
      ['X', 'created', 1, true],
      ['X', 'created', 1, true],
      ['X', 'updated', 2, true],
      ['X', 'unchanged', 2, false],
      ['X', 'withdrawn', 2, true],
      ['Y', 'not_found', 0, false],
    ]);
    const ut = await db.query<{ first_name: string; last_exchange_id: string | null }>(
      "SELECT first_name, last_exchange_id FROM state_records WHERE state_code = 'UT' AND state_student_id = 'X'",
    );
    expect(ut.rows).toEqual([{ first_name: 'Xena', last_exchange_id: null }]);
  });

  it('keeps the name and birth date columns from the record, and writes nothing for an empty batch', async () => {
    expect(await db.transaction((tx) => applyStateRecords(tx, [], null))).toEqual([]);
    await db.transaction((tx) => applyStateRecord(tx, rec('CO', 'N', 'insert', 'Nélida'), CODESET_VERSION, null));
    const r = await db.query<Record<string, unknown>>(
      "SELECT first_name, last_name1, birth_date::text AS bd, match_status FROM state_records WHERE state_code = 'CO'",
    );
    expect(r.rows).toEqual([{ first_name: 'Nélida', last_name1: 'García', bd: '2012-03-14', match_status: 'pending' }]);
  });
});
