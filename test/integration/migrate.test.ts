import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { appendFileSync, cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { freshDb, STORE_KINDS } from '../support/db.js';
import type { Db } from '../../core/store/db.js';
import { listMigrations, migrate, RENAMED_MIGRATIONS, sqlChecksum } from '../../core/store/migrate.js';
import { GatewayError } from '../../core/errors.js';

const REAL_DIR = fileURLToPath(new URL('../../core/store/migrations/', import.meta.url));
const tmpDirs: string[] = [];
const tmp = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'msix-migrations-'));
  tmpDirs.push(d);
  return d;
};
afterAll(() => {
  for (const d of tmpDirs) rmSync(d, { recursive: true, force: true });
});

/** A copy of the real migrations that a test may edit. */
function copyOfMigrations(): string {
  const d = tmp();
  cpSync(REAL_DIR, d, { recursive: true });
  return d;
}

async function codeOf(p: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(GatewayError);
    return { code: (e as GatewayError).code, message: (e as Error).message };
  }
  throw new Error('expected the migrator to refuse');
}

describe('migration files', () => {
  it('have unique numbers', () => {
    const numbers = listMigrations().map((m) => m.id.slice(0, m.id.indexOf('_')));
    expect(new Set(numbers).size).toBe(numbers.length);
  });

  it('refuses two files with one number, naming both', () => {
    const d = tmp();
    writeFileSync(join(d, '001_a.sql'), 'SELECT 1;');
    writeFileSync(join(d, '001_b.sql'), 'SELECT 2;');
    expect(() => listMigrations(d)).toThrow(/001_a\.sql and 001_b\.sql share the number 001/);
  });

  it('every renamed id names a file that exists, and no old name is a file', () => {
    const ids = new Set(listMigrations().map((m) => m.id));
    for (const [from, to] of Object.entries(RENAMED_MIGRATIONS)) {
      expect(ids.has(to)).toBe(true);
      expect(ids.has(from)).toBe(false);
    }
  });

  it('checksums ignore CRLF line ends', () => {
    expect(sqlChecksum('SELECT 1;\r\nSELECT 2;\r\n')).toBe(sqlChecksum('SELECT 1;\nSELECT 2;\n'));
    expect(sqlChecksum('SELECT 1;')).not.toBe(sqlChecksum('SELECT 2;'));
  });
});

describe.each(STORE_KINDS)('migrator on %s', (kind) => {
  let db: Db;
  let drop: () => Promise<void>;
  beforeEach(async () => {
    ({ db, drop } = await freshDb(kind, { migrated: false }));
  });
  afterEach(async () => {
    await drop?.();
  });

  it("records each migration's checksum, and a second run applies nothing", async () => {
    const first = await migrate(db, { functionFiles: [] });
    expect(first).toEqual(listMigrations().map((m) => m.id));
    const rows = await db.query<{ id: string; checksum: string }>(
      'SELECT id, checksum FROM schema_migrations ORDER BY id',
    );
    expect(rows.rows).toEqual(listMigrations().map((m) => ({ id: m.id, checksum: m.checksum })));
    expect(await migrate(db, { functionFiles: [] })).toEqual([]);
  });

  it('refuses to start when an applied migration was edited, naming the file; a CRLF checkout is no edit', async () => {
    const dir = copyOfMigrations();
    await migrate(db, { dir, functionFiles: [] });
    const file = join(dir, '040_exchange.sql');
    const original = readFileSync(file, 'utf8');
    writeFileSync(file, original.replace(/\n/g, '\r\n'));
    expect(await migrate(db, { dir, functionFiles: [] })).toEqual([]);
    appendFileSync(file, '\nALTER TABLE exchanges ADD COLUMN sneaky text;\n');
    const refused = await codeOf(migrate(db, { dir, functionFiles: [] }));
    expect(refused.code).toBe('GW_ERR_MIGRATION_EDITED');
    expect(refused.message).toContain('040_exchange.sql');
    expect(refused.message).toMatch(/new migration/);
    // Nothing of the refused run stayed, and the edit did not run.
    const col = await db.query(
      "SELECT 1 FROM information_schema.columns WHERE table_name = 'exchanges' AND column_name = 'sneaky'",
    );
    expect(col.rowCount).toBe(0);
  });

  it('applies a new migration added after the others', async () => {
    const dir = copyOfMigrations();
    await migrate(db, { dir, functionFiles: [] });
    writeFileSync(join(dir, '999_later.sql'), 'CREATE TABLE later_table (id int);');
    expect(await migrate(db, { dir, functionFiles: [] })).toEqual(['999_later']);
    // The database now has a migration the real files do not: that version is refused.
    const refused = await codeOf(migrate(db, { functionFiles: [] }));
    expect(refused.code).toBe('GW_ERR_MIGRATION_UNKNOWN');
    expect(refused.message).toContain('999_later.sql');
  });

  it('adopts a database migrated before renumbering and checksums: renames its rows, reapplies nothing', async () => {
    // What the old migrator left: the old file names, and a table without checksums.
    const old = tmp();
    const back = Object.fromEntries(Object.entries(RENAMED_MIGRATIONS).map(([from, to]) => [to, from]));
    const oldIds: string[] = [];
    for (const m of listMigrations()) {
      const id = back[m.id] ?? m.id;
      writeFileSync(join(old, `${id}.sql`), m.sql);
      oldIds.push(id);
    }
    await db.exec(
      'CREATE TABLE schema_migrations (id text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())',
    );
    for (const id of oldIds.sort()) {
      await db.exec(readFileSync(join(old, `${id}.sql`), 'utf8'));
      await db.query('INSERT INTO schema_migrations (id) VALUES ($1)', [id]);
    }
    expect(oldIds.filter((id) => id in RENAMED_MIGRATIONS)).toHaveLength(3);

    expect(await migrate(db, { functionFiles: [] })).toEqual([]);
    const rows = await db.query<{ id: string; checksum: string }>(
      'SELECT id, checksum FROM schema_migrations ORDER BY id',
    );
    expect(rows.rows).toEqual(listMigrations().map((m) => ({ id: m.id, checksum: m.checksum })));
  });

  it('runs a module-owned function file again only when its checksum changes', async () => {
    await migrate(db, { functionFiles: [] });
    const d = tmp();
    const path = join(d, 'answer.sql');
    const file = { id: 'test/answer', url: pathToFileURL(path) };
    writeFileSync(path, 'CREATE OR REPLACE FUNCTION test_answer() RETURNS int LANGUAGE sql AS $$ SELECT 41 $$;');
    expect(await migrate(db, { functionFiles: [file] })).toEqual(['test/answer']);
    expect(await migrate(db, { functionFiles: [file] })).toEqual([]);
    writeFileSync(path, 'CREATE OR REPLACE FUNCTION test_answer() RETURNS int LANGUAGE sql AS $$ SELECT 42 $$;');
    expect(await migrate(db, { functionFiles: [file] })).toEqual(['test/answer']);
    const r = await db.query<{ v: number }>('SELECT test_answer() AS v');
    expect(r.rows[0]?.v).toBe(42);
  });
});
