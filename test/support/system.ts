import { inject } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../gateway/app.js';
import { loadConfig, type Config } from '../../runtime/config.js';
import { createLogger } from '../../runtime/logger.js';
import { BullJobQueue } from '../../runtime/queue.js';
import type { RedisTarget } from '../../runtime/redis.js';
import { startWorkers, type RunningWorkers } from '../../worker/index.js';
import { freshDb, queuePrefix, type StoreKind } from './db.js';
import type { Db } from '../../core/store/db.js';
import type { Clock } from '../../lib/ttl-cache.js';

export interface TestSystem {
  app: FastifyInstance;
  db: Db;
  queue: BullJobQueue;
  workers: RunningWorkers | null;
  config: Config;
  close(): Promise<void>;
}

/** The gateway (driven with inject) plus, optionally, real workers, on a fresh database and a private queue prefix. */
export async function startSystem(
  opts: {
    workers?: boolean;
    store?: StoreKind;
    env?: Record<string, string>;
    /** The clock of the gateway's and workers' in-process caches (see support/clock.ts). */
    cacheClock?: Clock;
    /** Another Redis than the suite's (a Sentinel or Cluster topology). */
    redis?: RedisTarget;
  } = {},
): Promise<TestSystem> {
  const { db, drop } = await freshDb(opts.store ?? 'postgres');
  // The state simulator listens on loopback: tests allow private addresses unless a test says otherwise.
  const config = loadConfig({
    LOG_LEVEL: 'silent',
    MATCH_SWEEP_MS: '1000',
    EXCHANGE_ALLOW_PRIVATE_ADDRESSES: 'true',
    ...opts.env,
  });
  const redis = opts.redis ?? inject('redisUrl');
  const prefix = queuePrefix();
  const queue = new BullJobQueue(redis, prefix);
  const logger = createLogger('silent');
  const clock = opts.cacheClock ? { cacheClock: opts.cacheClock } : {};
  const workers = opts.workers ? startWorkers({ db, queue, config, logger, ...clock }, redis, prefix) : null;
  // Rate limits in the suite's Redis, under this system's own prefix (as several gateway processes would share them).
  const app = await buildApp({
    db,
    queue,
    config,
    sharedLimits: { redis, prefix: `${prefix}:ratelimit:` },
    ...clock,
  });
  return {
    app,
    db,
    queue,
    workers,
    config,
    close: async () => {
      await app.close();
      await workers?.close();
      await queue.close();
      await drop();
    },
  };
}

/** Polls until `fn` returns a truthy value or the time runs out. */
export async function eventually<T>(
  fn: () => Promise<T | null | undefined | false>,
  timeoutMs = 15_000,
  stepMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, stepMs));
  }
}
