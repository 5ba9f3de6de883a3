import { describe, expect, it } from 'vitest';
import { LogLimiter, errorKey } from '../../runtime/log-limit.js';

describe('repeated identical errors in the logs', () => {
  it('logs the first at once, then one line per window saying how many were suppressed', () => {
    const lines: { obj: Record<string, unknown>; msg: string }[] = [];
    const rec = (obj: Record<string, unknown>, msg: string) => lines.push({ obj, msg });
    let now = 0;
    const limiter = new LogLimiter({ error: rec, warn: rec, info: rec } as never, 60_000, () => now);
    const down = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
    const downOtherPort = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5433'), { code: 'ECONNREFUSED' });
    expect(errorKey('pg', down)).toBe(errorKey('pg', downOtherPort));
    // Postgres down for five minutes, a worker polling every 500 ms: 600 failures.
    for (let i = 0; i < 600; i++, now += 500) limiter.log('warn', errorKey('pg', down), {}, 'postgres down');
    expect(lines).toHaveLength(5);
    expect(lines[0]!.obj.repeatedSinceLastLine).toBeUndefined();
    expect(lines[1]!.obj.repeatedSinceLastLine).toBe(119);
    // A different error is its own line at once.
    limiter.log('warn', errorKey('pg', new Error('deadlock detected')), {}, 'other');
    expect(lines).toHaveLength(6);
  });
});
