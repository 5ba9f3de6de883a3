import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Db } from './db.js';
import { GatewayError } from '../errors.js';
import { FUNCTION_FILES } from './function-files.js';

const DIR = fileURLToPath(new URL('./migrations/', import.meta.url));
// Any constant: every process that migrates takes this advisory lock first, so
// two gateways starting together do not apply the same file twice.
const MIGRATION_LOCK = 727_001;

/**
 * Migrations that were renamed when every number became unique (issue 11 item 8): the old id a database
 * recorded → the id of the same file now. A database that applied the old name (a PGlite demo data directory,
 * a docker volume) has its row renamed on start, so the file is not applied a second time. Never remove an
 * entry: a database that has not started since may still carry the old name.
 */
export const RENAMED_MIGRATIONS: Readonly<Record<string, string>> = {
  '020_edfi_create_student': '021_edfi_create_student',
  '060_matching_functions': '061_matching_functions',
  '070_visibility_safe_outbox': '071_visibility_safe_outbox',
};

export interface Migration {
  id: string;
  /** The file name, for messages. */
  file: string;
  sql: string;
  checksum: string;
}

/**
 * A SQL file a core module owns beside its TypeScript (the set-based write of an aggregate as a function,
 * kept in SQL for speed): unlike a migration it may be edited, and the migrator runs it again whenever its
 * checksum changes. It must be safe to run again: `CREATE OR REPLACE`, and `DROP ... IF EXISTS` first when a
 * signature changes.
 */
export interface ModuleSqlFile {
  /** Stable name recorded in schema_functions, e.g. `core/records`. */
  id: string;
  /** The file: `new URL('./x.sql', import.meta.url)` in the owning module. */
  url: URL;
}

export interface MigrateOptions {
  /** Another migrations directory (tests). */
  dir?: string;
  /** The module-owned function files, run after the migrations in this order; default: every registered one. */
  functionFiles?: readonly ModuleSqlFile[];
  /** Renamed migration ids (tests); default {@link RENAMED_MIGRATIONS}. */
  renamed?: Readonly<Record<string, string>>;
}

/** SHA-256 of the text with line ends normalized, so a checkout with CRLF line ends has the same checksum. */
export function sqlChecksum(sql: string): string {
  return createHash('sha256').update(sql.replace(/\r\n/g, '\n')).digest('hex');
}

/**
 * The plain SQL files of a migrations directory, in number order. Each number is used once: two files with
 * one number would apply in an order that depends on their names, so a duplicate is refused.
 */
export function listMigrations(dir: string = DIR): Migration[] {
  const files = readdirSync(dir)
    .filter((f) => /^\d{3,}_[\w-]+\.sql$/.test(f))
    .sort();
  const seen = new Map<string, string>();
  for (const f of files) {
    const n = f.slice(0, f.indexOf('_'));
    const other = seen.get(n);
    if (other) {
      throw new GatewayError(
        'GW_ERR_MIGRATION_INVALID',
        `Migrations ${other} and ${f} share the number ${n}; give ${f} the next free number.`,
      );
    }
    seen.set(n, f);
  }
  return files.map((f) => {
    const sql = readFileSync(dir + (dir.endsWith('/') ? '' : '/') + f, 'utf8');
    return { id: f.replace(/\.sql$/, ''), file: f, sql, checksum: sqlChecksum(sql) };
  });
}

/**
 * Applies every migration not yet applied (each in its own savepoint) and then every module-owned function
 * file whose checksum changed, all under one advisory lock. Refuses to start (GW_ERR_MIGRATION_EDITED) when a
 * migration the database applied was edited since, and (GW_ERR_MIGRATION_UNKNOWN) when the database applied
 * one this code does not have (a newer version ran on it). Rows from before checksums were recorded get the
 * file's checksum of today. Returns the ids applied (migrations, then function files).
 */
export async function migrate(db: Db, opts: MigrateOptions = {}): Promise<string[]> {
  const migrations = listMigrations(opts.dir);
  const renamed = opts.renamed ?? RENAMED_MIGRATIONS;
  const functionFiles = opts.functionFiles ?? FUNCTION_FILES;
  return db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    await tx.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
      id text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now());
      ALTER TABLE schema_migrations ADD COLUMN IF NOT EXISTS checksum text;
      CREATE TABLE IF NOT EXISTS schema_functions (
        id text PRIMARY KEY, checksum text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now());`);
    for (const [from, to] of Object.entries(renamed)) {
      await tx.query(
        'UPDATE schema_migrations SET id = $2 WHERE id = $1 ' +
          'AND NOT EXISTS (SELECT 1 FROM schema_migrations WHERE id = $2)',
        [from, to],
      );
    }
    const done = new Map(
      (await tx.query<{ id: string; checksum: string | null }>('SELECT id, checksum FROM schema_migrations')).rows.map(
        (r) => [r.id, r.checksum],
      ),
    );
    const byId = new Map(migrations.map((m) => [m.id, m]));
    for (const [id, checksum] of done) {
      const m = byId.get(id);
      if (!m) {
        throw new GatewayError(
          'GW_ERR_MIGRATION_UNKNOWN',
          `The database applied migration ${id}.sql, which this version does not have: ` +
            'it was made by a newer version (run that one) or the file was removed (restore it).',
        );
      }
      if (checksum === null) {
        await tx.query('UPDATE schema_migrations SET checksum = $2 WHERE id = $1', [id, m.checksum]);
      } else if (checksum !== m.checksum) {
        throw new GatewayError(
          'GW_ERR_MIGRATION_EDITED',
          `Migration ${m.file} was edited after this database applied it (checksum ${checksum.slice(0, 12)}, ` +
            `file ${m.checksum.slice(0, 12)}): restore the file as applied and put the change in a new migration.`,
        );
      }
    }
    const applied: string[] = [];
    for (const m of migrations) {
      if (done.has(m.id)) continue;
      await tx.transaction(async (inner) => {
        await inner.exec(m.sql);
        await inner.query('INSERT INTO schema_migrations (id, checksum) VALUES ($1, $2)', [m.id, m.checksum]);
      });
      applied.push(m.id);
    }
    const fnDone = new Map(
      (await tx.query<{ id: string; checksum: string }>('SELECT id, checksum FROM schema_functions')).rows.map((r) => [
        r.id,
        r.checksum,
      ]),
    );
    for (const f of functionFiles) {
      const sql = readFileSync(f.url, 'utf8');
      const checksum = sqlChecksum(sql);
      if (fnDone.get(f.id) === checksum) continue;
      await tx.transaction(async (inner) => {
        await inner.exec(sql);
        await inner.query(
          `INSERT INTO schema_functions (id, checksum) VALUES ($1, $2)
           ON CONFLICT (id) DO UPDATE SET checksum = EXCLUDED.checksum, applied_at = now()`,
          [f.id, checksum],
        );
      });
      applied.push(f.id);
    }
    return applied;
  });
}
