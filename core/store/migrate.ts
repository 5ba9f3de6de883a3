import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Db } from './db.js';

const DIR = fileURLToPath(new URL('./migrations/', import.meta.url));
// Any constant: every process that migrates takes this advisory lock first, so
// two gateways starting together do not apply the same file twice.
const MIGRATION_LOCK = 727_001;

export interface Migration {
  id: string;
  sql: string;
}

/** The plain SQL files in core/store/migrations, in file-name order. */
export function listMigrations(): Migration[] {
  return readdirSync(DIR)
    .filter((f) => /^\d{3,}_[\w-]+\.sql$/.test(f))
    .sort()
    .map((f) => ({ id: f.replace(/\.sql$/, ''), sql: readFileSync(DIR + f, 'utf8') }));
}

/** Applies every migration not yet applied, each in its own transaction. Returns the ids applied. */
export async function migrate(db: Db): Promise<string[]> {
  return db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    await tx.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
      id text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`);
    const done = new Set((await tx.query<{ id: string }>('SELECT id FROM schema_migrations')).rows.map((r) => r.id));
    const applied: string[] = [];
    for (const m of listMigrations()) {
      if (done.has(m.id)) continue;
      await tx.transaction(async (inner) => {
        await inner.exec(m.sql);
        await inner.query('INSERT INTO schema_migrations (id) VALUES ($1)', [m.id]);
      });
      applied.push(m.id);
    }
    return applied;
  });
}
