import { createHmac, timingSafeEqual } from 'node:crypto';
import type { ReplayGuard } from './replay-guard.js';

/**
 * SIF 3 authorization for the SIF surface: `Basic base64(token:secret)` or
 * `SIF_HMACSHA256 base64(token ":" base64(HMAC-SHA256(secret, token ":" timestamp)))`
 * with the ISO 8601 `timestamp` header. An HMAC header is accepted once, and
 * only while its timestamp is within the replay window of now.
 */
export type SifScheme = 'Basic' | 'SIF_HMACSHA256';

export function sifHmacSignature(sessionToken: string, secret: string, timestamp: string): string {
  return createHmac('sha256', secret).update(`${sessionToken}:${timestamp}`).digest('base64');
}

/** The Authorization header value a SIF consumer sends (used by our SIF client and tests). */
export function sifAuthorization(scheme: SifScheme, sessionToken: string, secret: string, timestamp?: string): string {
  const inner =
    scheme === 'Basic'
      ? `${sessionToken}:${secret}`
      : `${sessionToken}:${sifHmacSignature(sessionToken, secret, timestamp ?? '')}`;
  return `${scheme} ${Buffer.from(inner, 'utf8').toString('base64')}`;
}

export type SifAuthFailure =
  | 'missing'
  | 'scheme'
  | 'malformed'
  | 'missing-timestamp'
  | 'stale-timestamp'
  | 'unknown-token'
  | 'bad-signature'
  | 'replayed';
export type SifAuthResult =
  | { kind: 'ok'; sessionToken: string; scheme: SifScheme }
  | { kind: 'invalid'; why: SifAuthFailure };

export interface SifVerifyDeps {
  /** The secret for a session token (or application key), null when unknown. */
  secretFor(sessionToken: string): Promise<string | null>;
  replay: ReplayGuard;
  windowSeconds: number;
  now?: () => number;
  /** Basic is allowed only over TLS in production; the SIF surface decides. */
  allowBasic: boolean;
}

function equal(a: string, b: string): boolean {
  const x = Buffer.from(a),
    y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export async function verifySifAuthorization(
  header: string | undefined,
  timestamp: string | undefined,
  deps: SifVerifyDeps,
): Promise<SifAuthResult> {
  if (!header) return { kind: 'invalid', why: 'missing' };
  const m = /^(Basic|SIF_HMACSHA256) +([A-Za-z0-9+/=]+)\s*$/.exec(header);
  if (!m) return { kind: 'invalid', why: 'scheme' };
  const scheme = m[1] as SifScheme;
  if (scheme === 'Basic' && !deps.allowBasic) return { kind: 'invalid', why: 'scheme' };
  const inner = Buffer.from(m[2]!, 'base64').toString('utf8');
  const i = inner.indexOf(':');
  if (i <= 0) return { kind: 'invalid', why: 'malformed' };
  const token = inner.slice(0, i);
  const presented = inner.slice(i + 1);
  if (scheme === 'SIF_HMACSHA256') {
    if (!timestamp) return { kind: 'invalid', why: 'missing-timestamp' };
    const t = Date.parse(timestamp);
    const now = (deps.now ?? Date.now)();
    if (!/^\d{4}-\d\d-\d\dT/.test(timestamp) || Number.isNaN(t) || Math.abs(now - t) > deps.windowSeconds * 1000)
      return { kind: 'invalid', why: 'stale-timestamp' };
  }
  const secret = await deps.secretFor(token);
  if (secret === null) return { kind: 'invalid', why: 'unknown-token' };
  const expected = scheme === 'Basic' ? secret : sifHmacSignature(token, secret, timestamp!);
  if (!equal(presented, expected)) return { kind: 'invalid', why: 'bad-signature' };
  // Only a valid signature is remembered, so forged ones cannot fill the guard.
  if (scheme === 'SIF_HMACSHA256' && !(await deps.replay.firstUse(`sif:${token}:${presented}`, deps.windowSeconds * 2)))
    return { kind: 'invalid', why: 'replayed' };
  return { kind: 'ok', sessionToken: token, scheme };
}
