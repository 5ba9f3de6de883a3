import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDb } from '../support/db.js';
import { eventually } from '../support/system.js';
import type { Db } from '../../core/store/db.js';
import { PgDb } from '../../core/store/pg.js';
import { AUDIT_LOCK, appendAudit, appendAuditGrouped, auditHashInput } from '../../core/audit.js';
import { verifyAuditChain } from '../../core/security/audit-chain.js';

/**
 * The audit chain's advisory lock (727002, core/audit.ts and audit_purge() in migration 120) is what keeps the chain
 * linear when several gateway processes append at once: each append reads the last hash and inserts after it, so two
 * appends that both read the same last row would fork the chain. Two separate connection pools on one real Postgres
 * database stand for two gateway processes.
 */
describe('audit appends from two processes at once (real Postgres)', () => {
  let one: Db;
  let two: PgDb;
  let drop: () => Promise<void>;
  beforeAll(async () => {
    const fresh = await freshDb('postgres');
    ({ db: one, drop } = fresh);
    two = new PgDb(fresh.url!, 4);
  });
  afterAll(async () => {
    await two?.close();
    await drop?.();
  });

  const actor = (id: string) => ({ id, state: 'TX', roles: ['state-system'] });
  const chain = async () =>
    (
      await one.query<{ seq: number; prev_hash: string; hash: string }>(
        'SELECT seq, prev_hash, hash FROM audit_events ORDER BY seq',
      )
    ).rows;
  /** Appenders waiting for the audit lock, as Postgres sees them. */
  const waiting = async () =>
    (
      await one.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND objid = $1 AND NOT granted`,
        [AUDIT_LOCK],
      )
    ).rows[0]!.n;

  it('an append waits for the other process to commit, then chains onto its row', async () => {
    let second: Promise<{ seq: number; hash: string }> | undefined;
    const first = await one.transaction(async (tx) => {
      const mine = await appendAudit(tx, { actor: actor('process-1'), action: 'test.first' });
      // The other process appends while this transaction still holds the lock: it must wait, not read our parent.
      second = appendAudit(two, { actor: actor('process-2'), action: 'test.second' });
      await eventually(async () => (await waiting()) === 1);
      return mine;
    });
    const after = await second!;
    const rows = await chain();
    expect(rows.at(-1)).toMatchObject({ seq: after.seq, prev_hash: first.hash, hash: after.hash });
    expect(await waiting()).toBe(0);
  });

  it('keeps the chain linear and verifiable under many appends racing from both processes', async () => {
    const before = (await chain()).length;
    await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        appendAudit(i % 2 ? two : one, {
          actor: actor(`process-${(i % 2) + 1}`),
          action: 'test.race',
          details: { i },
        }),
      ),
    );
    const rows = await chain();
    expect(rows).toHaveLength(before + 40);
    // Linear: every row's parent is the row before it, so no two rows share a parent (a fork).
    expect(rows.slice(1).map((r) => r.prev_hash)).toEqual(rows.slice(0, -1).map((r) => r.hash));
    expect(new Set(rows.map((r) => r.prev_hash)).size).toBe(rows.length);
    expect(await verifyAuditChain(one)).toMatchObject({ kind: 'intact', rows: before + 40 });
  });

  it('grouped appends (one statement for the events of many requests) chain in arrival order and verify', async () => {
    const before = (await chain()).length;
    // Non-ASCII, quotes and a lone surrogate: the database hashes the same bytes the verifier hashes.
    const odd = ['Müller «ñ»', 'quote " and \\', 'lone \ud800 surrogate', '日本語'];
    const results = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        appendAuditGrouped(i % 3 ? one : two, {
          actor: actor(`process-${i % 3 ? 1 : 2}`),
          action: 'test.grouped',
          reason: odd[i % odd.length]!,
          details: { i, name: odd[(i + 1) % odd.length]! },
        }),
      ),
    );
    const rows = await chain();
    expect(rows).toHaveLength(before + 30);
    // Each caller got its own row, and the rows of one process are in the order its callers asked.
    expect(new Set(results.map((r) => r.seq)).size).toBe(30);
    for (const r of results) expect(rows.find((x) => x.seq === r.seq)?.hash).toBe(r.hash);
    const oneSeqs = results.filter((_, i) => i % 3).map((r) => r.seq);
    expect(oneSeqs).toEqual([...oneSeqs].sort((a, b) => a - b));
    expect(await verifyAuditChain(one)).toMatchObject({ kind: 'intact', rows: before + 30 });
  });

  it('an event the database refuses fails only its own caller, not the others grouped with it', async () => {
    const before = (await chain()).length;
    const outcomes = await Promise.allSettled([
      appendAuditGrouped(one, { actor: actor('process-1'), action: 'test.first' }),
      appendAuditGrouped(one, { actor: actor('process-1'), action: 'test.ok' }),
      // The last instant JavaScript can stamp (year +275760) is not a timestamp Postgres reads: the insert fails.
      appendAuditGrouped(one, { actor: actor('process-1'), action: 'test.refused' }, () => 8.64e15),
      appendAuditGrouped(one, { actor: actor('process-1'), action: 'test.ok' }),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
    expect(await chain()).toHaveLength(before + 3);
    expect(await verifyAuditChain(one)).toMatchObject({ kind: 'intact', rows: before + 3 });
  });

  it('a fork (what appending without the lock would make) is a break the verifier reports', async () => {
    // Two appends that both read the same last row before either inserts, written as the unlocked code would: each
    // row is well formed and correctly hashed on its own, but both name the same parent.
    const parent = (await chain()).at(-1)!.hash;
    await appendAudit(one, { actor: actor('process-1'), action: 'test.fork-a' });
    const e = {
      actor: actor('process-2'),
      action: 'test.fork-b',
      outcome: 'success' as const,
      msixId: null,
      recordIds: [],
      fields: [],
      reason: null,
      traceId: null,
      details: {},
      at: new Date().toISOString(),
    };
    const hash = createHash('sha256').update(auditHashInput(parent, e)).digest('hex');
    const forked = await one.query<{ seq: number }>(
      `INSERT INTO audit_events (at, actor, actor_state, actor_roles, action, outcome, msix_id, record_ids, fields,
       reason, trace_id, details, prev_hash, hash)
       VALUES ($1, $2, 'TX', $3, $4, 'success', NULL, '{}', '{}', NULL, NULL, '{}', $5, $6) RETURNING seq`,
      [e.at, e.actor.id, e.actor.roles, e.action, parent, hash],
    );
    expect(await verifyAuditChain(one)).toMatchObject({
      kind: 'broken',
      breaks: [{ seq: forked.rows[0]!.seq, problem: 'prev-hash' }],
    });
  });
});
