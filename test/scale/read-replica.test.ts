import { afterAll, beforeAll, describe, expect, it } from 'vitest';
/**
 * DATABASE_READ_URL on a real streaming replica (pg_basebackup -R from a primary of its own): the child-count
 * report reads the replica. With the replica's replay paused, children added on the primary are not counted yet
 * (the read went to the replica, not the primary); once replay resumes, they are.
 */
import type { FastifyInstance } from 'fastify';
import { inject } from 'vitest';
import { buildApp } from '../../gateway/app.js';
import { migrate } from '../../core/store/migrate.js';
import { ensureStates } from '../../core/states.js';
import { PgDb } from '../../core/store/pg.js';
import { loadConfig } from '../../runtime/config.js';
import { BullJobQueue } from '../../runtime/queue.js';
import { startThrowawayCluster, type ThrowawayCluster } from '../../runtime/postgres-cluster.js';
import { injectAs, type AuthedInject } from '../support/auth.js';
import { queuePrefix } from '../support/db.js';
import { eventually } from '../support/system.js';

let primary: ThrowawayCluster;
let replica: ThrowawayCluster;
let db: PgDb;
let readDb: PgDb;
let queue: BullJobQueue;
let app: FastifyInstance;
let federal: AuthedInject;
beforeAll(async () => {
  primary = await startThrowawayCluster();
  db = new PgDb(primary.url);
  await migrate(db);
  await ensureStates(db);
  replica = await primary.replica();
  readDb = new PgDb(replica.url);
  queue = new BullJobQueue(inject('redisUrl'), queuePrefix());
  app = await buildApp({ db, readDb, queue, config: loadConfig({ LOG_LEVEL: 'silent' }) });
  federal = await injectAs({ app, db }, { state: null, roles: ['federal'] });
});
afterAll(async () => {
  await app?.close();
  await queue?.close();
  await readDb?.close();
  await db?.close();
  replica?.stop();
  primary?.stop();
});

let next = 100_000_000_001;
/** Children who arrived in Texas this year, written on the primary. */
async function arrive(n: number): Promise<void> {
  for (let i = 0; i < n; i++)
    await db.query(`INSERT INTO students (msix_id, view) VALUES ($1, $2)`, [
      String(next++),
      { qualifyingMoves: [{ stateCode: 'TX', qualifyingArrivalDate: '2026-09-01' }] },
    ]);
}

/**
 * Waits until the replica has replayed everything the primary wrote so far (the insert position: the throwaway
 * cluster commits asynchronously, so the last commits may not be written yet).
 */
async function replicated(): Promise<void> {
  const lsn = (await db.query<{ l: string }>('SELECT pg_current_wal_insert_lsn()::text AS l')).rows[0]!.l;
  await eventually(
    async () =>
      (await readDb.query<{ ok: boolean }>('SELECT pg_last_wal_replay_lsn() >= $1::pg_lsn AS ok', [lsn])).rows[0]!.ok,
  );
}

const texas = async () => {
  const r = await federal('/api/v1/reports/child-counts?from=2026-01-01&to=2026-12-31');
  expect(r.statusCode, r.body).toBe(200);
  return (r.json().rows as { state: string; children: number | null }[]).find((x) => x.state === 'TX')?.children;
};

describe('read replica (DATABASE_READ_URL)', () => {
  it('serves the child counts from the replica, a moment behind the primary', async () => {
    expect((await readDb.query<{ r: boolean }>('SELECT pg_is_in_recovery() AS r')).rows[0]!.r).toBe(true);
    await arrive(6);
    await replicated();
    expect(await texas()).toBe(6);

    await readDb.query('SELECT pg_wal_replay_pause()');
    await arrive(4);
    expect(await texas()).toBe(6);
    await readDb.query('SELECT pg_wal_replay_resume()');
    await eventually(async () => (await texas()) === 10);
  });
});
