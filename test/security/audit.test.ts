import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { STORE_KINDS, freshDb } from '../support/db.js';
import type { Db } from '../../core/store/db.js';
import { appendAudit, auditDecision, auditSignIn } from '../../core/audit.js';
import {
  auditHead,
  exportAudit,
  parseAnchor,
  parseExportLine,
  purgeAuditBefore,
  verifyAuditChain,
  verifyRows,
  type AuditRow,
} from '../../core/security/audit-chain.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

describe.each(STORE_KINDS)('audit trail on %s', (kind) => {
  let db: Db;
  let drop: () => Promise<void>;
  let url: string | undefined;
  beforeAll(async () => {
    ({ db, drop, url } = await freshDb(kind));
  });
  afterAll(async () => {
    await drop?.();
  });

  const actor = { id: 'tx_client', state: 'TX', roles: ['state-system'] };

  it('verifies an intact chain whatever the key order of details (jsonb reorders keys)', async () => {
    await appendAudit(db, {
      actor,
      action: 'student.read',
      msixId: '100000000008',
      fields: ['identity', 'enrollments'],
      reason: 'the child has a TX record',
      details: { zeta: 1, alpha: { b: 2, a: 1 }, route: '/x' },
    });
    await auditDecision(db, {
      actor: { id: 'oidc:dana', state: 'TX', roles: ['data-admin'] },
      decision: 'merge',
      msixIds: ['100000000008', '200000000006'],
      reason: 'worklist item 42',
    });
    await auditSignIn(db, {
      actor: { id: 'oidc:teresa', state: 'TX', roles: ['counselor'] },
      event: 'signin',
      outcome: 'success',
      method: 'oidc',
    });
    const r = await verifyAuditChain(db);
    expect(r).toMatchObject({ kind: 'intact', rows: 3, startedFrom: 'genesis' });
    const decision = await db.query<{ action: string; msix_id: string }>(
      `SELECT action, msix_id FROM audit_events WHERE action LIKE 'decision.%'`,
    );
    expect(decision.rows).toEqual([{ action: 'decision.merge', msix_id: '100000000008' }]);
  });

  it('refuses updates, deletes and truncation of audit rows in the database itself', async () => {
    await expect(db.query(`UPDATE audit_events SET reason = 'nothing to see' WHERE seq = 1`)).rejects.toThrow(
      /append-only/,
    );
    await expect(db.query('DELETE FROM audit_events WHERE seq = 1')).rejects.toThrow(/append-only/);
    await expect(db.query('TRUNCATE audit_events')).rejects.toThrow(/append-only/);
  });

  it('shows a changed row, and a removed row, in an export', async () => {
    const rows: AuditRow[] = [];
    for await (const line of exportAudit(db, 'jsonl')) rows.push(parseExportLine(line)!);
    expect((await verifyRows(rows, rows[0]!.prev_hash, 'genesis')).kind).toBe('intact');
    const changed = rows.map((r) => (r.seq === rows[1]!.seq ? { ...r, reason: 'edited' } : r));
    expect(await verifyRows(changed, rows[0]!.prev_hash, 'genesis')).toMatchObject({
      kind: 'broken',
      breaks: [{ seq: rows[1]!.seq, problem: 'hash' }],
    });
    const removed = rows.filter((r) => r.seq !== rows[1]!.seq);
    expect(await verifyRows(removed, rows[0]!.prev_hash, 'genesis')).toMatchObject({
      kind: 'broken',
      breaks: [{ seq: rows[2]!.seq, problem: 'prev-hash' }],
    });
    const csv: string[] = [];
    for await (const line of exportAudit(db, 'csv')) csv.push(line);
    expect(csv[0]).toMatch(/^seq,at,actor/);
    expect(csv.length).toBe(rows.length + 1);
  });

  it('lets no session delete rows by setting the old purge flag, nor write a checkpoint (finding 13)', async () => {
    const head = await auditHead(db);
    // Before: a session that set msix.audit_purge could delete the newest rows undetected.
    await expect(
      db.transaction(async (tx) => {
        await tx.query(`SELECT set_config('msix.audit_purge', 'on', true)`);
        await tx.query('DELETE FROM audit_events WHERE seq = $1', [head.seq]);
      }),
    ).rejects.toThrow(/append-only/);
    await expect(
      db.query(
        `INSERT INTO audit_checkpoints (through_seq, through_hash, through_at, purged_rows, actor)
         VALUES ($1, $2, now(), 0, 'me')`,
        [head.seq, head.hash],
      ),
    ).rejects.toThrow(/only by audit_purge/);
    // The purge function keeps the last 30 days, whoever calls it.
    await expect(db.query(`SELECT * FROM audit_purge(now(), 'me')`)).rejects.toThrow(/keeps the last 30 days/);
    expect((await auditHead(db)).seq).toBe(head.seq);
  });

  it('purges old rows through audit_purge() with a checkpoint, the rest verifies against anchors', async () => {
    const day = 86_400_000;
    const old = () => Date.now() - 40 * day;
    for (let i = 0; i < 3; i++) await appendAudit(db, { actor, action: 'student.read', fields: ['*'] }, old);
    const anchor = await auditHead(db);
    await appendAudit(db, { actor, action: 'student.read', msixId: '100000000008', fields: ['*'] });
    const p = await purgeAuditBefore(db, new Date(Date.now() - 35 * day), { id: 'operator:test' });
    // Every row older than the cut goes (the three aged ones come last, so everything up to them).
    expect(p).toMatchObject({ kind: 'purged', throughSeq: anchor.seq, throughHash: anchor.hash });
    const r = await verifyAuditChain(db, [anchor]);
    expect(r).toMatchObject({ kind: 'intact', rows: 2, startedFrom: 'checkpoint' });
    const last = await db.query<{ action: string }>('SELECT action FROM audit_events ORDER BY seq DESC LIMIT 1');
    expect(last.rows[0]!.action).toBe('audit.purged');
    expect((await auditHead(db)).checkpoint).toEqual({ throughSeq: anchor.seq, throughHash: anchor.hash });
  });

  it('detects a removed tail against a published head, and a checkpoint nobody recorded', async () => {
    for (let i = 0; i < 3; i++) await appendAudit(db, { actor, action: 'student.read', fields: ['*'] });
    const published = await auditHead(db);
    expect(parseAnchor(`${published.seq}:${published.hash}`)).toEqual({ seq: published.seq, hash: published.hash });
    expect(parseAnchor(JSON.stringify({ msg: 'audit chain head', audit: published }))).toMatchObject({
      seq: published.seq,
    });
    expect(await verifyAuditChain(db, [published])).toMatchObject({ kind: 'intact' });
    // Someone with the owner's rights switches the guard off and removes the two newest rows: the chain that remains
    // is consistent in itself, so only the published head shows it.
    await db.exec('ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only');
    await db.query('DELETE FROM audit_events WHERE seq > $1', [published.seq - 2]);
    await db.exec('ALTER TABLE audit_events ENABLE TRIGGER audit_events_append_only');
    expect(await verifyAuditChain(db)).toMatchObject({ kind: 'intact' });
    expect(await verifyAuditChain(db, [published])).toMatchObject({
      kind: 'broken',
      breaks: [{ seq: published.seq, problem: 'truncated' }],
    });
    if (url) {
      // The operator's command says so too, with exit code 2.
      const cli = spawnSync(
        process.execPath,
        ['--import', 'tsx', 'scripts/audit.ts', 'verify', '--anchor', `${published.seq}:${published.hash}`],
        { cwd: ROOT, env: { ...process.env, DATABASE_URL: url }, encoding: 'utf8' },
      );
      expect(cli.status, cli.stderr).toBe(2);
      expect(cli.stdout).toContain(`seq ${published.seq}: the published anchor is past the end of the chain`);
    }
    // Rows appended after the cut do not hide it: the anchor's seq is gone, or holds another hash.
    await appendAudit(db, { actor, action: 'student.read', fields: ['*'] });
    await appendAudit(db, { actor, action: 'student.read', fields: ['*'] });
    await appendAudit(db, { actor, action: 'student.read', fields: ['*'] });
    expect(await verifyAuditChain(db, [published])).toMatchObject({ kind: 'broken', breaks: [{ problem: 'anchor' }] });

    // A checkpoint slipped in past the guard, to start the chain later: no audit.purged event vouches for it.
    const h = await auditHead(db);
    await db.exec('ALTER TABLE audit_checkpoints DISABLE TRIGGER audit_checkpoints_guarded');
    await db.query(
      `INSERT INTO audit_checkpoints (through_seq, through_hash, through_at, purged_rows, actor)
       VALUES ($1, $2, now(), 0, 'intruder')`,
      [h.seq, h.hash],
    );
    await db.exec('ALTER TABLE audit_checkpoints ENABLE TRIGGER audit_checkpoints_guarded');
    const forged = await verifyAuditChain(db);
    expect(forged.kind).toBe('broken');
    expect(forged.kind === 'broken' && forged.breaks.map((b) => b.problem)).toContain('checkpoint');
  });
});
