/**
 * Remembers signatures already used inside their validity window, so a
 * captured request cannot be sent again. In one process a map is enough;
 * several gateways share Redis (SET NX EX).
 */
export interface ReplayGuard {
  /** True the first time `key` is offered within `ttlSeconds`; false for a replay. */
  firstUse(key: string, ttlSeconds: number): Promise<boolean>;
}

export class MemoryReplayGuard implements ReplayGuard {
  private seen = new Map<string, number>();
  constructor(private readonly maxEntries = 100_000) {}
  async firstUse(key: string, ttlSeconds: number): Promise<boolean> {
    const now = Date.now();
    if (this.seen.size >= this.maxEntries) for (const [k, exp] of this.seen) if (exp < now) this.seen.delete(k);
    const exp = this.seen.get(key);
    if (exp !== undefined && exp >= now) return false;
    if (this.seen.size >= this.maxEntries) return false; // full of live entries: refuse rather than forget
    this.seen.set(key, now + ttlSeconds * 1000);
    return true;
  }
}

/** The part of an ioredis client the Redis guard needs. */
export interface RedisSetNx {
  set(key: string, value: string, ex: 'EX', seconds: number, nx: 'NX'): Promise<string | null>;
}

/**
 * Single use across gateway processes (Redis SET NX EX). Nothing constructs it yet: the SIF surface (issue 15)
 * accepts each SIF_HMACSHA256 signature once across processes with it.
 * @public
 */
export class RedisReplayGuard implements ReplayGuard {
  constructor(
    private readonly redis: RedisSetNx,
    private readonly prefix = 'msix:replay:',
  ) {}
  async firstUse(key: string, ttlSeconds: number): Promise<boolean> {
    return (await this.redis.set(this.prefix + key, '1', 'EX', Math.max(1, Math.ceil(ttlSeconds)), 'NX')) === 'OK';
  }
}
