/** Sex and birthplace comparisons. */
import { jaroWinkler } from '../string-similarity.js';
import type { StandardizedPerson } from '../types.js';
import { NO_EVIDENCE, type FieldComparison } from './field-comparison.js';

export const SEX_LEVELS = ['agree', 'disagree'] as const;

/** Sex disagreement is strong evidence against, but also a frequent data-entry error, so it is not a hard block. */
export const sexComparison: FieldComparison<StandardizedPerson> = {
  field: 'sex',
  levels: SEX_LEVELS,
  compare: (a, b) => (a.sex === null || b.sex === null ? NO_EVIDENCE : a.sex === b.sex ? 0 : 1),
};

export const BIRTHPLACE_LEVELS = ['city-and-state', 'state', 'country-only', 'different'] as const;

function cityAgrees(a: string, b: string): boolean {
  return a === b || jaroWinkler(a, b) >= 0.9;
}

/** Birth city / state / country; missing parts are ignored, a differing part disagrees. */
export function compareBirthplace(a: StandardizedPerson, b: StandardizedPerson): number {
  const country = a.birthCountry !== null && b.birthCountry !== null ? a.birthCountry === b.birthCountry : null;
  const state = a.birthState !== null && b.birthState !== null ? a.birthState === b.birthState : null;
  const city = a.birthCity !== null && b.birthCity !== null ? cityAgrees(a.birthCity, b.birthCity) : null;
  if (country === null && state === null && city === null) return NO_EVIDENCE;
  if (country === false || state === false || city === false) return 3;
  if (city === true) return 0;
  if (state === true) return 1;
  return 2;
}

export const birthplaceComparison: FieldComparison<StandardizedPerson> = {
  field: 'birthplace',
  levels: BIRTHPLACE_LEVELS,
  compare: compareBirthplace,
};
