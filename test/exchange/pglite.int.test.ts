import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_RECORDS } from '../../demo/students.js';
import { orderProblems } from '../../sim/state-simulator.js';
import { injectAs } from '../support/auth.js';
import { eventually } from '../support/system.js';
import { startExchangeWorld, submitAndMatch, wire, type ExchangeWorld } from './support.js';

const ana = (state: string) =>
  structuredClone(DEMO_RECORDS.find((r) => r.stateCode === state && r.identity.firstName === 'Ana')!);

// The same exchange on embedded PGlite (what `npm start` runs on): one connection, transactions one at a time.
let w: ExchangeWorld;
beforeAll(async () => {
  w = await startExchangeWorld({ store: 'pglite', records: { TX: [ana('TX')] } });
  await wire(w, 'TX', 'edfi', true);
  await wire(w, 'FL', 'webhook');
  await wire(w, 'MI', 'webhook');
});
afterAll(async () => w?.close());

describe('exchange on PGlite', () => {
  it('notices a move, answers a request through a live state, and delivers in order', async () => {
    const [id] = await submitAndMatch(w.sys, [ana('TX'), ana('MI'), ana('FL')]);
    await eventually(async () => w.sim.received('FL').some((r) => r.kind === 'move-notice'));
    const fl = await injectAs(w.sys, { state: 'FL', roles: ['counselor'] });
    const r = await fl({
      method: 'POST',
      url: '/api/v1/record-requests',
      payload: { msixId: id, purpose: 'enrollment' },
    });
    expect(r.statusCode).toBe(202);
    await eventually(async () => (await fl(`/api/v1/record-requests/${r.json().id}`)).json().status === 'answered');
    await eventually(async () => w.sim.received('FL').some((x) => x.kind === 'record-response'));
    expect(orderProblems(w.sim.received('FL'))).toEqual([]);
  });
});
