import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDb, STORE_KINDS } from '../support/db.js';
import type { Db } from '../../core/store/db.js';
import { runBatchLoad } from '../../core/matching-store/batch-load.js';
import { getReview, resolveReview } from '../../core/matching-store/reviews.js';
import { A, B, C, admin, liveStudents, openReview } from './held-scene.js';
import { consolidation, linkOf, store, storeAndMatch } from './helpers.js';

// The scene of held-scene.ts with later records arriving in a bulk load: before held records took
// part in the load, it saw only A and started a second student for C.

/** Arizona's record of the same child, a copy of C's. */
const D = (n: string) => ({ ...C(n), stateCode: 'AZ', stateStudentId: `D${n}` });
/**
 * Arizona's record of the child, close to C (same mother and birthplace) but not to B (name and date mistyped, no sex).
 */
const E = (n: string) => {
  const c = C(n);
  return {
    ...c,
    stateCode: 'AZ',
    stateStudentId: `E${n}`,
    identity: { ...c.identity, firstName: 'Yaretsy', lastName2: undefined, birthDate: `201${n}-05-12`, sex: undefined },
  };
};

describe.each(STORE_KINDS)('bulk load with records held for review on %s', (kind) => {
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

  /** A linked and B held by match jobs; C (and D) stored pending and matched by a bulk load. */
  async function scene(n: string, withD = false) {
    const a = await storeAndMatch(db, A(n));
    const s = (await linkOf(db, a.id))!;
    const b = await storeAndMatch(db, B(n));
    expect(b.outcome).toMatchObject({ kind: 'review', msixId: null });
    const before = await students();
    const c = await store(db, C(n));
    const d = withD ? await store(db, D(n)) : null;
    const report = await runBatchLoad(db, { consolidation });
    return { a, b, c, d, s, before, report };
  }

  it(
    "a pending record that is clearly a held record's child waits for it instead of starting a second " + 'student',
    async () => {
      const { b, c, s, before, report } = await scene('1');
      expect(report).toMatchObject({ pending: 1, linked: 0, newStudents: 0, reviews: 1, heldAnchors: 1, waiting: 1 });
      expect(await students()).toBe(before);
      expect(await linkOf(db, c.id)).toBeNull();
      const status = (
        await db.query<{ match_status: string }>('SELECT match_status FROM state_records WHERE id = $1', [c.id])
      ).rows[0]!;
      expect(status.match_status).toBe('review');
      const rv = (await openReviewOf(c.id))!;
      expect(rv).toMatchObject({ reason: 'held-match', waits_for_record: b.id, candidate_msix_ids: [s] });
      const detail = (await getReview(db, rv.id))!;
      expect(detail.explanation).toMatchObject({
        decision: 'review',
        reason: 'held-match',
        waitsFor: b.id,
        best: { recordId: b.id },
      });
      expect(detail.explanation.best!.probability).toBeGreaterThan(0.9);
      expect(detail.explanation.held?.[0]?.recordId).toBe(b.id);
      expect(detail.explanation.students.every((x) => /^\d{12}$/.test(x.msixId))).toBe(true);
      // The worklist tells the candidate student about it, like a match job does.
      const ev = await db.query<{ msix_id: string }>(
        `SELECT msix_id FROM student_events WHERE record_id = $1 AND kind = 'review-opened'`,
        [c.id],
      );
      expect(ev.rows.map((r) => r.msix_id)).toEqual([s]);
      // A second load finds nothing pending and changes nothing.
      expect(await runBatchLoad(db, { consolidation })).toMatchObject({ pending: 0 });
      expect(await openReviewOf(c.id)).toMatchObject({ id: rv.id, version: rv.version });
    },
  );

  it('resolving the held record\'s review "same" places the waiting record with it', async () => {
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
    const hist = await db.query('SELECT cause FROM link_history WHERE record_id = $1', [c.id]);
    expect(hist.rows).toEqual([{ cause: 'held-resolved' }]);
  });

  it(
    'a cluster of pending records of the held child waits whole, and follows a "different" resolution into ' +
      'one new student',
    async () => {
      const { b, c, d, s, before, report } = await scene('3', true);
      expect(report).toMatchObject({ pending: 2, linked: 0, newStudents: 0, reviews: 2, waiting: 2 });
      expect(await students()).toBe(before);
      const rc = (await openReviewOf(c.id))!;
      const rd = (await openReviewOf(d!.id))!;
      expect([rc.reason, rd.reason]).toEqual(['held-match', 'held-match']);
      expect([rc.waits_for_record, rd.waits_for_record]).toEqual([b.id, b.id]);
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
      expect(await linkOf(db, d!.id)).toBe(s2);
      expect(await students()).toBe(before + 1);
    },
  );

  it(
    'keeps manual decisions: a record ruled "not this student" and sent again waits for the held record, ' +
      'and does not follow it into that student',
    async () => {
      const a = await storeAndMatch(db, A('4'));
      const s = (await linkOf(db, a.id))!;
      const b = await storeAndMatch(db, B('4'));
      const c = await storeAndMatch(db, C('4'));
      const first = (await openReviewOf(c.id))!;
      expect(first).toMatchObject({ reason: 'held-match', waits_for_record: b.id });
      // Florida rules C is not A's student (cannot-link with A); C still waits for B.
      await resolveReview(deps, {
        reviewId: first.id,
        decision: 'different',
        ifMatch: first.version,
        actor: admin('fl-admin', 'FL'),
        scopeState: 'FL',
        traceId: null,
      });
      const held = (await openReviewOf(c.id))!;
      expect(held).toMatchObject({ reason: 'held-match', waits_for_record: b.id });
      // Florida sends C again (a new course): pending, matched by a bulk load; its open review is updated in place.
      const again = await store(db, {
        ...C('4'),
        courses: [
          {
            courseTitle: 'Biology',
            subjectArea: 'Science',
            beginAcademicYear: 2025,
            endAcademicYear: 2026,
            creditsGranted: 1,
          },
        ],
      });
      expect(again.version).toBe(2);
      const report = await runBatchLoad(db, { consolidation });
      expect(report).toMatchObject({ pending: 1, newStudents: 0, reviews: 1, waiting: 1 });
      const after = (await openReviewOf(c.id))!;
      expect(after).toMatchObject({
        id: held.id,
        version: held.version + 1,
        reason: 'held-match',
        waits_for_record: b.id,
      });
      // California rules B is A's student: C does not follow B into it.
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
      expect(await linkOf(db, c.id)).not.toBe(s);
    },
  );

  it('leaves a pending record that the decision among students links alone: it links as before', async () => {
    const a = await storeAndMatch(db, A('5'));
    const s = (await linkOf(db, a.id))!;
    const b = await storeAndMatch(db, B('5'));
    expect(b.outcome).toMatchObject({ kind: 'review', msixId: null });
    // Another Texas-like record of the child (another state): a clean match of A, linked to A's student.
    const e = await store(db, { ...A('5'), stateCode: 'OK', stateStudentId: 'E5' });
    const report = await runBatchLoad(db, { consolidation });
    expect(report).toMatchObject({ pending: 1, linked: 1, waiting: 0 });
    expect(await linkOf(db, e.id)).toBe(s);
  });

  it(
    "holds a whole cluster: a record close to the held child's pending record but not to the held record " +
      'waits for that pending record',
    async () => {
      const a = await storeAndMatch(db, A('6'));
      const s = (await linkOf(db, a.id))!;
      const b = await storeAndMatch(db, B('6'));
      const before = await students();
      const c = await store(db, C('6'));
      const e = await store(db, E('6'));
      const report = await runBatchLoad(db, { consolidation });
      expect(report).toMatchObject({ pending: 2, linked: 0, newStudents: 0, reviews: 2, waiting: 2 });
      expect(await openReviewOf(c.id)).toMatchObject({
        reason: 'held-match',
        waits_for_record: b.id,
        candidate_msix_ids: [s],
      });
      const re = (await openReviewOf(e.id))!;
      expect(re).toMatchObject({ reason: 'held-match', waits_for_record: c.id, candidate_msix_ids: [s] });
      expect((await getReview(db, re.id))!.explanation).toMatchObject({ waitsFor: c.id, best: { recordId: c.id } });
      // B's review decided: B, then C (waiting for B), then E (waiting for C) are placed, in one student.
      const rb = (await openReviewOf(b.id))!;
      await resolveReview(deps, {
        reviewId: rb.id,
        decision: 'different',
        ifMatch: rb.version,
        actor: admin('ca-admin', 'CA'),
        scopeState: 'CA',
        traceId: null,
      });
      const s2 = (await linkOf(db, b.id))!;
      expect(s2).not.toBe(s);
      expect(await linkOf(db, c.id)).toBe(s2);
      expect(await linkOf(db, e.id)).toBe(s2);
      expect(await students()).toBe(before + 1);
    },
  );
});
