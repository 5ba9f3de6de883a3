import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDb, STORE_KINDS } from '../support/db.js';
import type { Db } from '../../core/store/db.js';
import { getReview, resolveReview } from '../../core/matching-store/reviews.js';
import { A, B, C, admin, liveStudents, openReview } from './held-scene.js';
import { consolidation, linkOf, match, store, storeAndMatch } from './helpers.js';

/**
 * Before held records were candidates, C saw only A and started a second student for the same child (held-scene.ts).
 */
describe.each(STORE_KINDS)('held near-match records as candidates on %s', (kind) => {
  let db: Db;
  let drop: () => Promise<void>;
  let deps: { db: Db; consolidation: typeof consolidation };
  beforeAll(async () => {
    ({ db, drop } = await freshDb(kind));
    deps = { db, consolidation };
  });
  afterAll(async () => {
    await drop?.();
  });

  const students = () => liveStudents(db);
  const openReviewOf = (recordId: string) => openReview(db, recordId);

  /** A linked, B held against A's student, C arrived: returns the ids. */
  async function scene(n: string) {
    const a = await storeAndMatch(db, A(n));
    const s = (await linkOf(db, a.id))!;
    const b = await storeAndMatch(db, B(n));
    expect(b.outcome).toMatchObject({ kind: 'review', msixId: null });
    const before = await students();
    const c = await storeAndMatch(db, C(n));
    return { a, b, c, s, before };
  }

  it("a later arrival that is clearly a held record's child is held with it, not made a second student", async () => {
    const { b, c, s, before } = await scene('1');
    expect(c.outcome).toMatchObject({ kind: 'review', msixId: null });
    expect(await students()).toBe(before);
    expect(await linkOf(db, c.id)).toBeNull();
    const rv = (await openReviewOf(c.id))!;
    expect(rv).toMatchObject({ reason: 'held-match', waits_for_record: b.id, candidate_msix_ids: [s] });
    const detail = (await getReview(db, rv.id))!;
    expect(detail.explanation).toMatchObject({
      decision: 'review',
      reason: 'held-match',
      waitsFor: b.id,
      best: { recordId: b.id },
    });
    expect(detail.explanation.best!.probability).toBeGreaterThan(0.99);
    expect(detail.explanation.held?.[0]?.recordId).toBe(b.id);
    // Held records never appear as students in an explanation.
    expect(detail.explanation.students.every((x) => /^\d{12}$/.test(x.msixId))).toBe(true);
  });

  it('follows the held record when its review is resolved "same": all three records in one student', async () => {
    const { b, c, s } = await scene('2');
    const rv = (await openReviewOf(b.id))!;
    const res = await resolveReview(deps, {
      reviewId: rv.id,
      decision: 'same',
      msixId: s,
      ifMatch: rv.version,
      actor: admin('ca-admin', 'CA'),
      scopeState: 'CA',
      traceId: null,
    });
    expect(res).toMatchObject({ kind: 'resolved', outcome: 'linked', msixId: s });
    expect(await linkOf(db, c.id)).toBe(s);
    expect(await openReviewOf(c.id)).toBeNull();
    const link = (
      await db.query<{ link_type: string; explanation: { best: { recordId: string } } }>(
        'SELECT link_type, explanation FROM links WHERE record_id = $1',
        [c.id],
      )
    ).rows[0]!;
    expect(link.link_type).toBe('auto');
    expect(link.explanation.best.recordId).toBe(b.id);
    const hist = await db.query('SELECT cause FROM link_history WHERE record_id = $1', [c.id]);
    expect(hist.rows).toEqual([{ cause: 'held-resolved' }]);
  });

  it(
    'follows the held record when its review is resolved ' + '"different": B and C start one new student together',
    async () => {
      const { b, c, s, before } = await scene('3');
      const rv = (await openReviewOf(b.id))!;
      const res = await resolveReview(deps, {
        reviewId: rv.id,
        decision: 'different',
        ifMatch: rv.version,
        actor: admin('ca-admin', 'CA'),
        scopeState: 'CA',
        traceId: null,
      });
      expect(res).toMatchObject({ kind: 'resolved', outcome: 'new-student' });
      const s2 = (await linkOf(db, b.id))!;
      expect(s2).not.toBe(s);
      expect(await linkOf(db, c.id)).toBe(s2);
      expect(await students()).toBe(before + 1);
    },
  );

  it(
    'keeps manual decisions: a record ruled "not this ' + 'student" stays out of it after the held record joins it',
    async () => {
      const { a, b, c, s } = await scene('4');
      // The Florida administrator rules C is not A's student; C is still clearly B's child, so it waits for B again.
      const rc = (await openReviewOf(c.id))!;
      const resC = await resolveReview(deps, {
        reviewId: rc.id,
        decision: 'different',
        ifMatch: rc.version,
        actor: admin('fl-admin', 'FL'),
        scopeState: 'FL',
        traceId: null,
      });
      expect(resC).toMatchObject({ kind: 'resolved', outcome: 'review' });
      expect(await openReviewOf(c.id)).toMatchObject({ reason: 'held-match', waits_for_record: b.id });
      // California rules B is A's student: C does not follow B into it (its cannot-link with A wins).
      const rb = (await openReviewOf(b.id))!;
      await resolveReview(deps, {
        reviewId: rb.id,
        decision: 'same',
        msixId: s,
        ifMatch: rb.version,
        actor: admin('ca-admin', 'CA'),
        scopeState: 'CA',
        traceId: null,
      });
      expect(await linkOf(db, b.id)).toBe(s);
      const cNow = await linkOf(db, c.id);
      expect(cNow).not.toBe(s);
      expect(await linkOf(db, a.id)).toBe(s);
    },
  );

  it('a held record that is withdrawn releases the records held with it', async () => {
    const { b, c, s, before } = await scene('5');
    const gone = await store(db, { ...B('5'), action: 'delete' });
    expect(await match(db, b.id, gone.version)).toMatchObject({ kind: 'skipped' });
    // C no longer has anyone to wait for: the engine places it on its own (far from A: a new student).
    const cNow = await linkOf(db, c.id);
    expect(cNow).not.toBeNull();
    expect(cNow).not.toBe(s);
    expect(await openReviewOf(c.id)).toBeNull();
    expect(await students()).toBe(before + 1);
  });
});
