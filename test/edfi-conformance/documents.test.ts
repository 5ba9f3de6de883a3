/**
 * The Ed-Fi API's document semantics, checked the same way on every resource
 * of resources.ts (Ed-Fi API design guidelines and ODS/API client guide):
 * POST upserts on the natural key (201, then 200 with the same Location), ETags
 * on every verb (POST, GET, PUT with If-Match, DELETE with If-Match,
 * If-None-Match 304), query by example on every key field and the id, offset
 * paging with Total-Count, change queries (minChangeVersion, /deletes with the
 * key values, /keyChanges), and a deleted item gone. Then what is particular:
 * references and dependent items (409s), quoted numbers, duplicate collection
 * items, child-collection filters, descriptors.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSystem, type TestSystem } from '../support/system.js';
import { BASE, edfiClient, idFrom, type EdfiClient } from '../edfi/support/client.js';
import { school, ssa, student } from '../edfi/support/fixtures.js';
import { resourceNamed } from '../../specs/edfi/catalog.js';
import { REFERENCE_DATA, RESOURCE_CASES, STUDENT, type Doc } from './resources.js';

let sys: TestSystem;
let tx: EdfiClient;

beforeAll(async () => {
  sys = await startSystem();
  tx = await edfiClient(sys, 'TX');
  for (const [resource, doc] of REFERENCE_DATA) {
    const r = await tx.post(resource, doc);
    expect(r.statusCode, `${resource}: ${r.body}`).toBe(201);
  }
});
afterAll(async () => {
  await sys?.close();
});

const version = (etag: unknown): number => Number(String(etag).replace(/"/g, ''));

/** The value of an identity field in a document (`schoolReference.schoolId` for `schoolId`). */
function valueAt(doc: Doc, path: readonly string[]): unknown {
  let cur: unknown = doc;
  for (const p of path) cur = (cur as Record<string, unknown> | undefined)?.[p];
  return cur;
}

describe.each(RESOURCE_CASES.map((c) => [c.resource, c] as const))('%s', (resource, c) => {
  it('upserts, carries ETags on every verb, answers queries and change queries, deletes', async () => {
    const def = resourceNamed(resource);
    const doc = c.make(1);
    // POST: 201 with an absolute Location and an ETag; the same again is 200 with the same ETag.
    const created = await tx.post(resource, doc);
    expect(created.statusCode, created.body).toBe(201);
    expect(created.headers.location).toMatch(new RegExp(`^https?://[^/]+${BASE}/${resource}/[0-9a-f]{32}$`));
    const id = idFrom(created);
    const same = await tx.post(resource, doc);
    expect(same.statusCode).toBe(200);
    expect(same.headers.location).toBe(created.headers.location);
    expect(same.headers.etag).toBe(created.headers.etag);
    // A change by POST on the same key is an update of the same item, with a new ETag.
    const changed = await tx.post(resource, c.change(doc));
    expect(changed.statusCode, changed.body).toBe(200);
    expect(changed.headers.location).toBe(created.headers.location);
    expect(changed.headers.etag).not.toBe(created.headers.etag);

    // GET by id: the ETag header and _etag agree; If-None-Match gives 304.
    const read = await tx.get(`${resource}/${id}`);
    expect(read.statusCode).toBe(200);
    expect(read.headers.etag).toBe(changed.headers.etag);
    expect(`"${read.json()._etag}"`).toBe(read.headers.etag);
    expect(typeof read.json()._lastModifiedDate).toBe('string');
    expect((await tx.get(`${resource}/${id}`, { 'if-none-match': String(read.headers.etag) })).statusCode).toBe(304);

    // PUT: a stale If-Match is 412; the current one 204 with a new ETag.
    const stale = await tx.put(resource, id, c.make(1), { 'if-match': String(created.headers.etag) });
    expect(stale.statusCode).toBe(412);
    expect(stale.json().type).toBe('urn:ed-fi:api:optimistic-lock-failed');
    const put = await tx.put(resource, id, c.make(1), { 'if-match': String(read.headers.etag) });
    expect(put.statusCode, put.body).toBe(204);
    expect(put.headers.etag).not.toBe(read.headers.etag);

    // Query by example: every natural-key field finds the item; so does its id.
    for (const f of def.identity) {
      const v = valueAt(doc, f.path);
      const q = await tx.get(`${resource}?${f.name}=${encodeURIComponent(String(v))}`);
      expect(q.statusCode, `${f.name}: ${q.body}`).toBe(200);
      expect(
        q.json().map((x: Doc) => x.id),
        f.name,
      ).toContain(id);
    }
    const byId = await tx.get(`${resource}?id=${id}`);
    expect(byId.json().map((x: Doc) => x.id)).toEqual([id]);

    // Offset paging with Total-Count.
    const more = [await tx.post(resource, c.make(2)), await tx.post(resource, c.make(3))];
    for (const m of more) expect(m.statusCode, m.body).toBe(201);
    const page = await tx.get(`${resource}?limit=1&offset=1&totalCount=true`);
    expect(page.json()).toHaveLength(1);
    expect(Number(page.headers['total-count'])).toBeGreaterThanOrEqual(3);
    expect((await tx.get(`${resource}?limit=1`)).headers['total-count']).toBeUndefined();

    // Change queries: what changed since the PUT, and the window the server offers.
    const since = version(put.headers.etag);
    const changes = await tx.get(`${resource}?minChangeVersion=${since}`);
    expect(changes.json().map((x: Doc) => x.id)).toEqual(expect.arrayContaining([id, ...more.map(idFrom)]));
    // The newest version is held below any write transaction still open in the cluster (core/edfi/store.ts),
    // and other test files write to the same cluster: the window reaches `since` once those have ended.
    let newest = -1;
    for (let tries = 0; tries < 200 && newest < since; tries++) {
      if (tries > 0) await new Promise((resolve) => setTimeout(resolve, 25));
      newest = (await tx.get('/changeQueries/v1/availableChangeVersions')).json().newestChangeVersion;
    }
    expect(newest).toBeGreaterThanOrEqual(since);

    // DELETE: a stale If-Match is 412; then 204, the item is gone and listed in /deletes with its key.
    const delStale = await tx.del(resource, id, { 'if-match': String(created.headers.etag) });
    expect(delStale.statusCode).toBe(412);
    const del = await tx.del(resource, id);
    expect(del.statusCode, del.body).toBe(204);
    expect((await tx.get(`${resource}/${id}`)).statusCode).toBe(404);
    const deletes = (await tx.get(`${resource}/deletes?minChangeVersion=${since}`)).json();
    const gone = deletes.find((d: { id: string }) => d.id === id);
    expect(gone).toMatchObject({ id, changeVersion: expect.any(Number), keyValues: expect.any(Object) });
    expect((await tx.get(`${resource}/keyChanges?minChangeVersion=${since}`)).json()).toEqual([]);
    // Posted again, it is a new item.
    const again = await tx.post(resource, doc);
    expect(again.statusCode).toBe(201);
    expect(idFrom(again)).not.toBe(id);
  });
});

describe('references and dependent items', () => {
  it('refuses an unresolved reference (409) and a delete while referenced (409)', async () => {
    const unresolved = await tx.post('studentSchoolAssociations', ssa('999999'));
    expect(unresolved.statusCode).toBe(409);
    expect(unresolved.json()).toMatchObject({
      type: 'urn:ed-fi:api:data-conflict:unresolved-reference',
      title: 'Unresolved Reference',
    });
    const studentId = (await tx.get(`students?studentUniqueId=${STUDENT}`)).json()[0].id;
    const dependent = await tx.del('students', studentId);
    expect(dependent.statusCode).toBe(409);
    expect(dependent.json()).toMatchObject({
      type: 'urn:ed-fi:api:data-conflict:dependent-item-exists',
      title: 'Dependent Item Exists',
    });
    expect((await tx.get(`students/${studentId}`)).statusCode).toBe(200);
  });

  it('refuses a change of the natural key (key-change-not-supported) and reports no key change', async () => {
    const id = idFrom(await tx.post('students', student('930001')));
    const r = await tx.put('students', id, student('930002'));
    expect(r.statusCode).toBe(400);
    expect(r.json().type).toBe('urn:ed-fi:api:bad-request:data-validation-failed:key-change-not-supported');
    expect((await tx.get('students/keyChanges')).json()).toEqual([]);
  });
});

describe('values as the ODS/API reads them', () => {
  it('takes quoted numbers for numbers and stores them as numbers', async () => {
    const r = await tx.post('schools', { ...school(255901201), schoolId: '255901201' });
    expect(r.statusCode, r.body).toBe(201);
    expect((await tx.get(`schools/${idFrom(r)}`)).json().schoolId).toBe(255901201);
    const ref = await tx.post('studentSchoolAssociations', {
      ...ssa(STUDENT, { entryDate: '2025-09-30' }),
      schoolReference: { schoolId: '255901001' },
    });
    expect(ref.statusCode, ref.body).toBe(201);
    const notANumber = await tx.post('schools', { ...school(255901202), schoolId: 'two' });
    expect(notANumber.statusCode).toBe(400);
    expect(notANumber.json().validationErrors['$.schoolId']).toBeDefined();
  });

  it('refuses a collection holding the same item twice', async () => {
    const grade = { gradeLevelDescriptor: 'uri://ed-fi.org/GradeLevelDescriptor#Ninth grade' };
    const r = await tx.post('schools', { ...school(255901203), gradeLevels: [grade, { ...grade }] });
    expect(r.statusCode).toBe(400);
    expect(r.json()).toMatchObject({
      type: 'urn:ed-fi:api:bad-request:data-validation-failed',
      validationErrors: {
        '$.gradeLevels': [
          'The 2nd item of gradeLevels has the same identifying values as another item earlier in the list.',
        ],
      },
    });
    expect((await tx.get('schools?schoolId=255901203')).json()).toEqual([]);
  });
});

describe('extensions and what the canonical mapping does not read', () => {
  it('stores and returns _ext on the document and on a collection item, as sent, mapping nothing', async () => {
    const ext = { tx: { migrantFlag: true, code: 'A1', nested: { n: 2 } } };
    const doc = {
      ...student('ext-1'),
      otherNames: [
        {
          otherNameTypeDescriptor: 'uri://ed-fi.org/OtherNameTypeDescriptor#Alias',
          firstName: 'Mia',
          lastSurname: 'Garcia',
          _ext: { tx: { source: 'intake' } },
        },
      ],
      _ext: ext,
    };
    const r = await tx.post('students', doc);
    expect(r.statusCode, r.body).toBe(201);
    const back = (await tx.get(`students/${idFrom(r)}`)).json();
    expect(back._ext).toEqual(ext);
    expect(back.otherNames[0]._ext).toEqual({ tx: { source: 'intake' } });
    // On a generated resource too.
    const d = { namespace: 'uri://tx.gov/AcademicHonorCategoryDescriptor', codeValue: 'Ext', shortDescription: 'Ext' };
    const g = await tx.post('academicHonorCategoryDescriptors', { ...d, _ext: ext });
    expect(g.statusCode, g.body).toBe(201);
    expect((await tx.get(`academicHonorCategoryDescriptors/${idFrom(g)}`)).json()._ext).toEqual(ext);
    // An extension project must be an object.
    const bad = await tx.post('students', { ...student('ext-2'), _ext: { tx: 5 } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().validationErrors['$._ext.tx']).toBeDefined();
  });

  it('returns what a hand-written (canonical-mapped) resource does not map, as the client sent it', async () => {
    const personReference = {
      personId: 'P-100',
      sourceSystemDescriptor: 'uri://ed-fi.org/SourceSystemDescriptor#State',
    };
    const r = await tx.post('students', { ...student('unmapped-1'), personReference });
    expect(r.statusCode, r.body).toBe(201);
    expect((await tx.get(`students/${idFrom(r)}`)).json().personReference).toEqual(personReference);
    // Still validated by the Data Standard's rule.
    const bad = await tx.post('students', { ...student('unmapped-2'), personReference: { personId: 'P-101' } });
    expect(bad.statusCode).toBe(400);
    expect(Object.keys(bad.json().validationErrors).join()).toContain('personReference');
  });
});

describe('query by example beyond the key', () => {
  it('filters on members of child collections (any item matching)', async () => {
    const hit = await tx.get('schools?identificationCode=482001000001');
    expect(hit.statusCode, hit.body).toBe(200);
    expect(hit.json().map((s: Doc) => s.schoolId)).toContain(255901001);
    expect((await tx.get('schools?identificationCode=000000000000')).json()).toEqual([]);
    const grade = await tx.get(
      `schools?gradeLevelDescriptor=${encodeURIComponent('uri://ed-fi.org/GradeLevelDescriptor#ninth grade')}`,
    );
    expect(grade.json().length).toBeGreaterThan(0);
  });

  it('refuses a malformed id filter as a parameter problem', async () => {
    const r = await tx.get('students?id=nope');
    expect(r.statusCode).toBe(400);
    expect(r.json().type).toBe('urn:ed-fi:api:bad-request:parameter-validation-failed');
  });
});

describe('descriptors', () => {
  it('serve a description on every item and filter on id, codeValue and description', async () => {
    const all = (await tx.get('gradeLevelDescriptors?limit=500')).json();
    expect(all.length).toBeGreaterThan(10);
    for (const d of all) expect(typeof d.description).toBe('string');
    const one = all.find((d: Doc) => d.codeValue === 'Ninth grade');
    expect((await tx.get(`gradeLevelDescriptors?id=${one.id}`)).json()).toEqual([one]);
    expect((await tx.get(`gradeLevelDescriptors?description=${encodeURIComponent(one.description)}`)).json()).toEqual(
      expect.arrayContaining([one]),
    );
    expect((await tx.get(`gradeLevelDescriptors/${one.id}`)).json()).toEqual(one);
    expect((await tx.get('gradeLevelDescriptors?codeValue=Ninth%20grade&correlationId=x1')).json()).toEqual([one]);
  });
});

describe('cursor paging (ODS/API 7.3: pageToken, pageSize, Next-Page-Token, /partitions)', () => {
  /** Follows Next-Page-Token from a first URL; every id read, in order. */
  async function follow(first: string): Promise<string[]> {
    const ids: string[] = [];
    let url: string | null = first;
    for (let guard = 0; url && guard < 100; guard++) {
      const r = await tx.get(url);
      expect(r.statusCode, r.body).toBe(200);
      ids.push(...r.json().map((x: Doc) => x.id));
      const token = r.headers['next-page-token'];
      url = token ? `${first.split('?')[0]}?pageSize=2&pageToken=${encodeURIComponent(String(token))}` : null;
    }
    return ids;
  }

  it('reads a whole collection page by page, each item once, as offset paging does', async () => {
    const all = (await tx.get('students?limit=500')).json().map((x: Doc) => x.id);
    expect(all.length).toBeGreaterThan(4);
    const byCursor = await follow('students?pageSize=2');
    expect(byCursor).toEqual(all);
    expect((await tx.get('students?limit=500')).headers['next-page-token']).toBeUndefined();
  });

  it('partitions cover the collection once; each is read with its token', async () => {
    const all = (await tx.get('students?limit=500')).json().map((x: Doc) => x.id);
    const p = await tx.get('students/partitions?number=3');
    expect(p.statusCode, p.body).toBe(200);
    const tokens: string[] = p.json().pageTokens;
    expect(tokens.length).toBeGreaterThanOrEqual(1);
    const read: string[] = [];
    for (const t of tokens) read.push(...(await follow(`students?pageSize=2&pageToken=${encodeURIComponent(t)}`)));
    expect(read.sort()).toEqual([...all].sort());
    expect((await tx.get('students/partitions?number=0')).statusCode).toBe(400);
  });

  it('descriptor lists page by cursor too', async () => {
    const all = (await tx.get('gradeLevelDescriptors?limit=500')).json().map((x: Doc) => x.id);
    expect(await follow('gradeLevelDescriptors?pageSize=2')).toEqual(all);
    expect((await tx.get('gradeLevelDescriptors/partitions')).json().pageTokens).toHaveLength(1);
  });

  it.each([
    ['pageSize with offset', 'students?pageSize=2&offset=2'],
    ['pageSize with limit', 'students?pageSize=2&limit=2'],
    ['totalCount with a pageToken', 'students?pageToken=MCw5MDA3MTk5MjU0NzQwOTkx&totalCount=true'],
    ['a pageToken not given by the server', 'students?pageToken=bm9wZQ'],
    ['pageSize over 500', 'students?pageSize=501'],
  ])('refuses %s (parameter-validation-failed)', async (_name, url) => {
    const r = await tx.get(url);
    expect(r.statusCode).toBe(400);
    expect(r.json().type).toBe('urn:ed-fi:api:bad-request:parameter-validation-failed');
  });
});

describe('profiles', () => {
  it('refuses a profile media type with 415 (none is served)', async () => {
    const write = await tx.post('students', student('940001'), {
      'content-type': 'application/vnd.ed-fi.student.nutrition.writable+json',
    });
    expect(write.statusCode).toBe(415);
    expect(write.json().type).toBe('urn:ed-fi:api:unsupported-media-type');
    const read = await tx.get('students', { accept: 'application/vnd.ed-fi.student.nutrition.readable+json' });
    expect(read.statusCode).toBe(415);
    expect((await tx.get(`students?studentUniqueId=940001`)).json()).toEqual([]);
  });
});
