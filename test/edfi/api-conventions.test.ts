/**
 * The request/response cases of the Ed-Fi API design guidelines and the
 * ODS/API ResponseTests, against the real gateway (Postgres, Redis, real
 * tokens): upsert, ETags, paging, references, deletes, 405s, correlation ids.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startSystem, type TestSystem } from '../support/system.js';
import { BASE, edfiClient, idFrom, type EdfiClient } from './support/client.js';
import { lea, program, school, smepa, ssa, student, SCHOOL_ID } from './support/fixtures.js';

let sys: TestSystem;
let tx: EdfiClient;
let studentId: string;

beforeAll(async () => {
  sys = await startSystem();
  tx = await edfiClient(sys, 'TX');
  expect((await tx.post('localEducationAgencies', lea())).statusCode).toBe(201);
  expect((await tx.post('schools', school())).statusCode).toBe(201);
  const s = await tx.post('students', student('604821'));
  expect(s.statusCode).toBe(201);
  studentId = idFrom(s);
});
afterAll(async () => {
  await sys?.close();
});

describe('POST is an upsert on the natural key', () => {
  it('answers 201 with Location and ETag when new, 200 with the same Location when the key exists', async () => {
    const first = await tx.post('students', student('604822', { firstName: 'Lisa' }));
    expect(first.statusCode).toBe(201);
    expect(first.headers.location).toMatch(new RegExp(`^http://localhost(:80)?${BASE}/students/[0-9a-f]{32}$`));
    expect(first.headers.etag).toMatch(/^"\d+"$/);
    expect(first.body).toBe('');
    const again = await tx.post('students', student('604822', { firstName: 'Lisarae' }));
    expect(again.statusCode).toBe(200);
    expect(again.headers.location).toBe(first.headers.location);
    expect(again.headers.etag).not.toBe(first.headers.etag);
    const read = await tx.get(String(first.headers.location));
    expect(read.json()).toMatchObject({ id: idFrom(first), studentUniqueId: '604822', firstName: 'Lisarae' });
  });

  it('keeps the ETag when the same content is posted again', async () => {
    const a = await tx.post('students', student('604823'));
    const b = await tx.post('students', student('604823'));
    expect(b.statusCode).toBe(200);
    expect(b.headers.etag).toBe(a.headers.etag);
  });

  it('refuses a body carrying an id (400) and an id in the route (405)', async () => {
    const withId = await tx.post('students', { ...student('604824'), id: '3a93cdce157d4cfeb6f8d5caa88c986b' });
    expect(withId.statusCode).toBe(400);
    expect(withId.json()).toMatchObject({
      type: 'urn:ed-fi:api:bad-request:data-validation-failed',
      title: 'Data Validation Failed',
      status: 400,
      errors: [
        "Resource identifiers cannot be assigned by the client. The 'id' property should not be included " +
          'in the request body.',
      ],
    });
    const onItem = await tx.raw({
      method: 'POST',
      url: `${BASE}/students/${studentId}`,
      payload: student('604824'),
      headers: { 'content-type': 'application/json' },
    });
    expect(onItem.statusCode).toBe(405);
    expect(onItem.json().type).toBe('urn:ed-fi:api:method-not-allowed');
  });

  it('accepts a trailing slash on the collection', async () => {
    const r = await tx.raw({
      method: 'POST',
      url: `${BASE}/students/`,
      payload: student('604826'),
      headers: { 'content-type': 'application/json' },
    });
    expect(r.statusCode).toBe(201);
    expect((await tx.get(`${BASE}/students/?studentUniqueId=604826`)).json()).toHaveLength(1);
  });

  it('routes resource names case-insensitively, as the ODS/API tests do', async () => {
    const r = await tx.raw({
      method: 'POST',
      url: `${BASE}/StudentSchoolAssociations`,
      payload: ssa('604821'),
      headers: { 'content-type': 'application/json' },
    });
    expect(r.statusCode).toBe(201);
    expect((await tx.get(`Students/${studentId}`)).statusCode).toBe(200);
  });

  it('drops properties the resource does not have and treats null as absent', async () => {
    const r = await tx.post('students', { ...student('604825'), newField: 'x', middleName: null });
    expect(r.statusCode).toBe(201);
    const body = (await tx.get(String(r.headers.location))).json();
    expect(body).not.toHaveProperty('newField');
    expect(body).not.toHaveProperty('middleName');
  });

  it('answers If-None-Match: * with 412 when the item exists', async () => {
    const r = await tx.post('students', student('604821'), { 'if-none-match': '*' });
    expect(r.statusCode).toBe(412);
    const n = await tx.post('students', student('604899'), { 'if-none-match': '*' });
    expect(n.statusCode).toBe(201);
  });
});

describe('GET by id', () => {
  it('returns the item with id, _etag and _lastModifiedDate, and the ETag header', async () => {
    const r = await tx.get(`students/${studentId}`);
    expect(r.statusCode).toBe(200);
    expect(r.headers['content-type']).toContain('application/json');
    const body = r.json();
    expect(body).toMatchObject({
      id: studentId,
      studentUniqueId: '604821',
      firstName: 'Maria',
      lastSurname: 'Garcia',
      birthDate: '2010-04-02',
    });
    expect(r.headers.etag).toBe(`"${body._etag}"`);
    expect(new Date(body._lastModifiedDate).toString()).not.toBe('Invalid Date');
  });

  it('answers 304 when If-None-Match holds the current ETag (quoted, unquoted or *), 200 otherwise', async () => {
    const etag = String((await tx.get(`students/${studentId}`)).headers.etag);
    expect((await tx.get(`students/${studentId}`, { 'if-none-match': etag })).statusCode).toBe(304);
    expect((await tx.get(`students/${studentId}`, { 'if-none-match': etag.replace(/"/g, '') })).statusCode).toBe(304);
    expect((await tx.get(`students/${studentId}`, { 'if-none-match': '*' })).statusCode).toBe(304);
    expect((await tx.get(`students/${studentId}`, { 'if-none-match': '"0"' })).statusCode).toBe(200);
  });

  it('answers 404 for an unknown id and the id of another resource, 400 for a malformed id', async () => {
    expect((await tx.get('students/00000000000040008000000000000000')).statusCode).toBe(404);
    expect((await tx.get('students/not-an-id')).statusCode).toBe(400);
    const other = await tx.get(`schools/${studentId}`);
    expect(other.statusCode).toBe(404);
    expect(other.json()).toMatchObject({ type: 'urn:ed-fi:api:not-found', title: 'Not Found', status: 404 });
    expect(other.headers['content-type']).toContain('application/problem+json');
  });

  it('accepts the dashed GUID form of an id', async () => {
    const dashed =
      `${studentId.slice(0, 8)}-${studentId.slice(8, 12)}-${studentId.slice(12, 16)}-` +
      `${studentId.slice(16, 20)}-${studentId.slice(20)}`;
    expect((await tx.get(`students/${dashed}`)).statusCode).toBe(200);
  });
});

describe('GET queries', () => {
  beforeAll(async () => {
    for (let i = 0; i < 30; i++)
      await tx.post('students', student(`70${String(i).padStart(4, '0')}`, { lastSurname: i % 2 ? 'Lopez' : 'Perez' }));
  });

  it('filters on key and scalar fields, values compared case-insensitively', async () => {
    const r = await tx.get('students?studentUniqueId=604821');
    expect(r.statusCode).toBe(200);
    expect(r.json()).toHaveLength(1);
    const lopez = await tx.get('students?lastSurname=LOPEZ&limit=100');
    expect(lopez.json()).toHaveLength(15);
    const enr = await tx.get(`studentSchoolAssociations?studentUniqueId=604821&schoolId=${SCHOOL_ID}`);
    expect(enr.json()).toHaveLength(1);
    expect(enr.json()[0]).toMatchObject({
      studentReference: { studentUniqueId: '604821' },
      schoolReference: { schoolId: SCHOOL_ID },
    });
  });

  it('answers an empty array when nothing matches', async () => {
    const r = await tx.get('students?studentUniqueId=nobody');
    expect(r.statusCode).toBe(200);
    expect(r.json()).toEqual([]);
  });

  it('pages with limit 25 by default, offset and limit, and sends Total-Count only with totalCount=true', async () => {
    const first = await tx.get('students');
    expect(first.json()).toHaveLength(25);
    expect(first.headers['total-count']).toBeUndefined();
    const counted = await tx.get('students?totalCount=true&limit=2&offset=3');
    const total = Number(counted.headers['total-count']);
    expect(total).toBeGreaterThanOrEqual(35);
    expect(counted.json()).toHaveLength(2);
    expect(counted.json()[0].id).toBe(first.json()[3].id);
    expect((await tx.get(`students?offset=${total}`)).json()).toEqual([]);
    expect((await tx.get('students?limit=500')).statusCode).toBe(200);
  });

  it(
    'refuses a limit over 500 or below 0, a bad offset, ' + 'and a field that is not searchable, with Ed-Fi messages',
    async () => {
      const big = await tx.get('students?limit=501');
      expect(big.statusCode).toBe(400);
      expect(big.json()).toMatchObject({
        type: 'urn:ed-fi:api:bad-request:parameter-validation-failed',
        errors: ['Limit must be omitted or set to a numeric value between 0 and 500.'],
      });
      expect((await tx.get('students?limit=-1')).statusCode).toBe(400);
      const off = await tx.get('students?offset=5;%20select%20*%20from%20users');
      expect(off.json().errors).toEqual(['Offset must be a numeric value greater than or equal to 0.']);
      const field = await tx.get('students?shoeSize=9');
      expect(field.statusCode).toBe(400);
      expect(field.json().errors[0]).toContain("'shoesize' is not a property of Student");
      expect((await tx.get('schools?schoolId=abc')).statusCode).toBe(400);
    },
  );
});

describe('PUT by id', () => {
  it('replaces the item (204 with a new ETag) and honours If-Match', async () => {
    const created = await tx.post('students', student('604830'));
    const id = idFrom(created);
    const etag = String(created.headers.etag);
    const put = await tx.put('students', id, { id, ...student('604830', { middleName: 'Luz' }) }, { 'if-match': etag });
    expect(put.statusCode).toBe(204);
    expect(put.headers.etag).not.toBe(etag);
    expect((await tx.get(`students/${id}`)).json().middleName).toBe('Luz');
    const stale = await tx.put('students', id, student('604830', { middleName: 'Sol' }), { 'if-match': etag });
    expect(stale.statusCode).toBe(412);
    expect(stale.json()).toMatchObject({
      type: 'urn:ed-fi:api:optimistic-lock-failed',
      title: 'Optimistic Lock Failed',
      detail: 'The item has been modified by another user.',
    });
    expect(
      (await tx.put('students', id, student('604830', { middleName: 'Sol' }), { 'if-match': '*' })).statusCode,
    ).toBe(204);
  });

  it('never creates: 404 for an unknown id, with or without If-Match (as the ODS/API answers)', async () => {
    const r = await tx.put('students', '00000000000040008000000000000000', student('604831'));
    expect(r.statusCode).toBe(404);
    expect(r.json().detail).toBe('Resource to update was not found');
    expect(
      (await tx.put('students', '00000000000040008000000000000000', student('604831'), { 'if-match': '*' })).statusCode,
    ).toBe(404);
  });

  it('refuses a body id that differs from the route and a change of the natural key', async () => {
    const mismatch = await tx.put('students', studentId, {
      id: '00000000000040008000000000000000',
      ...student('604821'),
    });
    expect(mismatch.statusCode).toBe(400);
    expect(mismatch.json().errors).toEqual(['Request body id must match the id in the url.']);
    const keyChange = await tx.put('students', studentId, student('999999'));
    expect(keyChange.statusCode).toBe(400);
    expect(keyChange.json()).toMatchObject({
      type: 'urn:ed-fi:api:bad-request:data-validation-failed:key-change-not-supported',
      title: 'Key Change Not Supported',
    });
  });

  it('answers 405 to PUT and DELETE on a collection', async () => {
    expect(
      (
        await tx.raw({
          method: 'PUT',
          url: `${BASE}/students`,
          payload: {},
          headers: { 'content-type': 'application/json' },
        })
      ).statusCode,
    ).toBe(405);
    expect((await tx.raw({ method: 'DELETE', url: `${BASE}/students` })).statusCode).toBe(405);
  });
});

describe('DELETE by id and references', () => {
  it('refuses a reference to nothing with 409 unresolved-reference, naming the entities', async () => {
    const r = await tx.post('studentSchoolAssociations', ssa('nobody', { schoolReference: { schoolId: 1 } }));
    expect(r.statusCode).toBe(409);
    expect(r.json()).toMatchObject({
      type: 'urn:ed-fi:api:data-conflict:unresolved-reference',
      title: 'Unresolved Reference',
      status: 409,
      detail: 'The referenced Student, School item(s) do not exist.',
    });
  });

  it('resolves an education organization reference to a school or an LEA, and links references on read', async () => {
    const p = await tx.post('programs', program());
    expect(p.statusCode).toBe(201);
    const seoa = await tx.post('studentEducationOrganizationAssociations', {
      studentReference: { studentUniqueId: '604821' },
      educationOrganizationReference: { educationOrganizationId: SCHOOL_ID },
      sexDescriptor: 'uri://ed-fi.org/SexDescriptor#Female',
    });
    expect(seoa.statusCode).toBe(201);
    const read = (await tx.get(String(seoa.headers.location))).json();
    expect(read.studentReference).toEqual({
      studentUniqueId: '604821',
      link: { rel: 'Student', href: `/ed-fi/students/${studentId}` },
    });
    expect(read.educationOrganizationReference.link.rel).toBe('School');
    expect((await tx.get(String(p.headers.location))).json().educationOrganizationReference.link.rel).toBe(
      'LocalEducationAgency',
    );
    // What was read can be sent back: the links are dropped on write.
    expect((await tx.put('studentEducationOrganizationAssociations', read.id, read)).statusCode).toBe(204);
  });

  it('refuses to delete an item still referenced (409 dependent-item-exists) and deletes it once free', async () => {
    const held = await tx.del('students', studentId);
    expect(held.statusCode).toBe(409);
    expect(held.json()).toMatchObject({
      type: 'urn:ed-fi:api:data-conflict:dependent-item-exists',
      title: 'Dependent Item Exists',
    });
    expect(held.json().detail).toContain('StudentSchoolAssociation');
    const s = await tx.post('students', student('604840'));
    const id = idFrom(s);
    expect((await tx.del('students', id, { 'if-match': '"0"' })).statusCode).toBe(412);
    expect((await tx.del('students', id, { 'if-match': String(s.headers.etag) })).statusCode).toBe(204);
    expect((await tx.get(`students/${id}`)).statusCode).toBe(404);
    expect((await tx.del('students', id)).statusCode).toBe(404);
  });

  it('refuses to delete a school that enrollments reference', async () => {
    const schools = (await tx.get(`schools?schoolId=${SCHOOL_ID}`)).json();
    const r = await tx.del('schools', schools[0].id);
    expect(r.statusCode).toBe(409);
  });

  it('checks a program reference with its descriptor case-insensitively', async () => {
    const r = await tx.post(
      'studentMigrantEducationProgramAssociations',
      smepa('604821', {
        programReference: {
          educationOrganizationId: 255901,
          programName: 'Migrant Education',
          programTypeDescriptor: 'uri://ed-fi.org/ProgramTypeDescriptor#MIGRANT EDUCATION',
        },
      }),
    );
    expect(r.statusCode, r.body).toBe(201);
  });
});

describe('change queries', () => {
  it('publishes the change version window and filters collections and deletes by it', async () => {
    const before = (await tx.get('/changeQueries/v1/availableChangeVersions')).json();
    expect(before).toEqual({ oldestChangeVersion: 0, newestChangeVersion: expect.any(Number) });
    // The newest version is a safe horizon: it passes a change once no transaction that could precede it runs.
    const newestAtLeast = (v: number) =>
      eventually(async () => {
        const n = (await tx.get('/changeQueries/v1/availableChangeVersions')).json().newestChangeVersion as number;
        return n >= v ? n : null;
      });
    const created = await tx.post('students', student('604850'));
    const version = Number((await tx.get(`students/${idFrom(created)}`)).json()._etag);
    expect(version).toBeGreaterThan(before.newestChangeVersion);
    const after = await newestAtLeast(version);
    const changed = await tx.get(
      `students?minChangeVersion=${before.newestChangeVersion + 1}&maxChangeVersion=${after}`,
    );
    expect(changed.json().map((s: { studentUniqueId: string }) => s.studentUniqueId)).toEqual(['604850']);
    expect((await tx.del('students', idFrom(created))).statusCode).toBe(204);
    const deletes = await eventually(async () => {
      const v = (await tx.get('/changeQueries/v1/availableChangeVersions')).json().newestChangeVersion as number;
      const d = await tx.get(`students/deletes?minChangeVersion=${after + 1}&maxChangeVersion=${v}&totalCount=true`);
      return d.headers['total-count'] === '1' ? d : null;
    });
    expect(deletes.statusCode).toBe(200);
    const gone = deletes.json() as { changeVersion: number }[];
    expect(gone).toEqual([
      { id: idFrom(created), changeVersion: expect.any(Number), keyValues: { studentUniqueId: '604850' } },
    ]);
    expect(gone[0]!.changeVersion).toBeGreaterThan(after);
    const keyChanges = await tx.get(`students/keyChanges?minChangeVersion=0&totalCount=true`);
    expect(keyChanges.json()).toEqual([]);
    expect(keyChanges.headers['total-count']).toBe('0');
    expect((await tx.get('gradeLevelDescriptors/deletes')).json()).toEqual([]);
  });
});

describe('descriptors', () => {
  it('serves the lists as read-only resources', async () => {
    const r = await tx.get('gradeLevelDescriptors?limit=100&totalCount=true');
    expect(r.statusCode).toBe(200);
    expect(r.headers['total-count']).toBe('26');
    const ninth = r.json().find((d: { codeValue: string }) => d.codeValue === 'Ninth grade');
    expect(ninth).toMatchObject({ namespace: 'uri://ed-fi.org/GradeLevelDescriptor', shortDescription: 'Ninth grade' });
    expect((await tx.get(`gradeLevelDescriptors/${ninth.id}`)).json().codeValue).toBe('Ninth grade');
    expect((await tx.get('sexDescriptors?codeValue=female')).json()).toHaveLength(1);
    const write = await tx.post('gradeLevelDescriptors', {
      codeValue: 'X',
      namespace: 'uri://ed-fi.org/GradeLevelDescriptor',
      shortDescription: 'X',
    });
    expect(write.statusCode).toBe(405);
  });

  it('answers 404 for an unknown resource name', async () => {
    const r = await tx.get('widgets');
    expect(r.statusCode).toBe(404);
    expect(r.json().type).toBe('urn:ed-fi:api:not-found');
  });
});

describe('correlation ids and the DMS path', () => {
  it("puts the caller's correlation id (query parameter or header) in problem details", async () => {
    const q = await tx.get('students/00000000000040008000000000000000?correlationId=abc-123');
    expect(q.json().correlationId).toBe('abc-123');
    const h = await tx.get('students/00000000000040008000000000000000', { 'x-correlation-id': 'hdr-9' });
    expect(h.json().correlationId).toBe('hdr-9');
  });

  it('serves the same data under /data/ed-fi for Data Management Service clients', async () => {
    const r = await tx.get(`/data/ed-fi/students/${studentId}`);
    expect(r.statusCode).toBe(200);
    const p = await tx.raw({
      method: 'POST',
      url: '/data/ed-fi/students',
      payload: student('604860'),
      headers: { 'content-type': 'application/json' },
    });
    expect(p.statusCode).toBe(201);
    expect(p.headers.location).toMatch(/^http:\/\/localhost(:80)?\/data\/ed-fi\/students\/[0-9a-f]{32}$/);
  });
});
