/**
 * The one-statement Student creation (core/edfi/create-student.ts) writes the
 * state record exactly as core/records.ts applyStateRecord does: checked here
 * by running both on the same records and comparing the rows.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDb } from '../support/db.js';
import type { Db } from '../../core/store/db.js';
import { applyStateRecord } from '../../core/records.js';
import { createExchange } from '../../core/ledger.js';
import { upsertDocument } from '../../core/edfi/write.js';
import { resourceNamed } from '../../specs/edfi/catalog.js';
import { CODESET_VERSION, type StateRecord } from '@msix/adapter-sdk/canonical';
import type { JobQueue } from '../../core/jobs.js';

let db: Db;
let drop: () => Promise<void>;
const enqueued: string[] = [];
const queue: JobQueue = {
  enqueue: async (_q, p) => {
    enqueued.push((p as { recordId: string }).recordId);
  },
  ping: async () => true,
};
const w = { stateCode: 'TX', clientId: 'c1', traceId: 't1' };
const students = resourceNamed('students');

beforeAll(async () => {
  ({ db, drop } = await freshDb('postgres'));
});
afterAll(async () => {
  await drop?.();
});

const row = async (id: string) =>
  (
    await db.query<Record<string, unknown>>(
      `SELECT record, content_hash, codeset_version, version, status, match_status, first_name, last_name1,
       to_char(birth_date, 'YYYY-MM-DD') AS birth_date
   FROM state_records WHERE state_code = 'TX' AND state_student_id = $1`,
      [id],
    )
  ).rows[0];

const canonical = (id: string, first: string): StateRecord => ({
  stateCode: 'TX',
  stateStudentId: id,
  identity: { firstName: first, lastName1: 'Garcia', birthDate: '2010-04-02' },
});

async function viaApply(r: StateRecord) {
  const ex = await createExchange(db, {
    direction: 'inbound',
    kind: 'test',
    stateCode: 'TX',
    status: 'completed',
    traceId: 't',
  });
  return applyStateRecord(db, r, CODESET_VERSION, ex.id);
}

describe('one-statement Student creation', () => {
  it('writes a new state record as applyStateRecord does (version 1, pending, same hash and columns)', async () => {
    const r = await upsertDocument({ db, queue }, w, students, {
      studentUniqueId: 'F1',
      firstName: 'Ana',
      lastSurname: 'Garcia',
      birthDate: '2010-04-02',
    });
    expect(r.kind === 'written' && r.status).toBe('created');
    await viaApply(canonical('A1', 'Ana'));
    const fast = await row('F1');
    const slow = await row('A1');
    expect({ ...fast, record: { ...(fast!.record as object), stateStudentId: 'A1' }, content_hash: undefined }).toEqual(
      { ...slow, content_hash: undefined },
    );
    expect(fast!.version).toBe(1);
    expect(fast!.match_status).toBe('pending');
    expect(enqueued).toHaveLength(1);
  });

  it('updates a record the state sent another way to the next version, and leaves the same content alone', async () => {
    await viaApply(canonical('F2', 'Old'));
    await viaApply(canonical('A2', 'Old'));
    await upsertDocument({ db, queue }, w, students, {
      studentUniqueId: 'F2',
      firstName: 'New',
      lastSurname: 'Garcia',
      birthDate: '2010-04-02',
    });
    await viaApply(canonical('A2', 'New'));
    const fast = await row('F2');
    const slow = await row('A2');
    expect(fast).toMatchObject({ version: 2, status: 'active', match_status: 'pending', first_name: 'New' });
    expect({ version: fast!.version, status: fast!.status, match_status: fast!.match_status }).toEqual({
      version: slow!.version,
      status: slow!.status,
      match_status: slow!.match_status,
    });

    await viaApply(canonical('F3', 'Same'));
    await db.query(`UPDATE state_records SET match_status = 'matched' WHERE state_student_id = 'F3'`);
    const before = enqueued.length;
    await upsertDocument({ db, queue }, w, students, {
      studentUniqueId: 'F3',
      firstName: 'Same',
      lastSurname: 'Garcia',
      birthDate: '2010-04-02',
    });
    expect(await row('F3')).toMatchObject({ version: 1, match_status: 'matched' });
    expect(enqueued.length).toBe(before);
  });

  it('writes the ledger row with the document; a record breaking a rule is held back, the Student stored', async () => {
    const ex = await db.query<{ summary: { resource: string; documentId: string }; counts: Record<string, number> }>(
      `SELECT summary, counts FROM exchanges WHERE kind = 'edfi-api' ORDER BY created_at LIMIT 1`,
    );
    expect(ex.rows[0]).toMatchObject({
      summary: { resource: 'students', documentId: expect.stringMatching(/^[0-9a-f]{32}$/) },
      counts: { received: 1, accepted: 1, rejected: 0 },
    });
    const future = new Date(Date.now() + 86_400_000 * 400).toISOString().slice(0, 10);
    const r = await upsertDocument({ db, queue }, w, students, {
      studentUniqueId: 'F9',
      firstName: 'Ana',
      lastSurname: 'Garcia',
      birthDate: future,
    });
    expect(r).toMatchObject({ kind: 'written', status: 'created' });
    expect(await row('F9')).toBeUndefined();
    expect((await db.query(`SELECT 1 FROM edfi_documents WHERE student_unique_id = 'F9'`)).rowCount).toBe(1);
    const held = await db.query<{ issues: { path: string; message: string }[] }>(
      `SELECT issues FROM edfi_held_records WHERE student_unique_id = 'F9'`,
    );
    expect(held.rows[0]!.issues[0]).toMatchObject({ path: '$.birthDate' });
    expect(held.rows[0]!.issues[0]!.message).toContain('birth date is in the future');
  });

  it('leaves the match job intent for the recovery pass when the queue is down (no intent when it is up)', async () => {
    const down: JobQueue = {
      enqueue: async () => {
        throw new Error('Redis is down');
      },
      ping: async () => false,
    };
    const up = await upsertDocument({ db, queue }, w, students, {
      studentUniqueId: 'F10',
      firstName: 'Ana',
      lastSurname: 'Garcia',
      birthDate: '2010-04-02',
    });
    expect(up).toMatchObject({ kind: 'written', status: 'created' });
    const r = await upsertDocument({ db, queue: down }, w, students, {
      studentUniqueId: 'F11',
      firstName: 'Ana',
      lastSurname: 'Garcia',
      birthDate: '2010-04-02',
    });
    expect(r).toMatchObject({ kind: 'written', status: 'created' });
    const intents = await db.query<{ job_id: string }>(
      `SELECT i.job_id FROM job_intents i JOIN state_records s ON i.job_id = 'match-' || s.id || '-v' || s.version
       WHERE s.state_code = 'TX' AND s.state_student_id IN ('F10', 'F11') ORDER BY s.state_student_id`,
    );
    expect(intents.rows).toHaveLength(1);
    const f11 = await db.query<{ id: string }>(`SELECT id FROM state_records WHERE state_student_id = 'F11'`);
    expect(intents.rows[0]!.job_id).toBe(`match-${f11.rows[0]!.id}-v1`);
  });
});
