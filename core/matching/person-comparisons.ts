/**
 * The comparison set for migrant-student person records: field
 * comparisons, blocking keys and the conflict rules that send a pair to
 * review whatever its score (twins, sex disagreement, two state ids of
 * the same state).
 */
import { blockingKeys } from './blocking.js';
import { BIRTH, birthDateComparison } from './compare/birth-date.js';
import { birthplaceComparison, sexComparison } from './compare/demographics.js';
import {
  NO_EVIDENCE,
  type ComparisonSet,
  type ConflictRule,
  type FieldComparison,
} from './compare/field-comparison.js';
import { GIVEN, givenNameComparison } from './compare/given-name.js';
import { familySurnameComparison, PARENTS, parentGivenComparison } from './compare/parents.js';
import { stateIdComparison } from './compare/state-id.js';
import { SURNAME, surnameComparison } from './compare/surname.js';
import { osaDistance } from './string-similarity.js';
import type { StandardGivenName, StandardizedPerson } from './types.js';

/** Conflict labels reported in `conflicts`. */
export const CONFLICT = {
  likelyTwin: 'likely-twin',
  /** Twin-like pair whose given names have nothing in common: two children, no review needed. */
  twinSibling: 'distinct:twin-sibling',
  multipleBirth: 'multiple-birth-different-given-name',
  stateId: 'state-id-conflict',
  sex: 'sex-disagreement',
  parents: 'parents-conflict',
  namesOnly: 'uncorroborated:names-only',
} as const;

/** Person comparisons, in model order. Index constants below depend on it. */
export const PERSON_COMPARISONS: readonly FieldComparison<StandardizedPerson>[] = [
  givenNameComparison,
  surnameComparison,
  birthDateComparison,
  sexComparison,
  birthplaceComparison,
  parentGivenComparison,
  familySurnameComparison,
  stateIdComparison,
];
const I_GIVEN = 0;
const I_SURNAME = 1;
const I_BIRTH = 2;
const I_SEX = 3;
const I_PARENT_GIVEN = 5;
const I_PARENT_SURNAME = 6;
const I_STATE_ID = 7;

/**
 * Given names that cannot be the same name typed differently. Given name and surname swapped on both sides
 * (a Vietnamese or Hmong name written family name first) is one name, not two.
 */
function givenNamesDiffer(level: number, surnameLevel: number): boolean {
  if (level === GIVEN['swapped-with-surname']) return surnameLevel !== SURNAME['swapped-with-given'];
  return level === GIVEN['overlap-conflict'] || level === GIVEN.different;
}

const SURNAMES_AGREE = new Set<number>([
  SURNAME['all-exact'],
  SURNAME.swapped,
  SURNAME.joined,
  SURNAME['first-other-missing'],
  SURNAME['maternal-in-middle'],
  SURNAME['fuzzy-both'],
]);

/** Common first parts of compound names: a lone "MARIA" may be MARIA FERNANDA shortened. */
const COMPOUND_HEADS: ReadonlySet<string> = new Set(['MARIA', 'JOSE', 'JUAN', 'ANA', 'LUIS', 'LUZ', 'JESUS', 'MIGUEL']);

/**
 * Two unrelated-looking given names may still be the two halves of one
 * compound name ("MARIA" and "FERNANDA" for MARIA FERNANDA): one side is a
 * lone compound head and the other a single name.
 */
function mayBeCompoundHalves(a: StandardizedPerson, b: StandardizedPerson): boolean {
  const ga = a.givenFull;
  const gb = b.givenFull;
  if (ga === null || gb === null || ga.tokens.length > 1 || gb.tokens.length > 1) return false;
  // Through nicknames and typos too: JOHNNY (JUAN) and CARLOS may both be JUAN CARLOS; MARIM may be MARIA.
  return isCompoundHead(ga) || isCompoundHead(gb);
}

function isCompoundHead(g: StandardGivenName): boolean {
  if (g.canonical[0]!.some((f) => COMPOUND_HEADS.has(f))) return true;
  const t = g.tokens[0]!;
  if (t.length < 4) return false;
  for (const head of COMPOUND_HEADS) if (head.length >= 4 && osaDistance(t, head, 1) <= 1) return true;
  return false;
}

/**
 * Two spellings at most two edits apart ("VICNTE" and "VICENKE", both
 * VICENTE mistyped), or one cut short ("GAB" for GABRIELA): perhaps one name
 * typed twice with errors, so not clear evidence of two children.
 */
function mayBeOneNameMistyped(a: StandardizedPerson, b: StandardizedPerson): boolean {
  const x = a.given!.joined;
  const y = b.given!.joined;
  if (x[0] !== y[0]) return false;
  const [short, long] = x.length <= y.length ? [x, y] : [y, x];
  if (short.length >= 3 && long.startsWith(short)) return true;
  return short.length >= 3 && long.length >= 5 && osaDistance(x, y, 2) <= 2;
}

/**
 * Twins with unrelated names (or of different sex) are two children; others
 * need a person to look. Only the clear case becomes twin evidence for the
 * clustering step, which holds back records linking to both children.
 */
function twinConflict(
  a: StandardizedPerson,
  b: StandardizedPerson,
  levels: ArrayLike<number>,
  ambiguous: string,
): string {
  if (levels[I_GIVEN] !== GIVEN.different) return ambiguous;
  if (levels[I_SEX] === 1) return CONFLICT.twinSibling;
  if (mayBeCompoundHalves(a, b) || mayBeOneNameMistyped(a, b)) return ambiguous;
  return CONFLICT.twinSibling;
}

/** Same birth date, same family, different given names: twins look like this. */
export const likelyTwinRule: ConflictRule<StandardizedPerson> = (a, b, levels) => {
  if (levels[I_STATE_ID] === 0) return null; // one state's id names one child
  const birth = levels[I_BIRTH]!;
  if (birth !== BIRTH.exact && birth !== BIRTH['exact-placeholder']) return null;
  if (!givenNamesDiffer(levels[I_GIVEN]!, levels[I_SURNAME]!)) return null;
  const surname = levels[I_SURNAME]!;
  const parentGiven = levels[I_PARENT_GIVEN]!;
  const parentSurname = levels[I_PARENT_SURNAME]!;
  const parentsAgree =
    parentGiven === PARENTS['both-agree'] || parentGiven === PARENTS['one-agrees'] || parentSurname === 0;
  const parentsContradict =
    parentGiven === PARENTS.different || parentGiven === PARENTS['same-surname-other-given'] || parentSurname === 4;
  if (!((SURNAMES_AGREE.has(surname) || surname === NO_EVIDENCE) && !parentsContradict) && !parentsAgree) return null;
  return twinConflict(a, b, levels, CONFLICT.likelyTwin);
};

/** A multiple-birth flag on either record and given names that are not the same name. */
export const multipleBirthRule: ConflictRule<StandardizedPerson> = (a, b, levels) => {
  if (a.multipleBirth !== true && b.multipleBirth !== true) return null;
  if (levels[I_STATE_ID] === 0) return null;
  const given = levels[I_GIVEN]!;
  if (!givenNamesDiffer(given, levels[I_SURNAME]!) && given === GIVEN['swapped-with-surname']) return null;
  // A subset ("JUAN" vs "JUAN PABLO") counts here: with a multiple birth, the shorter name may be the sibling's.
  if (
    given === NO_EVIDENCE ||
    given === GIVEN.exact ||
    given === GIVEN.nickname ||
    given === GIVEN.jw92 ||
    given === GIVEN['jw88-or-one-edit']
  )
    return null;
  return twinConflict(a, b, levels, CONFLICT.multipleBirth);
};

const CLOSE_BIRTH = new Set<number>([
  BIRTH.exact,
  BIRTH['exact-placeholder'],
  BIRTH['day-month-swap'],
  BIRTH['one-edit'],
  BIRTH['plus-minus-1-day'],
]);

/**
 * A second id in one state: a re-enrolled child gets a new id, so with the same given name (not merely a
 * similar one: MARIANA and MARIA FERNANDA with two ids of one state are two children) and a close birth
 * date the pair is left to the weights (the second id is evidence against, learned); otherwise a person looks.
 */
export const stateIdConflictRule: ConflictRule<StandardizedPerson> = (a, b, levels) => {
  if (levels[I_STATE_ID] !== 1) return null;
  // Two ids of one state and a multiple-birth flag: the co-twins' records look like this.
  if (a.multipleBirth === true || b.multipleBirth === true) return CONFLICT.stateId;
  const birth = levels[I_BIRTH]!;
  const closeBirth = birth === NO_EVIDENCE || CLOSE_BIRTH.has(birth);
  const given = levels[I_GIVEN]!;
  const sameName = given === GIVEN.exact || given === GIVEN.nickname || given === GIVEN.jw92;
  return sameName && closeBirth ? null : CONFLICT.stateId;
};
/**
 * Parents who contradict each other (a parent with the same surname and another given name, or two listed
 * parent pairs with nothing in common) belong to another child: no field agreement, however strong, links
 * such a pair without a person looking.
 */
export const parentsConflictRule: ConflictRule<StandardizedPerson> = (_a, _b, levels) => {
  if (levels[I_STATE_ID] === 0) return null;
  const p = levels[I_PARENT_GIVEN]!;
  return p === PARENTS.different || p === PARENTS['same-surname-other-given'] ? CONFLICT.parents : null;
};

/** Birth-date levels that name one day (or one day typed with the usual slips): a date that identifies. */
const IDENTIFYING_BIRTH = new Set<number>([
  BIRTH.exact,
  BIRTH['day-month-swap'],
  BIRTH['one-edit'],
  BIRTH['plus-minus-1-day'],
  BIRTH['year-plus-minus-1-same-month-day'],
]);

/**
 * A name is not an identity (rules `-6`): an automatic link needs, besides the names, a second independent
 * field that agrees — a birth date that names the same day (allowing the usual slips; not a shared 01-01 or 07-01,
 * the stand-in date given to every child whose date is unknown, rules `-9`), a parent who is the same
 * person (or spelt nearly alike with a compatible surname: CAMILA and CAMIOA CARDENAS), or the same id in one
 * state. Two JAMES BROWNs, or two KA YANGs, one without a birth date and neither with parents, or born on the
 * same day five years apart (a year digit), go to a person, whatever the names weigh. Birthplace and sex do
 * not count: many children share them.
 */
export const namesOnlyRule: ConflictRule<StandardizedPerson> = (_a, _b, levels) => {
  if (levels[I_STATE_ID] === 0) return null;
  if (IDENTIFYING_BIRTH.has(levels[I_BIRTH]!)) return null;
  const p = levels[I_PARENT_GIVEN]!;
  if (
    p === PARENTS['both-agree'] ||
    p === PARENTS['one-agrees'] ||
    p === PARENTS['one-agrees-other-differs'] ||
    p === PARENTS.fuzzy
  )
    return null;
  return CONFLICT.namesOnly;
};

/**
 * Sex disagreement stops a link, unless everything else names one child: the same given name, the same birth
 * date, both parents agreeing and no multiple-birth flag (a boy and a girl born together carry two names).
 * Then the wrong sex is a clerk's slip; its weight still counts against the pair.
 */
export const sexConflictRule: ConflictRule<StandardizedPerson> = (a, b, levels) => {
  if (levels[I_SEX] !== 1) return null;
  const given = levels[I_GIVEN]!;
  const oneChild =
    (given === GIVEN.exact || given === GIVEN.nickname) &&
    levels[I_BIRTH] === BIRTH.exact &&
    levels[I_PARENT_GIVEN] === PARENTS['both-agree'] &&
    a.multipleBirth !== true &&
    b.multipleBirth !== true;
  return oneChild ? null : CONFLICT.sex;
};

/**
 * Clear twin evidence for cluster-level checks: a twin or multiple-birth
 * conflict whose given names conflict outright (MARIA JOSE vs MARIA GUADALUPE,
 * CAMILA vs VALERIA), not merely a shortened or nicknamed compound name
 * (LUPITA vs MARIA may both be MARIA GUADALUPE).
 */
export function personTwinPair(a: StandardizedPerson, b: StandardizedPerson, levels: ArrayLike<number>): boolean {
  const flagged = a.multipleBirth === true || b.multipleBirth === true;
  // A shared 01-01 (or 07-01) is the date U.S. refugee resettlement and many state systems record when the real
  // one is unknown, often for every child of a family: siblings of different ages then share a "birth date". Without
  // a multiple-birth flag such a pair stays a conflict (never linked) but is no evidence that the two clusters are
  // co-twins, which would hold back every record of either child that links to both (rules `-9`).
  if (!flagged && levels[I_BIRTH] === BIRTH['exact-placeholder']) return false;
  const rule = likelyTwinRule(a, b, levels) ?? multipleBirthRule(a, b, levels);
  // Two unrelated given names, nothing else apart (no multiple-birth flag, no sex disagreement) are as often one
  // child under a name form no table knows (MATTHEW and MATHEUS, JOHN and JUANJO, a Karen name with the honorific)
  // as two co-twins: the pair is never linked automatically, but it is no evidence that the two clusters are
  // twins, which would hold back every record of the child linking to both (rules `-7`).
  if (rule === CONFLICT.twinSibling && levels[I_GIVEN] === GIVEN.different && !flagged && levels[I_SEX] !== 1)
    return false;
  if (rule !== null && (rule === CONFLICT.twinSibling || levels[I_GIVEN] === GIVEN['overlap-conflict'])) return true;
  // A flagged multiple birth with any other conflict (different names, a second id in one state) may be the co-twin.
  // Not so when one name may be the other mistyped, nicknamed or shortened ("SAUEL" and "SAM" are both SAMUEL; "DULCE"
  // may be DULCE MARIA): such a pair is still a conflict for review, but no evidence that the two clusters are twins.
  const given = levels[I_GIVEN]!;
  const oneNameVariant =
    given === GIVEN['nickname-typo'] ||
    given === GIVEN.phonetic ||
    given === GIVEN.subset ||
    given === GIVEN['part-of-name'] ||
    given === GIVEN['short-form'];
  return flagged && !oneNameVariant && (rule !== null || stateIdConflictRule(a, b, levels) !== null);
}

/** Strict agreement used to estimate the prior match probability (not EM). */
export function personDeterministicMatch(a: StandardizedPerson, b: StandardizedPerson): boolean {
  if (a.state !== null && a.state === b.state && a.stateStudentId !== null && a.stateStudentId === b.stateStudentId)
    return true;
  return (
    a.given !== null &&
    b.given !== null &&
    a.given.joined === b.given.joined &&
    a.surnames !== null &&
    b.surnames !== null &&
    a.surnames.joined === b.surnames.joined &&
    a.birth !== null &&
    b.birth !== null &&
    a.birth.epochDay === b.birth.epochDay
  );
}

/** The default comparison set of the engine. */
export const personComparisonSet: ComparisonSet<StandardizedPerson> = {
  name: 'person',
  comparisons: PERSON_COMPARISONS,
  conflicts: [
    likelyTwinRule,
    multipleBirthRule,
    stateIdConflictRule,
    sexConflictRule,
    parentsConflictRule,
    namesOnlyRule,
  ],
  blockingKeys,
  deterministicMatch: personDeterministicMatch,
  idOf: (r) => r.recordId,
  twinPair: personTwinPair,
};
