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

/** A surname token in common, or two spelt alike (Jaro-Winkler ≥ 0.9, first letter the same). */
function surnamesAlike(a: readonly string[], b: readonly string[]): boolean {
  for (const x of a)
    for (const y of b) if (x === y || (x[0] === y[0] && x.length >= 4 && jaroWinklerCached(x, y) >= 0.9)) return true;
  return false;
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
    // The other parent agrees only when spelt alike with surnames that do not contradict: JESUS SANTIAGO is not
    // JESUS CRUZ (rules `-7`). Otherwise a stepparent, or a parent under a pet name no table knows.
    for (const x of restA)
      for (const y of restB)
        if (givenClose(x, y) && surnamesCompatible(x.surnames, y.surnames)) return PARENTS['one-agrees'];
    return PARENTS['one-agrees-other-differs'];
  }
  for (const x of restA)
    for (const y of restB) if (givenClose(x, y) && surnamesCompatible(x.surnames, y.surnames)) return PARENTS.fuzzy;
  // One parent on each side: perhaps the father on one and the mother on the other, whatever their names. Not so
  // when both carry their own child's first surname as theirs (the parent it came from, the same role) and agree
  // on it but not on the given name: WESLEY PIERRE and MACKENSON PIERRE are two fathers of two JEAN PIERREs
  // (rules `-7`).
  if (restA.length < 2 && restB.length < 2) {
    const x = restA[0];
    const y = restB[0];
    // The parent's first surname is the child's first, which is not also the child's second (in a HERNANDEZ
    // HERNANDEZ family either parent may carry it).
    const carriesChild = (p: StandardParent, child: StandardizedPerson) =>
      child.surname1 !== null && p.surnames[0] === child.surname1 && child.surname2 !== child.surname1;
    return x !== undefined &&
      y !== undefined &&
      carriesChild(x, a) &&
      carriesChild(y, b) &&
      surnamesAlike(x.surnames, y.surnames) &&
      !givenClose(x, y)
      ? PARENTS['same-surname-other-given']
      : NO_EVIDENCE;
  }
  // A parent with the same surname (or one spelt differently: VAZQUEZ, VASQUEZ) and an unrelated given name:
  // another person in the same role.
  for (const x of restA)
    for (const y of restB)
      if (surnamesAlike(x.surnames, y.surnames) && !givenClose(x, y)) return PARENTS['same-surname-other-given'];
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

/** True when the two children's own surnames share a token: their parents' surnames then say little more. */
function childrenShareSurname(a: StandardizedPerson, b: StandardizedPerson): boolean {
  const ta = a.surnames?.tokens;
  const tb = b.surnames?.tokens;
  if (!ta || !tb) return false;
  for (const t of ta) if (tb.includes(t)) return true;
  return false;
}

/**
 * Parents' surnames against each other, or against the other child's own surnames. Only evidence the
 * children's own surnames do not already give counts (rules `-6`): two namesakes JAMES BROWN of two families
 * both have a father BROWN, so a shared parent surname that both children carry, or a child surname found
 * among the other record's parents, is no evidence once the children share a surname (it was counted a
 * second time, and glued namesakes whose dates or parents were missing). Evidence against (parent surnames that
 * fit neither child) counts as before.
 */
export function compareFamilySurnames(a: StandardizedPerson, b: StandardizedPerson): number {
  const sa = a.parentSurnames;
  const sb = b.parentSurnames;
  const childShared = childrenShareSurname(a, b);
  if (sa.length > 0 && sb.length > 0) {
    let shared = 0;
    let beyondChild = 0;
    for (const t of sa)
      if (sb.includes(t)) {
        shared++;
        if (!childShared || !(a.surnames!.tokens.includes(t) && b.surnames!.tokens.includes(t))) beyondChild++;
      }
    if (shared > 0 && beyondChild === 0) return NO_EVIDENCE;
    if (shared === sa.length && shared === sb.length) return 0;
    if (shared > 0) return 1;
    if (a.parentsWithSurname > 1 || b.parentsWithSurname > 1) return 4;
    // One parent each, no shared surname: maybe father vs mother; judge by the children's surnames.
    const fa = childFits(a, sb);
    const fb = childFits(b, sa);
    if (fa < 0 || fb < 0) return NO_EVIDENCE;
    return fitEvidence(Math.max(fa, fb), childShared);
  }
  if (sa.length > 0) return childFits(b, sa) < 0 ? NO_EVIDENCE : fitEvidence(childFits(b, sa), childShared);
  if (sb.length > 0) return childFits(a, sb) < 0 ? NO_EVIDENCE : fitEvidence(childFits(a, sb), childShared);
  return NO_EVIDENCE;
}

/**
 * A child's surname found among the other record's parents is evidence only when the two children do not
 * already share a surname; a parent surname that fits neither child's (level `different`) always counts.
 */
function fitEvidence(level: number, childShared: boolean): number {
  return childShared && level !== 4 ? NO_EVIDENCE : level;
}

export const familySurnameComparison: FieldComparison<StandardizedPerson> = {
  field: 'parent_surnames',
  levels: FAMILY_SURNAME_LEVELS,
  compare: compareFamilySurnames,
};
