import type { Logger } from './logger.js';

type Level = 'error' | 'warn' | 'info';

/**
 * Logs a repeated identical error once per window instead of every time it
 * happens: while Postgres or Redis is down, every poll, job attempt and request
 * fails the same way, and a line every 500 ms buries the one line that says
 * what is wrong. The first occurrence of a key is logged at once; later ones
 * within `windowMs` are counted, and the next line for that key after the
 * window says how many were suppressed. The clock is injectable for tests.
 */
export class LogLimiter {
  private readonly seen = new Map<string, { until: number; suppressed: number }>();
  constructor(
    private readonly logger: Pick<Logger, Level>,
    private readonly windowMs = 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** Logs `msg` under `key` (what makes two errors "identical"), unless it was logged within the window. */
  log(level: Level, key: string, obj: Record<string, unknown>, msg: string): boolean {
    const t = this.now();
    const s = this.seen.get(key);
    if (s && t < s.until) {
      s.suppressed++;
      return false;
    }
    const suppressed = s?.suppressed ?? 0;
    this.seen.set(key, { until: t + this.windowMs, suppressed: 0 });
    // The map stays small (one entry per distinct error); drop expired entries now and then.
    if (this.seen.size > 500) for (const [k, v] of this.seen) if (v.until < t) this.seen.delete(k);
    this.logger[level](suppressed ? { ...obj, repeatedSinceLastLine: suppressed } : obj, msg);
    return true;
  }
}

/** A stable key for an error: its code and message without numbers (ids, ports, counts differ between repeats). */
export function errorKey(scope: string, err: unknown): string {
  const e = err as { code?: unknown; message?: unknown } | null;
  const msg = typeof e?.message === 'string' ? e.message.replace(/\d+/g, '#').slice(0, 200) : String(err);
  return `${scope}|${String(e?.code ?? '')}|${msg}`;
}
