import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { linkBatch, prepareBatch, type BatchResult } from '../../core/matching/batch.js';
import { loadDefaultModel } from '../../core/matching/default-model.js';
import { personComparisonSet } from '../../core/matching/person-comparisons.js';
import { standardize } from '../../core/matching/standardize.js';
import {
  blockPartitions,
  clusterPartitions,
  decodePartition,
  encodePartition,
  scoreBlockRange,
} from '../../core/matching-store/batch-partitions.js';
import { partitionWorker, runBatchLoad, type BatchLoadReport } from '../../core/matching-store/batch-load.js';
import { QUEUES } from '../../core/jobs.js';
import type { Db } from '../../core/store/db.js';
import { generatePopulation } from '../../lab/matching/synthetic/generator.js';
import { insertPending, storeOutcome } from '../../lab/matching/store-fixtures.js';
import { BullJobQueue, startQueueWorker } from '../../runtime/queue.js';
import { freshDb, queuePrefix } from '../support/db.js';
import pg from 'pg';
import { PgDb } from '../../core/store/pg.js';
import type { PersonRecord } from '../../core/matching/types.js';
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

const sameReport = (r: BatchLoadReport) => {
  const { ms: _ms, partitions: _p, ...rest } = r;
  return rest;
};

/**
 * Databases holding the same pending records with the same ids: the batch reads records by id, and their order
 * decides ties, so only copies of one database (not separate inserts) must give the same store.
 */
async function copiesOfOneStore(count: number, people: readonly PersonRecord[]) {
  const { db, url } = await freshDb('postgres');
  await insertPending(db, people);
  await db.close();
  const serverUrl = inject('databaseUrl');
  const template = new URL(url!).pathname.slice(1);
  const names: string[] = [];
  const admin = async (sql: string) => {
    const a = new pg.Client({ connectionString: serverUrl });
    await a.connect();
    await a.query(sql);
    await a.end();
  };
  const copies: PgDb[] = [];
  for (let k = 0; k < count; k++) {
    const name = `${template}_${k}`;
    await admin(`CREATE DATABASE ${name} TEMPLATE ${template}`);
    names.push(name);
    const u = new URL(serverUrl);
    u.pathname = `/${name}`;
    copies.push(new PgDb(u.toString()));
  }
  return {
    copies,
    drop: async () => {
      await Promise.all(copies.map((c) => c.close()));
      for (const name of names) await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      // The template's pool is closed above (a copy needs it unused), so it is dropped here, not by freshDb's drop.
      await admin(`DROP DATABASE IF EXISTS ${template} WITH (FORCE)`);
    },
  };
}

describe('the store batch load partitioned into BullMQ jobs', () => {
  const people = [...generatePopulation({ records: 400, seed: 3 })].map((p) => p.record);
  let single: Db;
  let split: Db;
  let alone: Db;
  let drop: () => Promise<void>;
  const redis = inject('redisUrl');
  const prefix = queuePrefix();
  beforeAll(async () => {
    const stores = await copiesOfOneStore(3, people);
    [single, split, alone] = stores.copies as [PgDb, PgDb, PgDb];
    drop = stores.drop;
  });
  afterAll(async () => {
    await drop?.();
  });

  it('stores what the single-process load stores, with the partitions taken by two workers', async () => {
    const expected = await runBatchLoad(single, { consolidation });
    const queue = new BullJobQueue(redis, prefix);
    const workers = [0, 1].map(() => {
      const score = partitionWorker(split);
      return startQueueWorker(redis, QUEUES.batch, (job) => score(job.data), { concurrency: 1, prefix });
    });
    try {
      const report = await runBatchLoad(split, { consolidation, partitioned: { queue, parts: 6, pollMs: 50 } });
      expect(report.partitions).toMatchObject({ parts: 6, byWorkers: 6 });
      expect(report.partitions!.workers.length).toBeGreaterThanOrEqual(1);
      expect(sameReport(report)).toEqual(sameReport(expected));
      expect(await storeOutcome(split)).toEqual(await storeOutcome(single));
      const left = await split.query<{ n: number }>('SELECT count(*)::int AS n FROM batch_partitions');
      expect(left.rows[0]!.n).toBe(0);
    } finally {
      await Promise.all(workers.map((w) => w.close()));
      await queue.close();
    }
  });

  it('scores the partitions itself when no worker takes them, and says so', async () => {
    // Another copy of the same records: the coordinator alone, no worker on the queue.
    const queue = new BullJobQueue(redis, `${prefix}x`);
    const warnings: string[] = [];
    try {
      const report = await runBatchLoad(alone, {
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
      expect(await storeOutcome(alone)).toEqual(await storeOutcome(single));
    } finally {
      await queue.close();
    }
  });
});
