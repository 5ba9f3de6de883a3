import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_RECORDS } from '../../demo/students.js';
import type { StateRecord } from '@msix/adapter-sdk/canonical';
import { injectAs, type AuthedInject } from '../support/auth.js';
import { eventually, startSystem, type TestSystem } from '../support/system.js';
import { submitAndMatch } from '../exchange/support.js';
import { resolveDemographics } from '../../core/exchange/requests/resolve.js';

/**
 * Issue 13 finding 1: a name and a birth date used to unlock any child. A Texas counselor asking by demographics for
 * a child known only to California and Washington got the full record at once, and the request then stood as a
 * permanent ground for all of Texas; a near-miss birth date answered "ambiguous" where others answered "unknown"; a
 * state system writing a stub record with the child's name and birth date got the child linked and opened.
 */
const guadalupe = (state: string): StateRecord =>
  structuredClone(DEMO_RECORDS.find((r) => r.stateCode === state && r.identity.firstName === 'Guadalupe')!);

let sys: TestSystem;
let childId: string;
let tx: AuthedInject;
let txOther: AuthedInject;
let txAdmin: AuthedInject;
let caAdmin: AuthedInject;
let help: AuthedInject;
const BUDGET = 5;

beforeAll(async () => {
  sys = await startSystem({ workers: true, env: { SEARCH_BUDGET_PER_PERSON: String(BUDGET) } });
  const ids = await submitAndMatch(sys, [guadalupe('CA'), guadalupe('WA')]);
  expect(new Set(ids).size).toBe(1);
  childId = ids[0]!;
  tx = await injectAs(sys, { state: 'TX', roles: ['counselor'] });
  txOther = await injectAs(sys, { state: 'TX', roles: ['counselor', 'data-admin'] });
  txAdmin = await injectAs(sys, { state: 'TX', roles: ['data-admin'] });
  caAdmin = await injectAs(sys, { state: 'CA', roles: ['data-admin'] });
  help = await injectAs(sys, { state: null, roles: ['help-desk'] });
});
afterAll(async () => sys?.close());

const who = { firstName: 'Guadalupe', lastName1: 'Ramírez', lastName2: 'Soto', sex: 'F', birthDate: '2012-12-01' };
const search = (as: AuthedInject, identity: Record<string, unknown> = who, extra: Record<string, unknown> = {}) =>
  as({
    method: 'POST',
    url: '/api/v1/student-searches',
    payload: { demographics: { identity }, purpose: 'enrollment', attestation: 'enrolling', ...extra },
  });
const audit = async (action: string) =>
  (
    await sys.db.query<{ actor_state: string; msix_id: string | null; details: Record<string, unknown> }>(
      'SELECT actor_state, msix_id, details FROM audit_events WHERE action = $1 ORDER BY seq',
      [action],
    )
  ).rows;

describe('national search', () => {
  it('no longer answers a record request by demographics with the record', async () => {
    const r = await tx({
      method: 'POST',
      url: '/api/v1/record-requests',
      payload: { demographics: { identity: who }, purpose: 'enrollment' },
    });
    expect(r.statusCode).toBe(400);
    expect(r.json().errors[0].rule).toBe('searchFirst');
    expect(r.body).not.toContain('Orchard');
    expect((await tx(`/api/v1/students/${childId}`)).statusCode).toBe(403);
  });

  it('needs a purpose and an attestation', async () => {
    const noAttestation = await tx({
      method: 'POST',
      url: '/api/v1/student-searches',
      payload: { demographics: { identity: who }, purpose: 'enrollment' },
    });
    expect(noAttestation.statusCode).toBe(400);
    expect((await search(tx, who, { purpose: 'curiosity' })).statusCode).toBe(400);
    expect((await search(help)).statusCode).toBe(403);
  });

  it('answers candidates with the fields needed to choose, no MSIX id, no enrollment or health data', async () => {
    const r = await search(tx);
    expect(r.statusCode).toBe(200);
    const body = r.json();
    expect(body.candidates).toEqual([
      {
        candidate: 1,
        firstName: 'Guadalupe',
        middleName: null,
        lastName1: 'Ramírez',
        lastName2: 'Soto',
        sex: 'F',
        birthDate: '2012-12-01',
        states: ['CA', 'WA'],
      },
    ]);
    expect(r.body).not.toContain(childId);
    expect(r.body).not.toMatch(/Orchard|enrollment[A-Z]|immunization|medicalAlert/);
    expect((await tx(`/api/v1/students/${childId}`)).statusCode).toBe(403);
    // The child's home states will see the candidate was shown to Texas, and why.
    expect((await audit('search.candidate-shown')).at(-1)).toMatchObject({
      actor_state: 'TX',
      msix_id: childId,
      details: { purpose: 'enrollment', attestation: 'enrolling' },
    });
  });

  it('is no oracle: nobody and a near match answer alike', async () => {
    const nearMiss = { ...who, sex: 'M' };
    // The matcher calls it a near match (before, the requester was told so: "ambiguous", not "unknown").
    expect((await resolveDemographics(sys.db, { identity: nearMiss })).kind).toBe('ambiguous');
    const near = await search(tx, nearMiss);
    const nobody = await search(tx, { firstName: 'Zebulon', lastName1: 'Quarterfield', birthDate: '2001-02-03' });
    expect(near.statusCode).toBe(nobody.statusCode);
    const shape = (b: Record<string, unknown>) => ({ ...b, id: 'x', expiresAt: 'x', links: 'x' });
    expect(shape(near.json())).toEqual(shape(nobody.json()));
    expect(near.json().candidates).toEqual([]);
  });

  it('opens the chosen child to that person only, for a limited time', async () => {
    const s = (await search(txOther)).json();
    const choice = await txOther({
      method: 'POST',
      url: `/api/v1/student-searches/${s.id}/choice`,
      payload: { candidate: 1 },
    });
    expect(choice.statusCode).toBe(200);
    expect(choice.json().msixId).toBe(childId);
    // Someone else cannot use the search, and a second choice is refused.
    expect(
      (await tx({ method: 'POST', url: `/api/v1/student-searches/${s.id}/choice`, payload: { candidate: 1 } }))
        .statusCode,
    ).toBe(404);
    expect((await txOther(`/api/v1/students/${childId}`)).statusCode).toBe(200);
    // A record request on the grant answers, and no longer opens the child to the rest of Texas.
    const req = await txOther({
      method: 'POST',
      url: '/api/v1/record-requests',
      payload: { msixId: childId, purpose: 'enrollment' },
    });
    expect(req.statusCode).toBe(201);
    expect((await tx(`/api/v1/students/${childId}`)).statusCode).toBe(403);
    expect((await txAdmin(`/api/v1/students/${childId}`)).statusCode).toBe(403);
    // When the grant runs out, the person is refused too.
    await sys.db.query(`UPDATE search_grants SET expires_at = now() - interval '1 minute'`);
    expect((await txOther(`/api/v1/students/${childId}`)).statusCode).toBe(403);
  });

  it("shows the child's home states who looked and why; nobody else reads that log", async () => {
    const log = await caAdmin(`/api/v1/students/${childId}/disclosures`);
    expect(log.statusCode).toBe(200);
    const items = log.json().items as { action: string; actorState: string; purpose: string | null }[];
    const tex = items.filter((i) => i.actorState === 'TX');
    expect(tex.map((i) => i.action)).toEqual(
      expect.arrayContaining(['search.candidate-shown', 'search.chosen', 'student.read', 'record-request.answered']),
    );
    expect(tex.find((i) => i.action === 'search.chosen')?.purpose).toBe('enrollment');
    expect((await txAdmin(`/api/v1/students/${childId}/disclosures`)).statusCode).toBe(403);
    expect((await help(`/api/v1/students/${childId}/disclosures`)).statusCode).toBe(403);
    expect((await audit('disclosure-log.refused')).length).toBeGreaterThan(0);
  });

  it('keeps a per-person budget: the last search raises an alert, the next is refused and audited', async () => {
    const person = await injectAs(sys, { state: 'TX', roles: ['counselor', 'state-system'] });
    for (let i = 0; i < BUDGET; i++) expect((await search(person)).statusCode).toBe(200);
    expect((await audit('search.budget-alert')).length).toBe(1);
    const over = await search(person);
    expect(over.statusCode).toBe(429);
    expect(over.json().code).toBe('GW_ERR_SEARCH_BUDGET');
    expect((await audit('search.refused')).length).toBe(1);
    // Someone else at the same state still searches.
    expect((await search(txAdmin)).statusCode).toBe(200);
  });

  it("does not open a child to a state that wrote a stub record with the child's name and birth date", async () => {
    const txSystem = await injectAs(sys, { state: 'TX', roles: ['state-system'] });
    const stub: StateRecord = {
      stateCode: 'TX',
      stateStudentId: 'TX-STUB-1',
      action: 'insert',
      identity: { ...who, sex: 'F' },
    } as StateRecord;
    const w = await txSystem({ method: 'POST', url: '/api/v1/states/TX/records', payload: stub });
    expect(w.statusCode).toBeLessThan(300);
    const linked = await eventually(async () => {
      const s = await txSystem('/api/v1/states/TX/records/TX-STUB-1');
      return s.statusCode === 200 ? (s.json().msixId as string | null) : null;
    }, 20_000);
    expect(linked).toBe(childId);
    // Flagged to the state that wrote it: matched, but no ground.
    expect((await txSystem('/api/v1/states/TX/records/TX-STUB-1')).json()).toMatchObject({ stub: true });
    expect((await txSystem(`/api/v1/students/${childId}`)).statusCode).toBe(403);
    expect((await tx(`/api/v1/students/${childId}`)).statusCode).toBe(403);
  });
});
