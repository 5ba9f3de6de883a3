import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAINTENANCE_TASKS, QUEUES } from '../../core/jobs.js';
import { eventually, startSystem, type TestSystem } from '../support/system.js';

/**
 * Issue 18 (found by the soak): a Redis restored empty lost the maintenance schedulers, which workers created only
 * at start, so the recovery pass stopped until some worker restarted and records accepted meanwhile stayed pending.
 * Every worker now puts back the schedulers that are missing once per sweep period, and leaves live ones alone (an
 * upsert would move a longer pass's next run each time it is checked).
 */
describe('maintenance schedulers lost with the queue data', () => {
  let sys: TestSystem;
  beforeAll(async () => {
    sys = await startSystem({ workers: true, env: { EXCHANGE_SWEEP_MS: '600000' } });
  });
  afterAll(async () => sys?.close());

  const maintenance = () => sys.queue.queue(QUEUES.maintenance);
  const expected = [
    MAINTENANCE_TASKS.relay,
    MAINTENANCE_TASKS.moveNotices,
    MAINTENANCE_TASKS.exchangeSweep,
    MAINTENANCE_TASKS.auditHead,
  ];

  it('leaves live schedulers as they are, and creates the missing ones again without a worker restart', async () => {
    const sweep = await eventually(() => maintenance().getJobScheduler(MAINTENANCE_TASKS.exchangeSweep));
    expect(sweep.every).toBe(600_000);
    for (const task of expected) expect(await maintenance().getJobScheduler(task), task).toBeDefined();

    // Checked while all are live: nothing is created and the ten-minute pass keeps its next run.
    expect(await sys.workers!.ensureSchedules()).toBe(0);
    expect((await maintenance().getJobScheduler(MAINTENANCE_TASKS.exchangeSweep))?.next).toBe(sweep.next);

    // The queue's data is gone, as after a restart of a Redis without persistence.
    await maintenance().obliterate({ force: true });
    for (const task of expected) expect(await maintenance().getJobScheduler(task), task).toBeUndefined();

    expect(await sys.workers!.ensureSchedules()).toBe(expected.length);
    for (const task of expected) expect((await maintenance().getJobScheduler(task))?.every, task).toBeGreaterThan(0);
    expect((await maintenance().getJobScheduler(MAINTENANCE_TASKS.relay))?.every).toBe(sys.config.MATCH_SWEEP_MS);
  });
});
