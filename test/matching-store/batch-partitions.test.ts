import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { linkBatch, type BatchResult } from '../../core/matching/batch.js';
import { loadDefaultModel } from '../../core/matching/default-model.js';
import { personComparisonSet } from '../../core/matching/person-comparisons.js';
import { standardize } from '../../core/matching/standardize.js';
import {
  blockPartitions,
  clusterPartitions,
  decodePartition,
  encodePartition,
  prepareBatch,
  scoreBlockRange,
} from '../../core/matching-store/batch-partitions.js';
import { partitionWorker, runBatchLoad, type BatchLoadReport } from '../../core/matching-store/batch-load.js';
import { QUEUES } from '../../core/jobs.js';
import type { Db } from '../../core/store/db.js';
import { generatePopulation } from '../../lab/matching/synthetic/generator.js';
import { insertPending } from '../../lab/matching/store-fixtures.js';
import { BullJobQueue, startQueueWorker } from '../../runtime/queue.js';
import { freshDb, queuePrefix } from '../support/db.js';
import { consolidation } from './helpers.js';

const model = loadDefaultModel();

/** Everything a caller can see of a batch result. */
const observable = (r: BatchResult) => ({ clusterOf: Array.from(r.clusterOf), review: r.review, stats: r.stats });

describe('the batch partitioned by blocking key', () => {
  it('gives the single-process result exactly (clusters, reviews, stats) for any number of partitions', async () => {
    const records = [...generatePopulation({ records: 1000, seed: 7 })].map((p) => standardize(p.record));
    const single = observable(linkBatch(records, personComparisonSet, model));
    expect(single.stats.linkEdges).toBeGreaterThan(100);
    expect(single.review.length).toBeGreaterThan(0);
    const batch = prepareBatch(records, personComparisonSet, model);
    for (const parts of [1, 7]) {
      const ranges = blockPartitions(batch.plan, parts);
      expect(ranges.length).toBe(parts);
      expect(ranges[0]![0]).toBe(0);
      expect(ranges.at(-1)![1]).toBe(batch.plan.blockStart.length - 1);
      // Scored in reverse order and through their stored form, as workers finishing in any order would store them.
      const scored = [];
      for (const [lo, hi] of [...ranges].reverse())
        scored.unshift(decodePartition(encodePartition(await scoreBlockRange(batch, lo, hi, { yieldEvery: 5000 }))));
      expect(observable(clusterPartitions(batch, scored))).toEqual(single);
    }
  });
});

/** The store's outcome with the random MSIX ids left out: who is with whom, the reviews, the statuses. */
async function outcome(db: Db) {
  const students = await db.query<{ members: string }>(
    `SELECT string_agg(s.state_code || '/' || s.state_student_id, ',' ORDER BY s.state_code, s.state_student_id)
       AS members
     FROM links l JOIN state_records s ON s.id = l.record_id GROUP BY l.msix_id ORDER BY 1`,
  );
  const statuses = await db.query<{ status: string; n: number }>(
    'SELECT match_status AS status, count(*)::int AS n FROM state_records GROUP BY 1 ORDER BY 1',
  );
  const reviews = await db.query<{ record: string; status: string }>(
    `SELECT s.state_code || '/' || s.state_student_id AS record, r.status FROM match_reviews r
     JOIN state_records s ON s.id = r.record_id ORDER BY 1`,
  );
  return { students: students.rows.map((r) => r.members), statuses: statuses.rows, reviews: reviews.rows };
}

const sameReport = (r: BatchLoadReport) => {
  const { ms: _ms, partitions: _p, ...rest } = r;
  return rest;
};

describe('the store batch load partitioned into BullMQ jobs', () => {
  const people = [...generatePopulation({ records: 400, seed: 3 })].map((p) => p.record);
  let single: { db: Db; drop(): Promise<void> };
  let split: { db: Db; drop(): Promise<void> };
  const redis = inject('redisUrl');
  const prefix = queuePrefix();
  beforeAll(async () => {
    [single, split] = await Promise.all([freshDb('postgres'), freshDb('postgres')]);
    await insertPending(single.db, people);
    await insertPending(split.db, people);
  });
  afterAll(async () => {
    await single?.drop();
    await split?.drop();
  });

  it('stores what the single-process load stores, with the partitions taken by two workers', async () => {
    const expected = await runBatchLoad(single.db, { consolidation });
    const queue = new BullJobQueue(redis, prefix);
    const workers = [0, 1].map(() => {
      const score = partitionWorker(split.db);
      return startQueueWorker(redis, QUEUES.batch, (job) => score(job.data), { concurrency: 1, prefix });
    });
    try {
      const report = await runBatchLoad(split.db, { consolidation, partitioned: { queue, parts: 6, pollMs: 50 } });
      expect(report.partitions).toMatchObject({ parts: 6, byWorkers: 6 });
      expect(report.partitions!.workers.length).toBeGreaterThanOrEqual(1);
      expect(sameReport(report)).toEqual(sameReport(expected));
      expect(await outcome(split.db)).toEqual(await outcome(single.db));
      const left = await split.db.query<{ n: number }>('SELECT count(*)::int AS n FROM batch_partitions');
      expect(left.rows[0]!.n).toBe(0);
    } finally {
      await Promise.all(workers.map((w) => w.close()));
      await queue.close();
    }
  });

  it('scores the partitions itself when no worker takes them, and says so', async () => {
    // Another database, the same records: the coordinator alone, no worker on the queue.
    const alone = await freshDb('postgres');
    const queue = new BullJobQueue(redis, `${prefix}x`);
    const warnings: string[] = [];
    try {
      await insertPending(alone.db, people);
      const report = await runBatchLoad(alone.db, {
        consolidation,
        partitioned: {
          queue,
          parts: 3,
          unclaimedMs: 200,
          pollMs: 50,
          log: { warn: (o, msg) => warnings.push(`${msg} ${JSON.stringify(o)}`), info: () => {} },
        },
      });
      expect(report.partitions).toMatchObject({ parts: 3, byWorkers: 0 });
      expect(warnings.length).toBe(3);
      expect(warnings[0]).toContain('no worker at work on the run');
      expect(await outcome(alone.db)).toEqual(await outcome(single.db));
    } finally {
      await queue.close();
      await alone.drop();
    }
  });
});
