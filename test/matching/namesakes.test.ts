/**
 * Namesakes kept apart (rules person-2026.12-6, issue 12): the clusters that mixed two children on a population
 * the engine was not tuned on were namesakes with a missing or one-digit-off birth date and no parents. Each rule
 * below fails on rules `-5`.
 */
import { describe, expect, it } from 'vitest';
import { linkBatch } from '../../core/matching/batch.js';
import { BIRTH, compareDates } from '../../core/matching/compare/birth-date.js';
import { type ComparisonSet, NO_EVIDENCE } from '../../core/matching/compare/field-comparison.js';
import type { MatchModel } from '../../core/matching/model.js';
import { compareFamilySurnames, compareParents, PARENTS } from '../../core/matching/compare/parents.js';
import { parseBirthDate } from '../../core/matching/dates.js';
import { loadDefaultModel } from '../../core/matching/default-model.js';
import { matchArriving } from '../../core/matching/incremental.js';
import { CONFLICT, personComparisonSet } from '../../core/matching/person-comparisons.js';
import { scorePair } from '../../core/matching/scoring.js';
import { standardize } from '../../core/matching/standardize.js';
import type { PersonRecord } from '../../core/matching/types.js';
import { person } from './helpers.js';

const std = (o: Partial<PersonRecord>) => standardize(person(o));
const model = loadDefaultModel();
const noParents = { parent1FirstName: null, parent1LastName: null, parent2FirstName: null, parent2LastName: null };
const noPlace = { birthCity: null, birthState: null, birthCountry: null };

describe('namesakes', () => {
  it('a year digit that moves the date by years is not a close date', () => {
    const far = compareDates(parseBirthDate('2012-11-22'), parseBirthDate('2017-11-22'));
    expect(far).toBe(BIRTH['one-edit-year-far']);
    expect(compareDates(parseBirthDate('2012-11-22'), parseBirthDate('2012-11-27'))).toBe(BIRTH['one-edit']);
    expect(compareDates(parseBirthDate('2012-11-22'), parseBirthDate('2013-11-22'))).toBe(BIRTH['one-edit']);
  });

  it("a father's surname that both children carry is not counted a second time", () => {
    const brown = {
      firstName: 'James',
      lastName1: 'Brown',
      lastName2: null,
      parent2FirstName: null,
      parent2LastName: null,
    };
    const a = std({ ...brown, parent1FirstName: 'Christopher', parent1LastName: 'Brown' });
    const b = std({ ...brown, parent1FirstName: 'Michael', parent1LastName: 'Brown' });
    expect(compareFamilySurnames(a, b)).toBe(NO_EVIDENCE);
    // Without parents on one side, the child's surname among the other's parents says nothing either.
    const c = std({ ...brown, ...noParents });
    expect(compareFamilySurnames(a, c)).toBe(NO_EVIDENCE);
    // A parent surname beyond the children's own still counts.
    const d = std({ ...brown, parent1FirstName: 'Chris', parent1LastName: 'Brown', parent2LastName: 'Miller' });
    const e = std({ ...brown, parent1FirstName: 'Emily', parent1LastName: 'Miller', parent2LastName: 'Brown' });
    expect(compareFamilySurnames(d, std({ ...brown, ...noParents }))).toBe(NO_EVIDENCE);
    expect(compareFamilySurnames(d, e)).toBe(0);
  });

  it('names alone never link: a birth date that names the day, a parent or the state id must agree too', () => {
    const ka = { firstName: 'Ka', middleName: null, lastName1: 'Yang', lastName2: null, ...noParents, ...noPlace };
    const a = std({ ...ka, birthDate: null });
    const b = std({ ...ka, birthDate: '2014-02-12' });
    const s = scorePair(a, b, model);
    expect(s.conflicts).toContain(CONFLICT.namesOnly);
    expect(s.decision).not.toBe('link');
    // With the day, or a parent who is the same person, the pair links.
    expect(scorePair(std({ ...ka, birthDate: '2014-02-12' }), b, model).decision).toBe('link');
    const withMother = { ...ka, parent2FirstName: 'Choua', parent2LastName: 'Thao' };
    expect(scorePair(std({ ...withMother, birthDate: null }), std(withMother), model).conflicts).not.toContain(
      CONFLICT.namesOnly,
    );
  });

  it('a student another of whose records links cleanly is still linked past an uncorroborated record', () => {
    const base = { firstName: 'Ka', middleName: null, lastName1: 'Yang', lastName2: null, ...noPlace };
    const dated = std({ ...base, ...noParents, birthDate: '2014-02-12' });
    const undated = std({ ...base, ...noParents, birthDate: null });
    const arriving = std({ ...base, ...noParents, birthDate: '2014-02-12' });
    const result = matchArriving(
      arriving,
      [
        { record: dated, studentId: 'S1' },
        { record: undated, studentId: 'S1' },
      ],
      model,
    );
    expect(result.decision).toMatchObject({ kind: 'link', studentId: 'S1' });
  });

  it('a lone parent spelt like one of two listed parents, with another given name, is another parent', () => {
    const a = std({
      parent1FirstName: 'Ashley',
      parent1LastName: 'Pérez',
      parent2FirstName: 'Jorge',
      parent2LastName: 'Vázquez',
    });
    const b = std({ parent1FirstName: 'Enrique', parent1LastName: 'Vasquez Hidalgo', parent2FirstName: null });
    expect(compareParents(a, b)).toBe(PARENTS['same-surname-other-given']);
  });

  it('a record without a date whose father matches two namesakes born years apart joins neither', () => {
    const james = { firstName: 'James', middleName: null, lastName1: 'Brown', lastName2: null, sex: 'M' as const };
    const records = [
      // Child 1: two records; the second has no date and names only the father.
      person({
        ...james,
        ...noPlace,
        state: 'CA',
        stateStudentId: 'CA1',
        birthDate: '2012-02-14',
        parent1FirstName: 'Christopher',
        parent1LastName: 'Brown',
        parent2FirstName: 'Emily',
        parent2LastName: 'Miller',
      }),
      person({
        ...james,
        ...noPlace,
        state: 'WA',
        stateStudentId: 'WA1',
        birthDate: null,
        parent1FirstName: 'Christopher',
        parent1LastName: 'Brown',
        parent2FirstName: null,
        parent2LastName: null,
      }),
      // Child 2: another James Brown, same father's name, born two years later.
      person({
        ...james,
        state: 'CA',
        stateStudentId: 'CA2',
        birthDate: '2014-03-22',
        birthCity: 'Bakersfield',
        birthState: 'CA',
        birthCountry: 'US',
        parent1FirstName: 'Christopher',
        parent1LastName: 'Brown',
        parent2FirstName: 'Sarah',
        parent2LastName: 'Jones',
      }),
      person({
        ...james,
        state: 'NE',
        stateStudentId: 'NE2',
        birthDate: '2014-03-22',
        birthCity: 'Bakersfield',
        birthState: 'CA',
        birthCountry: 'US',
        parent1FirstName: null,
        parent1LastName: null,
        parent2FirstName: 'Christopher',
        parent2LastName: 'Brown',
      }),
    ].map(standardize);
    // Four records scored as if among 20,000 (the prior follows the batch size).
    const asIfLarge = { ...model, matchesPerRecord: (model.matchesPerRecord * 3) / 19_999 };
    const { clusterOf, review } = linkBatch(records, personComparisonSet, asIfLarge);
    expect(clusterOf[2]).toBe(clusterOf[3]);
    expect(clusterOf[0]).not.toBe(clusterOf[2]);
    // The undated record is in no cluster holding the other child, and a person is asked about it.
    expect(clusterOf[1]).not.toBe(clusterOf[2]);
    expect(review.some((p) => p.a === 1 || p.b === 1)).toBe(true);
  });

  it('two clusters are not merged when a pair across them that no key brought together holds a conflict', () => {
    // Four records that all agree; records 0 and 3 are two ids of one state (a conflict) and share no key.
    interface R {
      id: string;
      keys: string[];
    }
    const set: ComparisonSet<R> = {
      name: 'toy',
      comparisons: [{ field: 'f', levels: ['same', 'other'], compare: () => 0 }],
      conflicts: [(a, b) => ([a.id, b.id].sort().join() === 'r0,r3' ? 'state-id-conflict' : null)],
      blockingKeys: (r) => r.keys,
      deterministicMatch: () => false,
      idOf: (r) => r.id,
    };
    const toyModel: MatchModel = {
      ...model,
      comparisonSet: 'toy',
      matchesPerRecord: 1,
      fields: [
        {
          field: 'f',
          levels: [
            { name: 'same', m: 0.9, u: 0.001 },
            { name: 'other', m: 0.1, u: 0.999 },
          ],
        },
      ],
      termFrequencies: {},
    };
    const records: R[] = [
      { id: 'r0', keys: ['k01', 'k02'] },
      { id: 'r1', keys: ['k01'] },
      { id: 'r2', keys: ['k02', 'k23'] },
      { id: 'r3', keys: ['k23'] },
    ];
    const { clusterOf } = linkBatch(records, set, toyModel, { termFrequencies: 'model' });
    expect(clusterOf[0]).not.toBe(clusterOf[3]);
  });
});
