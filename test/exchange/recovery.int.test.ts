import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createChannels } from '../../core/exchange/delivery/channels/index.js';
import { runDelivery, type DeliverDeps } from '../../core/exchange/delivery/deliver.js';
import { createDelivery, getDelivery } from '../../core/exchange/delivery/deliveries.js';
import { putEndpoint } from '../../core/exchange/endpoints.js';
import { TokenProvider } from '../../core/exchange/delivery/oauth-token.js';
import { edfiSourceConnector } from '../../core/exchange/requests/source-connector.js';
import { sweepExchange } from '../../core/exchange/sweep.js';
import { syntheticMsixId } from '../../sim/load.js';
import { startStateSimulator, type StateSimulator } from '../../sim/state-simulator.js';
import { startSystem, type TestSystem } from '../support/system.js';

let sys: TestSystem;
let sim: StateSimulator;
let deps: DeliverDeps;
const backoff = { baseMs: 20, maxMs: 200 };
beforeAll(async () => {
  sys = await startSystem({ workers: false });
  sim = await startStateSimulator({ states: [{ code: 'MI' }] });
  await putEndpoint(sys.db, 'MI', sim.endpointFor('MI', { channel: 'webhook' }), 'test');
  const tokens = new TokenProvider();
  deps = {
    db: sys.db,
    queue: sys.queue,
    channels: createChannels({ db: sys.db, tokens, policy: backoff }),
    sources: edfiSourceConnector(tokens, backoff),
    policy: {
      maxAttempts: 5,
      backoff,
      timeoutMs: 1000,
      leaseMs: 3000,
      circuit: { threshold: 5, backoff, probeLeaseMs: 1000 },
    },
    consolidation: { requiredCredits: 22 },
    log: { info() {}, warn() {} },
  };
});
afterAll(async () => {
  await sys?.close();
  await sim?.close();
});

const notice = (i: number, n = 1) =>
  sys.db.transaction(async (tx) => {
    const out = [];
    for (let k = 0; k < n; k++) {
      out.push(
        await createDelivery(tx, {
          stateCode: 'MI',
          kind: 'move-notice',
          msixId: syntheticMsixId(i),
          ordered: true,
          traceId: `t-${i}`,
          data: { k },
          disclosure: { fields: [], reason: 'test' },
        }),
      );
    }
    return out;
  });

describe('a deliver job run any number of times', () => {
  it('sends once when five workers run the same delivery at the same moment', async () => {
    const [d] = await notice(1);
    const outcomes = await Promise.all(Array.from({ length: 5 }, () => runDelivery(deps, d!.id)));
    expect(outcomes.filter((o) => o.kind === 'delivered')).toHaveLength(1);
    expect(sim.stats().requests).toBe(1);
    expect((await runDelivery(deps, d!.id)).kind).toBe('skipped');
    expect(sim.received('MI')).toHaveLength(1);
  });

  it('refuses to send the second message about a student before the first', async () => {
    const [first, second] = await notice(2, 2);
    expect(await runDelivery(deps, second!.id)).toEqual({ kind: 'held', behind: 1 });
    expect((await getDelivery(sys.db, second!.id))!.status).toBe('held');
    expect((await runDelivery(deps, first!.id)).kind).toBe('delivered');
    // Delivering the first released the second (its job is in the queue); running it now sends it.
    expect((await getDelivery(sys.db, second!.id))!.status).toBe('queued');
    expect((await runDelivery(deps, second!.id)).kind).toBe('delivered');
    expect(
      sim
        .received('MI')
        .filter((r) => r.msixId === syntheticMsixId(2))
        .map((r) => r.sequence),
    ).toEqual([1, 2]);
  });
});

describe('the sweeper', () => {
  it('picks up a delivery whose job was lost, and an attempt whose worker died', async () => {
    const [lost] = await notice(3);
    const [crashed] = await notice(4);
    await sys.db.query(`UPDATE deliveries SET next_attempt_at = now() - interval '1 minute' WHERE id = $1`, [lost!.id]);
    await sys.db.query(
      `UPDATE deliveries SET status = 'sending', attempts = 1, lease_until = now() - interval '1 second' WHERE id = $1`,
      [crashed!.id],
    );
    const jobs: string[] = [];
    const r = await sweepExchange(
      {
        ...deps,
        queue: {
          enqueue: async (_q, p) => {
            jobs.push((p as { deliveryId: string }).deliveryId);
          },
          ping: async () => true,
        },
      },
      { graceMs: 10_000 },
    );
    expect(r.recovered).toBe(1);
    expect(jobs).toEqual(expect.arrayContaining([lost!.id, crashed!.id]));
    expect((await getDelivery(sys.db, crashed!.id))!.status).toBe('retrying');
    for (const id of [lost!.id, crashed!.id]) expect((await runDelivery(deps, id)).kind).toBe('delivered');
  });

  it('releases a message held behind one that was delivered meanwhile', async () => {
    const [a, b] = await notice(5, 2);
    await runDelivery(deps, b!.id);
    await sys.db.query(`UPDATE deliveries SET status = 'delivered' WHERE id = $1`, [a!.id]);
    const r = await sweepExchange(
      { ...deps, queue: { enqueue: async () => {}, ping: async () => true } },
      { graceMs: 10_000 },
    );
    expect(r.released).toBe(1);
    expect((await getDelivery(sys.db, b!.id))!.status).toBe('queued');
  });
});
