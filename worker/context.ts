import type { Db } from '../core/store/db.js';
import type { BullJobQueue } from '../runtime/queue.js';
import type { Config } from '../runtime/config.js';
import type { Logger } from '../runtime/logger.js';
import type { Clock } from '../lib/ttl-cache.js';

/** What every processor gets: the store, a way to enqueue follow-up jobs, settings and a logger. */
export interface WorkerContext {
  db: Db;
  queue: BullJobQueue;
  config: Config;
  logger: Logger;
  /** The clock of the in-process caches (Date.now by default); tests move it forward instead of sleeping. */
  cacheClock?: Clock;
}
