/**
 * Valid Ed-Fi that breaks an MSIX rule is stored, not refused (issue 16 item 2,
 * defect 9): the Ed-Fi write succeeds as on an ODS, the canonical record is
 * held back from matching with per-field issues (FieldIssue shape, located in
 * the Ed-Fi document), listed for the state's data administrators only, and
 * released when a later write corrects it. Canonical ids take Ed-Fi's 32
 * characters. Only invalid Ed-Fi is refused.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSystem, type TestSystem } from '../support/system.js';
import { injectAs, type AuthedInject } from '../support/auth.js';
import { edfiClient, idFrom, type EdfiClient } from '../edfi/support/client.js';
import { lea, school, ssa, student } from '../edfi/support/fixtures.js';

let sys: TestSystem;
let tx: EdfiClient;
let txAdmin: AuthedInject;
let caAdmin: AuthedInject;

beforeAll(async () => {
  sys = await startSystem();
  tx = await edfiClient(sys, 'TX');
  txAdmin = await injectAs(sys, { state: 'TX', roles: ['data-admin'] });
  caAdmin = await injectAs(sys, { state: 'CA', roles: ['data-admin'] });
  expect((await tx.post('localEducationAgencies', lea())).statusCode).toBe(201);
  expect((await tx.post('schools', school())).statusCode).toBe(201);
});
afterAll(async () => {
  await sys?.close();
});

const record = async (sid: string) =>
  (
    await sys.db.query<{ record: { identity: { firstName: string } } }>(
      `SELECT record FROM state_records WHERE state_code = 'TX' AND state_student_id = $1`,
      [sid],
    )
  ).rows[0];

interface Held {
  stateCode: string;
  studentUniqueId: string;
  issues: { path: string; rule: string; message: string; resource: string; documentId: string }[];
}
const held = async (as: AuthedInject, sid: string): Promise<Held | undefined> => {
  const r = await as('/api/v1/edfi/held-records?limit=500');
  expect(r.statusCode, r.body).toBe(200);
  return (r.json().items as Held[]).find((h) => h.studentUniqueId === sid);
};

describe('valid Ed-Fi breaking an MSIX rule', () => {
  it('a name with digits: stored (201), record held with its issue at $.firstName, released when fixed', async () => {
    const posted = await tx.post('students', student('604901', { firstName: 'Mar1a' }));
    expect(posted.statusCode, posted.body).toBe(201);
    const id = idFrom(posted);
    expect((await tx.get(`students/${id}`)).json().firstName).toBe('Mar1a');
    expect(await record('604901')).toBeUndefined();
    const h = await held(txAdmin, '604901');
    expect(h).toMatchObject({ stateCode: 'TX', studentUniqueId: '604901' });
    expect(h!.issues).toContainEqual(
      expect.objectContaining({ path: '$.firstName', resource: 'students', documentId: id, rule: expect.any(String) }),
    );
    // Another state's data administrator does not see it; a state system cannot list holds.
    expect(await held(caAdmin, '604901')).toBeUndefined();
    const sis = await injectAs(sys, { state: 'TX', roles: ['state-system'] });
    expect((await sis('/api/v1/edfi/held-records')).statusCode).toBe(403);
    // Corrected: the record is applied and the hold released.
    expect((await tx.put('students', id, student('604901', { firstName: 'Maria' }))).statusCode).toBe(204);
    expect((await record('604901'))?.record.identity.firstName).toBe('Maria');
    expect(await held(txAdmin, '604901')).toBeUndefined();
  });

  it('an enrollment before the birth date: stored, held at the association, released by deleting it', async () => {
    expect((await tx.post('students', student('604902', { birthDate: '2015-03-01' }))).statusCode).toBe(201);
    expect(await record('604902')).toBeDefined();
    const enrol = await tx.post('studentSchoolAssociations', ssa('604902', { entryDate: '2012-08-20' }));
    expect(enrol.statusCode, enrol.body).toBe(201);
    const h = await held(txAdmin, '604902');
    expect(h!.issues).toContainEqual(
      expect.objectContaining({
        path: '$.entryDate',
        resource: 'studentSchoolAssociations',
        documentId: idFrom(enrol),
      }),
    );
    // The state's last valid record stays in effect while the new one is held.
    expect(await record('604902')).toBeDefined();
    expect((await tx.del('studentSchoolAssociations', idFrom(enrol))).statusCode).toBe(204);
    expect(await held(txAdmin, '604902')).toBeUndefined();
  });

  it("a studentUniqueId up to Ed-Fi's 32 characters is a canonical id; 33 is invalid Ed-Fi (400)", async () => {
    const sid = 'TX-2025-000000000000000000000001';
    expect(sid).toHaveLength(32);
    expect((await tx.post('students', student(sid))).statusCode).toBe(201);
    expect(await record(sid)).toBeDefined();
    expect(await held(txAdmin, sid)).toBeUndefined();
    const tooLong = await tx.post('students', student(`${sid}9`));
    expect(tooLong.statusCode).toBe(400);
    expect(tooLong.json().validationErrors['$.studentUniqueId']).toBeDefined();
  });

  it('a national administrator sees every state, or one', async () => {
    const admin = await injectAs(sys, { roles: ['admin'] });
    expect((await tx.post('students', student('604903', { lastSurname: 'G4rcia' }))).statusCode).toBe(201);
    expect(await held(admin, '604903')).toBeDefined();
    const ca = (await admin('/api/v1/edfi/held-records?state=CA')).json();
    expect(ca).toEqual({ items: [], total: 0 });
  });
});
