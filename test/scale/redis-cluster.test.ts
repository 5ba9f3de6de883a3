import { afterAll, beforeAll, describe, expect, it } from 'vitest';
/**
 * The gateway and its workers on a three-node Redis Cluster (REDIS_MODE=cluster): a record submitted is queued,
 * taken by a worker and matched; every BullMQ key of the prefix lies in one hash slot (the `{prefix}` hash tag,
 * without which BullMQ's multi-key scripts fail with CROSSSLOT); the maintenance job schedulers exist; the rate
 * limit counters and the SIF signature replay guard work through the cluster client.
 */
import type { Cluster } from 'ioredis';
import { loadConfig } from '../../runtime/config.js';
import { createRedis, redisTarget, type RedisTarget } from '../../runtime/redis.js';
import { RedisReplayGuard } from '../../core/security/replay-guard.js';
import { asAdmin, asStateSystem } from '../support/auth.js';
import { sampleRecord } from '../support/records.js';
import { startLocalRedisCluster, type LocalRedisCluster } from '../support/redis-cluster.js';
import { eventually, startSystem, type TestSystem } from '../support/system.js';

let cluster: LocalRedisCluster;
let sys: TestSystem;
let target: RedisTarget;
let client: Cluster;
beforeAll(async () => {
  cluster = await startLocalRedisCluster();
  const config = loadConfig({
    REDIS_MODE: 'cluster',
    REDIS_NODES: cluster.nodes.map((n) => `${n.host}:${n.port}`).join(','),
  });
  target = redisTarget(config, '');
  client = createRedis(target) as Cluster;
  sys = await startSystem({ workers: true, redis: target });
});
afterAll(async () => {
  client?.disconnect();
  await sys?.close();
  await cluster?.stop();
});

/** Every key on every master of the cluster. */
async function allKeys(): Promise<string[]> {
  const keys: string[] = [];
  for (const node of client.nodes('master')) keys.push(...(await node.keys('*')));
  return keys;
}

describe('Redis Cluster (REDIS_MODE=cluster)', () => {
  it('queues a submitted record to a worker, which matches it, with all queue keys in one hash slot', async () => {
    const tx = await asStateSystem(sys, 'TX');
    const mi = await asStateSystem(sys, 'MI');
    const admin = await asAdmin(sys);
    const post = (as: typeof tx, state: string) =>
      as({
        method: 'POST',
        url: `/api/v1/states/${state}/records`,
        payload: [sampleRecord({ stateCode: state, stateStudentId: `${state}-1` })],
      });
    expect((await post(tx, 'TX')).statusCode).toBe(201);
    expect((await post(mi, 'MI')).statusCode).toBe(201);
    await eventually(async () => {
      const a = (await admin('/api/v1/states/TX/records/TX-1')).json().msixId as string | undefined;
      const b = (await admin('/api/v1/states/MI/records/MI-1')).json().msixId as string | undefined;
      return a && a === b;
    });

    const prefix = sys.queue.prefix;
    const keys = await allKeys();
    const queueKeys = keys.filter((k) => k.startsWith(`{${prefix}}:`));
    expect(queueKeys.some((k) => k.startsWith(`{${prefix}}:match:`))).toBe(true);
    expect(keys.filter((k) => k.startsWith(`${prefix}:`) && !k.startsWith(`${prefix}:ratelimit:`))).toEqual([]);
    const slots = new Set(await Promise.all(queueKeys.map((k) => client.cluster('KEYSLOT', k))));
    expect(slots.size).toBe(1);
    // The periodic passes are job schedulers, created by the workers at start.
    const schedulers = await sys.queue.queue('maintenance').getJobSchedulers();
    expect(schedulers.map((s) => s.key).sort()).toEqual(
      expect.arrayContaining(['exchange-sweep', 'move-notices', 'relay-intents']),
    );
    // The rate limit counted these requests in the cluster.
    expect(keys.some((k) => k.startsWith(`${prefix}:ratelimit:`))).toBe(true);
  });

  it('accepts a SIF signature once through the cluster (the replay guard)', async () => {
    const guard = new RedisReplayGuard(client, `${sys.queue.prefix}:ratelimit:sif-replay:`);
    expect(await guard.firstUse('signature-1', 60)).toBe(true);
    expect(await guard.firstUse('signature-1', 60)).toBe(false);
    expect(await guard.firstUse('signature-2', 60)).toBe(true);
  });
});
