/**
 * Parents as evidence. MSIX sends both parents' names; a child's first
 * surname usually equals the father's first surname and the second the
 * mother's, so parents' surnames also confirm corrupted child surnames.
 */
import { jaroWinklerCached } from '../string-similarity.js';
import type { StandardGivenName, StandardParent, StandardizedPerson } from '../types.js';
import { NO_EVIDENCE, type FieldComparison } from './field-comparison.js';
import { canonicalMatch } from './token-match.js';

/**
 * Parents compared as people and as an unordered pair: states list the mother or the father first, drop one
 * of them, or give one or both of a parent's surnames. Two parents agree when their given names agree (exactly,
 * by nickname, or one a part of the other's compound name) and their surnames do not contradict (a shared
 * token, or one side without a surname). Levels below `one-agrees` are evidence against: a parent with the
 * same surname and another given name is another person (a different father), and two fully listed parent
 * pairs with nothing in common are another family.
 */
export const PARENT_GIVEN_LEVELS = [
  'both-agree',
  'one-agrees',
  'one-agrees-other-differs',
  'fuzzy',
  'same-surname-other-given',
  'different',
] as const;
export const PARENTS = Object.fromEntries(PARENT_GIVEN_LEVELS.map((l, i) => [l, i])) as Record<
  (typeof PARENT_GIVEN_LEVELS)[number],
  number
>;

/** Given names of one person: same name, a nickname, or one a part of the other ("MARIA" of "MARIA ELENA"). */
export function parentGivenAgrees(a: StandardGivenName, b: StandardGivenName): boolean {
  if (a.joined === b.joined) return true;
  const [small, big] = a.tokens.length <= b.tokens.length ? [a, b] : [b, a];
  for (let i = 0; i < small.tokens.length; i++) {
    let found = false;
    for (let j = 0; j < big.tokens.length && !found; j++)
      found = canonicalMatch(small.canonical[i]!, big.canonical[j]!);
    if (!found) return false;
  }
  return true;
}

function surnamesCompatible(a: readonly string[], b: readonly string[]): boolean {
  if (a.length === 0 || b.length === 0) return true;
  for (const t of a) if (b.includes(t)) return true;
  // Joined on one side ("MENDEZGARCIA" against "MENDEZ GARCIA").
  return a.join('') === b.join('') || a.some((t) => b.join('').includes(t)) || b.some((t) => a.join('').includes(t));
}

function sameParent(x: StandardParent, y: StandardParent): boolean {
  return (
    x.given !== null &&
    y.given !== null &&
    parentGivenAgrees(x.given, y.given) &&
    surnamesCompatible(x.surnames, y.surnames)
  );
}

function givenClose(x: StandardParent, y: StandardParent): boolean {
  return x.given !== null && y.given !== null && jaroWinklerCached(x.given.joined, y.given.joined) >= 0.88;
}

/** Parents as an unordered pair of people. */
export function compareParents(a: StandardizedPerson, b: StandardizedPerson): number {
  const pa = a.parents;
  const pb = b.parents;
  if (pa.length === 0 || pb.length === 0) return NO_EVIDENCE;
  let agree = 0;
  const usedA = new Set<number>();
  const usedB = new Set<number>();
  for (let i = 0; i < pa.length; i++) {
    for (let j = 0; j < pb.length; j++) {
      if (!usedB.has(j) && sameParent(pa[i]!, pb[j]!)) {
        usedA.add(i);
        usedB.add(j);
        agree++;
        break;
      }
    }
  }
  const restA = pa.filter((p, i) => !usedA.has(i) && p.given !== null);
  const restB = pb.filter((p, j) => !usedB.has(j) && p.given !== null);
  if (agree >= 2) return PARENTS['both-agree'];
  if (agree === 1) {
    if (restA.length === 0 || restB.length === 0) return PARENTS['one-agrees'];
    for (const x of restA) for (const y of restB) if (givenClose(x, y)) return PARENTS['one-agrees'];
    return PARENTS['one-agrees-other-differs'];
  }
  for (const x of restA)
    for (const y of restB) if (givenClose(x, y) && surnamesCompatible(x.surnames, y.surnames)) return PARENTS.fuzzy;
  // One parent on each side: perhaps the father on one and the mother on the other, whatever their names.
  if (restA.length < 2 && restB.length < 2) return NO_EVIDENCE;
  // A parent with the same surname and an unrelated given name: another person in the same role.
  for (const x of restA)
    for (const y of restB)
      if (
        x.surnames.length > 0 &&
        y.surnames.length > 0 &&
        x.surnames.some((t) => y.surnames.includes(t)) &&
        !givenClose(x, y)
      )
        return PARENTS['same-surname-other-given'];
  // One parent on each side: likely the father on one and the mother on the other.
  if (restA.length < 2 || restB.length < 2) return NO_EVIDENCE;
  return PARENTS.different;
}

export const parentGivenComparison: FieldComparison<StandardizedPerson> = {
  field: 'parents',
  levels: PARENT_GIVEN_LEVELS,
  compare: compareParents,
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
