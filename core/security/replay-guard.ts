/**
 * The one replay guard: remembers keys (signatures, nonces) already used inside their validity window, so a
 * captured request cannot be sent again. SIF_HMACSHA256 authorizations and webhook nonces both go through it.
 * In one process the in-memory guard is enough; several gateways share Redis (SET NX EX).
 */
export interface ReplayGuard {
  /** True the first time `key` is offered within `ttlSeconds`; false for a replay. */
  firstUse(key: string, ttlSeconds: number): Promise<boolean>;
}

export interface MemoryReplayGuardOptions {
  /**
   * Most keys remembered at once. When every one is still live, new keys are refused: forgetting a live key
   * would let its replay through.
   */
  maxEntries?: number;
  /** Milliseconds since the epoch; tests pass their own clock instead of waiting out a window. */
  now?: () => number;
}

/** Single use within one process. */
export class MemoryReplayGuard implements ReplayGuard {
  private readonly seen = new Map<string, number>();
  private readonly maxEntries: number;
  private readonly now: () => number;
  private lastPrune = 0;
  constructor(options: MemoryReplayGuardOptions = {}) {
    this.maxEntries = options.maxEntries ?? 100_000;
    this.now = options.now ?? Date.now;
  }
  async firstUse(key: string, ttlSeconds: number): Promise<boolean> {
    const now = this.now();
    // Expired keys go every 30 seconds, or at once when the map is full.
    if (this.seen.size >= this.maxEntries || now - this.lastPrune > 30_000) {
      for (const [k, exp] of this.seen) if (exp <= now) this.seen.delete(k);
      this.lastPrune = now;
    }
    const exp = this.seen.get(key);
    if (exp !== undefined && exp > now) return false;
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
 * Single use across gateway processes (Redis SET NX EX; Redis keeps the time). Nothing constructs it yet: the
 * SIF surface (issue 15) accepts each SIF_HMACSHA256 signature once across processes with it.
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
