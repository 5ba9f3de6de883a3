import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from './logger.js';

export interface WaitOptions {
  logger: Pick<Logger, 'warn' | 'info'>;
  /** Give up (throw the last error) after this long; 0 waits for ever. */
  maxWaitMs: number;
  /** First pause between attempts; it doubles up to `maxStepMs`. */
  baseMs?: number;
  maxStepMs?: number;
  /** Which failures are worth waiting out (a lost connection); anything else is thrown at once. */
  retryable?: (err: unknown) => boolean;
}

/**
 * Runs `attempt` until it succeeds, pausing with a doubling, bounded backoff
 * between tries and logging each wait: a process started before Postgres or
 * Redis (a compose stack starting together, a failover) waits for them
 * instead of exiting. `attempt` returning false counts as a failed try.
 */
export async function waitFor<T>(what: string, attempt: () => Promise<T | false>, opts: WaitOptions): Promise<T> {
  const base = opts.baseMs ?? 250;
  const maxStep = opts.maxStepMs ?? 5000;
  const started = Date.now();
  for (let n = 1; ; n++) {
    let failure: unknown;
    try {
      const out = await attempt();
      if (out !== false) {
        if (n > 1) opts.logger.info({ dependency: what, attempts: n }, `${what} is reachable; starting`);
        return out;
      }
      failure = new Error(`${what} did not answer`);
    } catch (e) {
      if (opts.retryable && !opts.retryable(e)) throw e;
      failure = e;
    }
    const waited = Date.now() - started;
    if (opts.maxWaitMs > 0 && waited >= opts.maxWaitMs) throw failure;
    const step = Math.min(maxStep, base * 2 ** Math.min(n - 1, 20));
    opts.logger.warn(
      { dependency: what, attempt: n, retryInMs: step, waitedMs: waited, err: failure },
      `${what} is not reachable yet; waiting`,
    );
    await sleep(step);
  }
}
