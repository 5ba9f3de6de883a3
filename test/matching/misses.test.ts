import { describe, expect, it } from 'vitest';
import { loadDefaultModel } from '../../core/matching/default-model.js';
import { evaluate } from '../../lab/matching/evaluation/run.js';
import { personComparisonSet } from '../../core/matching/person-comparisons.js';
import { standardize } from '../../core/matching/standardize.js';
import { person } from './helpers.js';

describe('missed true pairs by cause', () => {
  it('attributes every missed pair once: a sex disagreement and a record no key reaches', () => {
    const base = {
      firstName: 'Rosa',
      lastName1: 'Xocua',
      lastName2: 'Tlatelpa',
      birthDate: '2011-05-06',
      sex: 'F' as const,
    };
    const records = [
      person({ ...base, recordId: 'a1', state: 'TX', stateStudentId: 'TX1' }),
      person({ ...base, recordId: 'a2', state: 'CA', stateStudentId: 'CA1' }),
      // Only one parent listed: the sex disagreement is not outweighed by everything else agreeing.
      person({
        ...base,
        recordId: 'a3',
        state: 'FL',
        stateStudentId: 'FL1',
        sex: 'M',
        parent1FirstName: null,
        parent1LastName: null,
      }),
      // Same child, but nothing in common a blocking key could use: other names, no date.
      person({
        ...base,
        recordId: 'a4',
        state: 'WA',
        stateStudentId: 'WA1',
        firstName: 'Zz',
        lastName1: 'Qq',
        lastName2: null,
        birthDate: null,
        parent1FirstName: null,
        parent2FirstName: null,
      }),
    ].map(standardize);
    const r = evaluate({
      name: 't',
      records,
      truth: ['A', 'A', 'A', 'A'],
      set: personComparisonSet,
      model: loadDefaultModel(),
      misses: true,
    });
    expect(r.misses!.truePairs).toBe(6);
    // a1+a2 linked; a3 and a4 apart: 2 + 2 + 1 pairs missed.
    expect(r.misses!.missedPairs).toBe(5);
    expect(r.misses!.causes.reduce((s, c) => s + c.pairs, 0)).toBe(5);
    expect(r.misses!.causes.find((c) => c.cause === 'conflict:sex-disagreement')?.pairs).toBe(2);
    expect(r.misses!.causes.find((c) => c.cause === 'no-shared-key')?.pairs).toBe(3);
  });
});
