import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { ReplayGuard } from '../../security/replay-guard.js';

/**
 * Webhook signatures. The gateway signs every webhook with the receiving
 * state's shared secret (HMAC-SHA256) over the timestamp, a nonce, the
 * idempotency key and the exact body bytes, so a receiver can tell the message
 * came from the gateway, was not altered, and is not an old request played
 * again. Each attempt has its own nonce: two retries within one second are
 * two different requests, not a replay. The verifier below is what a receiver
 * runs; it is also what the simulator runs.
 */
export const SIGNATURE_HEADER = 'x-msix-signature';
export const TIMESTAMP_HEADER = 'x-msix-timestamp';
export const NONCE_HEADER = 'x-msix-nonce';
export const IDEMPOTENCY_HEADER = 'idempotency-key';
export const SIGNATURE_VERSION = 'v1';

/** The exact bytes that are signed: `v1:{timestamp}:{nonce}:{idempotency key}.` followed by the body. */
export function signedContent(
  timestamp: number | string,
  nonce: string,
  idempotencyKey: string,
  body: string | Buffer,
): Buffer {
  return Buffer.concat([
    Buffer.from(`${SIGNATURE_VERSION}:${timestamp}:${nonce}:${idempotencyKey}.`, 'utf8'),
    Buffer.isBuffer(body) ? body : Buffer.from(body, 'utf8'),
  ]);
}

/** A fresh nonce for one attempt. */
export function newNonce(): string {
  return randomBytes(16).toString('base64url');
}

/** The `x-msix-signature` value: `v1=<hex>`. */
export function signWebhook(
  secret: string,
  timestamp: number,
  nonce: string,
  idempotencyKey: string,
  body: string | Buffer,
): string {
  const mac = createHmac('sha256', secret)
    .update(signedContent(timestamp, nonce, idempotencyKey, body))
    .digest('hex');
  return `${SIGNATURE_VERSION}=${mac}`;
}

export type SignatureFailure = 'missing-headers' | 'bad-timestamp' | 'stale' | 'bad-signature' | 'replayed';
export type SignatureCheck =
  | { kind: 'ok'; timestamp: number; idempotencyKey: string }
  | { kind: 'invalid'; reason: SignatureFailure };

export interface VerifyInput {
  /** The shared secret; several during a rotation (any may match). */
  secret: string | readonly string[];
  /** The body exactly as received, before any JSON parsing. */
  rawBody: string | Buffer;
  headers: Record<string, string | string[] | undefined>;
  /** How far the timestamp may be from now, either way (default 300 s). */
  toleranceSeconds?: number;
  nowSeconds?: number;
  /** Without one, replays inside the window are not caught. Nonces are kept until the timestamp leaves the window. */
  replay?: ReplayGuard;
}

const header = (h: VerifyInput['headers'], name: string): string | undefined => {
  const v = h[name] ?? h[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
};

/**
 * Verifies a webhook the gateway sent: the signature over timestamp, nonce,
 * key and body (constant-time), the timestamp within the window, and (with a
 * replay guard) that the nonce was not accepted before. A retry of the same
 * message carries a new nonce and timestamp: it passes here, and the receiver
 * drops it as a duplicate by its idempotency key.
 */
export async function verifyWebhook(input: VerifyInput): Promise<SignatureCheck> {
  const sig = header(input.headers, SIGNATURE_HEADER);
  const ts = header(input.headers, TIMESTAMP_HEADER);
  const key = header(input.headers, IDEMPOTENCY_HEADER);
  const nonce = header(input.headers, NONCE_HEADER);
  if (!sig || !ts || !key || !nonce || nonce.length > 128) return { kind: 'invalid', reason: 'missing-headers' };
  if (!/^\d{1,12}$/.test(ts)) return { kind: 'invalid', reason: 'bad-timestamp' };
  const timestamp = Number(ts);
  const now = input.nowSeconds ?? Math.floor(Date.now() / 1000);
  const tolerance = input.toleranceSeconds ?? 300;
  if (Math.abs(now - timestamp) > tolerance) return { kind: 'invalid', reason: 'stale' };
  const offered = sig
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.startsWith(`${SIGNATURE_VERSION}=`))
    .map((s) => s.slice(SIGNATURE_VERSION.length + 1));
  const secrets = typeof input.secret === 'string' ? [input.secret] : input.secret;
  const content = signedContent(timestamp, nonce, key, input.rawBody);
  const match = secrets.some((secret) => {
    const expected = createHmac('sha256', secret).update(content).digest();
    return offered.some((hex) => /^[0-9a-f]{64}$/i.test(hex) && timingSafeEqual(Buffer.from(hex, 'hex'), expected));
  });
  if (!match) return { kind: 'invalid', reason: 'bad-signature' };
  // The nonce is remembered until its timestamp leaves the window (a later replay is refused as stale).
  const remember = Math.max(1, timestamp + tolerance - now);
  if (input.replay && !(await input.replay.firstUse(`webhook:${nonce}`, remember)))
    return { kind: 'invalid', reason: 'replayed' };
  return { kind: 'ok', timestamp, idempotencyKey: key };
}
