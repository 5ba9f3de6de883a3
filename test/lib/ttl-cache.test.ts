import { describe, expect, it } from 'vitest';
import { ttlCache } from '../../lib/ttl-cache.js';

describe('ttlCache', () => {
  it('expires entries on the injected clock, with per-entry lifetimes, and stays bounded', () => {
    let now = 1_000_000;
    const cache = ttlCache<string, string>({ max: 2, ttlMs: 1000, now: () => now });
    cache.set('a', 'A');
    cache.set('b', 'B', { ttl: 5000 });
    now += 999;
    expect(cache.get('a')).toBe('A');
    now += 2;
    expect(cache.get('a')).toBeUndefined();
    expect(cache.get('b')).toBe('B');
    cache.set('c', 'C');
    cache.set('d', 'D');
    expect(cache.size).toBe(2);
    now += 5000;
    expect(cache.get('c')).toBeUndefined();
  });
});
