/**
 * The reports beside the child counts (core/reports.ts) on a real Postgres with rows made for them: the numbers,
 * the suppression of counts of 1 to 4, and a state-bound reader limited to its state. The portal's browser test
 * checks that the pages, JSON and CSV show these same numbers.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dataQuality, deadlines, mobility } from '../../core/reports.js';
import type { Scope } from '../../core/security/scope.js';
import type { Db } from '../../core/store/db.js';
import { freshDb } from '../support/db.js';

let db: Db;
let drop: () => Promise<void>;
/** The reports read only the scope's state (listState): a national reader and one bound to a state. */
const reader = (state: string | null) => ({ state }) as unknown as Scope;
const PERIOD = { from: '2026-01-01', to: '2026-12-31' };
const NOW = new Date('2026-12-03T12:00:00Z');

beforeAll(async () => {
  ({ db, drop } = await freshDb('postgres'));
  // Children moving: five from Florida to Texas, two from California to Texas, one arriving before the period.
  const moves = [...Array(5).fill('FL'), 'CA', 'CA'].map((from, i) => [from, '2026-03-01', i] as const);
  for (const [from, date, i] of [...moves, ['FL', '2025-06-01', 7] as const]) {
    const view = { qualifyingMoves: [{ stateCode: 'TX', fromState: from, qualifyingArrivalDate: date }] };
    await db.query(`INSERT INTO students (msix_id, view) VALUES ($1, $2)`, [`${100000000001 + i}`, view]);
  }
  // One Texas file: ten records accepted, six rejected (five bad grade codes, one without a birth date).
  const ex = await db.query<{ id: string }>(
    `INSERT INTO exchanges (direction, kind, state_code, status, trace_id, counts, created_at)
     VALUES ('inbound', 'file', 'TX', 'completed_with_errors', 't1', '{"accepted":10,"rejected":6}', '2026-05-02')
     RETURNING id`,
  );
  const rejected = (n: number, path: string, rule: string) => ({
    recordNumber: n,
    status: 'rejected',
    issues: [{ path, rule, severity: 'error', message: 'm', fix: 'f', value: 'never quoted' }],
  });
  const records = [
    ...[1, 2, 3, 4, 5].map((n) => rejected(n, `/enrollments/${n % 2}/gradeLevel`, 'codeset')),
    rejected(6, '/identity/birthDate', 'required'),
    { recordNumber: 7, status: 'applied', issues: [{ path: '/identity/sex', rule: 'codeset', severity: 'warning' }] },
  ];
  await db.query(`INSERT INTO ingest_reports (exchange_id, report, created_at) VALUES ($1, $2, '2026-05-02')`, [
    ex.rows[0]!.id,
    { complete: true, counts: { read: 17, applied: 10, rejected: 6 }, fileIssues: [], records },
  ]);
  // Texas asked for records six times: five answered by the deadline, one still waiting past it.
  for (const [status, completed] of [...Array(5).fill(['answered', '2026-06-02']), ['waiting', null]]) {
    await db.query(
      `INSERT INTO record_requests (exchange_id, requesting_state, requested_by, lookup, purpose, status, deadline_at,
                                    trace_id, created_at, completed_at)
       VALUES ($1, 'TX', 'c', 'msix-id', 'enrollment', $2, '2026-06-05', 't', '2026-06-01', $3)`,
      [ex.rows[0]!.id, status, completed],
    );
  }
}, 120_000);
afterAll(async () => {
  await drop?.();
});

describe('reports', () => {
  it('counts moves between states in the period, suppressing pairs of 1 to 4 children', async () => {
    const m = await mobility(db, reader(null), PERIOD);
    expect(m.states).toEqual(['CA', 'FL', 'TX']);
    expect(m.cells).toEqual([
      { fromState: 'CA', toState: 'TX', children: null },
      { fromState: 'FL', toState: 'TX', children: 5 },
    ]);
    expect((await mobility(db, reader('FL'), PERIOD)).cells).toEqual([{ fromState: 'FL', toState: 'TX', children: 5 }]);
    expect((await mobility(db, reader('WA'), PERIOD)).cells).toEqual([]);
  });

  it('reads data quality from the ledger and the file reports: causes by field and rule, no value', async () => {
    const q = await dataQuality(db, reader(null), PERIOD);
    expect(q.rows).toEqual([
      {
        state: 'TX',
        submissions: 1,
        accepted: 10,
        rejected: 6,
        rejectionRate: 0.375,
        missing: null,
        invalid: 5,
        causes: [
          { path: '/enrollments/*/gradeLevel', rule: 'codeset', records: 5 },
          { path: '/identity/birthDate', rule: 'required', records: null },
        ],
      },
    ]);
    expect(JSON.stringify(q)).not.toContain('never quoted');
    expect((await dataQuality(db, reader('FL'), PERIOD)).rows).toEqual([]);
  });

  it('counts record requests done by their deadline, and suppresses the one overdue', async () => {
    const d = await deadlines(db, reader('TX'), PERIOD, NOW);
    expect(d.rows).toEqual([
      {
        state: 'TX',
        kind: 'record-requests',
        total: 6,
        onTime: 5,
        late: 0,
        overdue: null,
        givenUp: 0,
        onTimeRate: null,
      },
    ]);
  });
});
