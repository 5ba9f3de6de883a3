/**
 * Batch ingest benchmark: a 40,000-student MSIX-style typed file (3 enrollments,
 * 8 courses, 2 assessments each) stored, parsed, validated, mapped and stored
 * record by record in real Postgres, exactly as the ingest job does it (without
 * the match jobs, which are a separate stage), next to a plain COPY of the
 * same rows into the same database in the same run.
 *
 *   npx tsx bench/adapters/ingest-bench.ts [--students 40000] [--batch 250]
 *
 * Uses DATABASE_URL if set, else a throwaway local cluster (PostgreSQL binaries needed).
 * Prints one JSON line and a markdown table row.
 */
import { spawnSync } from 'node:child_process';
import { createReadStream, createWriteStream, mkdtempSync, rmSync, statSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { generateRecords } from '@msix/adapter-sdk/conformance';
import { loadAdapters } from '../../adapters/registry.js';
import { ingestEvents } from '../../core/ingest/apply.js';
import { createSubmissionFile, readFileChunks, storeFileChunks } from '../../core/ingest/storage.js';
import { contentHash } from '../../core/canonical-json.js';
import type { JobQueue } from '../../core/jobs.js';
import { createExchange } from '../../core/ledger.js';
import { ensureStates } from '../../core/states.js';
import { migrate } from '../../core/store/migrate.js';
import { PgDb } from '../../core/store/pg.js';
import { CODESET_VERSION, type StateRecord } from '@msix/adapter-sdk/canonical';
import { startThrowawayCluster } from '../../runtime/postgres-cluster.js';
import { integerOption, parseCommandLine } from '../../lib/cli.js';

const USAGE = 'usage: npx tsx bench/adapters/ingest-bench.ts [--students 40000] [--batch 500]';
const { values } = parseCommandLine({
  usage: USAGE,
  options: { students: { type: 'string' }, batch: { type: 'string' } },
});
const students = integerOption(values.students, 'students', 40_000, USAGE);
const batchSize = integerOption(values.batch, 'batch', 500, USAGE);
const MiB = 1024 * 1024;

const dir = mkdtempSync(join(tmpdir(), 'msix-ingest-bench-'));
chmodSync(dir, 0o755);
const cluster = process.env.DATABASE_URL ? null : await startThrowawayCluster();
const url = process.env.DATABASE_URL ?? cluster!.url;
const db = new PgDb(url);
let peakRss = 0;
const sampler = setInterval(() => {
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
}, 50);
try {
  await migrate(db);
  await ensureStates(db);
  const registry = await loadAdapters({ only: ['msix-typed'] });
  const adapter = registry.get('msix-typed')!;

  // 1. The file, written by the adapter's own formatter from synthetic records.
  const file = join(dir, 'tx-40000.msix');
  await pipeline(
    Readable.from(adapter.format(generateRecords(students, { stateCode: 'TX' }), { stateCode: 'TX' })),
    createWriteStream(file),
  );
  const bytes = statSync(file).size;

  // 1b. For the breakdown: parsing and validating alone, from the file on disk.
  const tp = performance.now();
  for await (const _ev of adapter.parse(createReadStream(file, { highWaterMark: 256 * 1024 }), { stateCode: 'TX' })) {
    /* consume */
  }
  const parseOnlySeconds = (performance.now() - tp) / 1000;

  // 2. The ingest, as the gateway and worker run it.
  const noQueue: JobQueue = { enqueue: async () => {}, ping: async () => true };
  const rssBefore = process.memoryUsage().rss;
  peakRss = rssBefore;
  const t0 = performance.now();
  const ex = await createExchange(db, {
    direction: 'inbound',
    kind: 'file',
    stateCode: 'TX',
    status: 'received',
    traceId: 'bench',
  });
  await createSubmissionFile(db, {
    exchangeId: ex.id,
    stateCode: 'TX',
    adapterId: 'msix-typed',
    fileName: 'tx-40000.msix',
  });
  await storeFileChunks(db, ex.id, createReadStream(file, { highWaterMark: 256 * 1024 }), 2 ** 31);
  const tStored = performance.now();
  const { report } = await ingestEvents(
    db,
    noQueue,
    { exchangeId: ex.id, stateCode: 'TX', traceId: 'bench', adapterId: 'msix-typed', batchSize },
    adapter.parse(readFileChunks(db, ex.id), { stateCode: 'TX' }),
  );
  const t1 = performance.now();
  const ingestSeconds = (t1 - t0) / 1000;

  // 3. A plain COPY of the same rows (the stored columns) into a twin table, in the same database.
  const csv = join(dir, 'rows.csv');
  const out = createWriteStream(csv);
  const q = (s: string) => `"${s.replace(/"/g, '""')}"`;
  for (const r of generateRecords(students, { stateCode: 'TX' }) as Iterable<StateRecord>) {
    const { action: _a, ...body } = r;
    const json = JSON.stringify(body);
    const row = [
      r.stateCode,
      r.stateStudentId,
      q(json),
      contentHash(body),
      CODESET_VERSION,
      q(r.identity.firstName),
      q(r.identity.lastName1),
      r.identity.birthDate,
    ];
    out.write(`${row.join(',')}\n`);
  }
  await new Promise<void>((res) => out.end(res));
  chmodSync(csv, 0o644);
  await db.query('DROP TABLE IF EXISTS bench_copy');
  await db.query(
    'CREATE TABLE bench_copy (LIKE state_records INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING INDEXES)',
  );
  const psqlUrl = url;
  const t2 = performance.now();
  const copy = spawnSync(
    'psql',
    [
      psqlUrl,
      '-v',
      'ON_ERROR_STOP=1',
      '-c',
      `\\copy bench_copy (state_code, state_student_id, record, content_hash, codeset_version, ` +
        `first_name, last_name1, birth_date) FROM '${csv}' CSV`,
    ],
    { encoding: 'utf8' },
  );
  const copySeconds = (performance.now() - t2) / 1000;
  if (copy.status !== 0) throw new Error(`COPY failed: ${copy.stderr}`);
  const stored = await db.query<{ n: number }>("SELECT count(*)::int AS n FROM state_records WHERE state_code = 'TX'");

  const result = {
    students,
    fileMiB: Number((bytes / MiB).toFixed(1)),
    batchSize,
    applied: report.counts.applied,
    rejected: report.counts.rejected,
    storedRows: stored.rows[0]!.n,
    uploadSeconds: Number(((tStored - t0) / 1000).toFixed(2)),
    parseOnlySeconds: Number(parseOnlySeconds.toFixed(2)),
    ingestSeconds: Number(ingestSeconds.toFixed(2)),
    recordsPerSecond: Math.round(students / ingestSeconds),
    peakRssMiB: Math.round(peakRss / MiB),
    copySeconds: Number(copySeconds.toFixed(2)),
    copyRowsPerSecond: Math.round(students / copySeconds),
    ratioToCopy: Number((copySeconds / ingestSeconds).toFixed(3)),
    loadAverage: (await import('node:os')).loadavg().map((x) => Number(x.toFixed(1))),
    cpus: (await import('node:os')).cpus().length,
    node: process.version,
    postgres: (await db.query<{ v: string }>('SHOW server_version')).rows[0]!.v,
  };
  console.log(JSON.stringify(result));
  console.log(
    `| ${students} | ${result.fileMiB} MiB | ${result.ingestSeconds} s | ${result.recordsPerSecond}/s | ` +
      `${result.peakRssMiB} MiB | COPY ${result.copySeconds} s (${result.copyRowsPerSecond}/s) | ` +
      `${result.ratioToCopy} |`,
  );
  writeFileSync(join(dir, 'result.json'), JSON.stringify(result));
} finally {
  clearInterval(sampler);
  await db.close();
  cluster?.stop();
  rmSync(dir, { recursive: true, force: true });
}
