import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { startEmbeddedRedis } from '../../runtime/embedded-redis.js';
import { startThrowawayCluster } from '../../runtime/postgres-cluster.js';

export interface BenchInfra {
  /** A fresh, empty database named after the bench. */
  databaseUrl: string;
  redisUrl: string;
  pgVersion: string;
  /** Everything started here, to stop in reverse order (callers may push more). */
  stops: (() => unknown)[];
}

/**
 * What a bench stands on, the same way the tests get it: DATABASE_URL and
 * REDIS_URL when set, otherwise a throwaway Postgres cluster and a private
 * redis-server; then a fresh database for this bench.
 */
export async function benchInfrastructure(name: string): Promise<BenchInfra> {
  const stops: (() => unknown)[] = [];
  let serverUrl = process.env.DATABASE_URL ?? '';
  if (!serverUrl) {
    const c = await startThrowawayCluster();
    stops.push(() => c.stop());
    serverUrl = c.url;
  }
  let redisUrl = process.env.REDIS_URL ?? '';
  if (!redisUrl) {
    const dir = mkdtempSync(join(tmpdir(), `${name}-redis-`));
    const r = await startEmbeddedRedis(dir);
    stops.push(async () => {
      await r.stop();
      rmSync(dir, { recursive: true, force: true });
    });
    redisUrl = r.url;
  }
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  const pgVersion = (await admin.query<{ server_version: string }>('SHOW server_version')).rows[0]!.server_version;
  await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return { databaseUrl: url.toString(), redisUrl, pgVersion, stops };
}
