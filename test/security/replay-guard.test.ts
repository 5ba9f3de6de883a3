import { describe, expect, it } from 'vitest';
import { MemoryReplayGuard } from '../../core/security/replay-guard.js';

describe('the in-memory replay guard', () => {
  it('accepts a key once inside its window and again after the window, on an injected clock', async () => {
    let now = 1_800_000_000_000;
    const guard = new MemoryReplayGuard({ now: () => now });
    expect(await guard.firstUse('sig-1', 60)).toBe(true);
    expect(await guard.firstUse('sig-1', 60)).toBe(false);
    expect(await guard.firstUse('sig-2', 60)).toBe(true);
    now += 59_999;
    expect(await guard.firstUse('sig-1', 60)).toBe(false);
    now += 1;
    expect(await guard.firstUse('sig-1', 60)).toBe(true);
  });

  it('refuses new keys while it is full of live ones, and makes room as they expire', async () => {
    let now = 0;
    const guard = new MemoryReplayGuard({ maxEntries: 2, now: () => now });
    expect(await guard.firstUse('a', 10)).toBe(true);
    expect(await guard.firstUse('b', 20)).toBe(true);
    expect(await guard.firstUse('c', 10)).toBe(false);
    now = 10_000;
    expect(await guard.firstUse('c', 10)).toBe(true);
    expect(await guard.firstUse('b', 10)).toBe(false);
  });
});
