import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { edfiPushChannel } from '../../core/exchange/delivery/channels/edfi-push.js';
import { webhookChannel } from '../../core/exchange/delivery/channels/webhook.js';
import type { MessageEnvelope } from '../../core/exchange/messages.js';
import { TokenProvider } from '../../core/exchange/delivery/oauth-token.js';
import { edfiSourceConnector } from '../../core/exchange/requests/source-connector.js';
import type { DeliveryId } from '../../core/exchange/ids.js';
import type { StateRecord } from '@msix/adapter-sdk/canonical';
import { startStateSimulator, type StateSimulator } from '../../sim/state-simulator.js';
import { sampleRecord } from '../support/records.js';

const policy = { baseMs: 10, maxMs: 100 };
let sim: StateSimulator;
beforeAll(async () => {
  sim = await startStateSimulator({
    states: [{ code: 'TX', records: [sampleRecord({ stateCode: 'TX', stateStudentId: 'T-1' })] }, { code: 'MI' }],
  });
});
afterAll(async () => sim?.close());

const msg = (n: number): MessageEnvelope => ({
  id: `00000000-0000-4000-8000-00000000000${n}` as DeliveryId,
  idempotencyKey: `msix-dlv-${n}`,
  kind: 'move-notice',
  to: 'TX',
  msixId: '616789514280',
  sequence: n,
  createdAt: new Date().toISOString(),
  traceId: 't',
  data: { n },
});
const ctx = { timeoutMs: 1000 };

describe('OAuth client credentials (openid-client) and the Ed-Fi push', () => {
  it('gets a token once, reuses it, and gets a new one after the state revokes it (401)', async () => {
    const tokens = new TokenProvider();
    const ch = edfiPushChannel(tokens, policy);
    const cfg = sim.endpointFor('TX', { channel: 'edfi' }).delivery as Parameters<typeof ch.send>[1];
    expect(await ch.send(msg(1), cfg, ctx)).toMatchObject({ kind: 'ok', status: 201 });
    expect(await ch.send(msg(2), cfg, ctx)).toMatchObject({ kind: 'ok' });
    expect(sim.stats().tokens).toBe(1);
    sim.revokeTokens();
    expect(await ch.send(msg(3), cfg, ctx)).toMatchObject({ kind: 'transient', status: 401 });
    expect(await ch.send(msg(3), cfg, ctx)).toMatchObject({ kind: 'ok' });
    expect(sim.stats().tokens).toBe(2);
    // The same key twice is taken once (200 the second time).
    expect(await ch.send(msg(3), cfg, ctx)).toMatchObject({ kind: 'ok', status: 200 });
    expect(sim.received('TX').map((r) => r.resource)).toEqual(['moveNotices', 'moveNotices', 'moveNotices']);
  });

  it(
    'calls wrong client credentials invalid (no retry can ' + 'fix them) and an unreachable token endpoint transient',
    async () => {
      const tokens = new TokenProvider();
      const good = sim.endpointFor('TX', { channel: 'edfi' }).delivery as {
        apiBase: string;
        tokenUrl: string;
        clientId: string;
        clientSecret: string;
      };
      expect(await tokens.token({ ...good, clientSecret: 'wrong' }, 1000)).toMatchObject({ kind: 'invalid' });
      expect(await tokens.token({ ...good, tokenUrl: 'http://127.0.0.1:9/oauth/token' }, 1000)).toMatchObject({
        kind: 'transient',
      });
    },
  );
});

describe('webhook channel', () => {
  it('signs so the receiver accepts, and reports a closed port as transient', async () => {
    const ch = webhookChannel(policy);
    const cfg = sim.endpointFor('MI', { channel: 'webhook' }).delivery as { url: string; secret: string };
    expect(await ch.send({ ...msg(4), to: 'MI' }, cfg, ctx)).toMatchObject({ kind: 'ok', status: 200 });
    expect(await ch.send({ ...msg(4), to: 'MI' }, cfg, ctx)).toMatchObject({ kind: 'ok' });
    expect(sim.received('MI')).toHaveLength(1);
    expect(await ch.send(msg(5), { ...cfg, secret: 'x'.repeat(20) }, ctx)).toMatchObject({
      kind: 'invalid',
      status: 401,
    });
    expect(await ch.send(msg(5), { ...cfg, url: 'http://127.0.0.1:9/hook' }, ctx)).toMatchObject({ kind: 'transient' });
  });
});

describe('live source connector', () => {
  const src = () => sim.endpointFor('TX', { channel: 'inbox', liveSource: true }).source!;
  it("answers the state's records by its id or by name and birth date, and none for an unknown child", async () => {
    const c = edfiSourceConnector(new TokenProvider(), policy);
    expect(await c.fetch('TX', { stateStudentId: 'T-1' }, src(), ctx)).toMatchObject({
      kind: 'ok',
      records: [{ stateStudentId: 'T-1' }],
    });
    expect(
      await c.fetch('TX', { firstName: 'MARÍA', lastName1: 'garcia', birthDate: '2010-04-02' }, src(), ctx),
    ).toMatchObject({ kind: 'ok', records: [{ stateStudentId: 'T-1' }] });
    expect(await c.fetch('TX', { stateStudentId: 'nobody' }, src(), ctx)).toEqual({ kind: 'ok', records: [] });
  });
  it('refuses an answer that is not a valid record of that state', async () => {
    const c = edfiSourceConnector(new TokenProvider(), policy);
    sim.setRecords('TX', [
      {
        ...sampleRecord({ stateCode: 'TX', stateStudentId: 'T-2' }),
        identity: { firstName: '', lastName1: 'X', birthDate: 'not a date' },
      } as StateRecord,
    ]);
    expect(await c.fetch('TX', { stateStudentId: 'T-2' }, src(), ctx)).toMatchObject({ kind: 'invalid' });
    sim.setRecords('TX', [sampleRecord({ stateCode: 'FL', stateStudentId: 'T-3' })]);
    expect(await c.fetch('TX', { stateStudentId: 'T-3' }, src(), ctx)).toMatchObject({
      kind: 'invalid',
      reason: expect.stringMatching(/record of FL/),
    });
  });
});
