import { LRUCache } from 'lru-cache';

/** Milliseconds since the epoch (Date.now by default); tests pass their own and move it forward instead of sleeping. */
export type Clock = () => number;

/** get, set (with an optional `{ ttl }` of its own), delete, clear: lru-cache's interface. */
export type TtlCache<K extends {}, V extends {}> = LRUCache<K, V>;

export interface TtlCacheOptions {
  /** Most entries kept; the least recently used goes first. */
  max: number;
  /** How long an entry lives, unless `set` gives its own lifetime. */
  ttlMs: number;
  now?: Clock;
}

/**
 * A bounded cache whose entries expire (lru-cache), read on the given clock. Every in-process cache with a
 * lifetime (tokens, verified tokens, endpoints, client status, population size) is one of these.
 */
export function ttlCache<K extends {}, V extends {}>(options: TtlCacheOptions): TtlCache<K, V> {
  const now = options.now ?? Date.now;
  return new LRUCache<K, V>({
    max: options.max,
    ttl: options.ttlMs,
    // Read the clock on every check (by default lru-cache reuses one reading for a millisecond).
    ttlResolution: 0,
    perf: { now },
  });
}
