import { createHmac, timingSafeEqual } from 'node:crypto';
import type { ReplayGuard } from './replay-guard.js';

/**
 * Signatures on webhook deliveries (outbound notices to states) and on
 * callbacks we receive: `t=<unix seconds>,v1=<hex HMAC-SHA256(secret, t + "." + body)>`.
 * The receiver checks the time window and refuses a signature seen before.
 */
export const WEBHOOK_SIGNATURE_HEADER = 'x-msix-signature';

export function signWebhook(secret: string, body: string | Uint8Array, nowSeconds = Math.floor(Date.now() / 1000)): string {
  const mac = createHmac('sha256', secret).update(`${nowSeconds}.`).update(body).digest('hex');
  return `t=${nowSeconds},v1=${mac}`;
}

export type WebhookVerify = { kind: 'ok'; timestamp: number } | { kind: 'invalid'; why: 'malformed' | 'stale-timestamp' | 'bad-signature' | 'replayed' };

export async function verifyWebhook(
  secret: string, body: string | Uint8Array, header: string | undefined,
  opts: { windowSeconds: number; replay: ReplayGuard; nowSeconds?: number },
): Promise<WebhookVerify> {
  const m = /^t=(\d{1,12}),v1=([0-9a-f]{64})$/.exec(header ?? '');
  if (!m) return { kind: 'invalid', why: 'malformed' };
  const t = Number(m[1]);
  const now = opts.nowSeconds ?? Math.floor(Date.now() / 1000);
  if (Math.abs(now - t) > opts.windowSeconds) return { kind: 'invalid', why: 'stale-timestamp' };
  const expected = createHmac('sha256', secret).update(`${t}.`).update(body).digest();
  const given = Buffer.from(m[2]!, 'hex');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { kind: 'invalid', why: 'bad-signature' };
  if (!(await opts.replay.firstUse(`wh:${m[2]}`, opts.windowSeconds * 2))) return { kind: 'invalid', why: 'replayed' };
  return { kind: 'ok', timestamp: t };
}
