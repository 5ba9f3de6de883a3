import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';
import { startEmbeddedRedis } from '../../runtime/embedded-redis.js';
import { startThrowawayCluster } from '../../runtime/postgres-cluster.js';
import { rebuildStaleAdapterPackages } from '../../scripts/adapter-packages.mjs';

declare module 'vitest' {
  export interface ProvidedContext {
    databaseUrl: string;
    redisUrl: string;
  }
}

/**
 * Starts what the suite needs, once: a throwaway Postgres cluster unless
 * DATABASE_URL is set, and a private redis-server unless REDIS_URL is set.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  // packages/adapter-ngs loads from its compiled entry: built on install, again here when its sources changed.
  rebuildStaleAdapterPackages(fileURLToPath(new URL('../../', import.meta.url)));
  const stops: (() => unknown)[] = [];
  let databaseUrl = process.env.DATABASE_URL ?? '';
  if (!databaseUrl) {
    const cluster = await startThrowawayCluster();
    databaseUrl = cluster.url;
    stops.push(() => cluster.stop());
  }
  let redisUrl = process.env.REDIS_URL ?? '';
  if (!redisUrl) {
    const dir = mkdtempSync(join(tmpdir(), 'msix-redis-'));
    const redis = await startEmbeddedRedis(dir);
    redisUrl = redis.url;
    stops.push(async () => {
      await redis.stop();
      rmSync(dir, { recursive: true, force: true });
    });
  }
  project.provide('databaseUrl', databaseUrl);
  project.provide('redisUrl', redisUrl);
  return async () => {
    for (const stop of stops.reverse()) await stop();
  };
}
