import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Db } from '../core/store/db.js';
import { PgDb, isConnectionError } from '../core/store/pg.js';
import { PgliteDb } from '../core/store/pglite.js';
import { migrate } from '../core/store/migrate.js';
import type { Config } from './config.js';
import { LogLimiter, errorKey } from './log-limit.js';
import { createLogger, type Logger } from './logger.js';
import { waitFor } from './startup.js';

/**
 * Opens Postgres when DATABASE_URL is set, else embedded PGlite under DATA_DIR, and applies migrations. A
 * Postgres that is not reachable yet is waited for (STARTUP_WAIT_SECONDS, logged backoff); a connection lost
 * later is logged, at most once a minute for the same error, and fails only the unit of work that used it.
 */
export async function openDatabase(
  config: Pick<Config, 'DATABASE_URL' | 'DATA_DIR'> & Partial<Pick<Config, 'STARTUP_WAIT_SECONDS'>>,
  logger: Logger = createLogger('warn'),
): Promise<{ db: Db; description: string }> {
  let db: Db;
  let description: string;
  if (config.DATABASE_URL) {
    const limiter = new LogLimiter(logger);
    db = new PgDb(config.DATABASE_URL, {
      onConnectionError: (err) =>
        limiter.log('warn', errorKey('postgres', err), { err }, 'postgres connection lost; its work is retried'),
    });
    description = `postgres ${new URL(config.DATABASE_URL).host}`;
  } else {
    const dir = resolve(join(config.DATA_DIR, 'pglite'));
    mkdirSync(dir, { recursive: true });
    db = await PgliteDb.open(dir);
    description = `embedded PGlite at ${dir}`;
  }
  await waitFor('postgres', () => migrate(db), {
    logger,
    maxWaitMs: (config.STARTUP_WAIT_SECONDS ?? 300) * 1000,
    retryable: isConnectionError,
  });
  return { db, description };
}
