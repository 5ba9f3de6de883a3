/**
 * FEBRL benchmark records (ANU Febrl data sets, read in place) mapped into
 * the comparison framework: names and birth date reuse the person
 * comparisons; address, postcode and soc_sec_id get their own.
 */
import { readFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import {
  NO_EVIDENCE,
  liftComparison,
  type ComparisonSet,
  type FieldComparison,
} from '../../../core/matching/compare/field-comparison.js';
import { birthDateComparison } from '../../../core/matching/compare/birth-date.js';
import { givenNameComparison } from '../../../core/matching/compare/given-name.js';
import { surnameComparison } from '../../../core/matching/compare/surname.js';
import { foldText } from '../../../core/matching/fold.js';
import { metaphoneCodes } from '../../../core/matching/phonetic.js';
import { standardize } from '../../../core/matching/standardize.js';
import { jaroWinkler, osaDistance } from '../../../core/matching/string-similarity.js';
import type { StandardizedPerson } from '../../../core/matching/types.js';

export interface FebrlRecord {
  id: string;
  entity: string;
  person: StandardizedPerson;
  streetNumber: string | null;
  address1: string | null;
  address2: string | null;
  suburb: string | null;
  postcode: string | null;
  state: string | null;
  socSecId: string | null;
}

/** Reads one FEBRL CSV (", " separated, no quoting; csv-parse trims the spaces). */
export function readFebrl(file: string): FebrlRecord[] {
  const rows: string[][] = parse(readFileSync(file, 'utf8'), {
    from_line: 2,
    skip_empty_lines: true,
    relax_column_count: true,
    relax_quotes: true,
    trim: true,
  });
  const out: FebrlRecord[] = [];
  for (const f of rows) {
    const v = (i: number) => (f[i] && f[i] !== '' ? f[i]! : null);
    const id = f[0]!;
    out.push({
      id,
      entity: /^rec-(\d+)-/.exec(id)?.[1] ?? id,
      person: standardize({
        recordId: id,
        state: null,
        stateStudentId: null,
        firstName: v(1),
        middleName: null,
        lastName1: v(2),
        lastName2: null,
        sex: null,
        birthDate: v(9),
        multipleBirth: null,
        birthCity: null,
        birthState: null,
        birthCountry: null,
        parent1FirstName: null,
        parent1LastName: null,
        parent2FirstName: null,
        parent2LastName: null,
      }),
      streetNumber: v(3),
      address1: v(4) === null ? null : foldText(v(4)),
      address2: v(5) === null ? null : foldText(v(5)),
      suburb: v(6) === null ? null : foldText(v(6)),
      postcode: v(7),
      state: v(8),
      socSecId: v(10),
    });
  }
  return out;
}

function textComparison(field: string, get: (r: FebrlRecord) => string | null): FieldComparison<FebrlRecord> {
  return {
    field,
    levels: ['exact', 'jw92', 'jw80', 'different'],
    compare(a, b) {
      const x = get(a);
      const y = get(b);
      if (x === null || y === null) return NO_EVIDENCE;
      if (x === y) return 0;
      const jw = jaroWinkler(x, y);
      return jw >= 0.92 ? 1 : jw >= 0.8 ? 2 : 3;
    },
  };
}

function codeComparison(field: string, get: (r: FebrlRecord) => string | null): FieldComparison<FebrlRecord> {
  return {
    field,
    levels: ['exact', 'one-edit', 'different'],
    compare(a, b) {
      const x = get(a);
      const y = get(b);
      if (x === null || y === null) return NO_EVIDENCE;
      if (x === y) return 0;
      return osaDistance(x, y, 1) <= 1 ? 1 : 2;
    },
  };
}

const exactComparison = (field: string, get: (r: FebrlRecord) => string | null): FieldComparison<FebrlRecord> => ({
  field,
  levels: ['exact', 'different'],
  compare: (a, b) => {
    const x = get(a);
    const y = get(b);
    return x === null || y === null ? NO_EVIDENCE : x === y ? 0 : 1;
  },
});

const person = (r: FebrlRecord) => r.person;
const nameAndDate = [
  liftComparison(givenNameComparison, person),
  liftComparison(surnameComparison, person),
  liftComparison(birthDateComparison, person),
];

function dm(token: string | undefined): string {
  return token ? metaphoneCodes(token)[0]! : '_';
}

function baseKeys(r: FebrlRecord, keys: Set<string>): void {
  const p = r.person;
  const g = p.given?.tokens[0];
  const s = p.surname1 ?? undefined;
  const b = p.birth;
  if (b) {
    keys.add(`D|${b.digits}`);
    const lo = Math.min(b.month, b.day);
    const hi = Math.max(b.month, b.day);
    keys.add(`W|${b.year}${lo}-${hi}|${dm(s)}`);
    keys.add(`Y|${b.year}|${dm(g)}`);
    keys.add(`Z|${b.year}|${dm(s)}`);
    keys.add(`MD|${b.month}-${b.day}|${dm(s)}`);
    keys.add(`MG|${b.month}-${b.day}|${dm(g)}`);
  }
  keys.add(`GS|${dm(g)}|${dm(s)}`);
  keys.add(`SG|${dm(s)}|${dm(g)}`);
  // Given name and surname swapped between the boxes: an order-free pair of codes.
  const dg = dm(g);
  const ds = dm(s);
  const [first, second] = dg < ds ? [dg, ds] : [ds, dg];
  keys.add(`X|${first}|${second}`);
  // Typos late in both names: first three letters of each.
  if (g && s) keys.add(`Q|${g.slice(0, 3)}|${s.slice(0, 3)}`);
  if (r.suburb) {
    keys.add(`LG|${r.suburb}|${dm(g)}`);
    keys.add(`LS|${r.suburb}|${dm(s)}`);
    if (b) keys.add(`LY|${r.suburb}|${b.year}`);
    // A typo in the suburb (ORANGE / ORAGNE), and given name and surname swapped within one suburb.
    keys.add(`LT|${r.suburb.slice(0, 3)}|${dm(s)}`);
    if (g && s) keys.add(`LX|${r.suburb}|${[g[0], s[0]].sort().join('')}`);
  }
}

const febrlBase = {
  deterministicMatch: (a: FebrlRecord, b: FebrlRecord) =>
    (a.socSecId !== null && a.socSecId === b.socSecId && a.person.birth?.digits === b.person.birth?.digits) ||
    (a.person.given?.joined === b.person.given?.joined &&
      a.person.surnames?.joined === b.person.surnames?.joined &&
      a.person.birth !== null &&
      a.person.birth.digits === b.person.birth?.digits),
  idOf: (r: FebrlRecord) => r.id,
  conflicts: [],
};

/** FEBRL with every field, soc_sec_id as an identifier comparison. */
export const febrlAllFields: ComparisonSet<FebrlRecord> = {
  ...febrlBase,
  name: 'febrl-all',
  comparisons: [
    ...nameAndDate,
    exactComparison('street_number', (r) => r.streetNumber),
    textComparison('address_1', (r) => r.address1),
    textComparison('suburb', (r) => r.suburb),
    codeComparison('postcode', (r) => r.postcode),
    exactComparison('state', (r) => r.state),
    codeComparison('soc_sec_id', (r) => r.socSecId),
  ],
  blockingKeys(r) {
    const keys = new Set<string>();
    baseKeys(r, keys);
    if (r.socSecId) keys.add(`I|${r.socSecId}`);
    if (r.postcode) keys.add(`PC|${r.postcode}|${dm(r.person.surname1 ?? undefined)}`);
    if (r.address1) keys.add(`A|${r.address1}`);
    return [...keys];
  },
};

/** FEBRL using only given name, surname, birth date, suburb and state (the cross-state case: no shared id). */
export const febrlNameDateLocality: ComparisonSet<FebrlRecord> = {
  ...febrlBase,
  deterministicMatch: (a, b) =>
    a.person.given?.joined === b.person.given?.joined &&
    a.person.surnames?.joined === b.person.surnames?.joined &&
    a.person.birth !== null &&
    a.person.birth.digits === b.person.birth?.digits,
  name: 'febrl-name-dob-locality',
  comparisons: [...nameAndDate, textComparison('suburb', (r) => r.suburb), exactComparison('state', (r) => r.state)],
  blockingKeys(r) {
    const keys = new Set<string>();
    baseKeys(r, keys);
    return [...keys];
  },
};
