import type { Db } from '../core/store/db.js';
import type { JobQueue } from '../core/jobs.js';
import type { Config } from '../runtime/config.js';

/** What the HTTP shell needs from the outside: the store, the queue and settings. */
export interface GatewayContext {
  db: Db;
  queue: JobQueue;
  config: Config;
}

declare module 'fastify' {
  interface FastifyInstance {
    ctx: GatewayContext;
  }
}
