/**
 * Parents as evidence. MSIX sends both parents' names; a child's first
 * surname usually equals the father's first surname and the second the
 * mother's, so parents' surnames also confirm corrupted child surnames.
 */
import { jaroWinklerCached } from '../string-similarity.js';
import type { StandardGivenName, StandardizedPerson } from '../types.js';
import { NO_EVIDENCE, type FieldComparison } from './field-comparison.js';
import { canonicalMatch } from './token-match.js';

export const PARENT_GIVEN_LEVELS = ['both-agree', 'one-agrees', 'fuzzy', 'different'] as const;

function givenAgrees(a: StandardGivenName, b: StandardGivenName): boolean {
  return a.joined === b.joined || canonicalMatch(a.canonical[0]!, b.canonical[0]!);
}

/** Parents' given names, order-free (parent 1 and 2 are often swapped between states). */
export function compareParentGiven(a: StandardizedPerson, b: StandardizedPerson): number {
  const pa = a.parentGiven;
  const pb = b.parentGiven;
  if (pa.length === 0 || pb.length === 0) return NO_EVIDENCE;
  let agree = 0;
  const used = new Set<number>();
  for (const x of pa) {
    for (let j = 0; j < pb.length; j++) {
      if (!used.has(j) && givenAgrees(x, pb[j]!)) {
        used.add(j);
        agree++;
        break;
      }
    }
  }
  if (agree >= 2) return 0;
  if (agree === 1) return 1;
  for (const x of pa) for (const y of pb) if (jaroWinklerCached(x.joined, y.joined) >= 0.88) return 2;
  // One parent on each side: likely the father on one and the mother on the other.
  if (pa.length === 1 && pb.length === 1) return NO_EVIDENCE;
  return 3;
}

export const parentGivenComparison: FieldComparison<StandardizedPerson> = {
  field: 'parent_given_names',
  levels: PARENT_GIVEN_LEVELS,
  compare: compareParentGiven,
};

export const FAMILY_SURNAME_LEVELS = [
  'parents-same',
  'parents-overlap',
  'child-consistent',
  'child-partial',
  'different',
] as const;

function childFits(child: StandardizedPerson, parentSurnames: readonly string[]): number {
  if (child.surname1 === null) return -1;
  const s1 = parentSurnames.includes(child.surname1);
  const s2 = child.surname2 === null || parentSurnames.includes(child.surname2);
  if (s1 && s2) return 2;
  if (s1 || (child.surname2 !== null && parentSurnames.includes(child.surname2))) return 3;
  return 4;
}

/** Parents' surnames against each other, or against the other child's own surnames. */
export function compareFamilySurnames(a: StandardizedPerson, b: StandardizedPerson): number {
  const sa = a.parentSurnames;
  const sb = b.parentSurnames;
  if (sa.length > 0 && sb.length > 0) {
    let shared = 0;
    for (const t of sa) if (sb.includes(t)) shared++;
    if (shared === sa.length && shared === sb.length) return 0;
    if (shared > 0) return 1;
    if (a.parentsWithSurname > 1 || b.parentsWithSurname > 1) return 4;
    // One parent each, no shared surname: maybe father vs mother; judge by the children's surnames.
    const fa = childFits(a, sb);
    const fb = childFits(b, sa);
    if (fa < 0 || fb < 0) return NO_EVIDENCE;
    return Math.max(fa, fb);
  }
  if (sa.length > 0) return childFits(b, sa) < 0 ? NO_EVIDENCE : childFits(b, sa);
  if (sb.length > 0) return childFits(a, sb) < 0 ? NO_EVIDENCE : childFits(a, sb);
  return NO_EVIDENCE;
}

export const familySurnameComparison: FieldComparison<StandardizedPerson> = {
  field: 'parent_surnames',
  levels: FAMILY_SURNAME_LEVELS,
  compare: compareFamilySurnames,
};
