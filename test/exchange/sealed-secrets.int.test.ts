import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createChannels } from '../../core/exchange/delivery/channels/index.js';
import { runDelivery, type DeliverDeps } from '../../core/exchange/delivery/deliver.js';
import { createDelivery, getDelivery } from '../../core/exchange/delivery/deliveries.js';
import { checkEndpointInput, EndpointSecretError, getEndpoint, putEndpoint } from '../../core/exchange/endpoints.js';
import { TokenProvider } from '../../core/exchange/delivery/oauth-token.js';
import { edfiSourceConnector } from '../../core/exchange/requests/source-connector.js';
import { syntheticMsixId } from '../../sim/load.js';
import { startStateSimulator, type StateSimulator } from '../../sim/state-simulator.js';
import { asAdmin } from '../support/auth.js';
import { startSystem, type TestSystem } from '../support/system.js';

/**
 * Endpoint secrets (webhook secrets, client secrets of states' token
 * endpoints) are stored sealed with SIGNING_KEY_SECRET, opened only to
 * deliver, and never shown.
 */
const SEAL = 'sealed-secrets-test-seal';
let sys: TestSystem;
let sim: StateSimulator;
const backoff = { baseMs: 20, maxMs: 200 };
const warnings: string[] = [];
const depsWith = (sealSecret: string): DeliverDeps => {
  const tokens = new TokenProvider();
  return {
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
    log: {
      info() {},
      warn(_o, msg) {
        warnings.push(msg);
      },
    },
    sealSecret,
  };
};
beforeAll(async () => {
  sys = await startSystem({ workers: false, env: { SIGNING_KEY_SECRET: SEAL } });
  sim = await startStateSimulator({ states: [{ code: 'MI' }, { code: 'TX' }, { code: 'FL' }, { code: 'WA' }] });
});
afterAll(async () => {
  await sys?.close();
  await sim?.close();
});

const notice = (state: string, i: number) =>
  sys.db.transaction((tx) =>
    createDelivery(tx, {
      stateCode: state,
      kind: 'move-notice',
      msixId: syntheticMsixId(i),
      ordered: true,
      traceId: `t-${i}`,
      data: { i },
      disclosure: { fields: [], reason: 'test' },
    }),
  );
const stored = async (state: string) =>
  (
    await sys.db.query<{ row: string }>(
      'SELECT row_to_json(e)::text AS row FROM exchange_endpoints e WHERE state_code = $1',
      [state],
    )
  ).rows[0]!.row;
const secretOf = (state: string) =>
  (sim.endpointFor(state, { channel: 'webhook' }).delivery as { secret: string }).secret;

describe('endpoint secrets at rest', () => {
  it(
    'stores a webhook secret set through the API sealed, ' + 'shows it hidden, and still signs deliveries with it',
    async () => {
      const admin = await asAdmin(sys);
      const put = await admin({
        method: 'PUT',
        url: '/api/v1/states/MI/exchange-endpoint',
        payload: sim.endpointFor('MI', { channel: 'webhook' }),
      });
      expect(put.statusCode).toBe(200);
      expect(put.json().delivery.secret).toBe('********');
      const row = await stored('MI');
      expect(row).not.toContain(secretOf('MI'));
      expect(row).toMatch(/"secret": ?"sealed:v1:/);
      const audit = await sys.db.query<{ d: string }>(
        `SELECT details::text AS d FROM audit_events WHERE action = 'exchange-endpoint.updated'`,
      );
      expect(audit.rows.length).toBeGreaterThan(0);
      for (const a of audit.rows) expect(a.d).not.toContain(secretOf('MI'));
      expect((await admin('/api/v1/states/MI/exchange-endpoint')).json().delivery).toMatchObject({
        channel: 'webhook',
        secret: '********',
      });

      // The simulator checks the signature with the plain secret: a delivery only counts if the gateway signed with it.
      const d = await notice('MI', 1);
      expect(await runDelivery(depsWith(SEAL), d.id)).toMatchObject({ kind: 'delivered' });
      expect(sim.received('MI')).toHaveLength(1);
    },
  );

  it('seals the client secrets of Ed-Fi delivery and live source', async () => {
    const input = sim.endpointFor('TX', { channel: 'edfi', liveSource: true });
    await putEndpoint(sys.db, 'TX', input, 'test', SEAL);
    const plain = (input.delivery as { clientSecret: string }).clientSecret;
    const row = await stored('TX');
    expect(row).not.toContain(plain);
    expect(row.match(/"clientSecret": ?"sealed:v1:/g)).toHaveLength(2);
    const opened = await getEndpoint(sys.db, 'TX', SEAL);
    expect(opened.delivery).toEqual(input.delivery);
    expect(opened.source).toEqual(input.source);
    const d = await notice('TX', 2);
    expect(await runDelivery(depsWith(SEAL), d.id)).toMatchObject({ kind: 'delivered' });
  });

  it('keeps reading a secret stored before sealing', async () => {
    const input = sim.endpointFor('FL', { channel: 'webhook' });
    await sys.db.query(
      `INSERT INTO exchange_endpoints (state_code, delivery, source, updated_at, updated_by)
       VALUES ('FL', $1, NULL, now(), 'before sealing')`,
      [JSON.stringify(input.delivery)],
    );
    expect(await stored('FL')).toContain(secretOf('FL'));
    expect((await getEndpoint(sys.db, 'FL', SEAL)).delivery).toEqual(input.delivery);
    const d = await notice('FL', 3);
    expect(await runDelivery(depsWith(SEAL), d.id)).toMatchObject({ kind: 'delivered' });
    expect(sim.received('FL')).toHaveLength(1);
  });

  it('says clearly when the sealing secret is wrong or missing, and the message waits instead of failing', async () => {
    await putEndpoint(sys.db, 'WA', sim.endpointFor('WA', { channel: 'webhook' }), 'test', SEAL);
    await expect(getEndpoint(sys.db, 'WA', 'not-the-seal')).rejects.toThrow(EndpointSecretError);
    await expect(getEndpoint(sys.db, 'WA', 'not-the-seal')).rejects.toThrow(
      /SIGNING_KEY_SECRET does not open WA's endpoint delivery\.secret/,
    );
    await expect(getEndpoint(sys.db, 'WA')).rejects.toThrow(
      /WA's endpoint delivery\.secret is sealed but SIGNING_KEY_SECRET is not set/,
    );

    const d = await notice('WA', 4);
    const outcome = await runDelivery(depsWith('not-the-seal'), d.id);
    expect(outcome).toMatchObject({
      kind: 'retrying',
      reason: expect.stringContaining('SIGNING_KEY_SECRET does not open'),
    });
    expect((await getDelivery(sys.db, d.id))!.status).toBe('retrying');
    expect(sim.received('WA')).toHaveLength(0);
    expect(warnings.some((w) => w.includes('SIGNING_KEY_SECRET does not open WA'))).toBe(true);
    // Showing the endpoint needs no secret at all.
    const admin = await asAdmin(sys);
    const shown = await admin('/api/v1/states/WA/exchange-endpoint');
    expect(shown.statusCode).toBe(200);
    expect(shown.json().delivery.secret).toBe('********');
  });

  it('never echoes a secret in a refusal, and refuses a secret that looks sealed', () => {
    const short = checkEndpointInput({
      delivery: { channel: 'webhook', url: 'https://x.example.org/hook', secret: 'too-short' },
    });
    expect(short.kind).toBe('invalid');
    expect(JSON.stringify(short)).not.toContain('too-short');
    const odd = checkEndpointInput({
      delivery: { channel: 'webhook', url: 'https://x.example.org/hook', secret: 'my-secret-is-long-enough', extra: 1 },
    });
    expect(odd.kind).toBe('invalid');
    expect(JSON.stringify(odd)).not.toContain('my-secret-is-long-enough');
    const looksSealed = checkEndpointInput({
      delivery: { channel: 'webhook', url: 'https://x.example.org/hook', secret: 'sealed:v1:abcdefghijklmnop' },
    });
    expect(looksSealed).toMatchObject({ kind: 'invalid', issues: [{ path: '/delivery/secret', rule: 'format' }] });
  });
});
