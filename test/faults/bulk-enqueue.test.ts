import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { enqueueIntents, matchIntent } from '../../core/job-intents.js';
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

  it('enqueues 1,200 intents in round trips of 500, each job once under its id', async () => {
    const intents = Array.from({ length: 1200 }, (_, i) =>
      matchIntent(`00000000-0000-4000-8000-${String(i).padStart(12, '0')}`, 1, 'bulk'),
    );
    const calls: number[] = [];
    const bulk = queue.enqueueMany.bind(queue);
    const counted = Object.assign(Object.create(queue) as BullJobQueue, {
      enqueueMany: (name: typeof QUEUES.match, jobs: readonly { payload: never; jobId: string }[]) => {
        calls.push(jobs.length);
        return bulk(name, jobs);
      },
    });
    expect(await enqueueIntents(counted, intents)).toBe(0);
    expect(calls).toEqual([500, 500, 200]);
    expect(await enqueueIntents(counted, intents.slice(0, 10))).toBe(0);
    const q = queue.queue(QUEUES.match);
    expect(await q.getJobCountByTypes('waiting', 'delayed', 'prioritized')).toBe(1200);
    const job = await q.getJob(intents[7]!.jobId);
    expect(job?.data).toEqual(intents[7]!.payload);
  });

  it('reports every intent as not enqueued when Redis does not answer', async () => {
    const down = new BullJobQueue('redis://127.0.0.1:1', { prefix: queuePrefix(), enqueueTimeoutMs: 300 });
    try {
      const intents = Array.from({ length: 3 }, (_, i) => matchIntent(`r${i}`, 1, 'down'));
      expect(await enqueueIntents(down, intents)).toBe(3);
    } finally {
      await down.close();
    }
  });
});
