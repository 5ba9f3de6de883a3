import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDb, STORE_KINDS } from '../support/db.js';
import type { Db } from '../../core/store/db.js';
import { getReview, listReviews, resolveReview } from '../../core/matching-store/reviews.js';
import { createMergeRequest, rejectMergeRequest } from '../../core/matching-store/merge-requests.js';
import { recordInState } from '../../core/security/disclosure.js';
import { consolidation, linkOf, match, store, storeAndMatch } from './helpers.js';

const admin = (id: string, state: string | null) => ({ id, state, roles: ['data-admin'] });
const marisol = (state: string, id: string, sex: 'F' | 'M', extra: Record<string, string> = {}) => ({
  stateCode: state,
  stateStudentId: id,
  identity: {
    firstName: 'Marisol',
    lastName1: 'Quintanilla',
    lastName2: 'Ochoa',
    sex,
    birthDate: '2011-03-14',
    ...extra,
  },
});

describe.each(STORE_KINDS)('near-match worklist on %s', (kind) => {
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

  let master: string;
  let held: Awaited<ReturnType<typeof storeAndMatch>>;
  let reviewId: string;

  it('lists open reviews by state, age and score', async () => {
    const a = await storeAndMatch(db, marisol('TX', 'A1', 'F'));
    master = (await linkOf(db, a.id))!;
    held = await storeAndMatch(db, marisol('CA', 'B1', 'M'));
    expect(held.outcome).toMatchObject({ kind: 'review', msixId: null });
    const ca = await listReviews(db, { state: 'CA', status: 'open', limit: 10, offset: 0 });
    expect(ca.total).toBe(1);
    reviewId = ca.items[0]!.id;
    expect(ca.items[0]).toMatchObject({
      recordId: held.id,
      stateCode: 'CA',
      stateStudentId: 'B1',
      kind: 'near-match',
      candidateMsixIds: [master],
      ageDays: 0,
      version: 1,
    });
    expect((await listReviews(db, { state: 'TX', limit: 10, offset: 0 })).total).toBe(0);
    expect((await listReviews(db, { minAgeDays: 1, limit: 10, offset: 0 })).total).toBe(0);
    expect((await listReviews(db, { maxAgeDays: 0, minScore: 0.5, maxScore: 1, limit: 10, offset: 0 })).total).toBe(1);
    expect((await listReviews(db, { maxScore: 0.1, limit: 10, offset: 0 })).total).toBe(0);
    const detail = await getReview(db, reviewId);
    expect(detail?.explanation.best?.fields.find((f) => f.field === 'sex')).toMatchObject({
      level: 'disagree',
      value: 'M',
      otherValue: 'F',
    });
  });

  it('refuses another state, a stale version and a bad target; then resolves "same" once', async () => {
    const base = {
      reviewId,
      decision: 'same' as const,
      msixId: master,
      actor: admin('ca-admin', 'CA'),
      scopeState: 'CA',
      traceId: null,
    };
    expect(await resolveReview(deps, { ...base, ifMatch: 1, scopeState: 'TX' })).toMatchObject({ kind: 'forbidden' });
    expect(await resolveReview(deps, { ...base, ifMatch: 7 })).toEqual({ kind: 'stale', version: 1 });
    expect(await resolveReview(deps, { ...base, ifMatch: 1, msixId: '100000000009' })).toMatchObject({
      kind: 'invalid',
    });
    const ok = await resolveReview(deps, { ...base, ifMatch: 1 });
    expect(ok).toMatchObject({
      kind: 'resolved',
      msixId: master,
      outcome: 'linked',
      review: { status: 'resolved', decision: 'same', decidedBy: 'ca-admin', version: 2 },
    });
    expect(await resolveReview(deps, { ...base, ifMatch: 2 })).toMatchObject({
      kind: 'already-decided',
      status: 'resolved',
      decidedBy: 'ca-admin',
    });
    const link = await db.query<{ msix_id: string; link_type: string; explanation: unknown }>(
      'SELECT msix_id, link_type, explanation FROM links WHERE record_id = $1',
      [held.id],
    );
    expect(link.rows[0]).toMatchObject({
      msix_id: master,
      link_type: 'manual',
      explanation: { decision: 'manual', reason: 'review-same', decidedBy: 'ca-admin' },
    });
    const c = await db.query<{ kind: string }>(
      `SELECT kind FROM match_constraints WHERE revoked_at IS NULL AND (record_a = $1 OR record_b = $1)`,
      [held.id],
    );
    expect(c.rows.map((x) => x.kind)).toEqual(['must-link']);
    const audit = await db.query<{ action: string; msix_id: string }>(
      `SELECT action, msix_id FROM audit_events WHERE action = 'match-review.resolve'`,
    );
    expect(audit.rows).toEqual([{ action: 'match-review.resolve', msix_id: master }]);
  });

  it('keeps a manual decision when the record is updated (sticky)', async () => {
    const upd = await store(db, marisol('CA', 'B1', 'M', { middleName: 'Luz' }));
    expect(await match(db, held.id, upd.version)).toEqual({ kind: 'refreshed', msixId: master });
    expect((await listReviews(db, { status: 'open', state: 'CA', limit: 10, offset: 0 })).total).toBe(0);
  });

  it('"different" gives the record its own student and the engine never proposes that pair again', async () => {
    const c = await storeAndMatch(db, marisol('FL', 'C1', 'M'));
    expect(c.outcome.kind).toBe('review');
    const rv = (await listReviews(db, { state: 'FL', status: 'open', limit: 10, offset: 0 })).items[0]!;
    expect(rv.candidateMsixIds).toEqual([master]);
    const res = await resolveReview(deps, {
      reviewId: rv.id,
      decision: 'different',
      ifMatch: rv.version,
      actor: admin('fl-admin', 'FL'),
      scopeState: 'FL',
      traceId: null,
    });
    expect(res).toMatchObject({ kind: 'resolved', outcome: 'new-student' });
    const own = await linkOf(db, c.id);
    expect(own).not.toBe(master);
    const upd = await store(db, marisol('FL', 'C1', 'M', { middleName: 'Ines' }));
    expect(await match(db, c.id, upd.version)).toEqual({ kind: 'refreshed', msixId: own });
    expect((await listReviews(db, { status: 'open', limit: 10, offset: 0 })).total).toBe(0);
  });

  it('answers locked while a merge request holds a candidate student', async () => {
    const d = await storeAndMatch(db, marisol('WA', 'D1', 'M'));
    expect(d.outcome.kind).toBe('review');
    const rv = (await listReviews(db, { state: 'WA', status: 'open', limit: 10, offset: 0 })).items[0]!;
    const other = await storeAndMatch(db, {
      stateCode: 'TX',
      stateStudentId: 'OTHER',
      identity: { firstName: 'Beto', lastName1: 'Salinas', birthDate: '2014-02-11' },
    });
    const req = await createMergeRequest(
      deps,
      { kind: 'merge', masterMsixId: master, mergedMsixIds: [(await linkOf(db, other.id))!] },
      {
        actor: admin('tx-admin', 'TX'),
        scopeState: 'TX',
        // The gateway's record ground: master holds an enrolled Texas record, so Texas may name it.
        sees: async (tx: Db, id: string) =>
          (await recordInState.check(tx, { state: 'TX', subject: 'tx-admin' }, id)) !== null,
        traceId: null,
      },
    );
    expect(req.kind).toBe('created');
    const res = await resolveReview(deps, {
      reviewId: rv.id,
      decision: 'same',
      msixId: master,
      ifMatch: rv.version,
      actor: admin('wa-admin', 'WA'),
      scopeState: 'WA',
      traceId: null,
    });
    expect(res).toMatchObject({ kind: 'locked', msixIds: [master] });
    if (req.kind === 'created')
      await rejectMergeRequest(deps, req.request.id, {
        actor: admin('tx-admin', 'TX'),
        scopeState: 'TX',
        traceId: null,
        ifMatch: null,
      });
    expect(
      await resolveReview(deps, {
        reviewId: rv.id,
        decision: 'same',
        msixId: master,
        ifMatch: rv.version,
        actor: admin('wa-admin', 'WA'),
        scopeState: 'WA',
        traceId: null,
      }),
    ).toMatchObject({ kind: 'resolved' });
  });
});
