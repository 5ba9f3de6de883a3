import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Db } from '../core/store/db.js';
import { PgDb, isConnectionError } from '../core/store/pg.js';
import { PgliteDb } from '../core/store/pglite.js';
import { liveHolder, type DirLock, type DirLockHolder } from '../core/store/dir-lock.js';
import { migrate } from '../core/store/migrate.js';
import type { Config } from './config.js';
import { LogLimiter, errorKey } from './log-limit.js';
import { createLogger, type Logger } from './logger.js';
import { waitFor } from './startup.js';

/** Where the embedded database lives under DATA_DIR. */
export function embeddedDir(config: Pick<Config, 'DATA_DIR'>): string {
  return resolve(join(config.DATA_DIR, 'pglite'));
}

/**
 * The live process holding the embedded database, if any (none with DATABASE_URL: Postgres serves many). The CLI
 * asks this first, to go through a running gateway's admin API instead of opening the directory itself.
 */
export function embeddedHolder(config: Pick<Config, 'DATABASE_URL' | 'DATA_DIR'>): DirLockHolder | null {
  return config.DATABASE_URL ? null : liveHolder(`${embeddedDir(config)}.lock`);
}

/**
 * Opens Postgres when DATABASE_URL is set, else embedded PGlite under DATA_DIR, and applies migrations. A
 * Postgres that is not reachable yet is waited for (STARTUP_WAIT_SECONDS, logged backoff); a connection lost
 * later is logged, at most once a minute for the same error, and fails only the unit of work that used it.
 */
export async function openDatabase(
  config: Pick<Config, 'DATABASE_URL' | 'DATA_DIR'> & Partial<Pick<Config, 'STARTUP_WAIT_SECONDS'>>,
  logger: Logger = createLogger('warn'),
  purpose = 'a gateway process',
): Promise<{ db: Db; description: string; lock: DirLock | null }> {
  let db: Db;
  let lock: DirLock | null = null;
  let description: string;
  if (config.DATABASE_URL) {
    const limiter = new LogLimiter(logger);
    db = new PgDb(config.DATABASE_URL, {
      onConnectionError: (err) =>
        limiter.log('warn', errorKey('postgres', err), { err }, 'postgres connection lost; its work is retried'),
    });
    description = `postgres ${new URL(config.DATABASE_URL).host}`;
  } else {
    const dir = embeddedDir(config);
    mkdirSync(dir, { recursive: true });
    const pglite = await PgliteDb.open(dir, purpose);
    lock = pglite.lock;
    db = pglite;
    description = `embedded PGlite at ${dir}`;
  }
  try {
    await waitFor('postgres', () => migrate(db), {
      logger,
      maxWaitMs: (config.STARTUP_WAIT_SECONDS ?? 300) * 1000,
      retryable: isConnectionError,
    });
  } catch (e) {
    await db.close();
    throw e;
  }
  return { db, description, lock };
}

/**
 * The read replica (DATABASE_READ_URL) for reads that tolerate lag, or null when none is set. No migrations (a
 * standby is read-only and follows the primary's schema) and no wait at start: the pool connects on first use, and a
 * replica that is down fails only those reads (503), logged like a lost primary connection.
 */
export function openReadDatabase(
  config: Pick<Config, 'DATABASE_READ_URL'>,
  logger: Logger = createLogger('warn'),
): { db: Db; description: string } | null {
  if (!config.DATABASE_READ_URL) return null;
  const limiter = new LogLimiter(logger);
  const db = new PgDb(config.DATABASE_READ_URL, {
    onConnectionError: (err) =>
      limiter.log('warn', errorKey('postgres replica', err), { err }, 'read replica connection lost; retried'),
  });
  return { db, description: `postgres replica ${new URL(config.DATABASE_READ_URL).host}` };
}
