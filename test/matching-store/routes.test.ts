import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSystem, eventually, type TestSystem } from '../support/system.js';
import { sampleRecord } from '../support/records.js';
import { asAdmin, asStateSystem, injectAs, type AuthedInject } from '../support/auth.js';

let sys: TestSystem;
const system: Record<string, AuthedInject> = {};
let admin: AuthedInject;
let helpDesk: AuthedInject;
let caAdmin: AuthedInject;
let txAdmin: AuthedInject;
let txAdmin2: AuthedInject;
let waAdmin: AuthedInject;
let flAdmin: AuthedInject;

beforeAll(async () => {
  sys = await startSystem({ workers: true });
  for (const s of ['TX', 'CA', 'FL']) system[s] = await asStateSystem(sys, s);
  admin = await asAdmin(sys);
  helpDesk = await injectAs(sys, { state: null, roles: ['help-desk'] });
  caAdmin = await injectAs(sys, { state: 'CA', roles: ['data-admin'] });
  txAdmin = await injectAs(sys, { state: 'TX', roles: ['data-admin'] });
  // A second TX administrator: a different client, so a different person for the four-eyes rule.
  txAdmin2 = await injectAs(sys, { state: 'TX', roles: ['data-admin', 'counselor'] });
  waAdmin = await injectAs(sys, { state: 'WA', roles: ['data-admin'] });
  flAdmin = await injectAs(sys, { state: 'FL', roles: ['data-admin'] });
});
afterAll(async () => {
  await sys?.close();
});

const submit = async (state: string, over: Parameters<typeof sampleRecord>[0]) => {
  const r = await system[state]!({
    method: 'POST',
    url: `/api/v1/states/${state}/records`,
    payload: sampleRecord({ stateCode: state, ...over }),
  });
  expect(r.statusCode).toBeLessThan(300);
};
const recordStatus = (state: string, id: string) =>
  eventually(async () => {
    const r = (await system[state]!(`/api/v1/states/${state}/records/${id}`)).json();
    return r.matchStatus !== 'pending' ? (r as { recordId: string; matchStatus: string; msixId: string | null }) : null;
  });
const marisol = (sex: 'F' | 'M') => ({
  firstName: 'Marisol',
  lastName1: 'Quintanilla',
  lastName2: 'Ochoa',
  sex,
  birthDate: '2011-03-14',
});

describe('near-match worklist and explanations over HTTP', () => {
  let master: string;
  let reviewId: string;

  it("lists a state's near matches to its data administrator only; the help desk sees every state", async () => {
    await submit('TX', { stateStudentId: 'TX-M', identity: marisol('F') });
    master = (await recordStatus('TX', 'TX-M')).msixId!;
    await submit('CA', { stateStudentId: 'CA-M', identity: marisol('M') });
    expect(await recordStatus('CA', 'CA-M')).toMatchObject({ matchStatus: 'review', msixId: null });

    const ca = await caAdmin('/api/v1/match-reviews');
    expect(ca.statusCode).toBe(200);
    expect(ca.json()).toMatchObject({
      total: 1,
      items: [
        { stateCode: 'CA', stateStudentId: 'CA-M', candidateMsixIds: [master], reason: 'conflict', status: 'open' },
      ],
    });
    reviewId = ca.json().items[0].id;
    expect((await txAdmin('/api/v1/match-reviews')).json().total).toBe(0);
    expect((await txAdmin('/api/v1/match-reviews?state=CA')).statusCode).toBe(403);
    const hd = await helpDesk('/api/v1/match-reviews?minScore=0.5&maxAgeDays=3');
    expect(hd.json(), hd.body).toMatchObject({ total: 1 });
    expect((await helpDesk('/api/v1/match-reviews?status=resolved')).json().total).toBe(0);
    expect((await system.CA!('/api/v1/match-reviews')).statusCode).toBe(403);
  });

  it('shows the evidence: values to the data administrator, masked for the help desk', async () => {
    const full = await caAdmin(`/api/v1/match-reviews/${reviewId}`);
    expect(full.statusCode).toBe(200);
    expect(full.headers.etag).toBe('"1"');
    const sex = full.json().explanation.best.fields.find((f: { field: string }) => f.field === 'sex');
    expect(sex).toMatchObject({ level: 'disagree', value: 'M', otherValue: 'F' });
    const masked = (await helpDesk(`/api/v1/match-reviews/${reviewId}`)).json();
    const given = masked.explanation.best.fields.find((f: { field: string }) => f.field === 'given_name');
    expect(given).toMatchObject({ level: 'exact', value: '***', otherValue: '***' });
    expect(given.weight).toBeGreaterThan(0);
    expect((await txAdmin(`/api/v1/match-reviews/${reviewId}`)).statusCode).toBe(404);
  });

  it('resolves with If-Match: 412 without or with an old ETag, 409 for the second reviewer', async () => {
    const url = `/api/v1/match-reviews/${reviewId}/resolve`;
    const body = { decision: 'same', msixId: master };
    expect((await caAdmin({ method: 'POST', url, payload: body })).statusCode).toBe(412);
    const old = await caAdmin({ method: 'POST', url, payload: body, headers: { 'if-match': '"0"' } });
    expect(old.statusCode).toBe(412);
    expect(old.json().code).toBe('GW_ERR_PRECONDITION');
    expect((await txAdmin({ method: 'POST', url, payload: body, headers: { 'if-match': '"1"' } })).statusCode).toBe(
      404,
    );
    expect((await helpDesk({ method: 'POST', url, payload: body, headers: { 'if-match': '"1"' } })).statusCode).toBe(
      403,
    );
    const bad = await caAdmin({
      method: 'POST',
      url,
      payload: { decision: 'same', msixId: '100000000009' },
      headers: { 'if-match': '"1"' },
    });
    expect(bad.statusCode).toBe(400);
    const ok = await caAdmin({ method: 'POST', url, payload: body, headers: { 'if-match': '"1"' } });
    expect(ok.statusCode).toBe(200);
    expect(ok.headers.etag).toBe('"2"');
    expect(ok.json()).toMatchObject({
      status: 'resolved',
      decision: 'same',
      result: { msixId: master, outcome: 'linked' },
    });
    const again = await admin({
      method: 'POST',
      url,
      payload: { decision: 'different' },
      headers: { 'if-match': '"1"' },
    });
    expect(again.statusCode).toBe(409);
    expect(again.json()).toMatchObject({ code: 'GW_ERR_CONFLICT', status: 'resolved' });
    expect(await recordStatus('CA', 'CA-M')).toMatchObject({ matchStatus: 'matched', msixId: master });
  });

  it('explains every link of a student: contributions and rules version, masked for the help desk', async () => {
    const hd = await helpDesk(`/api/v1/students/${master}/links`);
    expect(hd.statusCode).toBe(200);
    const body = hd.json();
    expect(body.masked).toBe(true);
    expect(body.links.map((l: { linkType: string }) => l.linkType)).toEqual(['new', 'manual']);
    const manual = body.links[1];
    expect(manual.rulesVersion).toMatch(/^person-/);
    expect(manual.explanation.best.fields.find((f: { field: string }) => f.field === 'birth_date')).toMatchObject({
      level: 'exact',
      value: '***',
    });
    expect(body.history.map((h: { cause: string }) => h.cause)).toEqual(['match', 'review-same']);
    const tx = (await txAdmin(`/api/v1/students/${master}/links`)).json();
    expect(tx.masked).toBe(false);
    expect(tx.links[1].explanation.best.fields.find((f: { field: string }) => f.field === 'birth_date').value).toBe(
      '2011-03-14',
    );
    expect((await waAdmin(`/api/v1/students/${master}/links`)).statusCode).toBe(403);
    expect((await system.TX!(`/api/v1/students/${master}/links`)).statusCode).toBe(403);
  });
});

describe('merge and split requests over HTTP', () => {
  let x: string;
  let y: string;
  let requestId: string;

  it('a merge made by one TX administrator is approved by another; the merged id answers 301', async () => {
    await submit('TX', {
      stateStudentId: 'TX-X',
      identity: { firstName: 'Rigoberto', lastName1: 'Zamudio', birthDate: '2010-01-20', sex: 'M' },
    });
    await submit('FL', {
      stateStudentId: 'FL-Y',
      identity: { firstName: 'Beto', lastName1: 'Samudio', birthDate: '2010-07-02', sex: 'M' },
    });
    x = (await recordStatus('TX', 'TX-X')).msixId!;
    y = (await recordStatus('FL', 'FL-Y')).msixId!;
    expect(x).not.toBe(y);
    // Issue 13 finding 11: y is a Florida child Texas may not see; naming him answers as a student that does not
    // exist would (no lock taken, nothing told), and the refusal names him on the audit trail.
    const probe = await txAdmin({
      method: 'POST',
      url: '/api/v1/merge-requests',
      payload: { kind: 'merge', masterMsixId: x, mergedMsixIds: [y] },
    });
    expect(probe.statusCode).toBe(404);
    const none = await txAdmin({
      method: 'POST',
      url: '/api/v1/merge-requests',
      payload: { kind: 'merge', masterMsixId: x, mergedMsixIds: ['999999999999'] },
    });
    expect(none.statusCode).toBe(404);
    expect(none.json().detail.replace('999999999999', y)).toBe(probe.json().detail);
    expect(JSON.stringify(probe.json())).not.toMatch(/Beto|Samudio|2010-07-02|FL-Y/);
    const unseen = await sys.db.query<{ msix_id: string; outcome: string; rule: string }>(
      `SELECT msix_id, outcome, details->>'rule' AS rule FROM audit_events WHERE action = 'merge-request.refused'
         AND msix_id = $1`,
      [y],
    );
    expect(unseen.rows).toEqual([{ msix_id: y, outcome: 'denied', rule: 'unseen' }]);
    expect((await admin(`/api/v1/students/${y}`)).json().status).toBe('active');
    // Florida tells Texas the boy is moving there: now Texas may name him.
    await sys.db.query(
      `INSERT INTO move_notices (kind, dedupe_key, msix_id, from_state, to_state, created_by)
       VALUES ('move', 'routes-test-y', $1, 'FL', 'TX', 'test')`,
      [y],
    );
    const made = await txAdmin({
      method: 'POST',
      url: '/api/v1/merge-requests',
      payload: {
        kind: 'merge',
        masterMsixId: x,
        mergedMsixIds: [y],
        reason: 'same boy, FL typed the birth date wrong',
      },
    });
    expect(made.statusCode).toBe(201);
    requestId = made.json().id;
    expect(made.headers.location).toBe(`/api/v1/merge-requests/${requestId}`);
    const other = await txAdmin2({
      method: 'POST',
      url: '/api/v1/merge-requests',
      payload: { kind: 'merge', masterMsixId: y, mergedMsixIds: [x] },
    });
    expect(other.statusCode).toBe(409);
    expect(other.json().code).toBe('GW_ERR_LOCKED');
    const self = await txAdmin({ method: 'POST', url: `/api/v1/merge-requests/${requestId}/approve`, payload: {} });
    expect(self.statusCode).toBe(403);
    expect(self.json().detail).toContain('different data administrator');
    expect(
      (await waAdmin({ method: 'POST', url: `/api/v1/merge-requests/${requestId}/approve`, payload: {} })).statusCode,
    ).toBe(403);
    // Issue 13 finding 11: y is a Florida child only. A second Texas administrator's approval is recorded but does
    // not speak for Florida: the request waits, y stays unmerged, until a Florida (or national) administrator agrees.
    const second = await txAdmin2({
      method: 'POST',
      url: `/api/v1/merge-requests/${requestId}/approve`,
      payload: { note: 'parents match' },
      headers: { 'if-match': '"1"' },
    });
    expect(second.statusCode).toBe(200);
    expect(second.json()).toMatchObject({ status: 'pending', awaitingStates: ['FL'] });
    expect(second.json().approvals.map((a: { by: string }) => a.by)).toHaveLength(1);
    expect((await admin(`/api/v1/students/${y}`)).statusCode).toBe(200);
    expect(
      (await txAdmin2({ method: 'POST', url: `/api/v1/merge-requests/${requestId}/approve`, payload: {} })).statusCode,
    ).toBe(409);
    const refusals = await sys.db.query<{ rule: string }>(
      `SELECT details->>'rule' AS rule FROM audit_events WHERE action = 'merge-request.refused'
         AND details->>'requestId' = $1 ORDER BY seq`,
      [requestId],
    );
    expect(refusals.rows.map((r) => r.rule)).toEqual(['second-approver', 'scope']);
    const ok = await flAdmin({
      method: 'POST',
      url: `/api/v1/merge-requests/${requestId}/approve`,
      payload: {},
      headers: { 'if-match': '"2"' },
    });
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toMatchObject({ status: 'approved', masterMsixId: x });
    expect(
      (await txAdmin2({ method: 'POST', url: `/api/v1/merge-requests/${requestId}/approve`, payload: {} })).statusCode,
    ).toBe(409);
    const moved = await admin(`/api/v1/students/${y}`);
    expect(moved.statusCode).toBe(301);
    expect(moved.headers.location).toBe(`/api/v1/students/${x}`);
    expect((await admin(`/api/v1/students/${y}/links`)).statusCode).toBe(301);
    const student = (await admin(`/api/v1/students/${x}`)).json();
    expect(student.states).toEqual(['FL', 'TX']);
    expect((await helpDesk(`/api/v1/merge-requests?msixId=${x}`)).json().total).toBe(1);
    // A state's administrator reads the requests its state made or that touch its children, not other states'.
    expect((await flAdmin(`/api/v1/merge-requests/${requestId}`)).statusCode).toBe(200);
    expect((await caAdmin('/api/v1/merge-requests')).json().total).toBe(0);
    expect((await waAdmin(`/api/v1/merge-requests?msixId=${x}`)).json().total).toBe(0);
    expect((await caAdmin(`/api/v1/merge-requests/${requestId}`)).statusCode).toBe(404);
  });

  it('undo is a request approved by a different administrator', async () => {
    const undo = await txAdmin2({
      method: 'POST',
      url: `/api/v1/merge-requests/${requestId}/undo`,
      payload: { reason: 'the FL boy is his cousin' },
    });
    expect(undo.statusCode).toBe(201);
    expect(undo.json()).toMatchObject({ kind: 'undo', undoOf: requestId, status: 'pending' });
    // The undo touches a child Florida holds records of too: Texas alone cannot undo it either.
    const tx = await txAdmin({ method: 'POST', url: `/api/v1/merge-requests/${undo.json().id}/approve`, payload: {} });
    expect(tx.json()).toMatchObject({ status: 'pending', awaitingStates: ['FL'] });
    const ok = await flAdmin({ method: 'POST', url: `/api/v1/merge-requests/${undo.json().id}/approve`, payload: {} });
    expect(ok.statusCode).toBe(200);
    expect((await admin(`/api/v1/students/${y}`)).statusCode).toBe(200);
    expect((await admin(`/api/v1/merge-requests/${requestId}`)).json().status).toBe('undone');
  });

  it('a split moves records to a new MSIX id', async () => {
    await submit('FL', {
      stateStudentId: 'FL-X2',
      identity: { firstName: 'Rigoberto', lastName1: 'Zamudio', birthDate: '2010-01-20', sex: 'M' },
    });
    const second = await recordStatus('FL', 'FL-X2');
    expect(second.msixId).toBe(x);
    const bad = await txAdmin({
      method: 'POST',
      url: '/api/v1/merge-requests',
      payload: { kind: 'split', msixId: x, recordIds: ['not-a-uuid'] },
    });
    expect(bad.statusCode).toBe(400);
    const made = await txAdmin({
      method: 'POST',
      url: '/api/v1/merge-requests',
      payload: { kind: 'split', msixId: x, recordIds: [second.recordId] },
    });
    expect(made.statusCode).toBe(201);
    const ok = await admin({ method: 'POST', url: `/api/v1/merge-requests/${made.json().id}/approve`, payload: {} });
    expect(ok.statusCode).toBe(200);
    const n = ok.json().newMsixId as string;
    expect(n).toMatch(/^\d{12}$/);
    expect((await recordStatus('FL', 'FL-X2')).msixId).toBe(n);
  });
});
