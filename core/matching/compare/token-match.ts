/** Token-level agreement helpers shared by the name comparisons. */
import { jaroWinklerCached, osaDistance } from '../string-similarity.js';
import type { StandardGivenName, StandardName } from '../types.js';

/** True when two tokens share a nickname-canonical form (LUPE ~ GUADALUPE, PACO ~ PANCHO). */
export function canonicalMatch(a: readonly string[], b: readonly string[]): boolean {
  for (const x of a) for (const y of b) if (x === y) return true;
  return false;
}

/** True when two tokens sound alike: Double Metaphone codes intersect or Spanish keys are equal. */
export function phoneticTokenMatch(a: StandardName, i: number, b: StandardName, j: number): boolean {
  if (a.spanishKeys[i] === b.spanishKeys[j]) return true;
  const ca = a.phonetic[i];
  const cb = b.phonetic[j];
  if (!ca || !cb) return false;
  for (const x of ca) for (const y of cb) if (x === y) return true;
  return false;
}

/** Typo-level agreement: JW ≥ threshold, or one edit apart for tokens of 4+ letters. */
export function fuzzyEqual(x: string, y: string, threshold = 0.92): boolean {
  if (x === y) return true;
  if (x.length < 2 || y.length < 2) return false;
  const jw = jaroWinklerCached(x, y);
  if (jw >= threshold) return true;
  return jw >= 0.75 && x.length >= 4 && y.length >= 4 && osaDistance(x, y, 1) <= 1;
}

/** Index of a token of `b` that canonically matches token i of `a`, or -1. */
export function findCanonical(a: StandardGivenName, i: number, b: StandardGivenName): number {
  const ca = a.canonical[i]!;
  for (let j = 0; j < b.tokens.length; j++) if (canonicalMatch(ca, b.canonical[j]!)) return j;
  return -1;
}
