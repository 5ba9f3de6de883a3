import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STORE_KINDS, freshDb } from '../support/db.js';
import type { Db } from '../../core/store/db.js';
import { appendAudit, auditDecision, auditSignIn } from '../../core/audit.js';
import {
  exportAudit,
  parseExportLine,
  purgeAuditBefore,
  verifyAuditChain,
  verifyRows,
  type AuditRow,
} from '../../core/security/audit-chain.js';

describe.each(STORE_KINDS)('audit trail on %s', (kind) => {
  let db: Db;
  let drop: () => Promise<void>;
  beforeAll(async () => {
    ({ db, drop } = await freshDb(kind));
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

  it('purges by retention with a checkpoint, so the rest still verifies, and puts the purge on the chain', async () => {
    const before = new Date(Date.now() + 1000);
    await new Promise((r) => setTimeout(r, 1100));
    await appendAudit(db, { actor, action: 'student.read', msixId: '100000000008', fields: ['*'] });
    const p = await purgeAuditBefore(db, before, { id: 'operator:test' });
    expect(p).toMatchObject({ kind: 'purged', rows: 3 });
    const r = await verifyAuditChain(db);
    expect(r).toMatchObject({ kind: 'intact', rows: 2, startedFrom: 'checkpoint' });
    const last = await db.query<{ action: string }>('SELECT action FROM audit_events ORDER BY seq DESC LIMIT 1');
    expect(last.rows[0]!.action).toBe('audit.purged');
  });
});
