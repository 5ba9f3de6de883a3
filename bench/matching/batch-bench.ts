/**
 * Batch linking benchmark: generates N synthetic records to CSV, runs the
 * real CLI (`scripts/match.ts`) on it in a child process, and reports wall
 * time, records/s and peak RSS (from /usr/bin/time), then how cost grows.
 *
 *   npx tsx bench/matching/batch-bench.ts [--sizes 100000,300000,1000000] [--dir .tmp/matching-bench] [--threads N]
 *
 * Prints one JSON line per size and a markdown table, with the CLI's phase
 * times (read, blocking, scoring, clustering, write) and the machine's load
 * average before and after each run: the box is shared, and wall times only
 * mean something next to the load they were taken under.
 */
import { mkdirSync, existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { loadavg } from 'node:os';
import path from 'node:path';
import { writeSyntheticCsv } from './write-synthetic-csv.js';
import { integerOption, parseCommandLine } from '../../lib/cli.js';

const USAGE =
  'usage: npx tsx bench/matching/batch-bench.ts [--sizes 100000,300000,1000000] [--dir .tmp/matching-bench] ' +
  '[--threads N]';
const { values } = parseCommandLine({
  usage: USAGE,
  options: { sizes: { type: 'string' }, dir: { type: 'string' }, threads: { type: 'string' } },
});
const sizes = (values.sizes ?? '100000,300000,1000000').split(',').map(Number);
const dir = values.dir ?? '.tmp/matching-bench';
const threads = values.threads === undefined ? undefined : String(integerOption(values.threads, 'threads', 1, USAGE));
mkdirSync(dir, { recursive: true });

interface Row {
  records: number;
  seconds: number;
  recordsPerSecond: number;
  peakRssMb: number;
  candidatePairs: number | null;
  clusters: number | null;
  reviewPairs: number | null;
  threads: number | null;
  /** Wall seconds per CLI phase. */
  phases: Record<string, number>;
  /** 1-minute load average before and after the run. */
  loadBefore: number;
  loadAfter: number;
}
const rows: Row[] = [];
for (const n of sizes) {
  const csv = path.join(dir, `synthetic-${n}.csv`);
  if (!existsSync(csv)) {
    console.error(`generating ${n} records -> ${csv}`);
    await writeSyntheticCsv(n, 3, csv, path.join(dir, `synthetic-${n}-truth.csv`));
  }
  const loadBefore = loadavg()[0]!;
  const run = spawnSync(
    '/usr/bin/time',
    [
      '-f',
      'TIME %e %M',
      process.execPath,
      '--import',
      'tsx',
      'scripts/match.ts',
      '--in',
      csv,
      '--out',
      path.join(dir, `clusters-${n}.csv`),
      '--review',
      path.join(dir, `review-${n}.csv`),
      ...(threads ? ['--threads', threads] : []),
    ],
    { encoding: 'utf8', maxBuffer: 1 << 26 },
  );
  const loadAfter = loadavg()[0]!;
  const err = run.stderr;
  const progress = err
    .split('\n')
    .filter((l) => l.startsWith('[match') || l.startsWith('done') || l.startsWith('phases') || l.startsWith('warning'));
  process.stderr.write(`${progress.join('\n')}\n`);
  const t = /TIME ([\d.]+) (\d+)/.exec(err);
  const scored =
    /scored (\d+) candidate pairs; \d+ links, (\d+) clusters, (\d+) review pairs(?: \((\d+) threads?\))?/.exec(err);
  const phases: Record<string, number> = {};
  for (const m of (/^phases: (.*)$/m.exec(err)?.[1] ?? '').matchAll(/(\w+) ([\d.]+) s/g)) phases[m[1]!] = Number(m[2]);
  if (!t) throw new Error(`benchmark run failed:\n${err}`);
  const seconds = Number(t[1]);
  const row: Row = {
    records: n,
    seconds,
    recordsPerSecond: Math.round(n / seconds),
    peakRssMb: Math.round(Number(t[2]) / 1024),
    candidatePairs: scored ? Number(scored[1]) : null,
    clusters: scored ? Number(scored[2]) : null,
    reviewPairs: scored ? Number(scored[3]) : null,
    threads: scored?.[4] ? Number(scored[4]) : null,
    phases,
    loadBefore: Math.round(loadBefore * 100) / 100,
    loadAfter: Math.round(loadAfter * 100) / 100,
  };
  rows.push(row);
  console.log(JSON.stringify({ bench: 'batch-link', ...row }));
}
const phase = (r: Row) =>
  ['read', 'blocking', 'scoring', 'clustering', 'write'].map((p) => (r.phases[p] ?? 0).toFixed(1)).join(' / ');
const ratio = (x: number | null, y: number | null) =>
  x !== null && y !== null && y > 0 ? `×${(x / y).toFixed(1)}` : '–';
console.log(
  '\n| records | threads | wall s | peak RSS MB | candidate pairs | clusters | review pairs | read / ' +
    'blocking / scoring / clustering / write s | load 1-min before → after | growth vs first (time, pairs, ' +
    'RSS) |',
);
console.log('|---|---|---|---|---|---|---|---|---|---|');
for (const r of rows) {
  const first = rows[0]!;
  console.log(
    `| ${r.records} | ${r.threads ?? '–'} | ${r.seconds.toFixed(1)} | ${r.peakRssMb} | ` +
      `${r.candidatePairs} | ${r.clusters} | ${r.reviewPairs} | ${phase(r)} | ${r.loadBefore} → ` +
      `${r.loadAfter} | ${ratio(r.seconds, first.seconds)}, ` +
      `${ratio(r.candidatePairs, first.candidatePairs)}, ${ratio(r.peakRssMb, first.peakRssMb)} (size ` +
      `×${(r.records / first.records).toFixed(0)}) |`,
  );
}
