import { afterAll, beforeAll, describe, expect, it } from 'vitest';
/**
 * REDIS_MODE=sentinel: the queue and a BullMQ worker find the master through a sentinel (one redis-server and one
 * sentinel on loopback) and a job goes through; the rate-limit and replay-guard client (createRedis) does too.
 */
import type { Worker } from 'bullmq';
import { loadConfig } from '../../runtime/config.js';
import { BullJobQueue, startQueueWorker } from '../../runtime/queue.js';
import { createRedis, describeRedis, redisTarget, type RedisTarget } from '../../runtime/redis.js';
import { queuePrefix } from '../support/db.js';
import { startLocalSentinel, type LocalSentinel } from '../support/redis-cluster.js';
import { eventually } from '../support/system.js';

let sentinel: LocalSentinel;
let target: RedisTarget;
let queue: BullJobQueue;
let worker: Worker | undefined;
beforeAll(async () => {
  sentinel = await startLocalSentinel();
  target = redisTarget(
    loadConfig({
      REDIS_MODE: 'sentinel',
      REDIS_NODES: sentinel.sentinels.map((s) => `${s.host}:${s.port}`).join(','),
      REDIS_SENTINEL_NAME: sentinel.masterName,
    }),
    '',
  );
  queue = new BullJobQueue(target, queuePrefix());
});
afterAll(async () => {
  await worker?.close();
  await queue?.close();
  await sentinel?.stop();
});

describe('Redis Sentinel (REDIS_MODE=sentinel)', () => {
  it('runs a queued job through the master the sentinel names', async () => {
    expect(describeRedis(target)).toBe(
      `sentinel msixtest via ${sentinel.sentinels[0]!.host}:${sentinel.sentinels[0]!.port}`,
    );
    // The producer connection has no offline queue: ping fails until the sentinel has named the master.
    await eventually(() => queue.ping());
    const seen: string[] = [];
    worker = startQueueWorker(
      target,
      'maintenance',
      async (job) => {
        seen.push(job.data.task);
      },
      { concurrency: 1, prefix: queue.prefix },
    );
    await queue.enqueue('maintenance', { task: 'relay-intents' }, { jobId: 'sentinel-1' });
    await eventually(async () => seen.length === 1);
    expect(seen).toEqual(['relay-intents']);
    const client = createRedis(target, { maxRetriesPerRequest: 1 });
    try {
      expect(await client.set('sentinel-check', '1', 'EX', 10, 'NX')).toBe('OK');
      expect(await client.set('sentinel-check', '1', 'EX', 10, 'NX')).toBe(null);
    } finally {
      client.disconnect();
    }
  });
});
