import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDb, STORE_KINDS } from '../support/db.js';
import type { Db } from '../../core/store/db.js';
import { getStudent } from '../../core/students.js';
import {
  approveMergeRequest,
  createMergeRequest,
  getMergeRequest,
  listMergeRequests,
  rejectMergeRequest,
  requestUndo,
} from '../../core/matching-store/merge-requests.js';
import { disclosurePolicy, recordInState } from '../../core/security/disclosure.js';
import { noticeGround } from '../../core/exchange/grounds.js';
import { child, consolidation, linkOf, match, store, storeAndMatch } from './helpers.js';

/** The gateway's grounds: an enrolled record of the state, or a move notice naming it. */
const policy = disclosurePolicy([recordInState, noticeGround]);
const who = (id: string, state: string | null) => ({
  actor: { id, state, roles: ['data-admin'] },
  scopeState: state,
  sees: async (db: Db, msixId: string) =>
    (
      await policy.decide(
        db,
        { kind: 'person', subject: id, clientId: null, state, roles: state ? ['data-admin'] : ['admin'] },
        msixId,
      )
    ).kind === 'granted',
  traceId: null,
});
/** A move notice from one state to another: the ground on which a state's administrator may name the child. */
const notice = (db: Db, msixId: string, from: string, to: string) =>
  db.query(
    `INSERT INTO move_notices (kind, dedupe_key, msix_id, from_state, to_state, created_by)
     VALUES ('move', $1, $2, $3, $4, 'test')`,
    [`test-${msixId}-${to}`, msixId, from, to],
  );
const ana = who('ana-tx', 'TX');
const bo = who('bo-tx', 'TX');

describe.each(STORE_KINDS)('merge and split with two administrators on %s', (kind) => {
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

  const linksOf = async (msixId: string) =>
    (
      await db.query<{ record_id: string; link_type: string }>(
        'SELECT record_id, link_type FROM links WHERE msix_id = $1 ORDER BY record_id',
        [msixId],
      )
    ).rows;
  const status = async (msixId: string) =>
    (
      await db.query<{ status: string; merged_into: string | null }>(
        'SELECT status, merged_into FROM students WHERE msix_id = $1',
        [msixId],
      )
    ).rows[0];

  let x: string;
  let y: string;
  let yRecord: string;
  let mergeId: string;

  it('a merge waits, locked, for a second admin; the master keeps its id; the merged id redirects', async () => {
    const a = await storeAndMatch(db, child(11, 0, 'TX'));
    const b = await storeAndMatch(db, child(52, 0, 'FL'));
    x = (await linkOf(db, a.id))!;
    y = (await linkOf(db, b.id))!;
    yRecord = b.id;
    expect(x).not.toBe(y);
    // Issue 13 finding 11: y is a Florida child; until Florida tells Texas the boy moves there, a Texas administrator
    // may not name him (nor lock him): the answer is the one for a student that does not exist.
    const refused = await createMergeRequest(deps, { kind: 'merge', masterMsixId: x, mergedMsixIds: [y] }, ana);
    expect(refused).toEqual({ kind: 'not-found', reason: expect.stringContaining(y), unseen: [y] });
    const nobody = await createMergeRequest(
      deps,
      { kind: 'merge', masterMsixId: x, mergedMsixIds: ['999999999999'] },
      ana,
    );
    expect(nobody.kind === 'not-found' && nobody.reason.replace('999999999999', y)).toBe(
      refused.kind === 'not-found' && refused.reason,
    );
    expect(await status(y)).toMatchObject({ status: 'active' });
    await notice(db, y, 'FL', 'TX');
    const req = await createMergeRequest(
      deps,
      { kind: 'merge', masterMsixId: x, mergedMsixIds: [y], reason: 'same child, FL lost the birth date' },
      ana,
    );
    expect(req).toMatchObject({
      kind: 'created',
      request: { status: 'pending', requestedBy: 'ana-tx', masterMsixId: x, mergedMsixIds: [y] },
    });
    if (req.kind !== 'created') return;
    mergeId = req.request.id;
    expect(await status(x)).toMatchObject({ status: 'locked' });
    const s = await getStudent(db, x);
    expect(s && 'student' in s && s.student.status).toBe('locked');
    expect(
      await createMergeRequest(deps, { kind: 'split', msixId: y, recordIds: [b.id] }, who('fl-admin', 'FL')),
    ).toMatchObject({ kind: 'locked', msixIds: [y], requestIds: [mergeId] });

    // New records still link to a locked student.
    const a2 = await storeAndMatch(db, child(11, 1, 'MI'));
    expect(a2.outcome).toMatchObject({ kind: 'linked', msixId: x, linkType: 'auto' });

    expect(await approveMergeRequest(deps, mergeId, { ...ana, ifMatch: null })).toMatchObject({
      kind: 'same-person',
      reason: expect.stringContaining('different data administrator'),
    });
    expect(await approveMergeRequest(deps, mergeId, { ...bo, ifMatch: 99 })).toEqual({ kind: 'stale', version: 1 });
    expect(await approveMergeRequest(deps, mergeId, { ...who('wa', 'WA'), ifMatch: null })).toMatchObject({
      kind: 'forbidden',
    });
    // Issue 13 finding 11: the students hold TX, MI and FL records; a second Texas administrator speaks for Texas only.
    const partial = await approveMergeRequest(deps, mergeId, { ...bo, ifMatch: 1, note: 'checked the parents' });
    expect(partial).toMatchObject({
      kind: 'awaiting',
      states: ['FL', 'MI'],
      request: { status: 'pending', version: 2 },
    });
    expect(await status(y)).toMatchObject({ status: 'locked' });
    expect(await approveMergeRequest(deps, mergeId, { ...bo, ifMatch: null })).toMatchObject({ kind: 'conflict' });
    expect(await approveMergeRequest(deps, mergeId, { ...who('fl', 'FL'), ifMatch: null })).toMatchObject({
      kind: 'awaiting',
      states: ['MI'],
    });
    // A national administrator speaks for every state.
    const ok = await approveMergeRequest(deps, mergeId, { ...who('nat', null), ifMatch: 3 });
    expect(ok).toMatchObject({ kind: 'approved', request: { status: 'approved', decidedBy: 'nat', version: 4 } });
    expect(ok.kind === 'approved' && ok.request.approvals.map((a) => a.by)).toEqual(['bo-tx', 'fl', 'nat']);
    expect(await approveMergeRequest(deps, mergeId, { ...bo, ifMatch: null })).toMatchObject({
      kind: 'not-pending',
      status: 'approved',
    });

    expect(await status(x)).toEqual({ status: 'active', merged_into: null });
    expect(await status(y)).toEqual({ status: 'merged', merged_into: x });
    expect(await getStudent(db, y)).toEqual({ mergedInto: x });
    expect((await linksOf(x)).map((l) => l.record_id).sort()).toEqual([a.id, a2.id, b.id].sort());
    expect((await linksOf(x)).find((l) => l.record_id === b.id)?.link_type).toBe('manual');
    const hist = await db.query(
      'SELECT cause, from_msix_id, to_msix_id, actor FROM link_history WHERE record_id = $1 ORDER BY id',
      [b.id],
    );
    expect(hist.rows.at(-1)).toEqual({ cause: 'merge', from_msix_id: y, to_msix_id: x, actor: 'nat' });
    const events = await db.query<{ msix_id: string; kind: string }>(
      `SELECT msix_id, kind FROM student_events WHERE kind = 'students-merged' ORDER BY id`,
    );
    expect(events.rows).toEqual([
      { msix_id: x, kind: 'students-merged' },
      { msix_id: y, kind: 'students-merged' },
    ]);
    const audit = await db.query<{ action: string; actor: string }>(
      `SELECT action, actor FROM audit_events WHERE action LIKE 'merge-request.%' ORDER BY seq`,
    );
    expect(audit.rows).toEqual([
      { action: 'merge-request.create', actor: 'ana-tx' },
      { action: 'merge-request.approval', actor: 'bo-tx' },
      { action: 'merge-request.approval', actor: 'fl' },
      { action: 'merge-request.approve', actor: 'nat' },
    ]);
  });

  it('an updated merged record stays with the master (the merge is a manual decision)', async () => {
    const upd = await store(db, {
      ...child(52, 0, 'FL'),
      identity: { ...child(52, 0, 'FL').identity, middleName: 'Paz' },
    });
    expect(await match(db, yRecord, upd.version)).toEqual({ kind: 'refreshed', msixId: x });
  });

  it('undo needs a second administrator too and puts everything back', async () => {
    const undo = await requestUndo(deps, mergeId, { ...bo, reason: 'wrong child' });
    expect(undo).toMatchObject({ kind: 'created', request: { kind: 'undo', undoOf: mergeId, status: 'pending' } });
    if (undo.kind !== 'created') return;
    expect(await approveMergeRequest(deps, undo.request.id, { ...bo, ifMatch: null })).toMatchObject({
      kind: 'same-person',
    });
    expect(await approveMergeRequest(deps, undo.request.id, { ...ana, ifMatch: null })).toMatchObject({
      kind: 'awaiting',
      states: ['FL', 'MI'],
    });
    expect(await approveMergeRequest(deps, undo.request.id, { ...who('mi', 'MI'), ifMatch: null })).toMatchObject({
      kind: 'awaiting',
      states: ['FL'],
    });
    expect(await approveMergeRequest(deps, undo.request.id, { ...who('fl', 'FL'), ifMatch: null })).toMatchObject({
      kind: 'approved',
    });
    expect(await status(y)).toEqual({ status: 'active', merged_into: null });
    expect(await linksOf(y)).toEqual([{ record_id: yRecord, link_type: 'new' }]);
    expect((await getMergeRequest(db, mergeId))?.status).toBe('undone');
    const s = await getStudent(db, y);
    expect(s && 'student' in s && s.student.states).toEqual(['FL']);
    expect(await requestUndo(deps, mergeId, bo)).toMatchObject({ kind: 'conflict' });
  });

  it('a split gives the split-off records a new MSIX id; its undo redirects that id to the master', async () => {
    const recs = (await linksOf(x)).map((l) => l.record_id);
    expect(recs).toHaveLength(2);
    const mi = recs[1]!;
    expect(await createMergeRequest(deps, { kind: 'split', msixId: x, recordIds: recs }, ana)).toMatchObject({
      kind: 'invalid',
    });
    expect(
      await createMergeRequest(deps, { kind: 'split', msixId: x, recordIds: [mi] }, who('wa', 'WA')),
    ).toMatchObject({ kind: 'not-found', unseen: [x] });
    const req = await createMergeRequest(deps, { kind: 'split', msixId: x, recordIds: [mi] }, ana);
    if (req.kind !== 'created') throw new Error(JSON.stringify(req));
    expect(await approveMergeRequest(deps, req.request.id, { ...bo, ifMatch: null })).toMatchObject({
      kind: 'awaiting',
      states: ['MI'],
    });
    const ok = await approveMergeRequest(deps, req.request.id, { ...who('mi', 'MI'), ifMatch: null });
    if (ok.kind !== 'approved') throw new Error(JSON.stringify(ok));
    const n = ok.request.newMsixId!;
    expect(n).toMatch(/^\d{12}$/);
    expect(await linkOf(db, mi)).toBe(n);
    expect((await linksOf(x)).map((l) => l.record_id)).toEqual(recs.filter((r) => r !== mi));
    const c = await db.query<{ kind: string }>(
      `SELECT kind FROM match_constraints WHERE revoked_at IS NULL AND (record_a = $1 OR record_b = $1)`,
      [mi],
    );
    expect(c.rows.map((r) => r.kind)).toEqual(['cannot-link']);
    expect((await listMergeRequests(db, { msixId: n, limit: 10, offset: 0 })).items.map((r) => r.id)).toEqual([
      req.request.id,
    ]);

    const undo = await requestUndo(deps, req.request.id, ana);
    if (undo.kind !== 'created') throw new Error(JSON.stringify(undo));
    expect(await approveMergeRequest(deps, undo.request.id, { ...who('nat', null), ifMatch: null })).toMatchObject({
      kind: 'approved',
    });
    expect(await linkOf(db, mi)).toBe(x);
    expect(await getStudent(db, n)).toEqual({ mergedInto: x });
    const active = await db.query(
      `SELECT count(*)::int AS n FROM match_constraints WHERE revoked_at IS NULL AND (record_a = $1 OR record_b = $1)`,
      [mi],
    );
    expect(active.rows[0]).toEqual({ n: 0 });
  });

  it('a rejected request unlocks its students; its maker may withdraw it', async () => {
    const req = await createMergeRequest(deps, { kind: 'merge', masterMsixId: x, mergedMsixIds: [y] }, ana);
    if (req.kind !== 'created') throw new Error(JSON.stringify(req));
    expect(await rejectMergeRequest(deps, req.request.id, { ...ana, ifMatch: null, note: 'withdrawn' })).toMatchObject({
      kind: 'rejected',
      request: { status: 'rejected', decidedBy: 'ana-tx' },
    });
    expect(await status(x)).toEqual({ status: 'active', merged_into: null });
    expect((await db.query('SELECT count(*)::int AS n FROM student_locks')).rows[0]).toEqual({ n: 0 });
  });
});
