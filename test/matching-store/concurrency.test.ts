import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { freshDb, queuePrefix } from '../support/db.js';
import { eventually } from '../support/system.js';
import type { Db } from '../../core/store/db.js';
import { QUEUES, matchJobId } from '../../core/jobs.js';
import { BullJobQueue } from '../../runtime/queue.js';
import { loadConfig } from '../../runtime/config.js';
import { createLogger } from '../../runtime/logger.js';
import { startWorkers, type RunningWorkers } from '../../worker/index.js';
import { child, match, store } from './helpers.js';

/** Each child arrives from three states at once; returns record ids by child. */
async function arriveTogether(db: Db, children: number[], offset: number): Promise<Map<number, string[]>> {
  const byChild = new Map<number, string[]>();
  for (const n of children) {
    const ids: string[] = [];
    for (const [i, state] of (['TX', 'MI', 'FL'] as const).entries()) {
      const over = child(n, 0, state);
      // Same child, each state's own id and spelling of the first name's case.
      const r = await store(db, {
        ...over,
        stateStudentId: `${state}-${offset}-${n}`,
        identity: {
          ...over.identity,
          firstName: i === 1 ? over.identity!.firstName!.toUpperCase() : over.identity!.firstName!,
        },
      });
      ids.push(r.id);
    }
    byChild.set(n + offset, ids);
  }
  return byChild;
}

async function studentsOf(db: Db, ids: string[]): Promise<Set<string>> {
  const r = await db.query<{ msix_id: string }>('SELECT msix_id FROM links WHERE record_id = ANY($1::uuid[])', [ids]);
  expect(r.rows).toHaveLength(ids.length);
  return new Set(r.rows.map((x) => x.msix_id));
}

describe('two match jobs for one child at the same time never create two students (real Postgres)', () => {
  let db: Db;
  let drop: () => Promise<void>;
  beforeAll(async () => {
    ({ db, drop } = await freshDb('postgres'));
  });
  afterAll(async () => {
    await drop?.();
  });

  it('parallel matchRecord calls, every job twice, on ten connections', async () => {
    const children = Array.from({ length: 30 }, (_, i) => i);
    const byChild = await arriveTogether(db, children, 0);
    const jobs = [...byChild.values()].flat();
    const outcomes = await Promise.all([...jobs, ...jobs].sort(() => Math.random() - 0.5).map((id) => match(db, id)));
    expect(outcomes.filter((o) => o.kind === 'skipped')).toHaveLength(jobs.length);
    for (const ids of byChild.values()) expect((await studentsOf(db, ids)).size).toBe(1);
    const students = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM students');
    expect(students.rows[0]!.n).toBe(children.length);
  });

  describe('three BullMQ worker processes-worth of workers on one queue', () => {
    let queue: BullJobQueue;
    let workers: RunningWorkers[] = [];
    beforeAll(() => {
      const redisUrl = inject('redisUrl');
      const prefix = queuePrefix();
      const config = loadConfig({ LOG_LEVEL: 'silent', WORKER_CONCURRENCY: '6', MATCH_SWEEP_MS: '60000' });
      queue = new BullJobQueue(redisUrl, prefix);
      workers = [0, 1, 2].map(() =>
        startWorkers({ db, queue, config, logger: createLogger('silent') }, redisUrl, prefix),
      );
    });
    afterAll(async () => {
      await Promise.all(workers.map((w) => w.close()));
      await queue?.close();
    });

    it('links each child once when its three records are queued together', async () => {
      const byChild = await arriveTogether(
        db,
        Array.from({ length: 30 }, (_, i) => i + 30),
        1000,
      );
      const ids = [...byChild.values()].flat();
      await Promise.all(
        ids.map((recordId) =>
          queue.enqueue(QUEUES.match, { recordId, version: 1, traceId: 'bull' }, { jobId: matchJobId(recordId, 1) }),
        ),
      );
      await eventually(async () => {
        const r = await db.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM state_records WHERE id = ANY($1::uuid[]) AND match_status = 'pending'`,
          [ids],
        );
        return r.rows[0]!.n === 0;
      }, 60_000);
      for (const group of byChild.values()) expect((await studentsOf(db, group)).size).toBe(1);
    });
  });
});
