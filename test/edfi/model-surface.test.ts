/**
 * The whole Data Standard 5 surface, data-driven from the model: for every resource a minimal valid document
 * (generated from its schema, references pointing at the documents made before it) is created in load order, read
 * back by id and by its natural key, replaced, and deleted in reverse order, after a delete while referenced is
 * refused. Failures are collected per resource so one run names every resource that misbehaves.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSystem, type TestSystem } from '../support/system.js';
import { RESOURCES, type ResourceDef } from '../../specs/edfi/catalog.js';
import { MODEL } from '../../specs/edfi/model/index.js';
import { DESCRIPTOR_LISTS } from '../../specs/edfi/descriptors.js';
import { edfiClient, idFrom, type EdfiClient } from './support/client.js';
import { acceptedDocument } from './support/minimal.js';

type Json = Record<string, unknown>;

let sys: TestSystem;
let tx: EdfiClient;
const made = new Map<string, Json>();
const ids = new Map<string, string>();

const url = (def: ResourceDef, rest = '') => `/data/v3/${def.project ?? 'ed-fi'}/${def.name}${rest}`;

/** A read item without what the server adds (id, _etag, _lastModifiedDate, reference links at any depth). */
function stripServer(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(stripServer);
  if (v && typeof v === 'object') {
    const out: Json = {};
    for (const [k, x] of Object.entries(v))
      if (k !== 'link' && k !== 'id' && k !== '_etag' && k !== '_lastModifiedDate') out[k] = stripServer(x);
    return out;
  }
  return v;
}

/** JSON with object keys sorted (Postgres jsonb keeps its own key order). */
const sorted = (v: unknown): string =>
  JSON.stringify(v, (_k, x: unknown) =>
    x && typeof x === 'object' && !Array.isArray(x)
      ? Object.fromEntries(Object.entries(x).sort(([a], [b]) => (a < b ? -1 : 1)))
      : x,
  );

beforeAll(async () => {
  // Several requests for every resource and descriptor type: more than one client's per-minute limit.
  sys = await startSystem({ env: { RATE_LIMIT_MAX: '100000' } });
  tx = await edfiClient(sys, 'TX');
});
afterAll(async () => {
  await sys?.close();
});

describe('every resource of the Data Standard 5 model', () => {
  it('is served: the catalog holds every resource of the model', () => {
    const served = new Set(RESOURCES.map((r) => r.name));
    expect(MODEL.resources.filter((r) => !served.has(r.name)).map((r) => r.name)).toEqual([]);
    const lists = RESOURCES.filter((r) => r.name.endsWith('Descriptors')).length;
    expect(RESOURCES.length - lists).toBe(MODEL.resources.length);
    // Every descriptor type is served: as a Data Standard list (read-only) or writable in a state's namespaces.
    expect(lists + DESCRIPTOR_LISTS.size).toBeGreaterThanOrEqual(MODEL.descriptors.length);
  });

  it("takes a state's descriptor values in its own namespace, never in the Data Standard's", async () => {
    const value = {
      namespace: 'uri://tx.gov/AcademicHonorCategoryDescriptor',
      codeValue: 'Honor Roll',
      shortDescription: 'Honor roll',
    };
    const created = await tx.post('academicHonorCategoryDescriptors', value);
    expect(created.statusCode).toBe(201);
    const read = await tx.get('academicHonorCategoryDescriptors?codeValue=honor%20roll');
    expect(read.json()).toEqual([expect.objectContaining(value)]);
    const edfi = await tx.post('academicHonorCategoryDescriptors', {
      ...value,
      namespace: 'uri://ed-fi.org/AcademicHonorCategoryDescriptor',
    });
    expect(edfi.statusCode).toBe(400);
    expect(Object.keys(edfi.json().validationErrors)).toEqual(['$.namespace']);
    expect((await tx.del('academicHonorCategoryDescriptors', idFrom(created))).statusCode).toBe(204);
  });

  it('takes a minimal valid document, reads it back by id and key, replaces and deletes it', async () => {
    const failures: string[] = [];
    for (const [i, def] of RESOURCES.entries()) {
      let body: Json;
      try {
        body = acceptedDocument(def, made, 'MODEL1', i);
      } catch (e) {
        failures.push(String(e));
        continue;
      }
      const r = await tx.raw({
        method: 'POST',
        url: url(def),
        payload: JSON.stringify(body),
        headers: { 'content-type': 'application/json' },
      });
      if (r.statusCode !== 201) {
        failures.push(`POST ${def.name}: ${r.statusCode} ${r.body.slice(0, 300)}`);
        continue;
      }
      made.set(def.name, body);
      ids.set(def.name, idFrom(r));
    }
    for (const def of RESOURCES) {
      const id = ids.get(def.name);
      if (!id) continue;
      const got = await tx.get(url(def, `/${id}`));
      if (got.statusCode !== 200) failures.push(`GET ${def.name}: ${got.statusCode}`);
      else if (sorted(stripServer(got.json())) !== sorted(stripServer(made.get(def.name))))
        failures.push(`GET ${def.name}: read back differs: ${got.body.slice(0, 300)}`);
      const q = new URLSearchParams();
      const body = made.get(def.name)!;
      for (const f of def.identity) {
        let cur: unknown = body;
        for (const p of f.path) cur = (cur as Json)[p];
        q.set(f.name, String(cur));
      }
      const byKey = await tx.get(url(def, `?${q}`));
      if (byKey.statusCode !== 200 || (byKey.json() as Json[]).length !== 1)
        failures.push(`GET ${def.name}?${q}: ${byKey.statusCode} ${byKey.body.slice(0, 200)}`);
      const put = await tx.raw({
        method: 'PUT',
        url: url(def, `/${id}`),
        payload: JSON.stringify(body),
        headers: { 'content-type': 'application/json' },
      });
      if (put.statusCode !== 204) failures.push(`PUT ${def.name}: ${put.statusCode} ${put.body.slice(0, 200)}`);
    }
    // Key changes where the model allows them, cascading to the documents that reference the old key.
    const byName = (n: string) => RESOURCES.find((d) => d.name === n)!;
    const session = { ...made.get('sessions')!, sessionName: 'Renamed session' };
    const put = await tx.raw({
      method: 'PUT',
      url: url(byName('sessions'), `/${ids.get('sessions')}`),
      payload: JSON.stringify(session),
      headers: { 'content-type': 'application/json' },
    });
    expect(put.statusCode, put.body).toBe(204);
    const offering = (await tx.get(url(byName('courseOfferings'), `/${ids.get('courseOfferings')}`))).json();
    expect(offering.sessionReference.sessionName).toBe('Renamed session');
    const section = (await tx.get(url(byName('sections'), `/${ids.get('sections')}`))).json();
    expect(section.courseOfferingReference.sessionName).toBe('Renamed session');
    const sessionChanges = (await tx.get(url(byName('sessions'), '/keyChanges'))).json();
    expect(sessionChanges).toEqual([
      expect.objectContaining({
        id: ids.get('sessions'),
        oldKeyValues: expect.objectContaining({ sessionName: made.get('sessions')!.sessionName }),
        newKeyValues: expect.objectContaining({ sessionName: 'Renamed session' }),
      }),
    ]);
    const cascaded = (await tx.get(url(byName('sections'), '/keyChanges'))).json();
    expect(cascaded).toEqual([expect.objectContaining({ id: ids.get('sections') })]);
    // A resource whose key the model does not let change refuses it.
    const week = { ...made.get('academicWeeks')!, weekIdentifier: 'Another week' };
    const refusedKey = await tx.raw({
      method: 'PUT',
      url: url(byName('academicWeeks'), `/${ids.get('academicWeeks')}`),
      payload: JSON.stringify(week),
      headers: { 'content-type': 'application/json' },
    });
    expect(refusedKey.statusCode).toBe(400);
    // A document others reference cannot go first.
    const school = RESOURCES.find((d) => d.name === 'schools')!;
    const refused = await tx.raw({ method: 'DELETE', url: url(school, `/${ids.get('schools')}`) });
    if (refused.statusCode !== 409) failures.push(`DELETE schools while referenced: ${refused.statusCode}`);
    for (const def of [...RESOURCES].reverse()) {
      const id = ids.get(def.name);
      if (!id) continue;
      const d = await tx.raw({ method: 'DELETE', url: url(def, `/${id}`) });
      if (d.statusCode !== 204) failures.push(`DELETE ${def.name}: ${d.statusCode} ${d.body.slice(0, 300)}`);
    }
    const deletes = await tx.get(url(RESOURCES.find((d) => d.name === 'academicWeeks')!, '/deletes'));
    expect(deletes.json()).toEqual([expect.objectContaining({ id: ids.get('academicWeeks') })]);
    expect(failures).toEqual([]);
  }, 120_000);
});
