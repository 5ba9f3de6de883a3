/**
 * The Ed-Fi store and write path on embedded PGlite (what `npm start` runs
 * on): the same SQL, upserts, references, deletes, change versions.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDb } from '../support/db.js';
import type { Db } from '../../core/store/db.js';
import type { JobQueue } from '../../core/jobs.js';
import { deleteDocument, upsertDocument } from '../../core/edfi/write.js';
import { listDocuments } from '../../core/edfi/read.js';
import { availableChangeVersions } from '../../core/edfi/store.js';
import { resourceNamed } from '../../specs/edfi/catalog.js';
import { lea, school, ssa, student } from './support/fixtures.js';

let db: Db;
let drop: () => Promise<void>;
const queue: JobQueue = { enqueue: async () => {}, ping: async () => true };
const w = { stateCode: 'TX', clientId: null, traceId: 't' };
const write = (resource: string, body: unknown) => upsertDocument({ db, queue }, w, resourceNamed(resource), body);

beforeAll(async () => {
  ({ db, drop } = await freshDb('pglite'));
});
afterAll(async () => {
  await drop?.();
});

describe('Ed-Fi on PGlite', () => {
  it('upserts, checks references, refuses dependent deletes, and counts change versions', async () => {
    expect((await write('localEducationAgencies', lea())).kind).toBe('written');
    expect((await write('schools', school())).kind).toBe('written');
    const s = await write('students', student('604821'));
    expect(s.kind === 'written' && s.status).toBe('created');
    expect((await write('students', student('604821', { middleName: 'Luz' }))).kind === 'written').toBe(true);
    const e = await write('studentSchoolAssociations', ssa('604821'));
    expect(e.kind === 'written' && e.status).toBe('created');
    expect((await write('studentSchoolAssociations', ssa('nobody'))).kind).toBe('unresolved');
    if (s.kind !== 'written' || e.kind !== 'written') throw new Error('writes failed');
    expect((await deleteDocument({ db, queue }, w, resourceNamed('students'), s.doc.id)).kind).toBe('dependent');
    expect((await deleteDocument({ db, queue }, w, resourceNamed('studentSchoolAssociations'), e.doc.id)).kind).toBe(
      'deleted',
    );
    const page = await listDocuments(db, resourceNamed('students'), 'TX', {
      filters: [{ path: ['middleName'], value: 'luz', caseInsensitive: true }],
      offset: 0,
      limit: 25,
      totalCount: true,
    });
    expect(page.total).toBe(1);
    expect((await availableChangeVersions(db)).newestChangeVersion).toBeGreaterThanOrEqual(6);
    const rec = await db.query<{ version: number; record: { enrollments?: unknown[] } }>(
      `SELECT version, record FROM state_records WHERE state_student_id = '604821'`,
    );
    expect(rec.rows[0]!.version).toBe(4);
    expect(rec.rows[0]!.record.enrollments).toBeUndefined();
  });
});
