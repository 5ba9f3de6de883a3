import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import pg from 'pg';
import { PgDb } from '../../core/store/pg.js';
import { PgliteDb } from '../../core/store/pglite.js';
import { migrate } from '../../core/store/migrate.js';
import { ensureStates } from '../../core/states.js';
import type { Db } from '../../core/store/db.js';

export type StoreKind = 'postgres' | 'pglite';
export const STORE_KINDS: StoreKind[] = ['postgres', 'pglite'];

/**
 * A fresh, migrated database for one test file: a new database on the suite's
 * Postgres server, or an in-memory PGlite. Each test file gets its own, so
 * files run in parallel without seeing each other's rows. `migrated: false` gives an empty one (migrator tests).
 */
export async function freshDb(
  kind: StoreKind = 'postgres',
  opts: { migrated?: boolean } = {},
): Promise<{ db: Db; url?: string; drop(): Promise<void> }> {
  const migrated = opts.migrated ?? true;
  if (kind === 'pglite') {
    const db = await PgliteDb.open();
    if (migrated) {
      await migrate(db);
      await ensureStates(db);
    }
    return { db, drop: () => db.close() };
  }
  const serverUrl = inject('databaseUrl');
  const name = `t_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const db = new PgDb(url.toString());
  if (migrated) {
    await migrate(db);
    await ensureStates(db);
  }
  return {
    db,
    url: url.toString(),
    drop: async () => {
      await db.close();
      const a = new pg.Client({ connectionString: serverUrl });
      await a.connect();
      await a.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await a.end();
    },
  };
}

/** A unique BullMQ key prefix per test file, so queues do not cross. */
export function queuePrefix(): string {
  return `t${randomBytes(4).toString('hex')}`;
}
