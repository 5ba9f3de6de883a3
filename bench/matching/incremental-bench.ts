/**
 * Incremental matching latency: builds an in-memory blocking index over N
 * stored synthetic records (default 1,000,000), then matches arriving
 * records one at a time (keys -> candidates -> matchArriving -> explanation of
 * the best candidate of the five closest students, as the store keeps it:
 * core/matching-store/explanation.ts) and reports p50/p95/p99 latency, CPU
 * time per arrival, and how much of the slowest arrivals' time was garbage
 * collection (GC pauses are attributed to the arrival they fell in).
 *
 * node --max-old-space-size=6000 --import tsx bench/matching/incremental-bench.ts [--stored 1000000] [--arrivals 2000]
 * [--explain five|all]
 *
 * `--explain all` explains every student's best candidate, as this bench did before (rules -3 figures).
 */
import { PerformanceObserver, type PerformanceEntry } from 'node:perf_hooks';
import { BlockIndex } from '../../core/matching/block-index.js';
import { blockingKeys } from '../../core/matching/blocking.js';
import { loadDefaultModel } from '../../core/matching/default-model.js';
import { matchArriving, type Candidate } from '../../core/matching/incremental.js';
import { standardize } from '../../core/matching/standardize.js';
import { generatePopulation } from '../../lab/matching/synthetic/generator.js';
import type { StandardizedPerson } from '../../core/matching/types.js';
import { integerOption, parseCommandLine } from '../../lib/cli.js';

const USAGE =
  'usage: node --max-old-space-size=6000 --import tsx bench/matching/incremental-bench.ts [--stored 1000000] ' +
  '[--arrivals 2000] [--explain five|all]';
const { values } = parseCommandLine({
  usage: USAGE,
  options: { stored: { type: 'string' }, arrivals: { type: 'string' }, explain: { type: 'string' } },
});
const stored = integerOption(values.stored, 'stored', 1_000_000, USAGE);
const arrivals = integerOption(values.arrivals, 'arrivals', 2000, USAGE);
const model = loadDefaultModel();
const explainAll = values.explain === 'all';

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
  matchArriving(
    a,
    ids.map((i) => ({ record: records[i]!, studentId: String(student[i]) })),
    model,
    {},
    undefined,
    { population: records.length },
  );
}
const gcs: PerformanceEntry[] = [];
const gcObserver = new PerformanceObserver((list) => {
  gcs.push(...list.getEntries());
});
gcObserver.observe({ entryTypes: ['gc'] });
const spans: { start: number; end: number; cpu: number; candidates: number }[] = [];
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
  // What the store keeps: the explanation of the best candidate of the five closest students.
  for (const st of explainAll ? result.students : result.students.slice(0, 5))
    explained += st.candidates[0]!.score.contributions.length;
  const e = performance.now();
  timings.push(e - s);
  const c1 = process.cpuUsage(c0);
  cpuTimings.push((c1.user + c1.system) / 1000);
  spans.push({ start: s, end: e, cpu: (c1.user + c1.system) / 1000, candidates: ids.length });
  candidatesTotal += ids.length;
  decisions[result.decision.kind] = (decisions[result.decision.kind] ?? 0) + 1;
}
await new Promise((r) => setTimeout(r, 100)); // let the GC observer deliver
gcObserver.disconnect();
const gcIn = (sp: { start: number; end: number }) =>
  gcs.reduce(
    (t, g) => t + Math.max(0, Math.min(sp.end, g.startTime + g.duration) - Math.max(sp.start, g.startTime)),
    0,
  );
const slow = [...spans]
  .sort((x, y) => y.end - y.start - (x.end - x.start))
  .slice(0, Math.max(1, Math.floor(spans.length * 0.05)));
const slowWall = slow.reduce((t, x) => t + x.end - x.start, 0);
const tail = {
  arrivals: slow.length,
  wallMs: Number(slowWall.toFixed(1)),
  cpuShare: Number((slow.reduce((t, x) => t + x.cpu, 0) / slowWall).toFixed(3)),
  gcShare: Number((slow.reduce((t, x) => t + gcIn(x), 0) / slowWall).toFixed(3)),
  meanCandidates: Number((slow.reduce((t, x) => t + x.candidates, 0) / slow.length).toFixed(1)),
};
const gcTotalMs = spans.reduce((t, x) => t + gcIn(x), 0);
// GC time in the timed loop by kind (1 minor/scavenge, 2 major mark-compact, 4 incremental marking, 8 weak callbacks).
const loopStart = spans[0]!.start;
const loopEnd = spans.at(-1)!.end;
const gcByKind: Record<string, number> = {};
for (const g of gcs) {
  if (g.startTime < loopStart || g.startTime > loopEnd) continue;
  const k =
    ({ 1: 'minor', 2: 'major', 4: 'incremental', 8: 'weakcb' } as Record<number, string>)[
      (g as PerformanceEntry & { detail?: { kind?: number } }).detail?.kind ?? 0
    ] ?? 'other';
  gcByKind[k] = Number(((gcByKind[k] ?? 0) + g.duration).toFixed(1));
}
timings.sort((x, y) => x - y);
cpuTimings.sort((x, y) => x - y);
const qc = (p: number) => cpuTimings[Math.min(cpuTimings.length - 1, Math.floor(p * cpuTimings.length))]!;
const q = (p: number) => timings[Math.min(timings.length - 1, Math.floor(p * timings.length))]!;
const row = {
  bench: 'incremental-match',
  rulesVersion: model.rulesVersion,
  explain: explainAll ? 'every student' : 'five closest students',
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
  cpuP99ms: Number(qc(0.99).toFixed(3)),
  gcMsPerArrival: Number((gcTotalMs / spans.length).toFixed(3)),
  gcMsByKind: gcByKind,
  /**
   * The slowest 5% of arrivals: their wall time, the share of it on this process's CPU and in GC pauses, and their
   * candidates.
   */
  slowest5pct: tail,
  peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
  decisions,
  explainedFields: explained,
};
console.log(JSON.stringify(row));
console.log(
  '\n| stored | arrivals | mean candidates | p50 ms | p95 ms | p99 ms | CPU p50 / p95 ms | index build s ' +
    '| peak RSS MB |',
);
console.log('|---|---|---|---|---|---|---|---|---|');
console.log(
  `| ${row.storedRecords} | ${row.arrivals} | ${row.meanCandidates} | ${row.p50ms} | ${row.p95ms} | ` +
    `${row.p99ms} | ${row.cpuP50ms} / ${row.cpuP95ms} | ${row.indexBuildSeconds} | ${row.peakRssMb} |`,
);
