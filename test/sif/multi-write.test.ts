/**
 * Multi-object SIF writes (issue 15): one transaction per request, each object with its own status. A failing object
 * leaves the others written; the ledger gets one entry for the request and matching one intent per changed record;
 * a RefId twice in one request fails the second object; an object whose RefId a concurrent writer takes fails alone
 * (the savepoint) and never overwrites that writer's object; writes to read-only services are refused as a whole.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient } from '../../core/security/clients.js';
import { sifAuthorization } from '../../core/security/sif-hmac.js';
import { putSifObject } from '../../core/sif/store.js';
import { eventually, startSystem, type TestSystem } from '../support/system.js';
import { xmllint } from './support.js';

const NS = 'xmlns="http://www.sifassociation.org/datamodel/na/4.x"';
const BASE = '/sif/v3';
const ref = (n: number) => n.toString(16).toUpperCase().padStart(32, '0');

const personal = (refId: string, id: string, birth = '2010-04-02') =>
  `<StudentPersonal RefId="${refId}"><LocalId>${id}</LocalId><StateProvinceId>${id}</StateProvinceId>` +
  '<Name Type="04"><LastName>Garcia</LastName><FirstName>Maria</FirstName></Name>' +
  `<Demographics><Gender>F</Gender><BirthDate>${birth}</BirthDate></Demographics></StudentPersonal>`;
const collection = (...objects: string[]) => `<StudentPersonals ${NS}>${objects.join('')}</StudentPersonals>`;

/** The createResponse's items in order: RefId (when created), advisory id, status. */
const creates = (xml: string) =>
  [...xml.matchAll(/<create\b([^>]*)>/g)].map((m) => ({
    id: /\bid="([^"]+)"/.exec(m[1]!)?.[1] ?? null,
    advisoryId: /advisoryId="([^"]+)"/.exec(m[1]!)?.[1] ?? null,
    status: /statusCode="(\d+)"/.exec(m[1]!)?.[1],
  }));

describe('SIF multi-object writes', () => {
  let sys: TestSystem;
  let token: string;
  let secret: string;
  const send = (method: 'POST' | 'PUT' | 'GET', url: string, body: string, headers = {}) =>
    sys.app.inject({
      method,
      url: BASE + url,
      payload: body,
      headers: {
        authorization: sifAuthorization('Basic', token, secret),
        'content-type': 'application/xml',
        ...headers,
      },
    });

  beforeAll(async () => {
    sys = await startSystem();
    const c = await createClient(sys.db, { stateCode: 'TX', roles: ['state-system'] });
    if (c.kind !== 'created') throw new Error(c.reason);
    secret = c.secret;
    const r = await sys.app.inject({
      method: 'POST',
      url: `${BASE}/environments/environment`,
      headers: { authorization: `Basic ${Buffer.from(`${c.client.clientId}:${secret}`).toString('base64')}` },
    });
    token = /<sessionToken>([^<]+)</.exec(r.body)![1]!;
  });
  afterAll(async () => {
    await sys?.close();
  });

  it('writes a request in one ledger entry with one match intent per record; a bad object fails alone', async () => {
    const r = await send(
      'POST',
      '/requests/StudentPersonals',
      collection(personal(ref(1), 'TXM001'), personal(ref(2), 'TXM002', '2099-01-01'), personal(ref(3), 'TXM003')),
    );
    expect(r.statusCode, r.body).toBe(200);
    expect(xmllint(r.body, 'infra'), r.body).toBeNull();
    const items = creates(r.body);
    expect(items.map((i) => i.status)).toEqual(['201', '400', '201']);
    expect(items[1]!.id).toBeNull();
    const stored = await sys.db.query<{ ref_id: string }>('SELECT ref_id FROM sif_objects ORDER BY ref_id');
    expect(stored.rows.map((x) => x.ref_id)).toEqual([ref(1), ref(3)]);
    const ledger = await sys.db.query<{ counts: Record<string, number>; summary: { refIds: string[] } }>(
      "SELECT counts, summary FROM exchanges WHERE kind = 'sif-api'",
    );
    expect(ledger.rows).toHaveLength(1);
    expect(ledger.rows[0]!.counts).toMatchObject({ received: 3, accepted: 2, rejected: 1 });
    expect(ledger.rows[0]!.summary.refIds).toEqual([ref(1), ref(3)]);
    const records = await sys.db.query<{ id: string; version: number }>(
      "SELECT id, version FROM state_records WHERE state_code = 'TX' ORDER BY state_student_id",
    );
    expect(records.rows).toHaveLength(2);
    const intents = await sys.db.query<{ job_id: string }>(
      "SELECT job_id FROM job_intents WHERE queue = 'match' ORDER BY job_id",
    );
    expect(intents.rows.map((x) => x.job_id)).toEqual(records.rows.map((x) => `match-${x.id}-v${x.version}`).sort());
  });

  it('fails the second object that repeats a RefId of the same request, in create, update and delete', async () => {
    const r = await send(
      'POST',
      '/requests/StudentPersonals',
      collection(personal(ref(10), 'TXM010'), personal(ref(10).toLowerCase(), 'TXM011')),
    );
    expect(creates(r.body).map((i) => i.status)).toEqual(['201', '409']);
    expect(r.body).toContain('is also object 1 of this request');
    const n = await sys.db.query("SELECT 1 FROM sif_objects WHERE state_student_id IN ('TXM010', 'TXM011')");
    expect(n.rowCount).toBe(1);
    const u = await send(
      'PUT',
      '/requests/StudentPersonals',
      collection(personal(ref(10), 'TXM010', '2010-05-05'), personal(ref(10), 'TXM010', '2010-06-06')),
    );
    expect(u.statusCode, u.body).toBe(200);
    expect([...u.body.matchAll(/statusCode="(\d+)"/g)].map((m) => m[1])).toEqual(['204', '409']);
    const d = await send(
      'PUT',
      '/requests/StudentPersonals',
      `<deleteRequest xmlns="http://www.sifassociation.org/infrastructure/3.2.1"><deletes>` +
        `<delete id="${ref(10)}"/><delete id="${ref(10)}"/></deletes></deleteRequest>`,
      { methodOverride: 'DELETE' },
    );
    expect([...d.body.matchAll(/statusCode="(\d+)"/g)].map((m) => m[1])).toEqual(['204', '409']);
  });

  it("fails alone an object whose RefId a concurrent writer takes, leaving the writer's object as it was", async () => {
    let release!: () => void;
    const held = new Promise<void>((r) => {
      release = r;
    });
    let inserted!: () => void;
    const insertedNow = new Promise<void>((r) => {
      inserted = r;
    });
    const other = sys.db.transaction(async (tx) => {
      await putSifObject(tx, {
        refId: ref(20),
        stateCode: 'MI',
        zoneId: 'MI',
        object: 'StudentPersonal',
        studentRef: null,
        schoolRef: null,
        stateStudentId: 'MI-OTHER',
        body: { '@RefId': ref(20) },
      });
      inserted();
      await held;
    });
    await insertedNow;
    const request = send(
      'POST',
      '/requests/StudentPersonals',
      collection(personal(ref(21), 'TXM021'), personal(ref(20), 'TXM020'), personal(ref(22), 'TXM022')),
      { mustUseAdvisory: 'true' },
    );
    // The request's insert waits on the other writer's row; then the other writer commits.
    await eventually(async () => {
      const w = await sys.db.query(
        "SELECT 1 FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()",
      );
      return w.rowCount > 0;
    });
    release();
    await other;
    const r = await request;
    expect(r.statusCode, r.body).toBe(200);
    expect(creates(r.body).map((i) => i.status)).toEqual(['201', '409', '201']);
    const row = await sys.db.query<{ state_code: string }>('SELECT state_code FROM sif_objects WHERE ref_id = $1', [
      ref(20),
    ]);
    expect(row.rows[0]!.state_code).toBe('MI');
    const mine = await sys.db.query("SELECT 1 FROM state_records WHERE state_student_id IN ('TXM021', 'TXM022')");
    expect(mine.rowCount).toBe(2);
    // Written one object at a time after the conflict: a ledger entry each, counting that one object.
    const ledger = await sys.db.query<{ counts: Record<string, number> }>(
      "SELECT counts FROM exchanges WHERE kind = 'sif-api' AND summary->'refIds' ?| array[$1, $2] ORDER BY created_at",
      [ref(21), ref(22)],
    );
    expect(ledger.rows.map((x) => x.counts)).toEqual([
      { received: 1, accepted: 1, rejected: 0 },
      { received: 1, accepted: 1, rejected: 0 },
    ]);
  });

  it('takes StudentRecordExchanges as record requests, checked like any request, never updated', async () => {
    const exchange = (inner: string) => `<StudentRecordExchange>${inner}</StudentRecordExchange>`;
    const purpose = (p: string) =>
      `<SIF_ExtendedElements><SIF_ExtendedElement Name="Purpose">${p}</SIF_ExtendedElement></SIF_ExtendedElements>`;
    const r = await send(
      'POST',
      '/requests/StudentRecordExchanges',
      `<StudentRecordExchanges ${NS}>` +
        exchange(`<StudentPersonalRefId>${ref(1)}</StudentPersonalRefId>${purpose('shopping')}`) +
        exchange(`<StudentPersonalRefId>${ref(99)}</StudentPersonalRefId>${purpose('enrollment')}`) +
        exchange(`<StudentPersonalRefId>${ref(1)}</StudentPersonalRefId>${purpose('enrollment')}`) +
        exchange(
          purpose('enrollment').replace('</SIF_ExtendedElements>', '') +
            '<SIF_ExtendedElement Name="MsixId">123456789012</SIF_ExtendedElement></SIF_ExtendedElements>',
        ) +
        '</StudentRecordExchanges>',
    );
    expect(r.statusCode, r.body).toBe(200);
    expect(xmllint(r.body, 'infra'), r.body).toBeNull();
    // A purpose that is none; a StudentPersonal that is not Texas's; a child not matched yet; a mistyped MSIX id.
    expect(creates(r.body).map((i) => i.status)).toEqual(['400', '400', '409', '400']);
    expect(r.body).toContain('Purpose must say why');
    expect(r.body).toContain('names no StudentPersonal of TX');
    expect(r.body).toContain('no MSIX id yet');
    const u = await send('PUT', `/requests/StudentRecordExchanges/${ref(5)}`, exchange(purpose('enrollment')));
    expect(u.statusCode, u.body).toBe(403);
    expect(u.body).toContain('UPDATE access is not APPROVED for the service StudentRecordExchanges');
    const unknown = await send('GET', `/requests/StudentRecordExchanges/${ref(5)}`, '');
    expect(unknown.statusCode).toBe(404);
  });

  it('refuses writes to read-only services as a whole with a 403 SIF error, before reading the body', async () => {
    const school =
      `<SchoolInfos ${NS}><SchoolInfo RefId="${ref(30)}">` + '<SchoolName>X</SchoolName></SchoolInfo></SchoolInfos>';
    const r = await send('POST', '/requests/SchoolInfos', school);
    expect(r.statusCode, r.body).toBe(403);
    expect(xmllint(r.body, 'infra'), r.body).toBeNull();
    expect(r.body).toContain('CREATE access is not APPROVED for the service SchoolInfos');
    const bad = await send('PUT', '/requests/LEAInfos', 'not even XML', { methodOverride: 'DELETE' });
    expect(bad.statusCode, bad.body).toBe(403);
    expect(bad.body).toContain('DELETE access is not APPROVED for the service LEAInfos');
    const one = await send('PUT', `/requests/SchoolInfos/${ref(30)}`, 'not even XML');
    expect(one.statusCode, one.body).toBe(403);
  });
});
