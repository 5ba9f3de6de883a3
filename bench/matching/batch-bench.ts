/**
 * Batch linking benchmark: generates N synthetic records to CSV, runs the
 * real CLI (`scripts/match.ts`) on it in a child process, and reports wall
 * time, records/s and peak RSS (from /usr/bin/time), then how cost grows.
 *
 *   npx tsx bench/matching/batch-bench.ts [--sizes 100000,300000,1000000] [--dir .tmp/matching-bench]
 *
 * Prints one JSON line per size and a markdown table.
 */
import { mkdirSync, existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { writeSyntheticCsv } from './write-synthetic-csv.js';

const opt = (n: string) => {
  const i = process.argv.indexOf(`--${n}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
};
const sizes = (opt('sizes') ?? '100000,300000,1000000').split(',').map(Number);
const dir = opt('dir') ?? '.tmp/matching-bench';
mkdirSync(dir, { recursive: true });

interface Row {
  records: number;
  seconds: number;
  recordsPerSecond: number;
  peakRssMb: number;
  candidatePairs: number | null;
  clusters: number | null;
  reviewPairs: number | null;
}
const rows: Row[] = [];
for (const n of sizes) {
  const csv = path.join(dir, `synthetic-${n}.csv`);
  if (!existsSync(csv)) {
    console.error(`generating ${n} records -> ${csv}`);
    await writeSyntheticCsv(n, 3, csv, path.join(dir, `synthetic-${n}-truth.csv`));
  }
  const run = spawnSync(
    '/usr/bin/time',
    ['-f', 'TIME %e %M', process.execPath, '--import', 'tsx', 'scripts/match.ts', '--in', csv, '--out', path.join(dir, `clusters-${n}.csv`), '--review', path.join(dir, `review-${n}.csv`)],
    { encoding: 'utf8', maxBuffer: 1 << 26 },
  );
  const err = run.stderr;
  process.stderr.write(err.split('\n').filter((l) => l.startsWith('[match') || l.startsWith('done')).join('\n') + '\n');
  const t = /TIME ([\d.]+) (\d+)/.exec(err);
  const scored = /scored (\d+) candidate pairs; \d+ links, (\d+) clusters, (\d+) review pairs/.exec(err);
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
  };
  rows.push(row);
  console.log(JSON.stringify({ bench: 'batch-link', ...row }));
}
console.log('\n| records | wall s | records/s | peak RSS MB | candidate pairs | clusters | review pairs | time vs first |');
console.log('|---|---|---|---|---|---|---|---|');
for (const r of rows) {
  console.log(`| ${r.records} | ${r.seconds.toFixed(1)} | ${r.recordsPerSecond} | ${r.peakRssMb} | ${r.candidatePairs} | ${r.clusters} | ${r.reviewPairs} | ×${(r.seconds / rows[0]!.seconds).toFixed(2)} (size ×${(r.records / rows[0]!.records).toFixed(0)}) |`);
}
