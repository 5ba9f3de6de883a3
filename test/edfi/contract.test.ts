/**
 * Contract checks against the published Ed-Fi documents (read in place):
 * every resource schema is a subset of the Ed-Fi Resource API (DS 5.0
 * OpenAPI) component of the same name, property by property, with the same
 * required fields; discovery, metadata and change-query answers match the
 * Ed-Fi Discovery and Change Queries API schemas.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { Ajv } from 'ajv';
import { RESOURCES } from '../../specs/edfi/catalog.js';
import { FAMILIES } from '../../specs/edfi/model/index.js';
import { sharedData } from '../support/data.js';
import { startSystem, type TestSystem } from '../support/system.js';
import { edfiClient, type EdfiClient } from './support/client.js';

type Json = Record<string, unknown>;
const yaml = (f: string) => parse(readFileSync(sharedData('edfi', 'openapi', f), 'utf8')) as Json;
const components = (doc: Json) => (doc.components as { schemas: Record<string, Json> }).schemas;

/** Our differences from DS 5.0, on purpose: DS 5.2 names, or gateway-only fields. */
const KNOWN: Record<string, string[]> = {};

describe('resource schemas against the Ed-Fi Resource API (DS 5.0) OpenAPI', () => {
  const official = components(yaml('resources-ds-5.0.yaml'));
  const resolve = (s: Json): Json => (typeof s.$ref === 'string' ? official[s.$ref.split('/').pop()!]! : s);
  const typeOf = (s: Json): string => String(resolve(s).type ?? (resolve(s).properties ? 'object' : '?'));

  function compare(ours: Json, theirs: Json, path: string, out: string[]) {
    const t = resolve(theirs);
    const tp = (t.properties ?? {}) as Record<string, Json>;
    const op = (ours.properties ?? {}) as Record<string, Json>;
    for (const [name, s] of Object.entries(op)) {
      const other = tp[name];
      if (!other) {
        out.push(`${path}.${name}: not in the Ed-Fi component`);
        continue;
      }
      const ot = String(s.type);
      const tt = typeOf(other);
      if (ot !== tt && !(ot === 'integer' && tt === 'integer')) out.push(`${path}.${name}: ${ot} here, ${tt} in Ed-Fi`);
      if (ot === 'object') compare(s, other, `${path}.${name}`, out);
      if (ot === 'array')
        compare((s.items ?? {}) as Json, (resolve(other).items ?? {}) as Json, `${path}.${name}[]`, out);
    }
    const req = new Set((t.required ?? []) as string[]);
    const ours2 = new Set((ours.required ?? []) as string[]);
    for (const r of req) if (!ours2.has(r) && r !== 'id') out.push(`${path}: Ed-Fi requires ${r}`);
    for (const r of ours2) if (!req.has(r)) out.push(`${path}: ${r} is required here only`);
  }

  // Descriptor types served as resources have no component in the resources document (they are descriptors).
  for (const def of RESOURCES.filter((d) => !d.name.endsWith('Descriptors'))) {
    const prefix = def.project === 'tpdm' ? 'tpdm' : 'edFi';
    const name = `${prefix}_${def.entity.charAt(0).toLowerCase()}${def.entity.slice(1)}`;
    it(`${def.name} is a subset of ${name}`, () => {
      expect(official[name], name).toBeDefined();
      const out: string[] = [];
      compare(JSON.parse(JSON.stringify(def.schema)) as Json, official[name]!, def.name, out);
      expect(out.filter((x) => !(KNOWN[def.name] ?? []).includes(x))).toEqual([]);
    });
  }
});

describe('discovery, metadata and change queries against the Ed-Fi API specifications', () => {
  let sys: TestSystem;
  let tx: EdfiClient;
  beforeAll(async () => {
    sys = await startSystem();
    tx = await edfiClient(sys, 'TX');
  });
  afterAll(async () => {
    await sys?.close();
  });
  const ajv = new Ajv({ strict: false });

  it('serves the discovery document at / to anyone, shaped as metadataRoot', async () => {
    const r = await sys.app.inject({ method: 'GET', url: '/', headers: { accept: 'application/json' } });
    expect(r.statusCode).toBe(200);
    const schema = components(yaml('discovery-api-1.0.yaml')).metadataRoot!;
    expect(ajv.validate(schema, r.json()), JSON.stringify(ajv.errors)).toBe(true);
    expect(r.json().dataModels[0]).toMatchObject({ name: 'Ed-Fi', version: '5.2.0' });
    expect(r.json().urls.dataManagementApi).toMatch(/\/data\/v3\/$/);
    const browser = await sys.app.inject({ method: 'GET', url: '/', headers: { accept: 'text/html' } });
    expect(browser.statusCode).toBe(303);
    expect(browser.headers.location).toBe('/portal');
  });

  it('lists the OpenAPI sections at /metadata and serves each, with every resource and descriptor', async () => {
    const sections = (await sys.app.inject('/metadata/')).json() as { name: string; endpointUri: string }[];
    const link = components(yaml('discovery-api-1.0.yaml')).apiSpecLink!;
    for (const s of sections) expect(ajv.validate(link, s)).toBe(true);
    expect(sections.map((s) => s.name)).toEqual(['Resources', 'Descriptors']);
    const resources = (await sys.app.inject(new URL(sections[0]!.endpointUri).pathname)).json();
    expect(resources.openapi).toBe('3.0.3');
    for (const def of RESOURCES) {
      expect(Object.keys(resources.paths)).toEqual(
        expect.arrayContaining(
          [def.name, `${def.name}/{id}`, `${def.name}/deletes`].map((p) => `/${def.project ?? 'ed-fi'}/${p}`),
        ),
      );
    }
    expect(resources.components.schemas.edFi_studentMigrantEducationProgramAssociation.required).toEqual(
      expect.arrayContaining(['priorityForServices', 'lastQualifyingMove']),
    );
    const descriptors = (await sys.app.inject('/metadata/data/v3/descriptors/swagger.json')).json();
    expect(Object.keys(descriptors.paths)).toContain('/ed-fi/gradeLevelDescriptors');
    expect((await sys.app.inject('/metadata/specifications/resources-spec.json')).json().servers[0].url).toMatch(
      /\/data$/,
    );
  });

  it('publishes a load order in which every resource comes after what it references', async () => {
    const deps = (await sys.app.inject('/metadata/data/v3/dependencies')).json() as {
      resource: string;
      order: number;
      operations: string[];
    }[];
    const schema = components(yaml('discovery-api-1.0.yaml')).dependency!;
    for (const d of deps) expect(ajv.validate(schema, d)).toBe(true);
    const order = new Map(deps.map((d) => [d.resource.replace(/^\/(ed-fi|tpdm)\//, ''), d.order]));
    for (const def of RESOURCES) {
      for (const ref of def.references) {
        const targets = FAMILIES.get(ref.target)?.members ?? [ref.target];
        for (const t of targets)
          if (t !== def.name) expect(order.get(t)!, `${def.name} -> ${t}`).toBeLessThanOrEqual(order.get(def.name)!);
      }
    }
  });

  it('answers availableChangeVersions as the Change Queries API defines it, to authenticated callers', async () => {
    const r = await tx.get('/changeQueries/v1/availableChangeVersions');
    const schema = yaml('change-queries-api-1.0.0.yaml');
    expect(ajv.validate(components(schema).availableChangeVersion!, r.json())).toBe(true);
    expect((await sys.app.inject('/changeQueries/v1/availableChangeVersions')).statusCode).toBe(401);
  });
});
