import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSystem, eventually, type TestSystem } from '../support/system.js';
import { sampleRecord } from '../support/records.js';
import { isMsixId } from '@msix/adapter-sdk/canonical';
import { asAdmin, asStateSystem, type AuthedInject } from '../support/auth.js';

let sys: TestSystem;
/** Each state's own system client, and a national administrator for reads across states. */
const as: Record<string, AuthedInject> = {};
let admin: AuthedInject;
beforeAll(async () => {
  sys = await startSystem({ workers: true });
  for (const s of ['TX', 'MI']) as[s] = await asStateSystem(sys, s);
  admin = await asAdmin(sys);
});
afterAll(async () => {
  await sys?.close();
});

/** Posts as the state's own system (TX's client for any state not set up, to test cross-state refusals). */
const post = (state: string, body: unknown, headers: Record<string, string> = {}) =>
  (as[state] ?? as.TX!)({ method: 'POST', url: `/api/v1/states/${state}/records`, payload: body as object, headers });
const count = async (table: string) =>
  (await sys.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`)).rows[0]!.n;

describe('canonical write path, end to end on Postgres, Redis and a real worker', () => {
  it('stores records, matches them across states and serves the consolidated student', async () => {
    const tx = sampleRecord({ stateCode: 'TX', stateStudentId: 'TX-1' });
    const mi = sampleRecord({
      stateCode: 'MI',
      stateStudentId: 'MI-9',
      courses: [
        {
          courseTitle: 'Biology',
          subjectArea: 'Science',
          beginAcademicYear: 2026,
          endAcademicYear: 2027,
          creditsGranted: 0.5,
        },
      ],
    });
    const r1 = await post('TX', tx);
    expect(r1.statusCode).toBe(201);
    const body = r1.json();
    expect(body.records[0]).toMatchObject({ stateStudentId: 'TX-1', status: 'created', version: 1 });
    expect(r1.headers.location).toBe(`/api/v1/exchanges/${body.exchangeId}`);
    expect((await post('MI', [mi])).statusCode).toBe(201);

    const msix = await eventually(async () => {
      const a = (await admin(`/api/v1/states/TX/records/TX-1`)).json();
      const b = (await admin(`/api/v1/states/MI/records/MI-9`)).json();
      return a.msixId && b.msixId ? ([a.msixId, b.msixId] as [string, string]) : null;
    });
    expect(msix[0]).toBe(msix[1]);
    expect(isMsixId(msix[0])).toBe(true);

    const student = await eventually(async () => {
      const r = await as.TX!(`/api/v1/students/${msix[0]}`);
      const s = r.json();
      return r.statusCode === 200 && s.states?.length === 2 ? s : null;
    });
    expect(student.states).toEqual(['MI', 'TX']);
    expect(student.credits.totalCredits).toBe(1.5);
    expect(student.credits.byState).toEqual(expect.arrayContaining([{ stateCode: 'TX', credits: 1, courses: 1 }]));
    const audit = await sys.db.query<{ action: string; msix_id: string }>(
      `SELECT action, msix_id FROM audit_events WHERE action = 'student.read'`,
    );
    expect(audit.rows.some((r) => r.msix_id === msix[0])).toBe(true);

    const ex = await as.TX!(`/api/v1/exchanges/${body.exchangeId}`);
    expect(ex.statusCode).toBe(200);
    expect(ex.json()).toMatchObject({
      direction: 'inbound',
      kind: 'records-api',
      stateCode: 'TX',
      status: 'completed',
      counts: { accepted: 1, created: 1 },
    });
  });

  it('answers a resend of the same content with 200 unchanged and changes nothing', async () => {
    const rec = sampleRecord({ stateCode: 'TX', stateStudentId: 'TX-2' });
    expect((await post('TX', rec)).statusCode).toBe(201);
    const again = await post('TX', rec);
    expect(again.statusCode).toBe(200);
    expect(again.json().records[0]).toMatchObject({ status: 'unchanged', version: 1 });
  });

  it('rejects a batch with one bad record as a whole, listing every problem with its path', async () => {
    const before = await count('state_records');
    const bad = sampleRecord({ stateStudentId: 'TX-3', identity: { birthDate: '2010-02-30', sex: 'Female' } });
    const res = await post('TX', [sampleRecord({ stateStudentId: 'TX-4' }), bad]);
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toContain('application/problem+json');
    const p = res.json();
    expect(p.code).toBe('GW_ERR_VALIDATION');
    expect(p.errors).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ path: '/1/identity/birthDate', rule: 'format', value: '2010-02-30' }),
        expect.objectContaining({
          path: '/1/identity/sex',
          rule: 'codeset',
          value: 'Female',
          fix: expect.stringContaining('F (Female)'),
        }),
      ]),
    );
    expect(await count('state_records')).toBe(before);
  });

  it("refuses malformed JSON, unknown states, other states' records, wrong media types, oversized bodies", async () => {
    const before = await count('state_records');
    const badJson = await as.TX!({
      method: 'POST',
      url: '/api/v1/states/TX/records',
      payload: '{"stateCode":',
      headers: { 'content-type': 'application/json' },
    });
    expect(badJson.statusCode).toBe(400);
    expect(badJson.json().code).toBe('GW_ERR_BAD_JSON');
    expect((await admin({ method: 'GET', url: '/api/v1/states/ZZ/records/X1' })).statusCode).toBe(404);
    // A TX client posting to another state's endpoint is refused before the state is even looked up.
    expect((await post('ZZ', sampleRecord())).statusCode).toBe(403);
    const other = await post('TX', sampleRecord({ stateCode: 'CA', stateStudentId: 'CA-1' }));
    expect(other.statusCode).toBe(403);
    expect(other.json().code).toBe('GW_ERR_STATE_MISMATCH');
    const xml = await as.TX!({
      method: 'POST',
      url: '/api/v1/states/TX/records',
      payload: '<x/>',
      headers: { 'content-type': 'application/xml' },
    });
    expect(xml.statusCode).toBe(415);
    const big = await as.TX!({
      method: 'POST',
      url: '/api/v1/states/TX/records',
      payload: JSON.stringify({ pad: 'x'.repeat(sys.config.BODY_LIMIT_BYTES + 10) }),
      headers: { 'content-type': 'application/json' },
    });
    expect(big.statusCode).toBe(413);
    expect(big.json().code).toBe('GW_ERR_TOO_LARGE');
    expect(await count('state_records')).toBe(before);
  });

  it('withdraws a deleted record from the consolidated student', async () => {
    await post(
      'TX',
      sampleRecord({ stateStudentId: 'TX-D', identity: { firstName: 'Lupita', birthDate: '2011-01-05' } }),
    );
    await post(
      'MI',
      sampleRecord({
        stateCode: 'MI',
        stateStudentId: 'MI-D',
        identity: { firstName: 'Lupita', birthDate: '2011-01-05' },
      }),
    );
    const msixId = await eventually(async () => {
      const a = (await as.MI!('/api/v1/states/MI/records/MI-D')).json();
      return a.msixId as string | undefined;
    });
    await eventually(async () => (await as.MI!(`/api/v1/students/${msixId}`)).json().states?.length === 2);
    const del = await post('MI', { ...sampleRecord({ stateCode: 'MI', stateStudentId: 'MI-D' }), action: 'delete' });
    expect(del.json().records[0].status).toBe('withdrawn');
    const after = await eventually(async () => {
      // MI withdrew its record, so MI no longer has grounds to read the child; TX does.
      const s = (await as.TX!(`/api/v1/students/${msixId}`)).json();
      return s.states?.length === 1 ? s : null;
    });
    expect(after.states).toEqual(['TX']);
  });

  it('catches a mistyped MSIX id by its check digit', async () => {
    const r = await admin('/api/v1/students/123456789012');
    expect(r.statusCode).toBe(400);
    expect(r.json().errors[0].rule).toBe('checkDigit');
  });

  it('reports readiness of Postgres and Redis and publishes OpenAPI', async () => {
    const ready = await sys.app.inject('/health/ready');
    expect(ready.json()).toMatchObject({
      status: 'ready',
      checks: { postgres: { status: 'up' }, redis: { status: 'up' } },
    });
    const doc = (await sys.app.inject('/docs/json')).json();
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(['/api/v1/states/{state}/records', '/api/v1/students/{msixId}', '/api/v1/exchanges/{id}']),
    );
    expect(doc.components.schemas.StateRecord.properties.identity).toBeDefined();
  });
});
