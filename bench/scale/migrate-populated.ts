/**
 * Migrations on a populated database (issue 18 item 6): the foundation schema (001, 002) is filled with records,
 * students, links, ledger rows and audit events, then every later migration is applied one at a time, timed, and
 * the module functions after them, as a process starting on an old database does. The demo loads 16 records, so
 * 1,600 is the demo's size ×100; larger sizes show how each migration's time grows with the rows it touches.
 *
 *   node --import tsx bench/scale/migrate-populated.ts [--sizes 1600,160000]
 */
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { CODESET_VERSION } from '@msix/adapter-sdk/canonical';
import { PgDb } from '../../core/store/pg.js';
import { listMigrations, migrate } from '../../core/store/migrate.js';
import { parseCommandLine } from '../../lib/cli.js';
import { benchInfrastructure } from '../support/infra.js';

const { values } = parseCommandLine({
  usage: 'usage: bench/scale/migrate-populated.ts [--sizes 1600,160000]',
  options: { sizes: { type: 'string' } },
});
const SIZES = (values.sizes ?? '1600,160000').split(',').map(Number);
const DIR = fileURLToPath(new URL('../../core/store/migrations/', import.meta.url));
const FOUNDATION = 2;

const infra = await benchInfrastructure('migratebench');
const admin = new pg.Client({ connectionString: infra.databaseUrl });
await admin.connect();
const say = (s: string) => process.stdout.write(`${s}\n`);
const all = listMigrations(DIR);
say(`migrations on a populated database: ${all.length} migrations, sizes ${SIZES.join(', ')}; Postgres`);
say(`${infra.pgVersion}; load average ${loadavg()[0]!.toFixed(1)}`);

/** Fills the foundation tables: `n` records over five states, 3 in 4 linked to a student, two audit events each. */
async function populate(db: PgDb, n: number): Promise<void> {
  await db.query(
    `INSERT INTO states (code, name) VALUES ('TX','Texas'),('MI','Michigan'),('FL','Florida'),('CA','California'),
       ('WA','Washington') ON CONFLICT DO NOTHING`,
  );
  await db.query(
    `INSERT INTO exchanges (direction, kind, state_code, status, trace_id)
     SELECT 'inbound', 'records-api', (ARRAY['TX','MI','FL','CA','WA'])[1 + i % 5], 'accepted', 'seed-' || i
     FROM generate_series(1, $1::int) i`,
    [Math.ceil(n / 100)],
  );
  await db.query(
    `INSERT INTO state_records (state_code, state_student_id, record, content_hash, codeset_version, match_status,
       last_exchange_id, first_name, last_name1, birth_date)
     SELECT st, 'S' || i,
       jsonb_build_object('stateCode', st, 'stateStudentId', 'S' || i,
         'identity', jsonb_build_object('firstName', fn, 'lastName1', ln, 'lastName2', 'Lopez', 'sex', 'F',
           'birthDate', bd::text),
         'enrollments', jsonb_build_array(jsonb_build_object('enrollmentDate', '2025-08-20', 'enrollmentType', '01',
           'gradeLevel', '05', 'schoolId', '484497005076')),
         'courses', jsonb_build_array(jsonb_build_object('courseTitle', 'Algebra I', 'subjectArea', 'Mathematics',
           'beginAcademicYear', 2025, 'endAcademicYear', 2026, 'creditsGranted', 1))),
       md5(i::text), $2, 'matched', (SELECT id FROM exchanges ORDER BY id LIMIT 1), fn, ln, bd
     FROM generate_series(1, $1::int) i,
       LATERAL (SELECT (ARRAY['TX','MI','FL','CA','WA'])[1 + i % 5] AS st,
                       (ARRAY['Ana','Jose','Maria','Luis','Rosa','Juan','Carmen','Pedro'])[1 + i % 8] AS fn,
                       (ARRAY['Garcia','Lopez','Martinez','Hernandez','Gonzalez','Perez'])[1 + i % 6] AS ln,
                       date '2008-01-01' + (i % 3650) AS bd) v`,
    [n, CODESET_VERSION],
  );
  const students = Math.ceil((n * 3) / 4);
  await db.query(
    `INSERT INTO students (msix_id, view)
     SELECT (100000000000 + i)::text, jsonb_build_object('qualifyingMoves',
       jsonb_build_array(jsonb_build_object('stateCode', 'TX', 'qualifyingArrivalDate', '2026-08-20')))
     FROM generate_series(1, $1::int) i`,
    [students],
  );
  await db.query(
    `INSERT INTO links (record_id, msix_id, link_type, score, rules_version)
     SELECT id, (100000000001 + (row_number() OVER (ORDER BY id) - 1) % $1)::text, 'auto', 0.99, 'person-2026.11-4'
     FROM state_records`,
    [students],
  );
  await db.query(
    `INSERT INTO audit_events (actor, actor_state, action, msix_id, fields, prev_hash, hash)
     SELECT 'client-' || (i % 50), 'TX', 'student.read', (100000000001 + i % $2)::text, '{identity}',
       repeat(md5((i - 1)::text), 2), repeat(md5(i::text), 2)
     FROM generate_series(1, $1::int) i`,
    [n * 2, students],
  );
  await db.query('ANALYZE');
}

const rows: string[] = [];
const totals: string[] = [];
for (const size of SIZES) {
  const name = `migratebench_${size}`;
  await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin.query(`CREATE DATABASE ${name}`);
  const url = new URL(infra.databaseUrl);
  url.pathname = `/${name}`;
  const db = new PgDb(url.toString());
  const dir = mkdtempSync(join(tmpdir(), 'migratebench-'));
  const upTo = (k: number) => {
    for (const m of all.slice(0, k)) copyFileSync(join(DIR, m.file), join(dir, m.file));
  };
  upTo(FOUNDATION);
  await migrate(db, { dir, functionFiles: [] });
  let t = performance.now();
  await populate(db, size);
  const filled = (performance.now() - t) / 1000;
  const times: number[] = [];
  for (let k = FOUNDATION + 1; k <= all.length; k++) {
    upTo(k);
    t = performance.now();
    await migrate(db, { dir, functionFiles: [] });
    times.push((performance.now() - t) / 1000);
  }
  t = performance.now();
  await migrate(db);
  const functions = (performance.now() - t) / 1000;
  const total = times.reduce((a, b) => a + b, 0) + functions;
  const size_ = Number((await db.query<{ b: string }>('SELECT pg_database_size(current_database()) AS b')).rows[0]!.b);
  rows.push(
    `| ${size.toLocaleString('en-US')} | ${times.map((x) => x.toFixed(2)).join(' | ')} | ${functions.toFixed(2)} |`,
  );
  totals.push(
    `${size.toLocaleString('en-US')} records (${(size_ / 1e6).toFixed(0)} MB, filled in ${filled.toFixed(1)} s): ` +
      `all ${times.length} migrations and the functions in ${total.toFixed(2)} s; slowest ` +
      `${all[FOUNDATION + times.indexOf(Math.max(...times))]!.file} ${Math.max(...times).toFixed(2)} s`,
  );
  say(totals.at(-1)!);
  await db.close();
  rmSync(dir, { recursive: true, force: true });
  await admin.query(`DROP DATABASE ${name} WITH (FORCE)`);
}
await admin.end();
say('');
say(
  `| records | ${all
    .slice(FOUNDATION)
    .map((m) => m.file.slice(0, 3))
    .join(' | ')} | functions |`,
);
say(
  `| --- | ${all
    .slice(FOUNDATION)
    .map(() => '---')
    .join(' | ')} | --- |`,
);
for (const r of rows) say(r);
for (const stop of infra.stops.reverse()) await stop();
process.exit(0);
