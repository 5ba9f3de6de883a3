import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDb, STORE_KINDS } from '../support/db.js';
import { sampleRecord } from '../support/records.js';
import type { Db } from '../../core/store/db.js';
import { migrate, listMigrations } from '../../core/store/migrate.js';
import { applyStateRecord, findStateRecord, pendingMatches } from '../../core/records.js';
import { createExchange, getExchange, updateExchange, listExchanges } from '../../core/ledger.js';
import { appendAudit, auditHashInput, GENESIS_HASH } from '../../core/audit.js';
import { matchRecord } from '../../core/linking.js';
import { getStudent } from '../../core/students.js';
import { createHash } from 'node:crypto';
import { isMsixId, CODESET_VERSION } from '@msix/adapter-sdk/canonical';

/** The same store tests on real Postgres and on embedded PGlite: one SQL, two engines. */
describe.each(STORE_KINDS)('store on %s', (kind) => {
  let db: Db;
  let drop: () => Promise<void>;
  beforeAll(async () => {
    ({ db, drop } = await freshDb(kind));
  });
  afterAll(async () => {
    await drop?.();
  });
  const consolidation = { requiredCredits: 22 };

  it('applies migrations once: a second run applies nothing', async () => {
    expect(await migrate(db)).toEqual([]);
    const applied = await db.query<{ id: string }>('SELECT id FROM schema_migrations ORDER BY id');
    expect(applied.rows.map((r) => r.id)).toEqual(listMigrations().map((m) => m.id));
  });

  it('upserts state records with insert/update/delete semantics and content hashing', async () => {
    const rec = sampleRecord({ stateStudentId: 'R1' });
    const a = await db.transaction((tx) => applyStateRecord(tx, rec, CODESET_VERSION, null));
    expect(a).toMatchObject({ status: 'created', version: 1, needsMatch: true });
    const b = await db.transaction((tx) => applyStateRecord(tx, { ...rec, action: 'update' }, CODESET_VERSION, null));
    expect(b).toMatchObject({ status: 'unchanged', version: 1, needsMatch: false });
    const c = await db.transaction((tx) =>
      applyStateRecord(tx, { ...rec, identity: { ...rec.identity, middleName: 'Luz' } }, CODESET_VERSION, null),
    );
    expect(c).toMatchObject({ status: 'updated', version: 2 });
    const d = await db.transaction((tx) => applyStateRecord(tx, { ...rec, action: 'delete' }, CODESET_VERSION, null));
    expect(d).toMatchObject({ status: 'withdrawn', version: 3 });
    const e = await db.transaction((tx) =>
      applyStateRecord(tx, { ...rec, stateStudentId: 'NOPE', action: 'delete' }, CODESET_VERSION, null),
    );
    expect(e.status).toBe('not_found');
    const stored = await findStateRecord(db, 'TX', 'R1');
    expect(stored).toMatchObject({ status: 'withdrawn', version: 3 });
    expect(stored?.record.identity.middleName).toBe('Luz');
  });

  it('rolls back every write of a failed transaction', async () => {
    await expect(
      db.transaction(async (tx) => {
        await applyStateRecord(tx, sampleRecord({ stateStudentId: 'ROLLBACK' }), CODESET_VERSION, null);
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(await findStateRecord(db, 'TX', 'ROLLBACK')).toBeNull();
  });

  it('keeps the exchange ledger with merged counts and completion time', async () => {
    const ex = await createExchange(db, {
      direction: 'inbound',
      kind: 'file',
      stateCode: 'TX',
      status: 'received',
      traceId: 't1',
    });
    expect(ex.completedAt).toBeNull();
    await updateExchange(db, ex.id, { status: 'processing', counts: { read: 10 } });
    const done = await updateExchange(db, ex.id, {
      status: 'completed_with_errors',
      counts: { accepted: 9, rejected: 1 },
    });
    expect(done?.counts).toEqual({ read: 10, accepted: 9, rejected: 1 });
    expect(done?.completedAt).not.toBeNull();
    expect((await getExchange(db, ex.id))?.status).toBe('completed_with_errors');
    expect(await getExchange(db, 'not-a-uuid')).toBeNull();
    expect((await listExchanges(db, { stateCode: 'TX', status: 'completed_with_errors' })).map((e) => e.id)).toContain(
      ex.id,
    );
  });

  it('chains audit events by hash so that a changed row shows', async () => {
    await appendAudit(db, {
      actor: { id: 'c1', state: 'TX', roles: ['state-system'] },
      action: 'student.read',
      msixId: '1',
      fields: ['*'],
      reason: 'test',
    });
    await appendAudit(db, { actor: { id: 'c2' }, action: 'student.read', msixId: '2' });
    const rows = (await db.query<Record<string, unknown>>('SELECT * FROM audit_events ORDER BY seq')).rows;
    let prev = GENESIS_HASH;
    for (const r of rows) {
      expect(r.prev_hash).toBe(prev);
      const input = auditHashInput(prev, {
        at: new Date(r.at as string).toISOString(),
        actor: { id: r.actor as string, state: r.actor_state as string | null, roles: r.actor_roles as string[] },
        action: r.action as string,
        outcome: r.outcome as 'success',
        msixId: r.msix_id as string,
        recordIds: r.record_ids as string[],
        fields: r.fields as string[],
        reason: r.reason as string,
        traceId: r.trace_id as string,
        details: r.details as Record<string, unknown>,
      });
      expect(createHash('sha256').update(input).digest('hex')).toBe(r.hash);
      prev = r.hash as string;
    }
  });

  it("links two states' records of one child to one student, idempotently", async () => {
    const a = await db.transaction((tx) =>
      applyStateRecord(
        tx,
        sampleRecord({ stateCode: 'TX', stateStudentId: 'M1', identity: { birthDate: '2012-06-01' } }),
        CODESET_VERSION,
        null,
      ),
    );
    const b = await db.transaction((tx) =>
      applyStateRecord(
        tx,
        sampleRecord({ stateCode: 'WA', stateStudentId: 'M2', identity: { birthDate: '2012-06-01' } }),
        CODESET_VERSION,
        null,
      ),
    );
    const ra = await matchRecord({ db, consolidation }, { recordId: a.recordId!, version: 1, traceId: 't' });
    const rb = await matchRecord({ db, consolidation }, { recordId: b.recordId!, version: 1, traceId: 't' });
    expect(ra.kind).toBe('linked');
    expect(rb).toMatchObject({ kind: 'linked', linkType: 'auto' });
    if (ra.kind !== 'linked' || rb.kind !== 'linked') return;
    expect(rb.msixId).toBe(ra.msixId);
    expect(isMsixId(ra.msixId)).toBe(true);
    expect(await matchRecord({ db, consolidation }, { recordId: b.recordId!, version: 1, traceId: 't' })).toMatchObject(
      { kind: 'skipped' },
    );
    const s = await getStudent(db, ra.msixId);
    expect(s && 'student' in s && s.student.states).toEqual(['TX', 'WA']);
  });

  it('never creates two students when match jobs for one child run at the same time', async () => {
    const ids: string[] = [];
    for (const [state, id] of [
      ['TX', 'C1'],
      ['MI', 'C2'],
      ['FL', 'C3'],
      ['CA', 'C4'],
    ] as const) {
      const o = await db.transaction((tx) =>
        applyStateRecord(
          tx,
          sampleRecord({
            stateCode: state,
            stateStudentId: id,
            identity: { firstName: 'Concurrent', birthDate: '2013-03-03' },
          }),
          CODESET_VERSION,
          null,
        ),
      );
      ids.push(o.recordId!);
    }
    const outcomes = await Promise.all(
      ids.map((recordId) => matchRecord({ db, consolidation }, { recordId, version: 1, traceId: 't' })),
    );
    const students = new Set(outcomes.map((o) => (o.kind === 'linked' ? o.msixId : null)));
    expect(students.size).toBe(1);
    expect(outcomes.filter((o) => o.kind === 'linked' && o.linkType === 'new')).toHaveLength(1);
  });

  it('lists records still waiting for matching so the sweeper can re-enqueue them', async () => {
    const o = await db.transaction((tx) =>
      applyStateRecord(tx, sampleRecord({ stateStudentId: 'P1' }), CODESET_VERSION, null),
    );
    const pending = await pendingMatches(db, 0);
    expect(pending.map((p) => p.id)).toContain(o.recordId);
  });
});
