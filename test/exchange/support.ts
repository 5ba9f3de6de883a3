import { putEndpoint } from '../../core/exchange/endpoints.js';
import type { StateRecord } from '@msix/adapter-sdk/canonical';
import { startStateSimulator, type FlakyConfig, type StateSimulator } from '../../sim/state-simulator.js';
import { asStateSystem } from '../support/auth.js';
import { eventually, startSystem, type TestSystem } from '../support/system.js';
import type { StoreKind } from '../support/db.js';
import type { Clock } from '../../lib/ttl-cache.js';

/** Exchange timings shrunk so retries, deadlines and sweeps happen within a test. */
export const FAST_EXCHANGE_ENV: Record<string, string> = {
  DELIVERY_BACKOFF_BASE_MS: '40',
  DELIVERY_BACKOFF_MAX_MS: '400',
  DELIVERY_TIMEOUT_MS: '800',
  DELIVERY_CIRCUIT_THRESHOLD: '5',
  EXCHANGE_SWEEP_MS: '300',
  EXCHANGE_EVENTS_POLL_MS: '100',
  WORKER_CONCURRENCY: '8',
  EXCHANGE_REQUEST_DEADLINE_SECONDS: '10',
};

export interface ExchangeWorld {
  sys: TestSystem;
  sim: StateSimulator;
  close(): Promise<void>;
}

/** The gateway with real workers on a fresh database, and the state simulator playing the demo states. */
export async function startExchangeWorld(
  opts: {
    env?: Record<string, string>;
    flaky?: FlakyConfig;
    records?: Record<string, StateRecord[]>;
    store?: StoreKind;
    cacheClock?: Clock;
  } = {},
): Promise<ExchangeWorld> {
  const sim = await startStateSimulator({
    states: ['TX', 'MI', 'FL', 'CA', 'WA'].map((code) => ({ code, records: opts.records?.[code] ?? [] })),
    flaky: opts.flaky ?? null,
    toleranceSeconds: 300,
  });
  // A sealing secret, as in production: endpoint secrets are stored sealed and the workers open them to deliver.
  const sys = await startSystem({
    workers: true,
    env: { SIGNING_KEY_SECRET: 'exchange-tests-seal', ...FAST_EXCHANGE_ENV, ...opts.env },
    ...(opts.store ? { store: opts.store } : {}),
    ...(opts.cacheClock ? { cacheClock: opts.cacheClock } : {}),
  });
  return {
    sys,
    sim,
    close: async () => {
      await sys.close();
      await sim.close();
    },
  };
}

/** Points a state at the simulator (secrets sealed, as the API stores them). */
export async function wire(
  w: ExchangeWorld,
  state: string,
  channel: 'webhook' | 'edfi' | 'inbox',
  liveSource = false,
): Promise<void> {
  await putEndpoint(
    w.sys.db,
    state,
    w.sim.endpointFor(state, { channel, liveSource }),
    'test',
    w.sys.config.SIGNING_KEY_SECRET,
  );
}

/** Submits records as the state's system and waits until each is matched; returns their MSIX ids. */
export async function submitAndMatch(sys: TestSystem, records: StateRecord[]): Promise<string[]> {
  const ids: string[] = [];
  for (const r of records) {
    const as = await asStateSystem(sys, r.stateCode);
    const res = await as({ method: 'POST', url: `/api/v1/states/${r.stateCode}/records`, payload: r });
    if (res.statusCode >= 300) throw new Error(`submit failed: ${res.statusCode} ${res.body}`);
    ids.push(
      await eventually(async () => {
        const s = await as(`/api/v1/states/${r.stateCode}/records/${encodeURIComponent(r.stateStudentId)}`);
        return s.statusCode === 200 ? (s.json().msixId as string | null) : null;
      }, 20_000),
    );
  }
  return ids;
}
