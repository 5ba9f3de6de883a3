/**
 * Regression tests for "never merge twins": the cases the synthetic
 * population merged before rules person-2026.11-2 (seed 7 and seed 11, 20,000 records).
 */
import { describe, expect, it } from 'vitest';
import { linkBatch } from '../../core/matching/batch.js';
import { loadDefaultModel } from '../../core/matching/default-model.js';
import { GIVEN_LEVELS } from '../../core/matching/compare/given-name.js';
import { personComparisonSet } from '../../core/matching/person-comparisons.js';
import { scorePair } from '../../core/matching/scoring.js';
import { standardize } from '../../core/matching/standardize.js';
import type { PersonRecord } from '../../core/matching/types.js';
import { person } from './helpers.js';

const model = loadDefaultModel();

/** Twin family of the seed-7 merge: MARIA JOSE and MARIA GUADALUPE CRUZ CONTRERAS, 2012-08-30. */
function cruz(overrides: Partial<PersonRecord>): PersonRecord {
  return person({
    firstName: 'MARIA',
    middleName: null,
    lastName1: 'CRUZ',
    lastName2: 'CONTRERAS',
    sex: 'F',
    birthDate: '2012-08-30',
    multipleBirth: false,
    birthCity: null,
    birthState: null,
    birthCountry: null,
    parent1FirstName: 'SEBASTIAN',
    parent1LastName: 'CRUZ',
    parent2FirstName: 'ASHLEY',
    parent2LastName: 'CONTRERAS',
    ...overrides,
  });
}

const givenLevel = (a: PersonRecord, b: PersonRecord) =>
  scorePair(standardize(a), standardize(b), model).contributions.find((c) => c.field === 'given_name')!.level;

describe('twin given names', () => {
  it('same first name with different middle names is a conflict, not an exact match', () => {
    expect(givenLevel(cruz({ middleName: 'JOSE' }), cruz({ middleName: 'Guadalupe' }))).toBe('overlap-conflict');
    // The maternal surname in the middle box is not a second given name.
    expect(givenLevel(cruz({ middleName: 'CONTRERAS' }), cruz({ middleName: 'JOSE' }))).toBe('exact');
  });

  it('one typo in the first part of a compound name does not make MARIO JOSE one edit from MARIA GUADALUPE', () => {
    expect(givenLevel(cruz({ firstName: 'MARIO JOSE' }), cruz({ firstName: 'Maria Guadalupe' }))).toBe(
      'overlap-conflict',
    );
    expect(GIVEN_LEVELS).toContain('overlap-conflict');
  });

  it('a typo inside a shortened compound name is not a different name', () => {
    expect(givenLevel(person({ firstName: 'Ibabel' }), person({ firstName: 'MARIA ISABEL' }))).toBe('jw88-or-one-edit');
  });
});

describe('linkBatch never merges twins', () => {
  it('holds for review a record that links to both twins (seed 7: MAYE between MARIA JOSE and MARIA GUADALUPE)', () => {
    const records = [
      cruz({
        recordId: 'j1',
        state: 'TX',
        stateStudentId: 'TX1',
        middleName: 'JOSE',
        parent2FirstName: null,
        parent2LastName: null,
      }),
      cruz({
        recordId: 'j2',
        state: 'CA',
        stateStudentId: 'CA1',
        firstName: 'MARÍA JSOÉ',
        lastName1: 'CRUZ-CONTRERAS',
        lastName2: null,
      }),
      cruz({
        recordId: 'j3',
        state: 'GA',
        stateStudentId: 'GA1',
        firstName: 'MARIO JOSE',
        parent1FirstName: null,
        parent1LastName: null,
      }),
      cruz({
        recordId: 'g1',
        state: 'GA',
        stateStudentId: 'GA2',
        firstName: 'MAYE',
        lastName1: 'CRQZ',
        sex: null,
        parent1LastName: 'CRUZ RIVERA',
      }),
      cruz({
        recordId: 'g2',
        state: 'OR',
        stateStudentId: 'OR1',
        firstName: 'Maria',
        middleName: 'Guadalupe',
        multipleBirth: true,
        parent1FirstName: null,
        parent1LastName: null,
      }),
    ].map(standardize);
    const child = ['J', 'J', 'J', 'G', 'G'];
    const { clusterOf } = linkBatch(records, personComparisonSet, model);
    for (let i = 0; i < records.length; i++)
      for (let j = 0; j < records.length; j++) {
        if (child[i] !== child[j])
          expect(clusterOf[i], `${records[i]!.recordId} with ${records[j]!.recordId}`).not.toBe(clusterOf[j]);
      }
  });

  it(
    'keeps a flagged co-twin apart when a shortened name equals the other twin (seed 11: FERNANDA / MARIA ' +
      'FERNANDA)',
    () => {
      const base = {
        firstName: 'FERNANDA',
        lastName1: 'CASTILLO',
        lastName2: 'NUNEZ',
        birthDate: '2015-12-04',
        multipleBirth: true as boolean | null,
        birthCity: null,
        birthState: null,
        birthCountry: null,
        parent1FirstName: 'DANIEL',
        parent1LastName: 'CASTILLO',
        parent2FirstName: 'MARIA DEL CARMEN',
        parent2LastName: 'NUNEZ DE LA CRUZ',
      };
      const records = [
        person({ ...base, recordId: 'a1', state: 'TX', stateStudentId: 'TX174829187' }),
        person({ ...base, recordId: 'a2', state: 'CA', stateStudentId: 'CA174837222', firstName: 'MARÍA FERNANDA' }),
        person({ ...base, recordId: 'a3', state: 'CA', stateStudentId: 'CA174837222', firstName: 'MARÍA FERNANDA' }),
        person({ ...base, recordId: 'b1', state: 'TX', stateStudentId: 'TX174842686' }),
        person({
          ...base,
          recordId: 'b2',
          state: 'CA',
          stateStudentId: 'CA174854339',
          lastName1: 'CASTILLO-NÚÑEZ',
          lastName2: null,
          sex: null,
          multipleBirth: false,
          parent1LastName: 'CASTILLO RIVERA',
        }),
      ].map(standardize);
      const child = ['A', 'A', 'A', 'B', 'B'];
      const result = linkBatch(records, personComparisonSet, model);
      for (let i = 0; i < records.length; i++)
        for (let j = 0; j < records.length; j++) {
          if (child[i] !== child[j])
            expect(result.clusterOf[i], `${records[i]!.recordId} with ${records[j]!.recordId}`).not.toBe(
              result.clusterOf[j],
            );
        }
      expect(result.review.length).toBeGreaterThan(0);
    },
  );

  it('does not take two misspellings of one name for twins (seed 7: VICNTE / VICENKE SALAZAR NAVA)', () => {
    const base = {
      lastName1: 'SALAZAR',
      lastName2: 'NAVA',
      sex: 'M' as const,
      birthDate: '2019-09-19',
      multipleBirth: false,
      birthCity: null,
      birthState: null,
      birthCountry: null,
      parent1FirstName: null,
      parent1LastName: null,
      parent2FirstName: 'ADRIANA',
      parent2LastName: 'NAVA',
    };
    const records = [
      person({ ...base, recordId: 'v1', state: 'WA', stateStudentId: 'WA218023084', firstName: 'VICNTE' }),
      person({ ...base, recordId: 'v2', state: 'MI', stateStudentId: 'MI218039986', firstName: 'VICENKE' }),
      person({ ...base, recordId: 'v3', state: 'GA', stateStudentId: 'GA218024920', firstName: 'VICENTE' }),
      person({
        ...base,
        recordId: 'v4',
        state: 'WA',
        stateStudentId: 'WA218023084',
        firstName: 'VICENTE',
        multipleBirth: null,
      }),
      person({
        ...base,
        recordId: 'v5',
        state: 'TX',
        stateStudentId: 'TX218048110',
        firstName: 'VICENTE',
        parent2FirstName: null,
        parent2LastName: null,
      }),
    ].map(standardize);
    const result = linkBatch(records, personComparisonSet, model);
    // The two misspellings stay apart (a conflict for review), but they are not twins, so the other records are not
    // held.
    expect(result.stats.heldRecords).toBe(0);
    const clusters = new Set(result.clusterOf);
    expect(clusters.size).toBe(2);
    expect(result.review.length).toBeGreaterThan(0);
  });

  it('still keeps real twins with unrelated names apart and holds a record that matches both', () => {
    const base = {
      lastName1: 'RUIZ',
      lastName2: 'LOPEZ',
      birthDate: '2014-06-12',
      multipleBirth: true,
      birthCity: null,
      birthState: null,
      birthCountry: null,
    };
    const records = [
      person({ ...base, recordId: 'c1', state: 'TX', stateStudentId: 'TX1', firstName: 'CAMILA' }),
      person({ ...base, recordId: 'c2', state: 'CA', stateStudentId: 'CA1', firstName: 'Camila' }),
      person({ ...base, recordId: 'v1', state: 'TX', stateStudentId: 'TX2', firstName: 'VALERIA' }),
      person({ ...base, recordId: 'v2', state: 'CA', stateStudentId: 'CA2', firstName: 'Valeria' }),
    ].map(standardize);
    const { clusterOf } = linkBatch(records, personComparisonSet, model);
    expect(clusterOf[0]).toBe(clusterOf[1]);
    expect(clusterOf[2]).toBe(clusterOf[3]);
    expect(clusterOf[0]).not.toBe(clusterOf[2]);
  });
});
