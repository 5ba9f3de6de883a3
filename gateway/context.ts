import type { Db } from '../core/store/db.js';
import type { JobQueue } from '../core/jobs.js';
import type { Config } from '../runtime/config.js';
import type { SharedLimits } from './plugins/limit-redis.js';
import type { Clock } from '../lib/ttl-cache.js';

/** What the HTTP shell needs from the outside: the store, the queue and settings. */
export interface GatewayContext {
  db: Db;
  /**
   * A read replica (DATABASE_READ_URL) for reads that tolerate a moment of lag: they go through
   * {@link lagTolerantDb}. Absent: they read `db`.
   */
  readDb?: Db;
  queue: JobQueue;
  config: Config;
  /** Rate-limit counters in Redis, shared by every gateway process; absent: counters per process, in memory. */
  sharedLimits?: SharedLimits;
  /** The clock of the in-process caches (Date.now by default); tests move it forward instead of sleeping. */
  cacheClock?: Clock;
  /**
   * The local operator token this gateway wrote into its embedded data directory's lock file: `npm run clients`
   * on this machine presents it to the admin API (scheme MsixOperator). Absent: the scheme is not offered.
   */
  operatorToken?: string;
}

/**
 * Where a read that tolerates lag goes: the replica when there is one. Only aggregates and lookups whose answer may
 * be a moment old read it (reports, the portal's find page, national search's candidates); a read that must see the
 * caller's own write (a record just posted, an exchange's status, anything then written back) reads `db`.
 */
export function lagTolerantDb(ctx: Pick<GatewayContext, 'db' | 'readDb'>): Db {
  return ctx.readDb ?? ctx.db;
}

declare module 'fastify' {
  interface FastifyInstance {
    ctx: GatewayContext;
  }
}
