import { describe, expect, it } from 'vitest';
import {
  IDEMPOTENCY_HEADER,
  NONCE_HEADER,
  SIGNATURE_HEADER,
  TIMESTAMP_HEADER,
  signWebhook,
  verifyWebhook,
} from '../../core/exchange/delivery/signature.js';
import { MemoryReplayGuard } from '../../core/security/replay-guard.js';

const secret = 'a-long-shared-secret-for-tests';
const body = JSON.stringify({ id: 'd1', kind: 'move-notice', msixId: '123456789012' });
const now = 1_800_000_000;
const headers = (
  over: Record<string, string> = {},
  b = body,
  ts = now,
  nonce = 'n-1',
  key = 'msix-dlv-1',
  s = secret,
) => ({
  [TIMESTAMP_HEADER]: String(ts),
  [NONCE_HEADER]: nonce,
  [IDEMPOTENCY_HEADER]: key,
  [SIGNATURE_HEADER]: signWebhook(s, ts, nonce, key, b),
  ...over,
});

describe('webhook signatures', () => {
  it('accepts what the gateway signed', async () => {
    expect(await verifyWebhook({ secret, rawBody: body, headers: headers(), nowSeconds: now })).toEqual({
      kind: 'ok',
      timestamp: now,
      idempotencyKey: 'msix-dlv-1',
    });
  });
  it('refuses a changed body, key, timestamp or nonce', async () => {
    const h = headers();
    expect(await verifyWebhook({ secret, rawBody: body.replace('d1', 'd2'), headers: h, nowSeconds: now })).toEqual({
      kind: 'invalid',
      reason: 'bad-signature',
    });
    expect(
      (
        await verifyWebhook({
          secret,
          rawBody: body,
          headers: { ...h, [IDEMPOTENCY_HEADER]: 'other' },
          nowSeconds: now,
        })
      ).kind,
    ).toBe('invalid');
    expect(
      (
        await verifyWebhook({
          secret,
          rawBody: body,
          headers: { ...h, [TIMESTAMP_HEADER]: String(now + 1) },
          nowSeconds: now,
        })
      ).kind,
    ).toBe('invalid');
    expect(
      (await verifyWebhook({ secret, rawBody: body, headers: { ...h, [NONCE_HEADER]: 'n-2' }, nowSeconds: now })).kind,
    ).toBe('invalid');
    expect(
      (await verifyWebhook({ secret: 'another-secret-entirely', rawBody: body, headers: h, nowSeconds: now })).kind,
    ).toBe('invalid');
  });
  it('refuses a timestamp outside the window either way', async () => {
    expect(
      await verifyWebhook({
        secret,
        rawBody: body,
        headers: headers({}, body, now - 301),
        nowSeconds: now,
        toleranceSeconds: 300,
      }),
    ).toEqual({ kind: 'invalid', reason: 'stale' });
    expect(
      await verifyWebhook({
        secret,
        rawBody: body,
        headers: headers({}, body, now + 301),
        nowSeconds: now,
        toleranceSeconds: 300,
      }),
    ).toEqual({ kind: 'invalid', reason: 'stale' });
    expect(
      await verifyWebhook({
        secret,
        rawBody: body,
        headers: headers({ [TIMESTAMP_HEADER]: 'yesterday' }),
        nowSeconds: now,
      }),
    ).toEqual({ kind: 'invalid', reason: 'bad-timestamp' });
  });
  it('refuses a replay of the same request, but not a retry (new nonce) of the same message', async () => {
    const replay = new MemoryReplayGuard({ now: () => now * 1000 });
    const h = headers();
    expect((await verifyWebhook({ secret, rawBody: body, headers: h, nowSeconds: now, replay })).kind).toBe('ok');
    expect(await verifyWebhook({ secret, rawBody: body, headers: h, nowSeconds: now, replay })).toEqual({
      kind: 'invalid',
      reason: 'replayed',
    });
    expect(
      (await verifyWebhook({ secret, rawBody: body, headers: headers({}, body, now, 'n-2'), nowSeconds: now, replay }))
        .kind,
    ).toBe('ok');
  });
  it('accepts either secret during a rotation, and refuses missing headers', async () => {
    expect(
      (
        await verifyWebhook({
          secret: ['new-secret-after-rotation', secret],
          rawBody: body,
          headers: headers(),
          nowSeconds: now,
        })
      ).kind,
    ).toBe('ok');
    const { [NONCE_HEADER]: _n, ...noNonce } = headers();
    expect(await verifyWebhook({ secret, rawBody: body, headers: noNonce, nowSeconds: now })).toEqual({
      kind: 'invalid',
      reason: 'missing-headers',
    });
  });
  it('checks the bytes as received (a re-serialized body fails)', async () => {
    const spaced = JSON.stringify(JSON.parse(body), null, 1);
    expect(
      (await verifyWebhook({ secret, rawBody: Buffer.from(spaced), headers: headers(), nowSeconds: now })).kind,
    ).toBe('invalid');
    expect(
      (await verifyWebhook({ secret, rawBody: Buffer.from(body), headers: headers(), nowSeconds: now })).kind,
    ).toBe('ok');
  });
});
