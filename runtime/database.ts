import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Db } from '../core/store/db.js';
import { PgDb } from '../core/store/pg.js';
import { PgliteDb } from '../core/store/pglite.js';
import { migrate } from '../core/store/migrate.js';
import type { Config } from './config.js';

/** Opens Postgres when DATABASE_URL is set, else embedded PGlite under DATA_DIR, and applies migrations. */
export async function openDatabase(
  config: Pick<Config, 'DATABASE_URL' | 'DATA_DIR'>,
): Promise<{ db: Db; description: string }> {
  let db: Db;
  let description: string;
  if (config.DATABASE_URL) {
    db = new PgDb(config.DATABASE_URL);
    description = `postgres ${new URL(config.DATABASE_URL).host}`;
  } else {
    const dir = resolve(join(config.DATA_DIR, 'pglite'));
    mkdirSync(dir, { recursive: true });
    db = await PgliteDb.open(dir);
    description = `embedded PGlite at ${dir}`;
  }
  await migrate(db);
  return { db, description };
}
