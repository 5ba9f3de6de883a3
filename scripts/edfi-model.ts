/**
 * Compiles the Ed-Fi Resource API OpenAPI (Data Standard 5, `resources-ds-5.0.yaml`) into the model the gateway
 * serves every resource from, as the Ed-Fi Data Management Service serves from its API schema: per resource a JSON
 * schema for ajv (references inlined, server fields left out), the natural key (flattened names and where each value
 * sits), the references a document makes (also inside collections) and whether its key may change. The compiled
 * model is checked in (`ds5.json`), so the gateway needs no YAML at run time; `test/edfi/model.test.ts` checks it
 * still equals what this compiles from the shared data.
 *
 *   npx tsx scripts/edfi-model.ts [../shared/data/edfi/openapi/resources-ds-5.0.yaml]
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

import type {
  Json,
  Model,
  ModelFamily,
  ModelIdentityField,
  ModelReference,
  ModelResource,
} from '../specs/edfi/model/types.js';

/** Where the compiled model comes from (the README of the shared data names the upstream commits). */
export const MODEL_SOURCE =
  'Ed-Fi Resource API OpenAPI resources-ds-5.0.yaml (Ed-Fi-Alliance-OSS/Ed-Fi-API-Specifications @ d04ae3f, ' +
  'Apache-2.0) and the descriptor types of Data Standard 5.2.0 DescriptorsAll/; compiled, not copied';

/** The descriptor type names of the Data Standard: the files of `DescriptorsAll/`, one type each. */
export function descriptorTypeNames(edfiDir: string): Set<string> {
  return new Set(
    readdirSync(join(edfiDir, 'DescriptorsAll'))
      .filter((f) => f.endsWith('.xml'))
      // One file lacks the suffix: SupporterMilitaryConnection.xml holds SupporterMilitaryConnectionDescriptor.
      .map((f) => f.slice(0, -'.xml'.length).replace(/(?<!Descriptor)$/, 'Descriptor')),
  );
}

/** The education organization kinds: each one's own id is also its `educationOrganizationId`. */
const EDORG_ENTITIES = new Set([
  'CommunityOrganization',
  'CommunityProvider',
  'EducationOrganizationNetwork',
  'EducationServiceCenter',
  'LocalEducationAgency',
  'OrganizationDepartment',
  'PostSecondaryInstitution',
  'School',
  'StateEducationAgency',
]);

const cap = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
const lowerFirst = (s: string) => s.charAt(0).toLowerCase() + s.slice(1);
/** `edFi_academicWeek` -> `AcademicWeek`. */
const entityOf = (component: string) => cap(component.slice(component.indexOf('_') + 1));
const refName = (r: string) => r.slice(r.lastIndexOf('/') + 1);
/** `memberEducationOrganizationReference` to an EducationOrganization -> `member`; '' when not role-named. */
function roleOf(property: string, ref: string): string {
  const base = property.slice(0, -'Reference'.length);
  const entity = entityOf(refName(ref).slice(0, -'Reference'.length));
  return base.endsWith(entity) ? base.slice(0, -entity.length) : '';
}

/** Descriptor types with a list in the Data Standard, to name the type of a role-named descriptor property. */
function descriptorType(property: string, known: ReadonlySet<string>): string {
  const full = cap(property);
  for (let i = 0; i < full.length; i++) {
    if (i > 0 && full.charAt(i) !== full.charAt(i).toUpperCase()) continue;
    const suffix = full.slice(i);
    if (known.has(suffix)) return suffix;
  }
  return full;
}

/**
 * Compiles the OpenAPI text. `descriptorTypes` are the Data Standard's descriptor type names (`GradeLevelDescriptor`),
 * so a role-named property (`entryGradeLevelDescriptor`) is checked as the type it holds.
 */
export function compileModel(yamlText: string, source: string, descriptorTypes: ReadonlySet<string>): Model {
  const doc = parse(yamlText) as { paths: Record<string, Json>; components: { schemas: Record<string, Json> } };
  const schemas = doc.components.schemas;
  const schemaOf = (ref: string): Json => {
    const s = schemas[refName(ref)];
    if (!s) throw new Error(`no schema ${ref}`);
    return s;
  };

  /** Inlines one OpenAPI schema as JSON schema with the gateway's Ed-Fi keywords. */
  function convert(s: Json, name: string, identity: boolean, required: boolean): Json {
    if (typeof s.$ref === 'string')
      return convertObject(schemaOf(s.$ref), identity || refName(s.$ref).endsWith('Reference'));
    if (s.type === 'array') {
      const item = convert(s.items as Json, name, false, true);
      return { type: 'array', items: item, ...(s.minItems !== undefined ? { minItems: s.minItems } : {}) };
    }
    if (s.type === 'object') return convertObject(s, identity);
    const out: Json = { type: s.type };
    for (const k of ['minLength', 'maxLength', 'minimum', 'maximum', 'pattern', 'enum'] as const)
      if (s[k] !== undefined) out[k] = s[k];
    if (s.format === 'date') out.format = 'date';
    if (s.format === 'date-time') out.format = 'iso-date-time';
    if (s.type === 'integer' && s.format === 'int64') out.maximum ??= Number.MAX_SAFE_INTEGER;
    if (s.type === 'string') {
      if (name.endsWith('Descriptor') && s.maxLength === 306)
        out['x-edfi-descriptor'] = descriptorType(name, descriptorTypes);
      else if (identity || s['x-Ed-Fi-isIdentity']) out['x-edfi-spaces'] = 'identity';
      else if (required) out['x-edfi-spaces'] = 'required';
    }
    if (typeof s.description === 'string' && s.description) out.description = s.description;
    return out;
  }

  function convertObject(s: Json, identityRef: boolean): Json {
    const props = (s.properties ?? {}) as Record<string, Json>;
    const required = new Set((s.required as string[] | undefined) ?? []);
    const properties: Json = {};
    for (const [k, v] of Object.entries(props)) {
      if (k === 'id' || k === 'link' || k === '_etag' || k === '_lastModifiedDate' || k === '_ext') continue;
      properties[k] = convert(v, k, identityRef && !!v['x-Ed-Fi-isIdentity'], required.has(k));
    }
    const req = [...required].filter((k) => k in properties);
    return {
      type: 'object',
      properties,
      ...(req.length ? { required: req } : {}),
      additionalProperties: false,
    };
  }

  const collections = Object.keys(doc.paths).filter((p) => !p.includes('{'));
  const resources: ModelResource[] = [];
  const byComponent = new Map<string, ModelResource>();
  for (const p of collections) {
    const [, project, name] = p.split('/') as [string, string, string];
    const get = doc.paths[p]!.get as Json;
    const put = (doc.paths[`${p}/{id}`] as Json | undefined)?.put as Json | undefined;
    const content = ((get.responses as Json)['200'] as Json).content as Json;
    const component = refName((((content['application/json'] as Json).schema as Json).items as Json).$ref as string);
    const raw = schemas[component]!;
    const schema = convertObject(raw, false);
    const props = raw.properties as Record<string, Json>;
    const idNames = (get.parameters as Json[]).filter((x) => x['x-Ed-Fi-isIdentity']).map((x) => x.name as string);
    // References of the document itself that may hold key fields, e.g. schoolReference.schoolId.
    const refProps = Object.entries(props)
      .filter(([, v]) => typeof v.$ref === 'string' && (v.$ref as string).endsWith('Reference'))
      .map(([k, v]) => ({
        property: k,
        base: k.slice(0, -'Reference'.length),
        role: roleOf(k, v.$ref as string),
        fields: Object.keys(schemaOf(v.$ref as string).properties as Json).filter((f) => f !== 'link'),
        required: ((raw.required as string[]) ?? []).includes(k),
      }));
    const used = new Set<string>();
    const identity: ModelIdentityField[] = [];
    const pending: string[] = [];
    for (const n of idNames) {
      if (props[n] && !props[n].$ref)
        identity.push({ name: n, path: [n], ...(n.endsWith('Descriptor') ? { descriptor: true } : {}) });
      else pending.push(n);
    }
    // Role-named first (`programEducationOrganizationId` is programReference.educationOrganizationId), then by name.
    const take = (n: string, match: (r: (typeof refProps)[number], f: string) => boolean) => {
      const cands = refProps.flatMap((r) =>
        r.fields.filter((f) => !used.has(`${r.property}.${f}`) && match(r, f)).map((f) => ({ r, f })),
      );
      if (cands.length === 0) return false;
      cands.sort((a, b) => Number(b.r.required) - Number(a.r.required));
      const { r, f } = cands[0]!;
      used.add(`${r.property}.${f}`);
      identity.push({ name: n, path: [r.property, f], ...(n.endsWith('Descriptor') ? { descriptor: true } : {}) });
      return true;
    };
    const rest = pending
      .filter((n) => !take(n, (r, f) => n === r.base + cap(f)))
      .filter((n) => !take(n, (r, f) => r.role !== '' && n === r.role + cap(f)));
    for (const n of rest) {
      if (!take(n, (_r, f) => f === n)) throw new Error(`${name}: no source for identity field ${n}`);
    }
    identity.sort((a, b) => idNames.indexOf(a.name) - idNames.indexOf(b.name));
    const r: ModelResource = {
      name,
      project,
      entity: entityOf(component),
      description: typeof raw.description === 'string' ? raw.description : '',
      schema,
      identity,
      references: [],
      updatable: !!put?.['x-Ed-Fi-isUpdatable'],
    };
    if (EDORG_ENTITIES.has(r.entity)) r.family = 'educationOrganizations';
    resources.push(r);
    byComponent.set(component, r);
  }

  // References, wherever they sit in the document (inside collections too).
  const refTarget = (refComponent: string): { target: string; entity: string } => {
    const base = refComponent.slice(0, -'Reference'.length);
    const r = byComponent.get(base);
    if (r) return { target: r.name, entity: r.entity };
    const entity = entityOf(base);
    return { target: `${lowerFirst(entity)}s`, entity };
  };
  const walk = (s: Json, path: string[], out: ModelReference[], depth: number) => {
    if (depth > 6) return;
    for (const [k, v] of Object.entries((s.properties ?? {}) as Record<string, Json>)) {
      if (k === '_ext') continue; // extensions are not part of the served schema
      if (typeof v.$ref === 'string') {
        const c = refName(v.$ref);
        if (c.endsWith('Reference')) {
          const t = refTarget(c);
          out.push({ path: [...path, k], target: t.target, targetEntity: t.entity });
        } else walk(schemaOf(v.$ref), [...path, k], out, depth + 1);
      } else if (v.type === 'array' && typeof (v.items as Json).$ref === 'string') {
        walk(schemaOf((v.items as Json).$ref as string), [...path, k, '*'], out, depth + 1);
      }
    }
  };
  for (const [component, r] of byComponent) walk(schemas[component]!, [], r.references, 0);

  // Abstract families: the education organization and the general student program association.
  const gspaFields = Object.keys(schemaOf('edFi_generalStudentProgramAssociationReference').properties as Json).filter(
    (f) => f !== 'link',
  );
  const sameSet = (a: string[], b: string[]) => a.length === b.length && a.every((x) => b.includes(x));
  for (const r of resources) {
    if (
      !r.family &&
      r.name !== 'generalStudentProgramAssociations' &&
      sameSet(
        r.identity.map((f) => f.name),
        gspaFields,
      )
    )
      r.family = 'generalStudentProgramAssociations';
  }
  const families: ModelFamily[] = [
    {
      name: 'educationOrganizations',
      entity: 'EducationOrganization',
      fields: ['educationOrganizationId'],
      members: resources.filter((r) => r.family === 'educationOrganizations').map((r) => r.name),
    },
    {
      name: 'generalStudentProgramAssociations',
      entity: 'GeneralStudentProgramAssociation',
      fields: gspaFields,
      members: resources.filter((r) => r.family === 'generalStudentProgramAssociations').map((r) => r.name),
    },
  ];
  const known = new Set([...resources.map((r) => r.name), ...families.map((f) => f.name)]);
  for (const r of resources)
    for (const ref of r.references)
      if (!known.has(ref.target))
        throw new Error(`${r.name}: reference ${ref.path.join('.')} to unknown ${ref.target}`);
  return { source, resources, families, descriptors: [...descriptorTypes].sort() };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const here = fileURLToPath(new URL('.', import.meta.url));
  const shared = process.env.MSIX_SHARED_DATA ?? join(here, '../../shared/data');
  const file = resolve(process.argv[2] ?? join(shared, 'edfi/openapi/resources-ds-5.0.yaml'));
  const model = compileModel(readFileSync(file, 'utf8'), MODEL_SOURCE, descriptorTypeNames(join(shared, 'edfi')));
  writeFileSync(join(here, '../specs/edfi/model/ds5.json'), `${JSON.stringify(model)}\n`);
  console.log(`${model.resources.length} resources`);
}
