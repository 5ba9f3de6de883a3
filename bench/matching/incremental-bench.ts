/**
 * Incremental matching latency: builds an in-memory blocking index over N
 * stored synthetic records (default 1,000,000), then matches arriving
 * records one at a time (keys -> candidates -> matchArriving -> explanation of
 * each student's best candidate, as the store keeps it) and reports
 * p50/p95/p99 latency.
 *
 *   node --max-old-space-size=6000 --import tsx bench/matching/incremental-bench.ts [--stored 1000000] [--arrivals 2000]
 */
import { BlockIndex } from '../../core/matching/block-index.js';
import { blockingKeys } from '../../core/matching/blocking.js';
import { loadDefaultModel } from '../../core/matching/default-model.js';
import { matchArriving, type Candidate } from '../../core/matching/incremental.js';
import { standardize } from '../../core/matching/standardize.js';
import { generatePopulation } from '../../core/matching/synthetic/generator.js';
import type { StandardizedPerson } from '../../core/matching/types.js';

const opt = (n: string, d: number) => {
  const i = process.argv.indexOf(`--${n}`);
  return i >= 0 ? Number(process.argv[i + 1]) : d;
};
const stored = opt('stored', 1_000_000);
const arrivals = opt('arrivals', 2000);
const model = loadDefaultModel();

const t0 = performance.now();
const records: StandardizedPerson[] = [];
const student: Int32Array = new Int32Array(stored + arrivals);
const arriving: StandardizedPerson[] = [];
const index = new BlockIndex({ maxBlockSize: model.maxBlockSize }, stored * 14);
let k = 0;
// Every 500th record is held back as an arrival, so arrivals have true matches in the store.
for (const r of generatePopulation({ records: stored + arrivals, seed: 11 })) {
  const std = standardize(r.record);
  if (k % 500 === 499 && arriving.length < arrivals) arriving.push(std);
  else {
    student[records.length] = r.childId;
    index.add(records.length, blockingKeys(std));
    records.push(std);
  }
  k++;
  if (records.length >= stored) break;
}
index.seal();
const buildSeconds = (performance.now() - t0) / 1000;
// Warm-up (JIT, caches) on a separate set of arrivals, not timed.
for (const a of arriving.slice(0, 200)) {
  const ids = index.candidatesOf(blockingKeys(a));
  matchArriving(a, ids.map((i) => ({ record: records[i]!, studentId: String(student[i]) })), model, {}, undefined, { population: records.length });
}
const timings: number[] = [];
/** CPU time of this process per arrival (ms): less sensitive than wall time to other jobs on a shared box. */
const cpuTimings: number[] = [];
let candidatesTotal = 0;
let explained = 0;
const decisions: Record<string, number> = {};
for (const a of arriving.slice(200)) {
  const s = performance.now();
  const c0 = process.cpuUsage();
  const ids = index.candidatesOf(blockingKeys(a));
  const candidates: Candidate[] = ids.map((i) => ({ record: records[i]!, studentId: String(student[i]) }));
  const result = matchArriving(a, candidates, model, {}, undefined, { population: records.length });
  // What the store keeps: the explanation of each student's best candidate.
  for (const st of result.students) explained += st.candidates[0]!.score.contributions.length;
  timings.push(performance.now() - s);
  const c1 = process.cpuUsage(c0);
  cpuTimings.push((c1.user + c1.system) / 1000);
  candidatesTotal += ids.length;
  decisions[result.decision.kind] = (decisions[result.decision.kind] ?? 0) + 1;
}
timings.sort((x, y) => x - y);
cpuTimings.sort((x, y) => x - y);
const qc = (p: number) => cpuTimings[Math.min(cpuTimings.length - 1, Math.floor(p * cpuTimings.length))]!;
const q = (p: number) => timings[Math.min(timings.length - 1, Math.floor(p * timings.length))]!;
const row = {
  bench: 'incremental-match',
  storedRecords: records.length,
  arrivals: arriving.length - 200,
  indexBuildSeconds: Number(buildSeconds.toFixed(1)),
  indexEntries: index.entryCount,
  meanCandidates: Number((candidatesTotal / (arriving.length - 200)).toFixed(1)),
  p50ms: Number(q(0.5).toFixed(3)),
  p95ms: Number(q(0.95).toFixed(3)),
  p99ms: Number(q(0.99).toFixed(3)),
  maxMs: Number(timings.at(-1)!.toFixed(3)),
  cpuP50ms: Number(qc(0.5).toFixed(3)),
  cpuP95ms: Number(qc(0.95).toFixed(3)),
  peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
  decisions,
  explainedFields: explained,
};
console.log(JSON.stringify(row));
console.log('\n| stored | arrivals | mean candidates | p50 ms | p95 ms | p99 ms | index build s | peak RSS MB |');
console.log('|---|---|---|---|---|---|---|---|');
console.log(`| ${row.storedRecords} | ${row.arrivals} | ${row.meanCandidates} | ${row.p50ms} | ${row.p95ms} | ${row.p99ms} | ${row.indexBuildSeconds} | ${row.peakRssMb} |`);
