import { afterAll, beforeAll, describe, expect, it } from 'vitest';
/**
 * Backup and restore as docs/operations.md#backups-and-restores tells an operator to do it: `pg_dump -Fc` of a
 * live gateway's database, the cluster's roles re-created on a new server (the audit purge function belongs to
 * msix_audit_purger, a role pg_dump does not carry), `pg_restore` into an empty database there. The restored
 * database holds the same rows, its audit chain verifies against the head published before the backup (what
 * `npm run audit-trail -- verify --anchor` checks), and it goes on working: migrations have nothing to do, new
 * audit events extend the chain, and the purge still runs as its own role.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inject } from 'vitest';
import { PgDb } from '../../core/store/pg.js';
import { migrate } from '../../core/store/migrate.js';
import { appendAudit } from '../../core/audit.js';
import { purgeAuditBefore, verifyAuditChain } from '../../core/security/audit-chain.js';
import type { Db } from '../../core/store/db.js';
import { pgBin, startThrowawayCluster, type ThrowawayCluster } from '../../runtime/postgres-cluster.js';
import { asAdmin, asStateSystem, type AuthedInject } from '../support/auth.js';
import { sampleRecord } from '../support/records.js';
import { eventually, startSystem, type TestSystem } from '../support/system.js';

let sys: TestSystem;
let target: ThrowawayCluster;
let restored: Db | undefined;
let dir: string;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'msix-backup-'));
  [sys, target] = await Promise.all([startSystem({ workers: true }), startThrowawayCluster()]);
});
afterAll(async () => {
  await restored?.close();
  await sys?.close();
  target?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** Runs a Postgres client program; its output, or a thrown error naming what it printed. */
function pg(program: string, args: string[], input?: string): string {
  const r = spawnSync(pgBin(program), args, { encoding: 'utf8', ...(input === undefined ? {} : { input }) });
  if (r.status !== 0) throw new Error(`${program} exited ${r.status}: ${r.stderr}`);
  return r.stdout;
}

/** A digest of every row of every table, by table: two databases with equal digests hold the same data. */
async function contents(db: Db): Promise<Record<string, { rows: number; md5: string }>> {
  const tables = await db.query<{ t: string }>(
    `SELECT tablename AS t FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename`,
  );
  const out: Record<string, { rows: number; md5: string }> = {};
  for (const { t } of tables.rows) {
    const r = await db.query<{ rows: number; md5: string | null }>(
      `SELECT count(*)::int AS rows, md5(string_agg(x::text, '|' ORDER BY x::text)) AS md5 FROM "${t}" x`,
    );
    out[t] = { rows: r.rows[0]!.rows, md5: r.rows[0]!.md5 ?? '' };
  }
  return out;
}

describe('backup and restore (pg_dump, pg_restore into a new cluster)', () => {
  it('restores every row, and the audit chain verifies against the head published before the backup', async () => {
    const tx: AuthedInject = await asStateSystem(sys, 'TX');
    const mi: AuthedInject = await asStateSystem(sys, 'MI');
    const admin = await asAdmin(sys);
    const post = (as: AuthedInject, state: string, id: string) =>
      as({
        method: 'POST',
        url: `/api/v1/states/${state}/records`,
        payload: [sampleRecord({ stateCode: state, stateStudentId: id })],
      });
    expect((await post(tx, 'TX', 'TX-1')).statusCode).toBe(201);
    expect((await post(mi, 'MI', 'MI-1')).statusCode).toBe(201);
    const msixId = await eventually(async () => {
      const a = (await admin('/api/v1/states/TX/records/TX-1')).json().msixId as string | undefined;
      const b = (await admin('/api/v1/states/MI/records/MI-1')).json().msixId as string | undefined;
      return a && a === b ? a : null;
    });
    // A disclosure (audited), and two events old enough for the purge to take after the restore.
    expect((await tx(`/api/v1/students/${msixId}`)).statusCode).toBe(200);
    const actor = { id: 'operator:test', state: null, roles: ['admin'] };
    const fortyDaysAgo = () => Date.now() - 40 * 86_400_000;
    for (let i = 0; i < 2; i++)
      await appendAudit(sys.db, { actor, action: 'student.read', fields: ['*'] }, fortyDaysAgo);
    await sys.workers!.close();
    const head = (await sys.app.inject('/api/v1/audit/head')).json() as { seq: number; hash: string };
    expect(head.seq).toBeGreaterThan(3);
    const before = await contents(sys.db);
    expect(before.state_records!.rows).toBe(2);

    const source = new URL(inject('databaseUrl'));
    source.pathname = `/${(await sys.db.query<{ d: string }>('SELECT current_database() AS d')).rows[0]!.d}`;
    const dump = join(dir, 'msix.dump');
    pg('pg_dump', ['--format=custom', `--file=${dump}`, source.toString()]);
    const roles = pg('pg_dumpall', ['--roles-only', `--dbname=${source.toString()}`]);

    const targetUrl = new URL(target.url);
    targetUrl.pathname = '/msix';
    pg('createdb', [`--maintenance-db=${target.url}`, 'msix']);
    // Without the cluster's roles the restore stops: the audit purge function belongs to msix_audit_purger.
    expect(() =>
      pg('pg_restore', ['--exit-on-error', '--single-transaction', '-d', targetUrl.toString(), dump]),
    ).toThrow(/msix_audit_purger/);
    // Roles that exist already (postgres) are reported and skipped: no ON_ERROR_STOP.
    pg('psql', ['--quiet', '--no-psqlrc', target.url], roles);
    pg('pg_restore', ['--exit-on-error', '--single-transaction', '-d', targetUrl.toString(), dump]);

    restored = new PgDb(targetUrl.toString());
    expect(await contents(restored)).toEqual(before);
    expect(await migrate(restored)).toEqual([]);
    expect(await verifyAuditChain(restored, [head])).toMatchObject({ kind: 'intact', lastSeq: head.seq });

    // The restored database goes on: the chain grows from the restored head, the purge runs as its own role.
    await appendAudit(restored, { actor, action: 'student.read', msixId, fields: ['identity'] });
    const purged = await purgeAuditBefore(restored, new Date(Date.now() - 35 * 86_400_000), { id: 'operator:test' });
    expect(purged).toMatchObject({ kind: 'purged' });
    expect(await verifyAuditChain(restored, [head])).toMatchObject({ kind: 'intact', startedFrom: 'checkpoint' });
  });
});
