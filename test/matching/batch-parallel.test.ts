import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  batchConflictFloor,
  batchScorer,
  batchTermFrequencies,
  emptyScoredPairs,
  linkBatch,
  samplePlanPairs,
  scorePairRange,
  type BatchResult,
} from '../../core/matching/batch.js';
import { PairPrefilter, choosePrefilter } from '../../core/matching/batch-prefilter.js';
import { readStandardizedCsv } from '../../lab/matching/batch-csv.js';
import { BlockIndex, forEachPairInRange, packKeys } from '../../core/matching/block-index.js';
import { blockingKeys } from '../../core/matching/blocking.js';
import { loadDefaultModel } from '../../core/matching/default-model.js';
import {
  BatchWorkerPool,
  PERSON_SET_REF,
  csvRecordSource,
  linkBatchParallel,
} from '../../lab/matching/parallel/link-parallel.js';
import { personComparisonSet } from '../../core/matching/person-comparisons.js';
import { RECORD_CSV_HEADER, personRecordToCsvLine } from '../../lab/matching/record-csv.js';
import { generatePopulation } from '../../lab/matching/synthetic/generator.js';

const model = loadDefaultModel();

function writeCsv(dir: string, name: string, records: number, seed: number, eol = '\n'): string {
  const lines = [RECORD_CSV_HEADER.join(',')];
  for (const r of generatePopulation({ records, seed })) lines.push(personRecordToCsvLine(r.record));
  const file = path.join(dir, name);
  writeFileSync(file, lines.join(eol) + eol);
  return file;
}

/** Everything a caller can see of a batch result. */
function observable(r: BatchResult) {
  return { clusterOf: Array.from(r.clusterOf), review: r.review, stats: r.stats };
}

describe('parallel batch linking', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'batch-parallel-'));
  const csv = writeCsv(dir, 'records.csv', 4000, 5);

  it('gives exactly the single-thread result (clusters, review items, stats) with two workers and small ' +
    'chunks', async () => {
    const { records } = await readStandardizedCsv(csv);
    const single = linkBatch(records, personComparisonSet, model);
    expect(single.stats.candidatePairs).toBeGreaterThan(1000);
    expect(single.stats.linkEdges).toBeGreaterThan(100);
    expect(single.review.length).toBeGreaterThan(0);
    const warnings: string[] = [];
    const pool = BatchWorkerPool.start({ workers: 2, source: csvRecordSource(csv), set: PERSON_SET_REF });
    await pool.ready(); // so that the workers take part (otherwise they join late, or not at all, by design)
    const shares: Record<string, [number, number]> = {};
    const parallel = await linkBatchParallel(records, personComparisonSet, model, {
      pool,
      chunkSize: 97,
      mainThreadShares: false, // how a busy machine would split the chunks is not knowable
      onWarning: (m) => warnings.push(m),
      onShare: (job, byWorkers, chunks) => (shares[job] = [byWorkers, chunks]),
    });
    expect(warnings).toEqual([]);
    expect(shares.score).toEqual([Math.ceil(4000 / 97), Math.ceil(4000 / 97)]);
    expect(shares.keys).toEqual([1, 1]);
    expect(observable(parallel)).toEqual(observable(single));
  }, 60_000);

  it('gives the single-thread result when the workers are still loading (the main thread does not wait)', async () => {
    const { records } = await readStandardizedCsv(csv);
    const single = linkBatch(records, personComparisonSet, model);
    const pool = BatchWorkerPool.start({ workers: 1, source: csvRecordSource(csv), set: PERSON_SET_REF });
    const parallel = await linkBatchParallel(records, personComparisonSet, model, { pool });
    expect(observable(parallel)).toEqual(observable(single));
  }, 60_000);

  it('does not use a worker that holds other records, and still gives the single-thread result', async () => {
    const other = writeCsv(dir, 'other.csv', 3000, 6);
    const { records } = await readStandardizedCsv(csv);
    const single = linkBatch(records, personComparisonSet, model);
    const warnings: string[] = [];
    const pool = BatchWorkerPool.start({ workers: 1, source: csvRecordSource(other), set: PERSON_SET_REF });
    await pool.ready();
    const parallel = await linkBatchParallel(records, personComparisonSet, model, {
      pool,
      onWarning: (m) => warnings.push(m),
    });
    expect(warnings.join('\n')).toMatch(/other records/);
    expect(observable(parallel)).toEqual(observable(single));
  }, 60_000);

  it('falls back to the main thread when a worker cannot load its records', async () => {
    const { records } = await readStandardizedCsv(csv);
    const single = linkBatch(records, personComparisonSet, model);
    const warnings: string[] = [];
    const pool = BatchWorkerPool.start({
      workers: 1,
      source: csvRecordSource(path.join(dir, 'missing.csv')),
      set: PERSON_SET_REF,
    });
    await pool.ready();
    const parallel = await linkBatchParallel(records, personComparisonSet, model, {
      pool,
      onWarning: (m) => warnings.push(m),
    });
    expect(warnings.join('\n')).toMatch(/not used.*ENOENT/s);
    expect(observable(parallel)).toEqual(observable(single));
  }, 60_000);

  it('the CLI writes the same clusters and review files with --threads 2 as with --threads 1', () => {
    const outputs = [1, 2].map((threads) => {
      const out = path.join(dir, `clusters-${threads}.csv`);
      const review = path.join(dir, `review-${threads}.csv`);
      const run = spawnSync(
        process.execPath,
        [
          '--import',
          'tsx',
          'scripts/match.ts',
          '--in',
          csv,
          '--out',
          out,
          '--review',
          review,
          '--threads',
          String(threads),
        ],
        {
          encoding: 'utf8',
        },
      );
      expect(run.status, run.stderr).toBe(0);
      expect(run.stderr).not.toMatch(/warning/);
      expect(run.stderr).toMatch(new RegExp(`\\(${threads} threads?\\)`));
      return [readFileSync(out, 'utf8'), readFileSync(review, 'utf8')];
    });
    expect(outputs[1]).toEqual(outputs[0]);
    expect(outputs[0]![0]!.split('\n').length).toBe(4002);
  }, 60_000);
});

describe('reading the record CSV', () => {
  it('reads CRLF, lone-CR and LF files into the same records', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'batch-csv-'));
    const lf = await readStandardizedCsv(writeCsv(dir, 'lf.csv', 500, 9, '\n'));
    const crlf = await readStandardizedCsv(writeCsv(dir, 'crlf.csv', 500, 9, '\r\n'));
    const cr = await readStandardizedCsv(writeCsv(dir, 'cr.csv', 500, 9, '\r'));
    expect(lf.records.length).toBe(500);
    expect(lf.malformed).toBe(0);
    expect(crlf).toEqual(lf);
    expect(cr).toEqual(lf);
  });
});

describe('block index pair plan', () => {
  it('enumerates the same pairs, in the same order, by record ranges as in one pass', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'block-plan-'));
    const { records } = await readStandardizedCsv(writeCsv(dir, 'r.csv', 2000, 3));
    const whole = new BlockIndex({ maxBlockSize: 100 });
    records.forEach((r, i) => {
      whole.add(i, blockingKeys(r));
    });
    const expected: number[] = [];
    whole.forEachPair((i, j) => expected.push(i, j));
    // Keys packed in three shares, as the threads of a parallel batch do.
    const split = new BlockIndex({ maxBlockSize: 100 });
    for (const [lo, hi] of [
      [1200, 2000],
      [0, 700],
      [700, 1200],
    ] as const) {
      split.addPacked(
        packKeys((i) => blockingKeys(records[i]!), lo, hi - lo),
        records.length,
      );
    }
    const plan = split.pairPlan({ shared: true });
    expect(plan.members.buffer).toBeInstanceOf(SharedArrayBuffer);
    const got: number[] = [];
    const stamp = new Int32Array(records.length).fill(-1);
    for (let lo = 0; lo < records.length; lo += 333)
      forEachPairInRange(plan, lo, Math.min(records.length, lo + 333), (i, j) => got.push(i, j), stamp);
    expect(expected.length).toBeGreaterThan(2000);
    expect(got).toEqual(expected);
  });
});

describe('exact pre-filter', () => {
  it('never drops a pair the scorer keeps, whatever the comparison order, and drops many of the others', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'prefilter-'));
    const { records } = await readStandardizedCsv(writeCsv(dir, 'r.csv', 6000, 4));
    const index = new BlockIndex({ maxBlockSize: model.maxBlockSize });
    records.forEach((r, i) => {
      index.add(i, blockingKeys(r));
    });
    const plan = index.pairPlan();
    const scorer = batchScorer(
      personComparisonSet,
      model,
      records.length,
      batchTermFrequencies(records, personComparisonSet, model),
    );
    const floor = batchConflictFloor(scorer);
    const F = personComparisonSet.comparisons.length;
    const orders = [[...Array(F).keys()], [...Array(F).keys()].reverse(), [2, 1, 7, 3, 4, 6, 5, 0]];
    const plain = scorePairRange(records, personComparisonSet, scorer, plan, 0, records.length);
    for (const order of orders) {
      const filter = new PairPrefilter(scorer, order, floor);
      let kept = 0;
      let dropped = 0;
      forEachPairInRange(plan, 0, records.length, (i, j) => {
        const a = records[i]!;
        const b = records[j]!;
        const reaches = scorer.weightAtLeast(a, b, floor) >= floor;
        if (filter.mayReach(a, b)) kept++;
        else {
          dropped++;
          expect(reaches, `pair ${i},${j} dropped with order ${order}`).toBe(false);
        }
      });
      expect(dropped).toBeGreaterThan(1000);
      expect(kept).toBeGreaterThan(1000);
      const filtered = scorePairRange(
        records,
        personComparisonSet,
        scorer,
        plan,
        0,
        records.length,
        emptyScoredPairs(),
        { prefilter: filter },
      );
      expect(filtered).toEqual(plain);
    }
    // The chosen filter (if the sample says it pays) is one of these too.
    const chosen = choosePrefilter(records, scorer, floor, samplePlanPairs(plan, 5000));
    if (chosen) expect([...chosen.order].sort()).toEqual([...Array(F).keys()].sort());
    expect(() => new PairPrefilter(scorer, [0, 1], floor)).toThrow(/every comparison/);
  }, 60_000);
});
