import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDb, STORE_KINDS } from '../support/db.js';
import type { Db } from '../../core/store/db.js';
import { getStudent } from '../../core/students.js';
import { child, linkOf, match, store, storeAndMatch } from './helpers.js';

/** The engine in the store: links, new students, near matches, updates and withdrawals, on both engines. */
describe.each(STORE_KINDS)('matching in the store on %s', (kind) => {
  let db: Db;
  let drop: () => Promise<void>;
  beforeAll(async () => {
    ({ db, drop } = await freshDb(kind));
  });
  afterAll(async () => {
    await drop?.();
  });

  it("links one child's records from three states with an explanation and the rules version", async () => {
    const a = await storeAndMatch(db, child(1, 0, 'TX'));
    const b = await storeAndMatch(db, child(1, 1, 'MI'));
    const c = await storeAndMatch(db, child(1, 2, 'FL'));
    expect(a.outcome).toMatchObject({ kind: 'linked', linkType: 'new' });
    expect(b.outcome).toMatchObject({ kind: 'linked', linkType: 'auto' });
    expect(c.outcome).toMatchObject({ kind: 'linked', linkType: 'auto' });
    const msix = await linkOf(db, a.id);
    expect(await linkOf(db, b.id)).toBe(msix);
    expect(await linkOf(db, c.id)).toBe(msix);
    const link = (
      await db.query<{ score: number; rules_version: string; explanation: { best: { fields: unknown } } }>(
        'SELECT score, rules_version, explanation FROM links WHERE record_id = $1',
        [b.id],
      )
    ).rows[0]!;
    expect(link.score).toBeGreaterThan(0.99);
    expect(link.rules_version).toMatch(/^person-/);
    expect(link.explanation).toMatchObject({
      decision: 'link',
      reason: 'score',
      rulesVersion: link.rules_version,
      best: { recordId: a.id },
    });
    const fields = link.explanation.best.fields as {
      field: string;
      level: string | null;
      weight: number;
      value: string | null;
    }[];
    expect(fields.find((f) => f.field === 'given_name')).toMatchObject({
      level: 'exact',
      value: 'JOSE',
      otherValue: 'Jose',
    });
    expect(fields.find((f) => f.field === 'birth_date')!.weight).toBeGreaterThan(5);
    const s = await getStudent(db, msix!);
    expect(s && 'student' in s && s.student.states).toEqual(['FL', 'MI', 'TX']);
    const hist = await db.query('SELECT cause, to_msix_id FROM link_history WHERE record_id = $1', [b.id]);
    expect(hist.rows).toEqual([{ cause: 'match', to_msix_id: msix }]);
  });

  it('stores blocking keys per record and finds candidates through them', async () => {
    const a = await storeAndMatch(db, child(2, 0, 'TX'));
    const keys = await db.query<{ key: string }>('SELECT key FROM blocking_keys WHERE record_id = $1', [a.id]);
    expect(keys.rows.length).toBeGreaterThan(5);
    expect(keys.rows.map((k) => k.key)).toContain('I|TX|TX20');
  });

  it('is idempotent: a job that runs twice changes nothing the second time', async () => {
    const a = await storeAndMatch(db, child(3, 0, 'TX'));
    const before = await db.query('SELECT count(*)::int AS n FROM link_history');
    expect(await match(db, a.id)).toMatchObject({ kind: 'skipped' });
    expect((await db.query('SELECT count(*)::int AS n FROM link_history')).rows).toEqual(before.rows);
  });

  it('keeps twins apart and sends the second to review, never linking it', async () => {
    const twin = (firstName: string, id: string) => ({
      stateCode: 'WA',
      stateStudentId: id,
      identity: {
        firstName,
        lastName1: 'Martinez',
        lastName2: 'Lopez',
        sex: 'M',
        birthDate: '2015-09-03',
        multipleBirth: true,
      },
      parents: [
        { firstName: 'Guadalupe', lastName: 'Lopez', relationship: 'parent2' as const },
        { firstName: 'Miguel', lastName: 'Martinez', relationship: 'parent1' as const },
      ],
    });
    const a = await storeAndMatch(db, twin('Jose', 'TW1'));
    const b = await storeAndMatch(db, twin('Juan', 'TW2'));
    expect(a.outcome.kind).toBe('linked');
    expect(['review', 'linked']).toContain(b.outcome.kind);
    if (b.outcome.kind === 'linked') expect(b.outcome.linkType).toBe('new');
    expect(await linkOf(db, b.id)).not.toBe(await linkOf(db, a.id));
  });

  it('holds a near match unlinked in a review with the evidence', async () => {
    const a = await storeAndMatch(db, {
      stateCode: 'TX',
      stateStudentId: 'NM1',
      identity: {
        firstName: 'Marisol',
        lastName1: 'Quintanilla',
        lastName2: 'Ochoa',
        sex: 'F',
        birthDate: '2011-03-14',
      },
    });
    // Everything agrees but the sex: a typing slip or another child; the engine never decides that alone.
    const b = await storeAndMatch(db, {
      stateCode: 'CA',
      stateStudentId: 'NM2',
      identity: {
        firstName: 'Marisol',
        lastName1: 'Quintanilla',
        lastName2: 'Ochoa',
        sex: 'M',
        birthDate: '2011-03-14',
      },
    });
    expect(a.outcome.kind).toBe('linked');
    expect(b.outcome).toMatchObject({ kind: 'review', msixId: null });
    expect(await linkOf(db, b.id)).toBeNull();
    const rec = await db.query<{ match_status: string }>('SELECT match_status FROM state_records WHERE id = $1', [
      b.id,
    ]);
    expect(rec.rows[0]!.match_status).toBe('review');
    const rv = (
      await db.query<{ reason: string; explanation: { best: unknown } }>(
        'SELECT * FROM match_reviews WHERE record_id = $1',
        [b.id],
      )
    ).rows[0]!;
    expect(rv).toMatchObject({
      status: 'open',
      kind: 'near-match',
      state_code: 'CA',
      candidate_msix_ids: [await linkOf(db, a.id)],
    });
    expect(rv.reason).toBe('conflict');
    expect(rv.explanation.best).toMatchObject({ recordId: a.id, conflicts: ['sex-disagreement'] });
    const ev = await db.query<{ kind: string }>('SELECT kind FROM student_events WHERE record_id = $1', [b.id]);
    expect(ev.rows.map((e) => e.kind)).toEqual(['review-opened']);
  });

  it("replaces a record's keys on update and removes them when it is withdrawn", async () => {
    const over = child(4, 0, 'TX');
    const a = await storeAndMatch(db, over);
    const msix = await linkOf(db, a.id);
    const upd = await store(db, { ...over, identity: { ...over.identity, firstName: 'Mariana' } });
    expect(upd.version).toBe(2);
    expect(await match(db, a.id, 2)).toMatchObject({ kind: 'refreshed', msixId: msix });
    const keys = (
      await db.query<{ key: string }>('SELECT key FROM blocking_keys WHERE record_id = $1', [a.id])
    ).rows.map((k) => k.key);
    expect(keys.some((k) => k.startsWith('N|MARIANA'))).toBe(true);
    expect(keys.some((k) => k.startsWith('N|MARIA|'))).toBe(false);
    const gone = await store(db, { ...over, action: 'delete' });
    expect(await match(db, a.id, gone.version)).toMatchObject({ kind: 'refreshed', msixId: msix });
    expect((await db.query('SELECT key FROM blocking_keys WHERE record_id = $1', [a.id])).rows).toEqual([]);
    const events = await db.query<{ kind: string }>(
      'SELECT kind FROM student_events WHERE record_id = $1 ORDER BY id',
      [a.id],
    );
    expect(events.rows.map((e) => e.kind)).toEqual(['student-created', 'record-updated', 'record-withdrawn']);
  });
});
