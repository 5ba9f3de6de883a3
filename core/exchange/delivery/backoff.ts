/**
 * When to try a failed delivery again. Exponential, so a receiver in trouble
 * is not hammered; capped, so a receiver down for hours is still tried every
 * few minutes; jittered ("equal jitter": half fixed, half random), so the
 * thousands of messages that failed together do not all come back together.
 */
export interface BackoffPolicy {
  baseMs: number;
  maxMs: number;
}

/** Delay before attempt `attempt + 1`, given that `attempt` (1-based) just failed. */
export function retryDelayMs(attempt: number, policy: BackoffPolicy, random: () => number = Math.random): number {
  const exp = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.max(0, Math.min(attempt - 1, 40)));
  const half = exp / 2;
  return Math.round(half + random() * half);
}

/** A receiver's `Retry-After` (seconds or an HTTP date) as milliseconds, bounded by the policy's cap. */
export function retryAfterMs(
  header: string | null | undefined,
  policy: BackoffPolicy,
  now = Date.now(),
): number | null {
  if (!header) return null;
  const secs = Number(header);
  const ms = Number.isFinite(secs) ? secs * 1000 : Date.parse(header) - now;
  if (!Number.isFinite(ms) || ms < 0) return null;
  return Math.min(ms, policy.maxMs);
}
