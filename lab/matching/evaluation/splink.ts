/** Splink's fake_1000 / fake_20000 demo records mapped into the comparison framework. */
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
import { jaroWinkler } from '../../../core/matching/string-similarity.js';
import type { StandardizedPerson } from '../../../core/matching/types.js';

export interface SplinkRecord {
  id: string;
  entity: string;
  person: StandardizedPerson;
  city: string | null;
  email: string | null;
  emailUser: string | null;
}

export function readSplink(file: string): SplinkRecord[] {
  const rows = parse(readFileSync(file, 'utf8'), { columns: true, skip_empty_lines: true }) as Record<string, string>[];
  return rows.map((row) => {
    const v = (k: string) => (row[k] && row[k]!.trim() !== '' ? row[k]!.trim() : null);
    const email = v('email')?.toLowerCase() ?? null;
    return {
      id: row.unique_id!,
      entity: row.cluster!,
      person: standardize({
        recordId: row.unique_id!,
        state: null,
        stateStudentId: null,
        firstName: v('first_name'),
        middleName: null,
        lastName1: v('surname'),
        lastName2: null,
        sex: null,
        birthDate: v('dob'),
        multipleBirth: null,
        birthCity: null,
        birthState: null,
        birthCountry: null,
        parent1FirstName: null,
        parent1LastName: null,
        parent2FirstName: null,
        parent2LastName: null,
      }),
      city: v('city') === null ? null : foldText(v('city')),
      email,
      emailUser: email === null ? null : email.split('@')[0]!,
    };
  });
}

const cityComparison: FieldComparison<SplinkRecord> = {
  field: 'city',
  levels: ['exact', 'different'],
  compare: (a, b) => (a.city === null || b.city === null ? NO_EVIDENCE : a.city === b.city ? 0 : 1),
  tfValue: (a, _b, level) => (level === 0 ? a.city : null),
  tfValuesOf: (r) => (r.city ? [r.city] : []),
};

const emailComparison: FieldComparison<SplinkRecord> = {
  field: 'email',
  levels: ['exact', 'same-user', 'jw88', 'different'],
  compare(a, b) {
    if (a.email === null || b.email === null) return NO_EVIDENCE;
    if (a.email === b.email) return 0;
    if (a.emailUser === b.emailUser) return 1;
    return jaroWinkler(a.email, b.email) >= 0.88 ? 2 : 3;
  },
};

const person = (r: SplinkRecord) => r.person;
const dm = (t: string | null | undefined) => (t ? metaphoneCodes(t)[0]! : '_');

export const splinkFakeSet: ComparisonSet<SplinkRecord> = {
  name: 'splink-fake',
  comparisons: [
    liftComparison(givenNameComparison, person),
    liftComparison(surnameComparison, person),
    liftComparison(birthDateComparison, person),
    cityComparison,
    emailComparison,
  ],
  conflicts: [],
  blockingKeys(r) {
    const keys = new Set<string>();
    const p = r.person;
    const g = p.given?.tokens[0];
    const s = p.surname1;
    if (p.birth) {
      keys.add(`D|${p.birth.digits}`);
      keys.add(`Y|${p.birth.year}|${dm(g)}`);
      keys.add(`Z|${p.birth.year}|${dm(s)}`);
      keys.add(`M|${p.birth.month}-${p.birth.day}|${dm(g)}`);
    }
    keys.add(`GS|${dm(g)}|${dm(s)}`);
    // Small data set: loose single-field keys are affordable and catch heavy corruption.
    if (g) keys.add(`G|${dm(g)}`);
    if (s) keys.add(`S|${dm(s)}`);
    if (p.birth) keys.add(`B|${p.birth.year}`);
    if (r.email) keys.add(`E|${r.email}`);
    if (r.emailUser) keys.add(`U|${r.emailUser}`);
    if (r.city) keys.add(`C|${r.city}|${dm(g)}`);
    return [...keys];
  },
  deterministicMatch: (a, b) =>
    (a.email !== null && a.email === b.email) ||
    (a.person.given?.joined === b.person.given?.joined &&
      a.person.surnames?.joined === b.person.surnames?.joined &&
      a.person.birth?.digits === b.person.birth?.digits &&
      a.person.birth !== null),
  idOf: (r) => r.id,
};
