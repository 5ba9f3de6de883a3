import { describe, expect, it } from 'vitest';
import { linkBatch } from '../../core/matching/batch.js';
import { loadDefaultModel } from '../../core/matching/default-model.js';
import { matchArriving } from '../../core/matching/incremental.js';
import { CONFLICT, personComparisonSet } from '../../core/matching/person-comparisons.js';
import { scorePair } from '../../core/matching/scoring.js';
import { standardize } from '../../core/matching/standardize.js';
import { person } from './helpers.js';

const model = loadDefaultModel();

describe('scorePair', () => {
  it('links the same child across states and explains the score', () => {
    const a = standardize(person({ state: 'TX', stateStudentId: 'TX1' }));
    const b = standardize(
      person({
        state: 'CA',
        stateStudentId: 'CA9',
        firstName: 'Lupe',
        lastName1: 'HERNANDEZ XOCUA',
        lastName2: null,
        birthDate: '2012-04-03',
      }),
    );
    const s = scorePair(a, b, model);
    expect(s.decision).toBe('link');
    expect(s.conflicts).toEqual([]);
    expect(s.contributions.map((c) => c.field)).toEqual(model.fields.map((f) => f.field));
    expect(s.contributions.find((c) => c.field === 'birth_date')?.level).toBe('day-month-swap');
    expect(s.rulesVersion).toBe(model.rulesVersion);
  });

  it('weighs a common surname less than a rare one', () => {
    const common = scorePair(
      standardize(person({ lastName1: 'García', lastName2: 'López' })),
      standardize(person({ lastName1: 'García', lastName2: 'López' })),
      model,
    );
    const rare = scorePair(
      standardize(person({ lastName1: 'Xocua', lastName2: 'Tlatelpa' })),
      standardize(person({ lastName1: 'Xocua', lastName2: 'Tlatelpa' })),
      model,
    );
    const w = (s: typeof common) => s.contributions.find((c) => c.field === 'surnames')!.weight;
    expect(w(rare)).toBeGreaterThan(w(common));
  });

  it('never auto-links twins: same birth date and parents, different given names', () => {
    const a = standardize(person({ firstName: 'María Fernanda', stateStudentId: 'TX1' }));
    const b = standardize(person({ firstName: 'María Guadalupe', stateStudentId: 'TX2', state: 'CA' }));
    const s = scorePair(a, b, model);
    expect(s.decision).not.toBe('link');
    expect(s.conflicts).toContain(CONFLICT.likelyTwin);
    const c = standardize(person({ firstName: 'Camila', multipleBirth: true, state: 'CA' }));
    const d = standardize(person({ firstName: 'Andrea', multipleBirth: true, state: 'FL' }));
    expect(scorePair(c, d, model).decision).toBe('none');
  });

  it('sends sex disagreement and conflicting ids of one state to review', () => {
    const a = standardize(person({ state: 'TX', stateStudentId: 'TX1' }));
    const boy = { state: 'CA', sex: 'M' as const, parent1FirstName: null, parent1LastName: null };
    expect(scorePair(a, standardize(person(boy)), model)).toMatchObject({
      decision: 'review',
      conflicts: [CONFLICT.sex],
    });
    // Same name, same date, both parents agreeing, no multiple birth: the sex is a clerk's slip (weight only).
    const slip = scorePair(a, standardize(person({ state: 'CA', sex: 'M' })), model);
    expect(slip.conflicts).toEqual([]);
    expect(slip.contributions.find((c) => c.field === 'sex')!.weight).toBeLessThan(0);
    // A re-enrolled child (second id, same name and date) is left to the weights; another date needs a person.
    expect(scorePair(a, standardize(person({ state: 'TX', stateStudentId: 'TX2' })), model).conflicts).toEqual([]);
    const other = standardize(person({ state: 'TX', stateStudentId: 'TX2', birthDate: '2012-09-14' }));
    expect(scorePair(a, other, model).conflicts).toContain(CONFLICT.stateId);
  });

  it('does not crash on records with nothing usable', () => {
    const empty = standardize(
      person({
        firstName: '',
        lastName1: null,
        lastName2: null,
        birthDate: '2019-02-30',
        sex: null,
        state: null,
        stateStudentId: null,
        parent1FirstName: null,
        parent1LastName: null,
        parent2FirstName: null,
        parent2LastName: null,
        birthCity: null,
        birthState: null,
        birthCountry: 'ZZ',
      }),
    );
    const s = scorePair(empty, standardize(person()), model);
    expect(s.decision).toBe('none');
  });
});

describe('matchArriving', () => {
  const stored = [
    { record: standardize(person({ recordId: 'S1', state: 'CA', stateStudentId: 'CA1' })), studentId: 'stu-1' },
    {
      record: standardize(
        person({ recordId: 'S2', state: 'FL', stateStudentId: 'FL1', firstName: 'Valeria', birthDate: '2014-06-01' }),
      ),
      studentId: 'stu-2',
    },
  ];
  const arriving = standardize(
    person({ recordId: 'A1', state: 'WA', stateStudentId: 'WA7', firstName: 'Ma. Guadalupe' }),
  );

  it('links to the matching student and groups candidates by student', () => {
    const r = matchArriving(arriving, stored, model);
    expect(r.decision).toEqual({ kind: 'link', studentId: 'stu-1', reason: 'score' });
    expect(r.students.map((s) => s.studentId)).toEqual(['stu-1', 'stu-2']);
  });

  it('respects manual decisions: cannot-link is never undone, must-link wins', () => {
    const involves = (d: ReturnType<typeof matchArriving>['decision']) =>
      d.kind === 'link' ? [d.studentId] : d.kind === 'review' ? d.studentIds : [];
    expect(involves(matchArriving(arriving, stored, model, { cannotLink: [['A1', 'S1']] }).decision)).not.toContain(
      'stu-1',
    );
    expect(involves(matchArriving(arriving, stored, model, { cannotLinkStudents: ['stu-1'] }).decision)).not.toContain(
      'stu-1',
    );
    expect(matchArriving(arriving, stored, model, { mustLink: [['A1', 'S2']] }).decision).toEqual({
      kind: 'link',
      studentId: 'stu-2',
      reason: 'manual',
    });
  });

  it('sends a twin to review or keeps it apart, never links it', () => {
    const twin = standardize(
      person({ recordId: 'A2', state: 'WA', stateStudentId: 'WA8', firstName: 'María Fernanda' }),
    );
    expect(matchArriving(twin, stored, model).decision.kind).not.toBe('link');
  });

  it('is ambiguous when two students both match', () => {
    const dup = [
      ...stored,
      { record: standardize(person({ recordId: 'S3', state: 'OR', stateStudentId: 'OR1' })), studentId: 'stu-3' },
    ];
    expect(matchArriving(arriving, dup, model).decision).toMatchObject({ kind: 'review', reason: 'ambiguous' });
  });
});

describe('linkBatch', () => {
  it('clusters links, keeps twins apart even through a bridging record, and honours manual constraints', () => {
    const records = [
      person({ recordId: 'a', state: 'TX', stateStudentId: 'T1', firstName: 'María Fernanda' }),
      person({ recordId: 'b', state: 'CA', stateStudentId: 'C1', firstName: 'María Fernanda' }),
      person({ recordId: 'c', state: 'CA', stateStudentId: 'C2', firstName: 'María Guadalupe' }),
      person({ recordId: 'd', state: 'FL', stateStudentId: 'F1', firstName: 'María Guadalupe' }),
      person({ recordId: 'x', state: 'WA', stateStudentId: 'W1', firstName: 'María' }),
    ].map(standardize);
    const result = linkBatch(records, personComparisonSet, model);
    const c = result.clusterOf;
    expect(c[0]).toBe(c[1]);
    expect(c[2]).toBe(c[3]);
    expect(c[0]).not.toBe(c[2]);
    const forced = linkBatch(records, personComparisonSet, model, { cannotLink: [[0, 1]] });
    expect(forced.clusterOf[0]).not.toBe(forced.clusterOf[1]);
  });
});
