import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_RECORDS } from '../../demo/students.js';
import { orderProblems } from '../../sim/state-simulator.js';
import { injectAs } from '../support/auth.js';
import { eventually } from '../support/system.js';
import { startExchangeWorld, submitAndMatch, wire, type ExchangeWorld } from './support.js';

const ana = (state: string) =>
  structuredClone(DEMO_RECORDS.find((r) => r.stateCode === state && r.identity.firstName === 'Ana')!);

let w: ExchangeWorld;
let anaId: string;
beforeAll(async () => {
  // Ana's move to Michigan began in May: older than the default window, so widen it for this story.
  w = await startExchangeWorld({ env: { EXCHANGE_MOVE_WINDOW_DAYS: '3650' } });
  await wire(w, 'TX', 'webhook');
  await wire(w, 'MI', 'edfi');
  await wire(w, 'FL', 'webhook');
});
afterAll(async () => w?.close());

const notices = async () =>
  (
    await w.sys.db.query<{ kind: string; from_state: string; to_state: string }>(
      'SELECT kind, from_state, to_state FROM move_notices ORDER BY created_at',
    )
  ).rows;

describe('move notices from the student events outbox', () => {
  it("tells both states of each move, once, as the child's records arrive", async () => {
    anaId = (await submitAndMatch(w.sys, [ana('TX')]))[0]!;
    await submitAndMatch(w.sys, [ana('MI')]);
    // Texas learns Ana enrolled in Michigan; Michigan learns her history and gets the consolidated record.
    const txGot = await eventually(async () => w.sim.received('TX').find((r) => r.kind === 'move-notice') ?? null);
    expect(txGot.channel).toBe('webhook');
    expect(txGot.body.data).toMatchObject({
      role: 'departed',
      fromState: 'TX',
      toState: 'MI',
      yourStudentIds: ['TX0048213'],
    });
    expect((txGot.body.data as { newEnrollment: { stateCode: string } }).newEnrollment.stateCode).toBe('MI');
    expect((txGot.body.data as Record<string, unknown>).student).toBeUndefined();
    const miGot = await eventually(async () => w.sim.received('MI').find((r) => r.kind === 'move-notice') ?? null);
    expect(miGot).toMatchObject({ channel: 'edfi', resource: 'moveNotices' });
    expect(miGot.body.data).toMatchObject({ role: 'arrived', fromState: 'TX', toState: 'MI', historyStates: ['TX'] });
    expect((miGot.body.data as { student: { msixId: string } }).student.msixId).toBe(anaId);

    await submitAndMatch(w.sys, [ana('FL')]);
    await eventually(async () => w.sim.received('FL').some((r) => r.kind === 'move-notice'));
    expect(await notices()).toEqual([
      { kind: 'move', from_state: 'TX', to_state: 'MI' },
      { kind: 'move', from_state: 'MI', to_state: 'FL' },
    ]);
    // Michigan got two messages about Ana, in order.
    await eventually(async () => w.sim.received('MI').length === 2);
    expect(orderProblems(w.sim.received('MI'))).toEqual([]);
  });

  it('never floods: a resubmitted or updated record makes no new notice', async () => {
    const fl = await injectAs(w.sys, { state: 'FL', roles: ['state-system'] });
    const updated = {
      ...ana('FL'),
      courses: [
        ...(ana('FL').courses ?? []),
        { courseTitle: 'Art II', subjectArea: 'Fine Arts', beginAcademicYear: 2026, endAcademicYear: 2027 },
      ],
    };
    expect((await fl({ method: 'POST', url: '/api/v1/states/FL/records', payload: updated })).statusCode).toBeLessThan(
      300,
    );
    expect((await fl({ method: 'POST', url: '/api/v1/states/FL/records', payload: updated })).statusCode).toBeLessThan(
      300,
    );
    // The consumer has read every event (its cursor is at the last one in (transaction, id) order).
    await eventually(async () => {
      const r = await w.sys.db.query<{ behind: number }>(
        `SELECT count(*)::int AS behind FROM student_events e, event_cursors c
         WHERE c.consumer = 'exchange-move-notices' AND (e.xid, e.id) > (c.last_xid, c.last_id)`,
      );
      return r.rows[0]?.behind === 0;
    });
    expect(await notices()).toHaveLength(2);
    // Every delivered notice is an audited disclosure with its reason.
    const a = await w.sys.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM audit_events WHERE action = 'exchange.delivered' AND reason LIKE 'move notice %'`,
    );
    expect(a.rows[0]!.n).toBe(4);
  });
});

describe('departure notices', () => {
  it('lets the state the child leaves tell the next one, which then gets the record and may read it', async () => {
    const ca = await injectAs(w.sys, { state: 'CA', roles: ['counselor'] });
    expect((await ca(`/api/v1/students/${anaId}`)).statusCode).toBe(403);
    const fl = await injectAs(w.sys, { state: 'FL', roles: ['counselor'] });
    const body = {
      msixId: anaId,
      toState: 'CA',
      expectedArrivalDate: '2027-03-01',
      comment: 'Family moving to Salinas for the spring harvest.',
    };
    const sent = await fl({ method: 'POST', url: '/api/v1/departure-notices', payload: body });
    expect(sent.statusCode).toBe(201);
    expect(sent.json()).toMatchObject({
      kind: 'departure',
      fromState: 'FL',
      toState: 'CA',
      expectedArrival: '2027-03-01',
    });
    const again = await fl({ method: 'POST', url: '/api/v1/departure-notices', payload: body });
    expect(again.statusCode).toBe(200);
    expect(again.json().id).toBe(sent.json().id);
    // California polls its inbox (its default channel).
    const caSys = await injectAs(w.sys, { state: 'CA', roles: ['state-system'] });
    const item = await eventually(
      async () =>
        (
          (await caSys('/api/v1/states/CA/inbox')).json().items as {
            deliveryId: string;
            message: { kind: string; data: { student: { msixId: string }; comment: string } };
          }[]
        )[0] ?? null,
    );
    expect(item.message.kind).toBe('departure-notice');
    expect(item.message.data.student.msixId).toBe(anaId);
    expect((await caSys({ method: 'POST', url: `/api/v1/states/CA/inbox/${item.deliveryId}/ack` })).statusCode).toBe(
      200,
    );
    expect((await caSys('/api/v1/states/CA/inbox')).json().items).toHaveLength(0);
    // The notice is California's ground to read Ana's record.
    expect((await ca(`/api/v1/students/${anaId}`)).statusCode).toBe(200);
    const view = (await ca(`/api/v1/notices/${sent.json().id}`)).json();
    expect(view.deliveries).toHaveLength(1);
    expect(view.deliveries[0]).toMatchObject({ to: 'CA', kind: 'departure-notice', status: 'delivered' });
    // Another state cannot read the notice.
    const wa = await injectAs(w.sys, { state: 'WA', roles: ['counselor'] });
    expect((await wa(`/api/v1/notices/${sent.json().id}`)).statusCode).toBe(404);
  });

  it('refuses a notice from a state that does not hold the child, to an unknown state, or to itself', async () => {
    const wa = await injectAs(w.sys, { state: 'WA', roles: ['state-system'] });
    const r = await wa({ method: 'POST', url: '/api/v1/departure-notices', payload: { msixId: anaId, toState: 'CA' } });
    expect(r.statusCode).toBe(403);
    expect(r.json().code).toBe('GW_ERR_NOT_ENTITLED');
    const fl = await injectAs(w.sys, { state: 'FL', roles: ['state-system'] });
    expect(
      (await fl({ method: 'POST', url: '/api/v1/departure-notices', payload: { msixId: anaId, toState: 'ZZ' } })).json()
        .code,
    ).toBe('GW_ERR_UNKNOWN_STATE');
    expect(
      (await fl({ method: 'POST', url: '/api/v1/departure-notices', payload: { msixId: anaId, toState: 'FL' } }))
        .statusCode,
    ).toBe(400);
    const refused = await w.sys.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM audit_events WHERE action = 'departure-notice.refused' AND outcome = 'denied'`,
    );
    expect(refused.rows[0]!.n).toBe(3);
  });

  it('lets a state configure its own endpoint, with https enforced and secrets never shown', async () => {
    const caAdmin = await injectAs(w.sys, { state: 'CA', roles: ['data-admin'] });
    const bad = await caAdmin({
      method: 'PUT',
      url: '/api/v1/states/CA/exchange-endpoint',
      payload: { delivery: { channel: 'webhook', url: 'http://ca.example.org/hook', secret: 'x'.repeat(32) } },
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().errors[0].rule).toBe('https');
    const ok = await caAdmin({
      method: 'PUT',
      url: '/api/v1/states/CA/exchange-endpoint',
      payload: w.sim.endpointFor('CA', { channel: 'webhook' }),
    });
    expect(ok.statusCode).toBe(200);
    expect(JSON.stringify(ok.json())).not.toContain(
      String((w.sim.endpointFor('CA', { channel: 'webhook' }).delivery as { secret: string }).secret),
    );
    const other = await caAdmin({
      method: 'PUT',
      url: '/api/v1/states/TX/exchange-endpoint',
      payload: { delivery: { channel: 'inbox' } },
    });
    expect(other.statusCode).toBe(403);
    const help = await injectAs(w.sys, { state: null, roles: ['help-desk'] });
    expect((await help('/api/v1/states/CA/exchange-endpoint')).json().delivery).toMatchObject({
      channel: 'webhook',
      secret: '********',
    });
  });
});
