/**
 * The Ed-Fi descriptor lists the gateway validates against and serves
 * read-only as `/ed-fi/{name}s`. A descriptor URI is `namespace#codeValue`,
 * compared case-insensitively (the ODS/API and DMS do; sample data and seeds
 * differ in case). Descriptor types without a list here are checked for form
 * only; docs/edfi.md lists them.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { codesets, nearestBy } from '@msix/adapter-sdk/canonical';
import type { DescriptorList, DescriptorValue } from './descriptors/types.js';

const DIR = fileURLToPath(new URL('./descriptors/', import.meta.url));

function loadLists(): DescriptorList[] {
  return readdirSync(DIR)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => JSON.parse(readFileSync(DIR + f, 'utf8')) as DescriptorList);
}

/** The gateway's own namespace for descriptors Ed-Fi has no values for (MSIX enrollment types). */
export const GATEWAY_NAMESPACE_AUTHORITY = 'uri://msix-gateway.org';

/**
 * MSIX enrollment types as an Ed-Fi descriptor of the gateway's namespace,
 * from the canonical code set, so a StudentSchoolAssociation can say which
 * kind of school or MEP project the enrollment is (the crosswalk
 * edfi/enrollmentType maps them back).
 */
function enrollmentTypes(): DescriptorList {
  const set = codesets.enrollmentType;
  return {
    name: 'EnrollmentTypeDescriptor',
    namespace: `${GATEWAY_NAMESPACE_AUTHORITY}/EnrollmentTypeDescriptor`,
    dataStandard: `msix-codeset-${set.version}`,
    source:
      `The gateway's enrollmentType code set v${set.version} ` +
      '(@msix/adapter-sdk, src/canonical/codesets/enrollmentType.json)',
    values: set.codes.map((c) => ({ codeValue: c.code, shortDescription: c.label })),
  };
}

/** Every descriptor list, by type name (`GradeLevelDescriptor`). */
export const DESCRIPTOR_LISTS: ReadonlyMap<string, DescriptorList> = new Map(
  [...loadLists(), enrollmentTypes()].map((l) => [l.name, l]),
);

const uriOf = (l: DescriptorList, v: DescriptorValue) => `${l.namespace}#${v.codeValue}`;
const known = new Map<string, Map<string, string>>(
  [...DESCRIPTOR_LISTS.values()].map((l) => [
    l.name,
    new Map(l.values.map((v) => [uriOf(l, v).toLowerCase(), uriOf(l, v)])),
  ]),
);

/** `GradeLevelDescriptor` -> `gradeLevelDescriptors`, the resource name. */
export function descriptorResourceName(type: string): string {
  return `${type.charAt(0).toLowerCase()}${type.slice(1)}s`;
}

/** The list served at a resource name (`gradeLevelDescriptors`, any case). */
export function descriptorListForResource(segment: string): DescriptorList | undefined {
  const s = segment.toLowerCase();
  for (const l of DESCRIPTOR_LISTS.values()) if (descriptorResourceName(l.name).toLowerCase() === s) return l;
  return undefined;
}

/** `uri://ed-fi.org/GradeLevelDescriptor#…` -> `ed-fi.org` (lower-cased). */
const authorityOf = (uri: string): string =>
  (/^[a-z][a-z0-9+.-]*:\/\/([^/#\s]+)/i.exec(uri.trim())?.[1] ?? '').toLowerCase();

const DESCRIPTOR_URI = /^[a-z][a-z0-9+.-]*:\/\/[^#\s]+\/[^#/\s]+#\S(.*\S)?$/i;

export type DescriptorCheck = { kind: 'ok'; uri: string } | { kind: 'unknown'; message: string; suggestions: string[] };

/** Lists of at most this many values are given whole in an error; longer ones give the nearest values. */
const LIST_WHOLE = 30;

/**
 * Checks one descriptor value of a type. A value in the namespace authority
 * of the list (ed-fi.org for the Data Standard lists) must be in it, and the
 * answer to a wrong one lists the valid ones (or, for long lists, the nearest
 * ones and where the rest are). Values of another authority (a state's own
 * descriptors, `uri://gbisd.edu/…`) are checked for form only.
 */
export function checkDescriptor(type: string, value: string, basePath = '/data/v3/ed-fi'): DescriptorCheck {
  const list = DESCRIPTOR_LISTS.get(type);
  const exists = `${type} value '${value.toLowerCase()}' does not exist.`;
  if (!list) {
    return DESCRIPTOR_URI.test(value)
      ? { kind: 'ok', uri: value }
      : {
          kind: 'unknown',
          message: `${exists} A descriptor is a URI of the form uri://{namespace authority}/${type}#{codeValue}.`,
          suggestions: [],
        };
  }
  const hit = known.get(type)!.get(value.trim().toLowerCase());
  if (hit !== undefined) return { kind: 'ok', uri: value };
  // Values of another namespace authority (a state's or district's own descriptors) cannot be known here: form only.
  if (DESCRIPTOR_URI.test(value) && authorityOf(value) !== authorityOf(list.namespace))
    return { kind: 'ok', uri: value };
  const all = list.values.map((v) => uriOf(list, v));
  const code = value.includes('#') ? value.slice(value.indexOf('#') + 1).toLowerCase() : value.toLowerCase();
  const suggestions =
    all.length <= LIST_WHOLE
      ? all
      : nearestBy(list.values, code, (v) => [v.codeValue, v.shortDescription], 10).map((v) => uriOf(list, v));
  const where =
    all.length <= LIST_WHOLE
      ? 'Valid values'
      : `The nearest of ${all.length} valid values (all at ${basePath}/${descriptorResourceName(type)})`;
  return { kind: 'unknown', message: `${exists} ${where}: ${suggestions.join(', ')}.`, suggestions };
}

/** The code value of a descriptor URI (`…#Ninth grade` -> `Ninth grade`), or undefined for a malformed one. */
export function codeValueOf(uri: string): string | undefined {
  const i = uri.indexOf('#');
  return i < 0 ? undefined : uri.slice(i + 1);
}

export type { DescriptorList } from './descriptors/types.js';
