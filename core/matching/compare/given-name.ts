/**
 * Given-name comparison with graded levels. Compound names ("MARIA
 * GUADALUPE" vs "GUADALUPE") are a subset, not a disagreement; two names
 * that share one part but differ in the other ("MARIA FERNANDA" vs "MARIA
 * GUADALUPE") are a typical twin pattern and get their own level.
 */
import { jaroWinklerCached, osaDistance } from '../string-similarity.js';
import type { StandardGivenName, StandardizedPerson } from '../types.js';
import { NO_EVIDENCE, type FieldComparison } from './field-comparison.js';
import { nicknamesOf } from '../nicknames.js';
import { isCompoundBlendOf, isDiminutiveOfAny, isShortFormOf } from './short-forms.js';
import { canonicalMatch, findCanonical, fuzzyEqual, phoneticTokenMatch } from './token-match.js';

export const GIVEN_LEVELS = [
  'exact',
  'nickname',
  'subset',
  'jw92',
  'jw88-or-one-edit',
  'nickname-typo',
  'part-of-name',
  'short-form',
  'phonetic',
  'overlap-conflict',
  'initial',
  'swapped-with-surname',
  'different',
] as const;
export const GIVEN = Object.fromEntries(GIVEN_LEVELS.map((l, i) => [l, i])) as Record<
  (typeof GIVEN_LEVELS)[number],
  number
>;

function sameCanonicalSequence(a: StandardGivenName, b: StandardGivenName): boolean {
  if (a.tokens.length !== b.tokens.length) return false;
  for (let i = 0; i < a.tokens.length; i++) if (!canonicalMatch(a.canonical[i]!, b.canonical[i]!)) return false;
  return true;
}

/** Every token of `small` has a canonical match in `big`. */
function canonicalSubset(small: StandardGivenName, big: StandardGivenName): boolean {
  for (let i = 0; i < small.tokens.length; i++) if (findCanonical(small, i, big) < 0) return false;
  return true;
}

/** Every token of `small` matches a token of `big` canonically or with a typo ("IBABEL" in "MARIA ISABEL"). */
function fuzzySubset(small: StandardGivenName, big: StandardGivenName): boolean {
  for (let i = 0; i < small.tokens.length; i++) {
    const t = small.tokens[i]!;
    if (t.length < 3) return false;
    if (findCanonical(small, i, big) < 0 && !big.tokens.some((u) => fuzzyEqual(t, u, 0.88))) return false;
  }
  return true;
}

/** Both names have a part the other lacks (not even as a typo), yet they share a part. */
function overlapWithConflict(a: StandardGivenName, b: StandardGivenName): boolean {
  if (a.tokens.length < 2 && b.tokens.length < 2) return false;
  let shared = 0;
  let extraA = 0;
  for (let i = 0; i < a.tokens.length; i++) {
    // A part typed with a typo ("MARIO" for "MARIA") is still the shared part.
    if (findCanonical(a, i, b) >= 0 || b.tokens.some((t) => fuzzyEqual(a.tokens[i]!, t, 0.88))) shared++;
    else extraA++;
  }
  if (shared === 0 || extraA === 0) return false;
  for (let j = 0; j < b.tokens.length; j++) {
    if (findCanonical(b, j, a) < 0 && !a.tokens.some((t) => fuzzyEqual(b.tokens[j]!, t, 0.88))) return true;
  }
  return false;
}

function anyPhonetic(a: StandardGivenName, b: StandardGivenName): boolean {
  if (phoneticTokenMatch(a, 0, b, 0)) return true;
  return a.tokens.length > 1 && b.tokens.length > 1 && a.spanishKeys.join('') === b.spanishKeys.join('');
}

/** A mistyped nickname on one side, the full name on the other ("CMAI" for CAMI, i.e. CAMILA). */
function mistypedNicknameOf(a: StandardGivenName, b: StandardGivenName): boolean {
  for (const t of a.tokens) {
    if (t.length < 4) continue;
    for (const forms of b.canonical) {
      for (const full of forms)
        for (const nick of nicknamesOf(full)) if (nick.length >= 4 && osaDistance(t, nick, 1) <= 1) return true;
    }
  }
  return false;
}

/**
 * A nickname on one side and a mistyped full name on the other ("CHAGO" vs
 * "SANTEAGO"), or a mistyped nickname against the full name ("CMAI" vs CAMILA).
 */
function nicknameWithTypo(a: StandardGivenName, b: StandardGivenName): boolean {
  if (mistypedNicknameOf(a, b) || mistypedNicknameOf(b, a)) return true;
  for (const ca of a.canonical) {
    for (const cb of b.canonical) {
      if (ca.length === 1 && cb.length === 1) continue;
      for (const x of ca) {
        if (x.length < 4) continue;
        for (const y of cb) if (y.length >= 4 && osaDistance(x, y, 1) <= 1) return true;
      }
    }
  }
  return false;
}

/**
 * One name written as a part of the other: a prefix of three letters or more ("JAS" of JASKARAN, "JEAN" of
 * JEANBAPTISTE) or a final part of four or more ("PREET" of GURPREET, "LUIS" of JOSELUIS), with at least three
 * letters left over, so that MARIA/MARIANA and DANIEL/DANIELA (two names) stay apart.
 */
function partOfName(a: StandardGivenName, b: StandardGivenName): boolean {
  const x = a.joined;
  const y = b.joined;
  const [short, long] = x.length <= y.length ? [x, y] : [y, x];
  if (long.length - short.length < 3) return false;
  return (short.length >= 3 && long.startsWith(short)) || (short.length >= 4 && long.endsWith(short));
}

/**
 * A one-word first name that is a short or pet form of a part of the other record's given name, recognised by how
 * such forms are made (`short-forms.ts`): TENCHA of HORTENSIA, CHENTITO of VICENTE (a diminutive of the pet name
 * CHENTE), a clip of the second part of a compound, a blend of its two parts (JUANCA of JUAN CARLOS). The parts
 * are the other first-name box and those middle-box names that are no surname of either record (the middle box
 * often holds the maternal surname, and Q'anjob'al or Somali surnames are given names).
 */
function shortFormOf(a: StandardizedPerson, b: StandardizedPerson): boolean {
  const short = a.given!;
  const full = b.given!;
  if (short.tokens.length !== 1) return false;
  const t = short.tokens[0]!;
  const forms: (readonly string[])[] = [...full.canonical];
  const middle = givenMiddle(b, a);
  if (b.middle !== null)
    for (let i = 0; i < b.middle.tokens.length; i++)
      if (middle.includes(b.middle.tokens[i]!)) forms.push(b.middle.canonical[i]!);
  for (const list of forms) {
    for (const form of list) {
      if (isShortFormOf(t, form)) return true;
      if (isDiminutiveOfAny(t, nicknamesOf(form))) return true;
    }
  }
  return full.tokens.length >= 2 && isCompoundBlendOf(t, full.tokens[0]!, full.tokens[1]!);
}

function isInitialOf(a: StandardGivenName, b: StandardGivenName): boolean {
  const ta = a.tokens[0]!;
  const tb = b.tokens[0]!;
  return (ta.length === 1 && tb.startsWith(ta)) || (tb.length === 1 && ta.startsWith(tb));
}

function swappedWithSurname(a: StandardizedPerson, b: StandardizedPerson): boolean {
  const ga = a.given!.tokens[0]!;
  const gb = b.given!.tokens[0]!;
  const sa = a.surnames?.tokens ?? [];
  const sb = b.surnames?.tokens ?? [];
  const aInB = sb.some((t) => fuzzyEqual(ga, t));
  const bInA = sa.some((t) => fuzzyEqual(gb, t));
  return aInB && (bInA || sa.length === 0);
}

/**
 * Middle names that mark sex or faith, not a person: Vietnamese THI/VAN, Sikh KAUR/SINGH. Two different ones
 * are no twin pattern.
 */
export const NAMING_PARTICLES: ReadonlySet<string> = new Set(['THI', 'VAN', 'KAUR', 'SINGH']);

/**
 * Middle-name tokens that are not one of the surnames of either record (the middle box often holds the maternal
 * surname).
 */
function givenMiddle(r: StandardizedPerson, other: StandardizedPerson): string[] {
  const m = r.middle;
  if (m === null) return [];
  const surnames = [...(r.surnames?.tokens ?? []), ...(other.surnames?.tokens ?? [])];
  return m.tokens.filter(
    (t) => t.length > 1 && !NAMING_PARTICLES.has(t) && !surnames.some((s) => fuzzyEqual(t, s, 0.88)),
  );
}

/**
 * Same first name but two different middle names ("MARIA|JOSE" vs
 * "MARIA|GUADALUPE"): the twin pattern of compound names split across boxes.
 */
function middleNamesConflict(a: StandardizedPerson, b: StandardizedPerson): boolean {
  if (a.middle === null || b.middle === null) return false;
  const ma = givenMiddle(a, b);
  const mb = givenMiddle(b, a);
  if (ma.length === 0 || mb.length === 0) return false;
  const ca = a.middle.canonical;
  const cb = b.middle.canonical;
  for (let i = 0; i < a.middle.tokens.length; i++) {
    if (!ma.includes(a.middle.tokens[i]!)) continue;
    for (let j = 0; j < b.middle.tokens.length; j++) {
      if (!mb.includes(b.middle.tokens[j]!)) continue;
      if (canonicalMatch(ca[i]!, cb[j]!) || fuzzyEqual(a.middle.tokens[i]!, b.middle.tokens[j]!, 0.88)) return false;
    }
  }
  return true;
}

/** Level of a pair of given names; the middle name counts as part of the given name for subsets. */
export function compareGivenNames(a: StandardizedPerson, b: StandardizedPerson): number {
  const ga = a.given;
  const gb = b.given;
  if (!ga || !gb) return NO_EVIDENCE;
  const fa = a.givenFull!;
  const fb = b.givenFull!;
  if (ga.joined === gb.joined) return middleNamesConflict(a, b) ? GIVEN['overlap-conflict'] : GIVEN.exact;
  if (fa.joined === fb.joined) return GIVEN.nickname;
  // A nickname of a compound name (MALENA for MARIA ELENA, CHEMA for JOSE MARIA).
  if (
    (ga.tokens.length === 1 && ga.canonical[0]!.includes(fb.joined)) ||
    (gb.tokens.length === 1 && gb.canonical[0]!.includes(fa.joined))
  )
    return GIVEN.nickname;
  if (sameCanonicalSequence(ga, gb) || sameCanonicalSequence(fa, fb))
    return middleNamesConflict(a, b) ? GIVEN['overlap-conflict'] : GIVEN.nickname;
  if (ga.tokens.length <= fb.tokens.length && canonicalSubset(ga, fb)) return GIVEN.subset;
  if (gb.tokens.length <= fa.tokens.length && canonicalSubset(gb, fa)) return GIVEN.subset;
  if (overlapWithConflict(ga, gb)) return GIVEN['overlap-conflict'];
  if (
    fa.tokens.length !== fb.tokens.length &&
    (fa.tokens.length < fb.tokens.length ? fuzzySubset(fa, fb) : fuzzySubset(fb, fa))
  )
    return GIVEN['jw88-or-one-edit'];
  // First names alone only when one side has a single name; otherwise the whole name ("MARIO JOSE" is not "MARIA
  // GUADALUPE").
  const single = fa.tokens.length === 1 || fb.tokens.length === 1;
  let jw = single ? jaroWinklerCached(ga.joined, gb.joined) : jaroWinklerCached(fa.joined, fb.joined);
  if (single && (ga.tokens.length > 1 || gb.tokens.length > 1))
    jw = Math.max(jw, jaroWinklerCached(ga.tokens[0]!, gb.tokens[0]!));
  if (ga.tokens[0]!.length > 1 && gb.tokens[0]!.length > 1) {
    if (jw >= 0.92) return GIVEN.jw92;
    if (jw >= 0.88) return GIVEN['jw88-or-one-edit'];
    // One typo in a short name ("LUVS" for "LUIS") scores below 0.88 but is still a typo.
    // Compound names on both sides: the one edit must be in the whole name, not only the first part.
    const ea = single ? ga.tokens[0]! : fa.joined;
    const eb = single ? gb.tokens[0]! : fb.joined;
    if (jw >= 0.75 && ea.length >= 3 && osaDistance(ea, eb, 1) <= 1) return GIVEN['jw88-or-one-edit'];
    if (nicknameWithTypo(ga, gb)) return GIVEN['nickname-typo'];
    if (partOfName(ga, gb) || partOfName(fa, fb)) return GIVEN['part-of-name'];
    if (shortFormOf(a, b) || shortFormOf(b, a)) return GIVEN['short-form'];
    if (anyPhonetic(ga, gb)) return GIVEN.phonetic;
  }
  if (isInitialOf(ga, gb)) return GIVEN.initial;
  if (swappedWithSurname(a, b)) return GIVEN['swapped-with-surname'];
  return GIVEN.different;
}

export const givenNameComparison: FieldComparison<StandardizedPerson> = {
  field: 'given_name',
  levels: GIVEN_LEVELS,
  compare: compareGivenNames,
  tfValue: (a, _b, level) => (level === GIVEN.exact ? a.given!.joined : null),
  tfValuesOf: (r) => (r.given ? [r.given.joined] : []),
};
