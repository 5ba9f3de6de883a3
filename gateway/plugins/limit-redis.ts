import type { Cluster, Redis } from 'ioredis';
import type { FastifyBaseLogger } from 'fastify';
import { createRedis, type RedisTarget } from '../../runtime/redis.js';

/** Where the rate-limit counters live so that every gateway process shares them. */
export interface SharedLimits {
  /** The Redis the gateways share (the queue's Redis): a server's URL, or its Sentinel or Cluster topology. */
  redis: RedisTarget;
  /** Prefix of every counter key, e.g. `msix:ratelimit:`. */
  prefix: string;
}

/** How long a counter may take before the request goes on without it (Redis answers in well under a millisecond). */
const COMMAND_TIMEOUT_MS = 1000;
/** How long buildApp waits for the first connection before serving anyway. */
const READY_WAIT_MS = 3000;

/**
 * A Redis connection for the rate-limit counters. Unlike the queue's
 * connection it fails fast: no offline queue and a command timeout, so when
 * Redis is down a request is not held waiting for a counter (the limiter is
 * registered with skipOnError and lets it through). One warning per outage,
 * one line when it is back.
 */
export async function connectLimitRedis(
  limits: SharedLimits,
  log: Pick<FastifyBaseLogger, 'warn' | 'info'>,
): Promise<Redis | Cluster> {
  const redis = createRedis(limits.redis, {
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
    commandTimeout: COMMAND_TIMEOUT_MS,
    connectTimeout: READY_WAIT_MS,
  });
  let down = false;
  redis.on('error', (err: Error) => {
    if (down) return;
    down = true;
    log.warn({ err }, 'rate-limit Redis unreachable: rate limits are not enforced until it is back');
  });
  redis.on('ready', () => {
    if (!down) return;
    down = false;
    log.info('rate-limit Redis is back: rate limits are shared and enforced again');
  });
  // Wait for the first connection so the first requests are counted; a Redis that is down does not stop the gateway.
  await new Promise<void>((resolve) => {
    const done = () => {
      clearTimeout(t);
      redis.off('ready', done);
      redis.off('error', done);
      resolve();
    };
    const t = setTimeout(done, READY_WAIT_MS);
    t.unref();
    redis.once('ready', done);
    redis.once('error', done);
  });
  return redis;
}
