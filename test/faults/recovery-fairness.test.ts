import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { matchIntent, recordIntents, relayIntents } from '../../core/job-intents.js';
import { applyStateRecords } from '../../core/records.js';
import type { Db } from '../../core/store/db.js';
import { loadConfig } from '../../runtime/config.js';
import { createLogger } from '../../runtime/logger.js';
import { BullJobQueue } from '../../runtime/queue.js';
import { CODESET_VERSION } from '@msix/adapter-sdk/canonical';
import { startWorkers, type RunningWorkers } from '../../worker/index.js';
import { freshDb, queuePrefix } from '../support/db.js';
import { allMatched, children } from './support.js';

/**
 * Issue 17, fault 3: the sweeper always took the oldest 1,000 pending records, so once 1,000 were stuck a
 * newer one was never swept. The recovery pass now takes the longest-untouched intents and moves each to the
 * back after looking at it: with 1,000 stuck ahead, a new record's lost job is enqueued within
 * ceil(1,001 / pass size) passes.
 */
describe('1,000 stuck records plus one new one', () => {
  let db: Db;
  let drop: () => Promise<void>;
  let queue: BullJobQueue;
  let workers: RunningWorkers | null = null;
  beforeAll(async () => {
    ({ db, drop } = await freshDb('postgres'));
    queue = new BullJobQueue(inject('redisUrl'), queuePrefix());
  });
  afterAll(async () => {
    await workers?.close();
    await queue.close();
    await drop();
  });

  /** Stores records as the write path does, with their match intents, in one transaction. */
  async function store(tag: string, count: number) {
    const records = children('TX', tag, count, 3);
    const outcomes = await db.transaction(async (tx) => {
      const outs = await applyStateRecords(
        tx,
        records.map((record) => ({ record, codesetVersion: CODESET_VERSION })),
        null,
      );
      await recordIntents(
        tx,
        outs.map((o) => matchIntent(o.recordId!, o.version, `trace-${tag}`)),
      );
      return outs;
    });
    return { ids: records.map((r) => r.stateStudentId), outcomes };
  }

  it('enqueues the new record within a bounded number of passes, and then every record is matched once', async () => {
    const stuck = await store('stuck', 1000);
    // Their jobs exist but cannot finish yet (backing off for an hour): every pass finds them queued.
    for (const o of stuck.outcomes)
      await queue.enqueue(
        'match',
        { recordId: o.recordId!, version: o.version, traceId: 't' },
        {
          jobId: matchIntent(o.recordId!, o.version, 't').jobId,
          delayMs: 3_600_000,
        },
      );
    await db.query("UPDATE job_intents SET due_at = now() - interval '1 hour'");
    // The new record's job was lost (Redis went away after the commit).
    const fresh = await store('new', 1);
    await db.query(
      "UPDATE job_intents SET due_at = now() - interval '1 minute' WHERE payload->>'traceId' = 'trace-new'",
    );

    const passes: number[] = [];
    for (let pass = 1; pass <= 3; pass++) {
      const r = await relayIntents(db, queue, { graceMs: 0, pageSize: 250, maxPerPass: 500 });
      passes.push(r.added);
      if (r.added) break;
    }
    expect(passes).toEqual([0, 0, 1]);
    const job = await queue.queue('match').getJob(matchIntent(fresh.outcomes[0]!.recordId!, 1, 'x').jobId);
    expect(await job!.getState()).toBe('waiting');

    // A worker now matches the new one at once, and all of them when their delay is over.
    const config = loadConfig({ LOG_LEVEL: 'silent', MATCH_SWEEP_MS: '60000' });
    workers = startWorkers({ db, queue, config, logger: createLogger('silent') }, inject('redisUrl'), queue.prefix);
    await allMatched(db, 'TX', fresh.ids, 30_000);
    await queue.queue('match').promoteJobs();
    await allMatched(db, 'TX', stuck.ids, 120_000);
    const left = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM job_intents');
    expect(left.rows[0]!.n).toBe(0);
  }, 180_000);
});
