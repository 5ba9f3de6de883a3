import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redisOptions } from '../../runtime/redis.js';
import { checkAccepted, children, startFaultWorld, until, write, type FaultWorld, type Proc } from './support.js';

/**
 * Issue 17, faults 2 and 6: Postgres down longer than the match jobs' whole retry budget (here 3 attempts,
 * 100 ms backoff, the same code as production's 8 attempts and 1 s). Before the fix the failed jobs were
 * never re-run (the sweeper re-added the same job id, which BullMQ ignores), and the gateway answered 500.
 */
describe('Postgres down longer than the retry budget', () => {
  let w: FaultWorld;
  let gateway: Proc;
  let worker: Proc;
  let match: Queue;
  beforeAll(async () => {
    w = await startFaultWorld({ ownPostgres: true });
    [gateway, worker] = await Promise.all([w.start('gateway'), w.start('worker')]);
    match = new Queue('match', { connection: redisOptions(w.redisUrl), prefix: w.prefix });
  });
  afterAll(async () => {
    await match?.close();
    await w?.close();
  });

  it('answers 503 with Retry-After while it is down, and matches every accepted record once it is back', async () => {
    const token = await w.token(gateway, 'TX');
    const records = children('TX', 'outage', 60, 5);
    // The match jobs wait (paused) so that they all run during the outage.
    await match.pause();
    expect((await write(gateway, token, records)).status).toBe(201);
    w.postgres!.pause();

    const refused = await write(gateway, token, children('TX', 'refused', 2, 6));
    expect(refused.status).toBe(503);
    expect(refused.body.code).toBe('GW_ERR_UNAVAILABLE');
    const ready = await fetch(`${gateway.base}/health/ready`);
    expect(ready.status).toBe(503);
    expect(ready.headers.get('retry-after')).toBe('5');
    expect(((await ready.json()) as { down: string[] }).down).toEqual(['postgres']);

    // A worker started now waits for Postgres instead of exiting.
    const late = w.start('worker');
    await match.resume();
    await until('every match job failed all its attempts', async () => {
      const c = await match.getJobCounts('failed');
      return c.failed === records.length;
    });
    expect(worker.output()).toContain('job failed all its attempts');
    expect(worker.output()).toContain('postgres is unavailable');
    w.postgres!.resume();

    await checkAccepted(
      w.db,
      'TX',
      records.map((r) => r.stateStudentId),
    );
    await late;
    expect([gateway, worker].every((p) => p.alive())).toBe(true);
    // The refused write stored nothing.
    const none = await w.db.query("SELECT 1 FROM state_records WHERE state_student_id LIKE 'refused-%'");
    expect(none.rowCount).toBe(0);
  }, 180_000);
});
