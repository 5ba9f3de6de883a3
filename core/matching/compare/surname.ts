/**
 * Set-aware surname comparison for two-surname (Hispanic) names: order
 * swapped, maternal surname dropped or typed in the middle-name box, and
 * surnames joined ("MARTINEZCRUZ") or hyphenated all still agree, at levels
 * whose weights are learned separately.
 */
import { jaroWinklerCached } from '../string-similarity.js';
import type { StandardizedPerson } from '../types.js';
import { NO_EVIDENCE, type FieldComparison } from './field-comparison.js';
import { fuzzyEqual, phoneticTokenMatch } from './token-match.js';

export const SURNAME_LEVELS = [
  'all-exact',
  'swapped',
  'joined',
  'first-other-missing',
  'maternal-in-middle',
  'one-shared-other-missing',
  'fuzzy-both',
  'one-shared-conflict',
  'jw92',
  'phonetic',
  'swapped-with-given',
  'different',
] as const;
export const SURNAME = Object.fromEntries(SURNAME_LEVELS.map((l, i) => [l, i])) as Record<
  (typeof SURNAME_LEVELS)[number],
  number
>;

function sameTokens(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** `extra` tokens (the middle name) supply the surname `wanted`. */
function inMiddle(wanted: string | null, person: StandardizedPerson): boolean {
  return wanted !== null && (person.middle?.tokens.includes(wanted) ?? false);
}

function joinedMatch(a: StandardizedPerson, b: StandardizedPerson): boolean {
  const ja = a.surnames!.joined;
  const jb = b.surnames!.joined;
  if (ja === jb) return true;
  // One side joined, the other kept only one part ("MARTINEZCRUZ" vs "MARTINEZ" or "CRUZ").
  const ta = a.surnames!.tokens;
  const tb = b.surnames!.tokens;
  if (ta.length === 1 && tb.length === 1) {
    const [long, short, shortPerson] = ja.length > jb.length ? [ja, jb, b] : [jb, ja, a];
    // The short side kept one part only if it has no second surname: RAMIREZ RAMIREZ (one token, both surnames
    // known) is not the RAMIREZ of RAMIREZCRUZ (rules `-7`).
    if (shortPerson.surname2 !== null) return false;
    return short.length >= 3 && long.length >= short.length + 3 && (long.startsWith(short) || long.endsWith(short));
  }
  return false;
}

function swappedWithGiven(a: StandardizedPerson, b: StandardizedPerson): boolean {
  if (!a.given || !b.given) return false;
  const s1a = a.surname1!;
  const s1b = b.surname1!;
  return fuzzyEqual(s1a, b.given.tokens[0]!) && fuzzyEqual(s1b, a.given.tokens[0]!);
}

const SIKH_NAMES: ReadonlySet<string> = new Set(['SINGH', 'KAUR']);
function onlySikhNames(tokens: readonly string[]): boolean {
  return tokens.every((t) => SIKH_NAMES.has(t));
}

/** Level of a pair of surname sets. */
export function compareSurnames(a: StandardizedPerson, b: StandardizedPerson): number {
  const sa = a.surnames;
  const sb = b.surnames;
  if (!sa || !sb) return NO_EVIDENCE;
  // SINGH and KAUR stand for a family name or beside it: alone against another surname they say nothing.
  if ((onlySikhNames(sa.tokens) || onlySikhNames(sb.tokens)) && !sa.tokens.some((t) => sb.tokens.includes(t)))
    return NO_EVIDENCE;
  if (sameTokens(sa.tokens, sb.tokens)) return SURNAME['all-exact'];
  const a1 = a.surname1!;
  const b1 = b.surname1!;
  const a2 = a.surname2;
  const b2 = b.surname2;
  if (a2 !== null && b2 !== null && a1 === b2 && a2 === b1) return SURNAME.swapped;
  if (joinedMatch(a, b)) return SURNAME.joined;
  if (a1 === b1 && (a2 === null || b2 === null)) {
    if ((a2 === null && inMiddle(b2, a)) || (b2 === null && inMiddle(a2, b))) return SURNAME['maternal-in-middle'];
    return SURNAME['first-other-missing'];
  }
  if (a2 !== null && b2 !== null && a1 === b1 && a2 === b2) return SURNAME['all-exact'];
  // One side holds a single surname equal to the other's maternal one.
  const shared = sa.tokens.some((t) => sb.tokens.includes(t));
  const aSingle = a2 === null;
  const bSingle = b2 === null;
  if (shared && (aSingle || bSingle)) {
    if ((aSingle && inMiddle(b1, a)) || (bSingle && inMiddle(a1, b))) return SURNAME['maternal-in-middle'];
    return SURNAME['one-shared-other-missing'];
  }
  // Both surnames agree up to typos (in order or swapped).
  if (a2 !== null && b2 !== null) {
    if ((fuzzyEqual(a1, b1) && fuzzyEqual(a2, b2)) || (fuzzyEqual(a1, b2) && fuzzyEqual(a2, b1)))
      return SURNAME['fuzzy-both'];
  }
  if (shared) return SURNAME['one-shared-conflict'];
  let best = 0;
  for (const x of sa.tokens) for (const y of sb.tokens) best = Math.max(best, jaroWinklerCached(x, y));
  best = Math.max(best, jaroWinklerCached(sa.joined, sb.joined));
  if (best >= 0.92) return SURNAME.jw92;
  for (let i = 0; i < sa.tokens.length; i++) {
    for (let j = 0; j < sb.tokens.length; j++) if (phoneticTokenMatch(sa, i, sb, j)) return SURNAME.phonetic;
  }
  if (swappedWithGiven(a, b)) return SURNAME['swapped-with-given'];
  return SURNAME.different;
}

export const surnameComparison: FieldComparison<StandardizedPerson> = {
  field: 'surnames',
  levels: SURNAME_LEVELS,
  compare: compareSurnames,
  tfValue: (a, b, level) => {
    if (level === SURNAME['all-exact'] || level === SURNAME.swapped || level === SURNAME.joined)
      return `J:${a.surnames!.sortedKey}`;
    if (
      level === SURNAME['first-other-missing'] ||
      level === SURNAME['maternal-in-middle'] ||
      level === SURNAME['one-shared-other-missing']
    ) {
      const shared = a.surnames!.tokens.find((t) => b.surnames!.tokens.includes(t));
      return shared === undefined ? `T:${a.surname1}` : `T:${shared}`;
    }
    return null;
  },
  tfValuesOf: (r) => (r.surnames ? [`J:${r.surnames.sortedKey}`, ...r.surnames.tokens.map((t) => `T:${t}`)] : []),
};
