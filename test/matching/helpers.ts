/** Builders shared by the matching tests. */
import type { PersonRecord } from '../../core/matching/types.js';

let seq = 0;

/** A complete record; override what the test is about. */
export function person(overrides: Partial<PersonRecord> = {}): PersonRecord {
  seq++;
  return {
    recordId: `T${seq}`,
    state: 'TX',
    stateStudentId: `TX${1000 + seq}`,
    firstName: 'María Guadalupe',
    middleName: null,
    lastName1: 'Hernández',
    lastName2: 'Xocua',
    sex: 'F',
    birthDate: '2012-03-04',
    multipleBirth: null,
    birthCity: 'Puebla',
    birthState: 'Puebla',
    birthCountry: 'MX',
    parent1FirstName: 'José',
    parent1LastName: 'Hernández',
    parent2FirstName: 'Rosa',
    parent2LastName: 'Xocua',
    ...overrides,
  };
}
