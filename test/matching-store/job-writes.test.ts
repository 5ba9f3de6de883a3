import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDb, STORE_KINDS } from '../support/db.js';
import type { Db } from '../../core/store/db.js';
import { refreshStudent } from '../../core/students.js';
import type { MsixId } from '@msix/adapter-sdk/canonical';
import { child, consolidation, linkOf, match, store, storeAndMatch } from './helpers.js';

class Rollback extends Error {}

/** What `refreshStudent` would store now, without keeping it. */
async function recomputed(db: Db, msixId: string): Promise<unknown> {
  let view: unknown;
  await db
    .transaction(async (tx) => {
      view = await refreshStudent(tx, msixId as MsixId, consolidation);
      throw new Rollback();
    })
    .catch((e) => {
      if (!(e instanceof Rollback)) throw e;
    });
  return view;
}

const stored = async (db: Db, msixId: string) =>
  (
    await db.query<{ view: Record<string, unknown>; version: number }>(
      'SELECT view, version FROM students WHERE msix_id = $1',
      [msixId],
    )
  ).rows[0]!;

const withoutTime = (v: unknown) => ({ ...(v as Record<string, unknown>), updatedAt: undefined });

/**
 * The match job writes a link or a new student in one statement, with the
 * consolidated view computed beforehand: it must store exactly what the
 * step-by-step writes (link, history, `refreshStudent`, event) stored.
 */
describe.each(STORE_KINDS)('one-statement match writes on %s', (kind) => {
  let db: Db;
  let drop: () => Promise<void>;
  beforeAll(async () => {
    ({ db, drop } = await freshDb(kind));
  });
  afterAll(async () => {
    await drop?.();
  });

  it(
    'a new student: view, version, history, event and ' + 'match status as refreshStudent and writeLink leave them',
    async () => {
      const a = await storeAndMatch(db, child(41, 0, 'TX'));
      expect(a.outcome).toMatchObject({ kind: 'linked', linkType: 'new' });
      const msix = (await linkOf(db, a.id))!;
      const s = await stored(db, msix);
      expect(s.version).toBe(2);
      expect(withoutTime(s.view)).toEqual(withoutTime(await recomputed(db, msix)));
      const st = await db.query('SELECT match_status FROM state_records WHERE id = $1', [a.id]);
      expect(st.rows).toEqual([{ match_status: 'matched' }]);
      const hist = await db.query(
        'SELECT from_msix_id, to_msix_id, link_type, cause, actor FROM link_history WHERE record_id = $1',
        [a.id],
      );
      expect(hist.rows).toEqual([
        { from_msix_id: null, to_msix_id: msix, link_type: 'new', cause: 'match', actor: 'system' },
      ]);
      const ev = await db.query('SELECT kind, details, trace_id FROM student_events WHERE record_id = $1', [a.id]);
      expect(ev.rows).toEqual([{ kind: 'student-created', details: { linkType: 'new' }, trace_id: 'test' }]);
    },
  );

  it(
    'a link to an existing student: its view holds every ' + 'record, in link order, as refreshStudent computes it',
    async () => {
      const a = await storeAndMatch(db, child(42, 0, 'TX'));
      const b = await storeAndMatch(db, child(42, 1, 'MI'));
      const c = await storeAndMatch(db, child(42, 2, 'FL'));
      expect(b.outcome).toMatchObject({ kind: 'linked', linkType: 'auto' });
      expect(c.outcome).toMatchObject({ kind: 'linked', linkType: 'auto' });
      const msix = (await linkOf(db, a.id))!;
      const s = await stored(db, msix);
      expect(s.version).toBe(4);
      expect((s.view as { states: string[] }).states).toEqual(['FL', 'MI', 'TX']);
      expect(withoutTime(s.view)).toEqual(withoutTime(await recomputed(db, msix)));
      const ev = await db.query<{ kind: string; details: { linkType: string; score: number } }>(
        'SELECT kind, details FROM student_events WHERE record_id = $1',
        [c.id],
      );
      expect(ev.rows).toHaveLength(1);
      expect(ev.rows[0]).toMatchObject({ kind: 'record-linked', details: { linkType: 'auto' } });
      expect(ev.rows[0]!.details.score).toBeGreaterThan(0.9);
    },
  );

  it('a held record sent again and now linked closes its review', async () => {
    const rosalba = (sex: 'F' | 'M') => ({
      stateCode: 'OR',
      stateStudentId: 'OR-9',
      identity: { firstName: 'Rosalba', lastName1: 'Tlatelpa', lastName2: 'Xocua', sex, birthDate: '2012-06-19' },
    });
    const a = await storeAndMatch(db, { ...rosalba('F'), stateCode: 'TX', stateStudentId: 'TX-9' });
    const msix = (await linkOf(db, a.id))!;
    // Sex disagrees: a conflict, held for review.
    const held = await storeAndMatch(db, rosalba('M'));
    expect(held.outcome).toMatchObject({ kind: 'review', msixId: null });
    // The state corrects the record: it links, and its review closes.
    const again = await store(db, rosalba('F'));
    expect(again.id).toBe(held.id);
    expect(await match(db, again.id, again.version)).toMatchObject({ kind: 'linked', linkType: 'auto' });
    expect(await linkOf(db, held.id)).toBe(msix);
    const rv = await db.query('SELECT status, closed_reason FROM match_reviews WHERE record_id = $1', [held.id]);
    expect(rv.rows).toEqual([{ status: 'closed', closed_reason: 'linked' }]);
    expect(withoutTime((await stored(db, msix)).view)).toEqual(withoutTime(await recomputed(db, msix)));
  });
});
