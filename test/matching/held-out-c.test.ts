/**
 * Rules person-2026.12-7 (issue 12): what the held-out generator C (lab/matching/synthetic-c) showed. Each case
 * fails on rules `-6`: namesakes JEAN PIERRE whose lone fathers differ, a joined surname against a doubled one,
 * a parent spelt alike with another surname, one child under two name forms taken for co-twins, and blocking keys
 * that a truncated surname box or a given name in the surname box defeated.
 */
import { describe, expect, it } from 'vitest';
import { blockingKeys } from '../../core/matching/blocking.js';
import { NO_EVIDENCE } from '../../core/matching/compare/field-comparison.js';
import { compareParents, PARENTS } from '../../core/matching/compare/parents.js';
import { compareSurnames, SURNAME } from '../../core/matching/compare/surname.js';
import { loadDefaultModel } from '../../core/matching/default-model.js';
import { CompiledModel } from '../../core/matching/scoring.js';
import { personComparisonSet, personTwinPair } from '../../core/matching/person-comparisons.js';
import { standardize } from '../../core/matching/standardize.js';
import type { PersonRecord } from '../../core/matching/types.js';
import { generatePopulationC } from '../../lab/matching/synthetic-c/generator.js';
import { person } from './helpers.js';

const std = (o: Partial<PersonRecord>) => standardize(person(o));
const lone = (given: string, surname: string | null) => ({
  parent1FirstName: given,
  parent1LastName: surname,
  parent2FirstName: null,
  parent2LastName: null,
});
const shareKey = (a: PersonRecord, b: PersonRecord) => {
  const kb = new Set(blockingKeys(standardize(b)));
  return blockingKeys(standardize(a)).some((k) => kb.has(k));
};

describe('rules -7 (held-out generator C)', () => {
  it('two lone parents who both carry their child first surname and differ in given name are two fathers', () => {
    const jean = { firstName: 'Jean', middleName: null, lastName1: 'Pierre', lastName2: null };
    const a = std({ ...jean, ...lone('Wesley', 'Pierre') });
    const b = std({ ...jean, ...lone('Mackenson', 'Pierre') });
    expect(compareParents(a, b)).toBe(PARENTS['same-surname-other-given']);
    // In a HERNANDEZ HERNANDEZ family the father on one record and the mother on the other both carry it.
    const h = { firstName: 'Alondra', lastName1: 'Hernández', lastName2: 'Hernández' };
    const c = std({ ...h, ...lone('Kevin', 'Hernández') });
    const d = std({ ...h, ...lone('Daniela', 'Hernández') });
    expect(compareParents(c, d)).toBe(NO_EVIDENCE);
    // A mother carrying the child's second surname is no father.
    const e = std({ firstName: 'Javier', lastName1: 'Gómez', lastName2: null, ...lone('Juana', 'Padilla Gómez') });
    const f = std({ firstName: 'Javier', lastName1: 'Gómez', lastName2: 'Padilla', ...lone('Iván', 'Gómez') });
    expect(compareParents(e, f)).toBe(NO_EVIDENCE);
  });

  it('a doubled surname (RAMIREZ RAMIREZ) is not the first part of a joined one (RAMIREZCRUZ)', () => {
    const joined = std({ lastName1: 'RAMIREZCRUZ', lastName2: null });
    expect(compareSurnames(joined, std({ lastName1: 'Ramírez', lastName2: 'Ramírez' }))).not.toBe(SURNAME.joined);
    expect(compareSurnames(joined, std({ lastName1: 'Ramírez', lastName2: null }))).toBe(SURNAME.joined);
  });

  it('a parent spelt alike with a contradicting surname does not agree', () => {
    const a = std({ parent1FirstName: 'Jesús', parent1LastName: 'Santiago', parent2FirstName: 'Ana María' });
    const b = std({ parent1FirstName: 'Jesús', parent1LastName: 'Cruz', parent2FirstName: 'Ana María' });
    expect(compareParents(a, b)).toBe(PARENTS['one-agrees-other-differs']);
  });

  it('two unrelated name forms of one child are a conflict but no co-twin evidence without a flag', () => {
    const scorer = new CompiledModel(loadDefaultModel(), personComparisonSet);
    const base = { lastName1: 'Ribeiro', lastName2: 'Silva', sex: 'M' as const, multipleBirth: null };
    const a = std({ ...base, firstName: 'Matheus' });
    const b = std({ ...base, firstName: 'Matthew' });
    scorer.weightOf(a, b);
    expect(scorer.conflictsOf(a, b).length).toBeGreaterThan(0);
    expect(personTwinPair(a, b, scorer.levels)).toBe(false);
    const flagged = std({ ...base, firstName: 'Matthew', multipleBirth: true });
    scorer.weightOf(a, flagged);
    expect(personTwinPair(a, flagged, scorer.levels)).toBe(true);
    const girl = std({ ...base, firstName: 'Camila', sex: 'F' });
    scorer.weightOf(a, girl);
    expect(personTwinPair(a, girl, scorer.levels)).toBe(true);
  });

  it('blocking survives a truncated surname box with a slipped month, and a given name in the surname box', () => {
    const osmin = { firstName: 'Osmin', parent1FirstName: null, parent2FirstName: null };
    expect(
      shareKey(
        person({ ...osmin, lastName1: 'Guardado Orellana', lastName2: null, birthDate: '2014-01-02' }),
        person({ ...osmin, lastName1: 'GUARDADOOREL', lastName2: null, birthDate: '2014-02-02' }),
      ),
    ).toBe(true);
    const karen = { middleName: null, lastName2: null, birthDate: '2021-01-29', parent1FirstName: null };
    expect(
      shareKey(
        person({ ...karen, firstName: 'Ler', lastName1: 'Eh', parent2FirstName: null }),
        person({ ...karen, firstName: 'Eh', lastName1: 'Ler', parent2FirstName: null }),
      ),
    ).toBe(true);
  });

  it('generator C is reproducible and never the training population', () => {
    const sample = [...generatePopulationC({ records: 1500, seed: 3 })];
    expect([...generatePopulationC({ records: 1500, seed: 3 })]).toEqual(sample);
    expect(sample.every((r) => r.record.recordId.startsWith('C'))).toBe(true);
    const twins = new Set(sample.filter((r) => r.twinGroup !== null).map((r) => r.twinGroup));
    expect(twins.size).toBeGreaterThan(5);
  });
});
