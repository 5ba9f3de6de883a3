/**
 * Rules person-2026.12-9 (issue 12): values that state systems record when the real one is unknown are no
 * agreement. "No name" markers (FNU, LNU…) are empty boxes; a one-name person (Burmese, Karen, Chin) is a given name
 * without a surname however the state filed it; a shared 01-01 birth date (the U.S. resettlement stand-in) neither
 * identifies a child by itself nor makes two siblings co-twins.
 */
import { describe, expect, it } from 'vitest';
import { blockingKeys } from '../../core/matching/blocking.js';
import { loadDefaultModel } from '../../core/matching/default-model.js';
import { personComparisonSet, personTwinPair } from '../../core/matching/person-comparisons.js';
import { scorePair } from '../../core/matching/scoring.js';
import { standardize } from '../../core/matching/standardize.js';
import type { PersonRecord } from '../../core/matching/types.js';
import { person } from './helpers.js';

const model = loadDefaultModel();

const score = (a: PersonRecord, b: PersonRecord) => scorePair(standardize(a), standardize(b), model);
const level = (a: PersonRecord, b: PersonRecord, field: string) =>
  score(a, b).contributions.find((c) => c.field === field)!.level;

/** A one-name Karen child of a resettled family: no parents' surnames, a 01-01 stand-in date. */
function karen(overrides: Partial<PersonRecord>): PersonRecord {
  return person({
    firstName: 'PAW HTOO',
    middleName: null,
    lastName1: 'PAW HTOO',
    lastName2: null,
    sex: 'F',
    birthDate: '2013-01-01',
    multipleBirth: false,
    birthCity: null,
    birthState: null,
    birthCountry: 'MM',
    parent1FirstName: 'SAW KEH',
    parent1LastName: null,
    parent2FirstName: 'NAW MU',
    parent2LastName: null,
    ...overrides,
  });
}

describe('no-name markers', () => {
  it('FNU, LNU and NO NAME are empty boxes, not names two children share', () => {
    const a = standardize(person({ lastName1: 'LNU', lastName2: null }));
    expect(a.surnames).toBeNull();
    const b = standardize(person({ lastName1: 'No Name', lastName2: null }));
    expect(b.surnames).toBeNull();
    expect(standardize(person({ firstName: 'FNU', lastName1: null, lastName2: null })).given).toBeNull();
  });
});

describe('one-name persons', () => {
  it('the name repeated in both boxes is a given name without a surname', () => {
    const std = standardize(karen({}));
    expect(std.given?.folded).toBe('PAW HTOO');
    expect(std.surnames).toBeNull();
  });

  it('FNU with the name in the last-name box is that name as the given name', () => {
    const std = standardize(karen({ firstName: 'FNU' }));
    expect(std.given?.folded).toBe('PAW HTOO');
    expect(std.surnames).toBeNull();
    expect(level(karen({ firstName: 'FNU' }), karen({ state: 'NE' }), 'given_name')).toBe('exact');
  });

  it('a name kept whole still meets the same name split across the boxes', () => {
    const whole = standardize(karen({}));
    const split = standardize(karen({ firstName: 'PAW', lastName1: 'HTOO' }));
    const shared = blockingKeys(whole).filter((k) => blockingKeys(split).includes(k));
    expect(shared.length).toBeGreaterThan(0);
  });
});

describe('01-01 stand-in birth dates', () => {
  it('two siblings sharing 01-01 with other given names are kept apart but are no co-twin evidence', () => {
    const a = standardize(karen({}));
    const b = standardize(karen({ firstName: 'EH MU', lastName1: 'EH MU' }));
    const scored = scorePair(a, b, model);
    expect(scored.conflicts.length).toBeGreaterThan(0);
    const levels = personComparisonSet.comparisons.map((c) => c.compare(a, b));
    expect(personTwinPair(a, b, levels)).toBe(false);
    // With a multiple-birth flag the same pair is twin evidence.
    const flagged = standardize(karen({ firstName: 'EH MU', lastName1: 'EH MU', multipleBirth: true }));
    const flaggedLevels = personComparisonSet.comparisons.map((c) => c.compare(a, flagged));
    expect(personTwinPair(a, flagged, flaggedLevels)).toBe(true);
  });

  it('a shared 01-01 is no second field: names and that date alone do not link', () => {
    const noParents = { parent1FirstName: null, parent2FirstName: null };
    const scored = score(karen(noParents), karen({ ...noParents, state: 'NE' }));
    expect(scored.conflicts).toContain('uncorroborated:names-only');
    expect(score(karen({}), karen({ state: 'NE' })).conflicts).not.toContain('uncorroborated:names-only');
  });
});
