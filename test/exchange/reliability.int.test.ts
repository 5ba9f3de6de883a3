import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getDelivery, listDeliveries } from '../../core/exchange/delivery/deliveries.js';
import { createSyntheticNotices } from '../../sim/load.js';
import { orderProblems } from '../../sim/state-simulator.js';
import { injectAs } from '../support/auth.js';
import { eventually } from '../support/system.js';
import { startExchangeWorld, wire, type ExchangeWorld } from './support.js';
import { movableClock } from '../support/clock.js';

let w: ExchangeWorld;
const clock = movableClock();
beforeAll(async () => {
  w = await startExchangeWorld({ env: { DELIVERY_MAX_ATTEMPTS: '30' }, cacheClock: clock });
});
afterAll(async () => w?.close());

const count = async (state: string, status: string) =>
  (
    await w.sys.db.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM deliveries WHERE state_code = $1 AND status = $2',
      [state, status],
    )
  ).rows[0]!.n;

describe('delivery under faults', () => {
  it('delivers every notice once and in order per student through a receiver failing 20% of the time', async () => {
    await wire(w, 'MI', 'webhook');
    w.sim.setFlaky({ timeoutRate: 0.05, errorRate: 0.1, dropRate: 0.05, seed: 7, hangMs: 2000 });
    const made = await createSyntheticNotices(w.sys.db, w.sys.queue, { state: 'MI', students: 40, perStudent: 5 });
    await eventually(async () => (await count('MI', 'delivered')) === made.length, 60_000, 200);
    w.sim.setFlaky(null);
    const got = w.sim.received('MI');
    expect(got).toHaveLength(made.length);
    expect(new Set(got.map((r) => r.idempotencyKey)).size).toBe(made.length);
    expect(orderProblems(got)).toEqual([]);
    const stats = w.sim.stats();
    expect(stats.injected.error + stats.injected.timeout + stats.injected.drop).toBeGreaterThan(10);
    // Dropped connections after processing make the gateway retry; the receiver drops those by idempotency key.
    // On a busy machine an answer can also arrive after DELIVERY_TIMEOUT_MS (800 ms here): another repeat.
    expect(stats.duplicates).toBeGreaterThanOrEqual(stats.injected.drop);
    // Every attempt is a ledger row under its delivery's row.
    const attempts = await w.sys.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM exchanges WHERE kind = 'delivery-attempt' AND state_code = 'MI'`,
    );
    expect(attempts.rows[0]!.n).toBeGreaterThan(made.length);
  });

  it(
    'holds everything while a receiver is down, probes one ' + 'at a time, and delivers all in order once it is back',
    async () => {
      await wire(w, 'CA', 'edfi');
      w.sim.setDown('CA', true);
      const made = await createSyntheticNotices(w.sys.db, w.sys.queue, {
        state: 'CA',
        students: 10,
        perStudent: 3,
        firstStudent: 1000,
      });
      await eventually(async () => {
        const r = await w.sys.db.query<{ open_until: Date | null; failures: number }>(
          `SELECT open_until, failures FROM exchange_circuits WHERE target = 'CA:deliver'`,
        );
        return (r.rows[0]?.failures ?? 0) >= 5;
      }, 20_000);
      // While down, later messages about a student wait behind the first instead of racing it.
      expect(await count('CA', 'delivered')).toBe(0);
      const help = await injectAs(w.sys, { state: null, roles: ['help-desk'] });
      const receivers = (await help('/api/v1/exchange/receivers')).json() as {
        items: { target: string; failures: number }[];
      };
      expect(receivers.items.map((x) => x.target)).toContain('CA:deliver');
      // The receiver stays down until the gateway has probed it twice more (not for a fixed time).
      const downSoFar = w.sim.stats().injected.down;
      await eventually(async () => w.sim.stats().injected.down >= downSoFar + 2, 20_000, 50);
      w.sim.setDown('CA', false);
      await eventually(async () => (await count('CA', 'delivered')) === made.length, 30_000, 200);
      const got = w.sim.received('CA');
      expect(got).toHaveLength(made.length);
      expect(orderProblems(got)).toEqual([]);
      expect(got.every((r) => r.channel === 'edfi' && r.resource === 'moveNotices')).toBe(true);
      expect(await count('CA', 'dead')).toBe(0);
    },
  );

  it(
    'dead-letters after the attempts run out, and a help-desk retry delivers it and releases what waited ' +
      'behind it',
    async () => {
      await wire(w, 'WA', 'webhook');
      w.sim.setDown('WA', true);
      const [first, second] = await createSyntheticNotices(w.sys.db, w.sys.queue, {
        state: 'WA',
        students: 1,
        perStudent: 2,
        firstStudent: 2000,
      });
      // Drive the first to dead quickly: count 29 attempts as already spent.
      await w.sys.db.query('UPDATE deliveries SET budget_from = budget_from - 29 WHERE id = $1', [first!.id]);
      await eventually(async () => (await getDelivery(w.sys.db, first!.id))?.status === 'dead', 20_000);
      expect((await getDelivery(w.sys.db, second!.id))?.status).toBe('held');
      const help = await injectAs(w.sys, { state: null, roles: ['help-desk'] });
      const dead = (await help('/api/v1/deliveries?status=dead&state=WA')).json() as {
        items: { id: string; lastError: string }[];
      };
      expect(dead.items.map((d) => d.id)).toContain(first!.id);
      w.sim.setDown('WA', false);
      const retry = await help({ method: 'POST', url: `/api/v1/deliveries/${first!.id}/retry` });
      expect(retry.statusCode).toBe(202);
      await eventually(async () => (await getDelivery(w.sys.db, second!.id))?.status === 'delivered', 20_000);
      expect(orderProblems(w.sim.received('WA'))).toEqual([]);
      const detail = (await help(`/api/v1/deliveries/${first!.id}`)).json() as {
        status: string;
        attemptLog: { outcome: string }[];
      };
      expect(detail.status).toBe('delivered');
      expect(detail.attemptLog.at(-1)!.outcome).toBe('ok');
      expect(detail.attemptLog.some((a) => a.outcome === 'transient')).toBe(true);
      // Retrying a delivered message is refused: it would be a duplicate.
      const again = await help({ method: 'POST', url: `/api/v1/deliveries/${first!.id}/retry` });
      expect(again.statusCode).toBe(409);
      // A state system cannot retry.
      const wa = await injectAs(w.sys, { state: 'WA', roles: ['state-system'] });
      expect((await wa({ method: 'POST', url: `/api/v1/deliveries/${first!.id}/retry` })).statusCode).toBe(403);
    },
  );

  it('refuses a message the receiver rejects (4xx) without retrying it', async () => {
    await w.sys.db.query(
      `UPDATE exchange_endpoints SET delivery = jsonb_set(delivery, '{secret}', '"not-the-right-secret-at-all"')
       WHERE state_code = 'WA'`,
    );
    // Workers cache an endpoint for two seconds: age the cache instead of waiting.
    clock.advance(2100);
    const [d] = await createSyntheticNotices(w.sys.db, w.sys.queue, {
      state: 'WA',
      students: 1,
      perStudent: 1,
      firstStudent: 3000,
    });
    await eventually(async () => (await getDelivery(w.sys.db, d!.id))?.status === 'dead', 20_000);
    const got = await getDelivery(w.sys.db, d!.id);
    expect(got!.attempts).toBe(1);
    expect(got!.lastError).toMatch(/invalid: HTTP 401/);
    expect(w.sim.stats().refused.signature).toBeGreaterThan(0);
    const all = await listDeliveries(w.sys.db, { stateCode: 'WA', status: 'dead' });
    expect(all.map((x) => x.id)).toContain(d!.id);
  });
});
