import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_RECORDS } from '../../demo/students.js';
import { type StateRecord, msixIdFromBody } from '@msix/adapter-sdk/canonical';
import { injectAs, type AuthedInject } from '../support/auth.js';
import { eventually } from '../support/system.js';
import { startExchangeWorld, submitAndMatch, wire, type ExchangeWorld } from './support.js';

const ana = (state: string) =>
  structuredClone(DEMO_RECORDS.find((r) => r.stateCode === state && r.identity.firstName === 'Ana')!);
// Texas keeps Ana's full record at home: its system has a course the gateway never received.
const txAtHome: StateRecord = {
  ...ana('TX'),
  courses: [
    ...(ana('TX').courses ?? []),
    {
      courseTitle: 'Dual Credit Biology',
      subjectArea: 'Science',
      courseType: '01',
      courseSection: '01',
      termType: '0828',
      beginAcademicYear: 2025,
      endAcademicYear: 2026,
      creditsGranted: 1,
      finalGrade: 'A',
    },
  ],
};

let w: ExchangeWorld;
let anaId: string;
let fl: AuthedInject;
let wa: AuthedInject;
let help: AuthedInject;
beforeAll(async () => {
  w = await startExchangeWorld({ records: { TX: [txAtHome] } });
  const ids = await submitAndMatch(w.sys, [ana('TX'), ana('MI'), ana('FL')]);
  anaId = ids[2]!;
  expect(new Set(ids).size).toBe(1);
  fl = await injectAs(w.sys, { state: 'FL', roles: ['counselor'] });
  wa = await injectAs(w.sys, { state: 'WA', roles: ['counselor'] });
  help = await injectAs(w.sys, { state: null, roles: ['help-desk'] });
});

it('made a move notice only for the recent move (Michigan to Florida), not for the one half a year old', async () => {
  await eventually(async () => (await w.sys.db.query('SELECT 1 FROM move_notices')).rows.length > 0);
  await new Promise((r) => setTimeout(r, 500));
  const n = await w.sys.db.query<{ from_state: string; to_state: string }>(
    'SELECT from_state, to_state FROM move_notices',
  );
  expect(n.rows).toEqual([{ from_state: 'MI', to_state: 'FL' }]);
});
afterAll(async () => w?.close());

const post = (as: AuthedInject, payload: Record<string, unknown>) =>
  as({ method: 'POST', url: '/api/v1/record-requests', payload });
const audits = async (action: string) =>
  (
    await w.sys.db.query<{ outcome: string; actor_state: string; reason: string; details: Record<string, unknown> }>(
      'SELECT outcome, actor_state, reason, details FROM audit_events WHERE action = $1 ORDER BY seq',
      [action],
    )
  ).rows;

describe('record requests answered from the store', () => {
  it("answers at once when the store holds every state's part, and records it all", async () => {
    const r = await post(fl, { msixId: anaId, purpose: 'enrollment' });
    expect(r.statusCode).toBe(201);
    const body = r.json();
    expect(body.status).toBe('answered');
    expect(body.answer.student.states).toEqual(['FL', 'MI', 'TX']);
    expect(body.answer.sources.every((s: { mode: string }) => s.mode === 'store')).toBe(true);
    expect(body.history.map((h: { status: string }) => h.status)).toEqual(['received', 'routed', 'answered']);
    expect(r.headers.location).toBe(`/api/v1/record-requests/${body.id}`);
    const ex = (await help(body.links.exchange)).json();
    expect(ex).toMatchObject({
      direction: 'inbound',
      kind: 'record-request',
      stateCode: 'FL',
      status: 'completed',
      msixId: anaId,
    });
    expect((await audits('record-request.answered')).at(-1)).toMatchObject({ outcome: 'success', actor_state: 'FL' });
    // The help desk follows it without seeing the child; the answer itself is for the requesting state.
    const meta = await help(`/api/v1/record-requests/${body.id}`);
    expect(meta.statusCode).toBe(200);
    expect(meta.json().answer).toBeUndefined();
    expect((await help(`/api/v1/record-requests/${body.id}/answer`)).statusCode).toBe(403);
    expect((await fl(`/api/v1/record-requests/${body.id}/answer`)).json().answer.student.msixId).toBe(anaId);
    expect((await wa(`/api/v1/record-requests/${body.id}`)).statusCode).toBe(404);
  });
});

describe('record requests through a live state', () => {
  it('asks the state that keeps its records at home, merges its fresh answer and delivers it', async () => {
    await wire(w, 'TX', 'webhook', true);
    const t0 = Date.now();
    const r = await post(fl, { msixId: anaId, purpose: 'credit-accrual' });
    expect(r.statusCode).toBe(202);
    expect(r.json()).toMatchObject({ status: 'waiting' });
    expect(r.json().sources.find((s: { stateCode: string }) => s.stateCode === 'TX')).toMatchObject({
      mode: 'live',
      status: 'pending',
    });
    const id = r.json().id as string;
    const done = await eventually(
      async () => {
        const g = (await fl(`/api/v1/record-requests/${id}`)).json();
        return g.status === 'answered' ? g : null;
      },
      15_000,
      25,
    );
    const took = Date.now() - t0;
    expect(took).toBeLessThan(5000);
    expect(done.history.map((h: { status: string }) => h.status)).toEqual([
      'received',
      'routed',
      'waiting',
      'answered',
    ]);
    const answer = (await fl(`/api/v1/record-requests/${id}/answer`)).json().answer;
    expect(answer.student.courses.map((c: { courseTitle: string }) => c.courseTitle)).toContain('Dual Credit Biology');
    expect(answer.sources.find((s: { stateCode: string }) => s.stateCode === 'TX')).toMatchObject({
      mode: 'live',
      status: 'answered',
      stale: false,
    });
    // The answer went to Florida's inbox (its default channel), in order.
    const fla = await injectAs(w.sys, { state: 'FL', roles: ['state-system'] });
    const inbox = await eventually(async () => {
      const items = (await fla('/api/v1/states/FL/inbox')).json().items as {
        deliveryId: string;
        message: { kind: string; data: { requestId: string } };
      }[];
      return items.find((i) => i.message.data.requestId === id) ?? null;
    });
    expect(inbox.message.kind).toBe('record-response');
    const ack = await fla({ method: 'POST', url: `/api/v1/states/FL/inbox/${inbox.deliveryId}/ack` });
    expect(ack.json()).toMatchObject({ alreadyAcknowledged: false });
    expect(
      (await fla({ method: 'POST', url: `/api/v1/states/FL/inbox/${inbox.deliveryId}/ack` })).json(),
    ).toMatchObject({ alreadyAcknowledged: true });
    // The ledger shows the live query to Texas and its attempt under the request. The response's own
    // ledger row turns delivered when its deliver job finishes, which may be just after the inbox shows it.
    const ledgerRows = async () =>
      (
        await w.sys.db.query<{ kind: string; status: string; state_code: string }>(
          `SELECT kind, status, state_code FROM exchanges WHERE parent_id = $1 OR parent_id IN (SELECT id FROM exchanges
           WHERE parent_id = $1) ORDER BY created_at`,
          [done.links.exchange.split('/').pop()],
        )
      ).rows;
    const rows = {
      rows: await eventually(async () => {
        const r = await ledgerRows();
        return r.some((x) => x.kind === 'record-response' && x.status === 'delivered') ? r : null;
      }),
    };
    expect(rows.rows).toEqual(
      expect.arrayContaining([
        { kind: 'record-query', status: 'delivered', state_code: 'TX' },
        { kind: 'delivery-attempt', status: 'delivered', state_code: 'TX' },
        { kind: 'record-response', status: 'delivered', state_code: 'FL' },
      ]),
    );
    expect(w.sim.stats().queries).toBeGreaterThan(0);
  });

  it(
    'answers partly when a live state does not answer by ' + 'the deadline, and expires when it was the only source',
    async () => {
      w.sim.setDown('TX', true);
      try {
        const partly = await post(fl, { msixId: anaId, purpose: 'placement', deadlineSeconds: 2 });
        const only = await post(fl, { msixId: anaId, purpose: 'placement', states: ['TX'], deadlineSeconds: 2 });
        expect([partly.statusCode, only.statusCode]).toEqual([202, 202]);
        const a = await eventually(async () => {
          const g = (await fl(`/api/v1/record-requests/${partly.json().id}`)).json();
          return g.status !== 'waiting' ? g : null;
        }, 10_000);
        expect(a.status).toBe('partly_answered');
        expect(a.sources.find((s: { stateCode: string }) => s.stateCode === 'TX').status).toBe('expired');
        const ans = (await fl(`/api/v1/record-requests/${a.id}/answer`)).json().answer;
        expect(ans.sources.find((s: { stateCode: string }) => s.stateCode === 'TX')).toMatchObject({ stale: true });
        const b = await eventually(async () => {
          const g = (await fl(`/api/v1/record-requests/${only.json().id}`)).json();
          return g.status !== 'waiting' ? g : null;
        }, 10_000);
        expect(b.status).toBe('expired');
      } finally {
        w.sim.setDown('TX', false);
      }
    },
  );
});

describe('demographic requests and entitlement', () => {
  it('refuses a state with no ground by MSIX id, and a request by demographics (a search now)', async () => {
    const refused = await post(wa, { msixId: anaId, purpose: 'enrollment' });
    expect(refused.statusCode).toBe(403);
    expect(refused.json()).toMatchObject({ code: 'GW_ERR_NOT_ENTITLED' });
    expect(refused.json().requestId).toBeTruthy();
    expect((await wa(`/api/v1/students/${anaId}`)).statusCode).toBe(403);
    expect((await audits('record-request.refused')).at(-1)).toMatchObject({ outcome: 'denied', actor_state: 'WA' });

    // Asking by demographics is a national search now (test/security/national-search.int.test.ts): a request by
    // name and birth date is refused and opens nothing.
    const f = ana('FL');
    const byName = await post(wa, {
      demographics: {
        identity: {
          firstName: 'Ana',
          lastName1: 'Hernandez',
          lastName2: 'Cruz',
          birthDate: f.identity.birthDate,
          sex: 'F',
        },
        parents: f.parents,
      },
      purpose: 'enrollment',
    });
    expect(byName.statusCode).toBe(400);
    expect(byName.json().errors[0]).toMatchObject({ path: '/demographics', rule: 'searchFirst' });
    expect((await wa(`/api/v1/students/${anaId}`)).statusCode).toBe(403);
  });

  it('asks only states holding the child: a named state without a record learns nothing (finding 8)', async () => {
    // Washington has a live source but no record of Ana: before, Florida could make the gateway send Ana's name and
    // birth date to Washington's system.
    await wire(w, 'WA', 'webhook', true);
    const queries = async () =>
      (
        await w.sys.db.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM deliveries WHERE kind = 'record-query' AND state_code = 'WA'`,
        )
      ).rows[0]!.n;
    const before = await queries();
    const r = await post(fl, { msixId: anaId, purpose: 'enrollment', states: ['WA'] });
    expect(r.statusCode).toBe(422);
    expect(r.json()).toMatchObject({ code: 'GW_ERR_NOT_HELD' });
    expect(await queries()).toBe(before);
  });

  it('refuses unknown students, states it cannot reach, and malformed requests, with coded reasons', async () => {
    const unknownId = await post(fl, { msixId: msixIdFromBody('10000000000'), purpose: 'enrollment' });
    expect(unknownId.statusCode).toBe(404);
    expect(unknownId.json()).toMatchObject({
      code: 'GW_ERR_UNKNOWN_STUDENT',
      type: 'urn:msix-gateway:problem:unknown-student',
    });
    const notHeld = await post(fl, { msixId: anaId, purpose: 'enrollment', states: ['OR'] });
    expect(notHeld.statusCode).toBe(422);
    expect(notHeld.json()).toMatchObject({ code: 'GW_ERR_NOT_HELD' });
    expect(notHeld.json().detail).toMatch(/holds no record/);
    const both = await post(fl, {
      msixId: anaId,
      demographics: { identity: { firstName: 'Ana', lastName1: 'H', birthDate: '2007-05-14' } },
      purpose: 'enrollment',
    });
    expect(both.statusCode).toBe(400);
    const typo = await post(fl, {
      msixId: `${anaId.slice(0, 5)}${(Number(anaId[5]) + 1) % 10}${anaId.slice(6)}`,
      purpose: 'enrollment',
    });
    expect(typo.statusCode).toBe(400);
    expect(typo.json().errors[0].rule).toBe('checkDigit');
    expect((await post(fl, { msixId: anaId, purpose: 'curiosity' })).statusCode).toBe(400);
    expect((await post(help, { msixId: anaId, purpose: 'enrollment' })).statusCode).toBe(403);
    // Every refusal is in the audit trail and in the help desk's list.
    const refusals = await audits('record-request.refused');
    expect(refusals.map((a) => a.details.code)).toEqual(
      expect.arrayContaining(['GW_ERR_UNKNOWN_STUDENT', 'GW_ERR_NOT_HELD', 'GW_ERR_NOT_ENTITLED']),
    );
    const failed = (await help('/api/v1/record-requests?status=failed')).json().items as { reason: string }[];
    expect(failed.some((x) => x.reason.startsWith('GW_ERR_NOT_HELD'))).toBe(true);
  });

  it('takes the same request on the Ed-Fi surface', async () => {
    const flSys = await injectAs(w.sys, { state: 'FL', roles: ['state-system'] });
    const r = await flSys({
      method: 'POST',
      url: '/data/v3/migrant/recordRequests',
      payload: {
        msixId: anaId,
        purposeDescriptor: 'uri://msix-gateway/RecordRequestPurposeDescriptor#enrollment',
      },
    });
    expect([201, 202]).toContain(r.statusCode);
    const loc = r.headers.location as string;
    expect(loc).toMatch(/^\/data\/v3\/migrant\/recordRequests\/[0-9a-f]{32}$/);
    const got = await eventually(async () => {
      const g = (await flSys(loc)).json();
      return g.studentRecord ? g : null;
    }, 15_000);
    expect(got).toMatchObject({ msixId: anaId, requestingStateAbbreviation: 'FL', requestStatus: 'answered' });
    expect(got.studentRecord.student.states).toContain('TX');
    const bad = await flSys({
      method: 'POST',
      url: '/data/v3/migrant/recordRequests',
      payload: {
        firstName: 'Ana',
        lastSurname: 'Hernández',
        birthDate: '2007-05-14',
        purposeDescriptor: 'uri://msix-gateway/RecordRequestPurposeDescriptor#enrollment',
      },
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().errors[0].rule).toBe('searchFirst');
  });
});
