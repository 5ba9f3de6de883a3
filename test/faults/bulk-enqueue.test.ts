import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { enqueueIntents, enqueueIntentsGrouped, matchIntent } from '../../core/job-intents.js';
import { QUEUES } from '../../core/jobs.js';
import { BullJobQueue } from '../../runtime/queue.js';
import { queuePrefix } from '../support/db.js';

/**
 * Follow-up work of a many-record write is enqueued in bulk (issue 15, multi-create speed): BullJobQueue takes up
 * to 500 jobs of a queue in one round trip (addBulk), each under its own job id, so enqueueing twice is still one job
 * each; with Redis unreachable every intent is reported as not enqueued (the recovery pass has them).
 */
describe('bulk enqueue of job intents', () => {
  let queue: BullJobQueue;
  beforeAll(() => {
    queue = new BullJobQueue(inject('redisUrl'), queuePrefix());
  });
  afterAll(async () => {
    await queue.close();
  });

  /** The real queue, with the size of each bulk round trip it is asked for recorded in `calls`. */
  const countingBulk = () => {
    const calls: number[] = [];
    const bulk = queue.enqueueMany.bind(queue);
    const counted = Object.assign(Object.create(queue) as BullJobQueue, {
      enqueueMany: (name: typeof QUEUES.match, jobs: readonly { payload: never; jobId: string }[]) => {
        calls.push(jobs.length);
        return bulk(name, jobs);
      },
    });
    return { counted, calls };
  };

  it('enqueues 1,200 intents in round trips of 500, each job once under its id', async () => {
    const intents = Array.from({ length: 1200 }, (_, i) =>
      matchIntent(`00000000-0000-4000-8000-${String(i).padStart(12, '0')}`, 1, 'bulk'),
    );
    const { counted, calls } = countingBulk();
    expect(await enqueueIntents(counted, intents)).toBe(0);
    expect(calls).toEqual([500, 500, 200]);
    expect(await enqueueIntents(counted, intents.slice(0, 10))).toBe(0);
    const q = queue.queue(QUEUES.match);
    expect(await q.getJobCountByTypes('waiting', 'delayed', 'prioritized')).toBe(1200);
    const job = await q.getJob(intents[7]!.jobId);
    expect(job?.data).toEqual(intents[7]!.payload);
  });

  it('groups the enqueues of concurrent writers: one job each, fewer round trips, each told of its own', async () => {
    const { counted, calls } = countingBulk();
    const intents = Array.from({ length: 40 }, (_, i) =>
      matchIntent(`00000000-0000-4000-9000-${String(i).padStart(12, '0')}`, 1, 'grouped'),
    );
    const failed = await Promise.all(intents.map((x) => enqueueIntentsGrouped(counted, [x])));
    expect(failed).toEqual(intents.map(() => 0));
    // The first goes alone; the 39 that arrive while it runs go together.
    expect(calls).toEqual([1, 39]);
    const q = queue.queue(QUEUES.match);
    for (const x of [intents[0]!, intents[39]!]) expect((await q.getJob(x.jobId))?.data).toEqual(x.payload);
  });

  it('reports every intent as not enqueued when Redis does not answer', async () => {
    const down = new BullJobQueue('redis://127.0.0.1:1', { prefix: queuePrefix(), enqueueTimeoutMs: 300 });
    try {
      const intents = Array.from({ length: 3 }, (_, i) => matchIntent(`r${i}`, 1, 'down'));
      expect(await enqueueIntents(down, intents)).toBe(3);
      // Grouped, each caller learns that its own intent is not enqueued (it records it for the recovery pass).
      expect(await Promise.all(intents.map((x) => enqueueIntentsGrouped(down, [x])))).toEqual([1, 1, 1]);
    } finally {
      await down.close();
    }
  });
});
