/**
 * Probe: deliver N notices by calling the deliver engine directly (no BullMQ),
 * C at a time, to a reliable simulator in this process. Prints deliveries/s.
 *   node --import tsx bench/exchange/engine-probe.ts [N] [C]
 */
import { startThrowawayCluster } from '../../runtime/postgres-cluster.js';
import { PgDb } from '../../core/store/pg.js';
import { migrate } from '../../core/store/migrate.js';
import { ensureStates } from '../../core/states.js';
import { createChannels } from '../../core/exchange/delivery/channels/index.js';
import { runDelivery, type DeliverDeps } from '../../core/exchange/delivery/deliver.js';
import { createDelivery } from '../../core/exchange/delivery/deliveries.js';
import { putEndpoint } from '../../core/exchange/endpoints.js';
import { TokenProvider } from '../../core/exchange/delivery/oauth-token.js';
import { edfiSourceConnector } from '../../core/exchange/requests/source-connector.js';
import { syntheticMsixId } from '../../sim/load.js';
import { startStateSimulator } from '../../sim/state-simulator.js';

const N = Number(process.argv[2] ?? 2000);
const C = Number(process.argv[3] ?? 16);
const cluster = await startThrowawayCluster();
const db = new PgDb(cluster.url, 24);
await migrate(db);
await ensureStates(db);
const sim = await startStateSimulator({ states: [{ code: 'MI' }] });
await putEndpoint(db, 'MI', sim.endpointFor('MI', { channel: 'webhook' }), 'probe');
const backoff = { baseMs: 100, maxMs: 2000 };
const tokens = new TokenProvider();
const deps: DeliverDeps = {
  db,
  queue: { enqueue: async () => {}, ping: async () => true },
  channels: createChannels({ db, tokens, policy: backoff }),
  sources: edfiSourceConnector(tokens, backoff),
  policy: {
    maxAttempts: 15,
    backoff,
    timeoutMs: 1000,
    leaseMs: 5000,
    circuit: { threshold: 5, backoff, probeLeaseMs: 2000 },
  },
  consolidation: { requiredCredits: 22 },
  log: { info() {}, warn() {} },
};
let t = performance.now();
const ids: string[] = [];
await db.transaction(async (tx) => {
  for (let i = 0; i < N; i++)
    ids.push(
      (
        await createDelivery(tx, {
          stateCode: 'MI',
          kind: 'move-notice',
          msixId: syntheticMsixId(i),
          ordered: true,
          traceId: 't',
          data: { i },
          disclosure: { fields: [], reason: 'probe' },
        })
      ).id,
    );
});
console.log(`created ${N} in ${((performance.now() - t) / 1000).toFixed(2)} s`);
t = performance.now();
let next = 0;
await Promise.all(
  Array.from({ length: C }, async () => {
    while (next < ids.length) {
      const id = ids[next++]!;
      await runDelivery(deps, id);
    }
  }),
);
const s = (performance.now() - t) / 1000;
console.log(
  `delivered ${N} in ${s.toFixed(2)} s: ${Math.round(N / s)}/s with ${C} at a time; received ` +
    `${sim.received('MI').length}`,
);
await sim.close();
await db.close();
cluster.stop();
