/**
 * Phonetic keys that work for Spanish and English names. Double Metaphone
 * covers English and gives alternates for foreign spellings; the Spanish
 * normaliser collapses spellings that sound alike in Spanish, which Double
 * Metaphone keeps apart (b/v, ll/y, z/s/c(e,i), silent h, g(e,i)/j, qu/k).
 */
import { doubleMetaphone } from 'double-metaphone';

const metaphoneCache = new Map<string, string[]>();
const spanishCache = new Map<string, string>();

/** Distinct Double Metaphone codes of a folded token (1 or 2 codes; empty for empty input). */
export function metaphoneCodes(token: string): string[] {
  let codes = metaphoneCache.get(token);
  if (codes === undefined) {
    if (token === '') codes = [];
    else {
      const [primary, secondary] = doubleMetaphone(token);
      codes = primary === secondary || secondary === '' ? [primary] : [primary, secondary];
      if (codes[0] === '') codes = [token];
    }
    if (metaphoneCache.size > 500_000) metaphoneCache.clear();
    metaphoneCache.set(token, codes);
  }
  return codes;
}

const SPANISH_RULES: Array<[RegExp, string]> = [
  [/CH/g, '§'], // protect CH before dropping H
  [/PH/g, 'F'],
  [/H/g, ''],
  [/§/g, 'CH'],
  [/LL/g, 'Y'],
  [/Y$/g, 'I'],
  [/Y(?=[^AEIOU]|$)/g, 'I'],
  [/V/g, 'B'],
  [/W/g, 'GU'],
  [/QU/g, 'K'],
  [/C(?=[EI])/g, 'S'],
  [/Z/g, 'S'],
  [/C/g, 'K'],
  [/G(?=[EI])/g, 'J'],
  [/GU(?=[EI])/g, 'G'],
  [/X/g, 'J'],
  [/SC(?=[EI])/g, 'S'],
  [/KS/g, 'S'],
  [/TH/g, 'T'],
  [/(.)\1+/g, '$1'],
];

/**
 * Spanish phonetic key of a folded token, e.g. VAZQUEZ and BASQUES both give
 * "BASKES", GIMENEZ and JIMENEZ give "JIMENES", YOLANDA and LLOLANDA agree.
 */
export function spanishKey(token: string): string {
  let key = spanishCache.get(token);
  if (key === undefined) {
    key = token;
    for (const [pattern, replacement] of SPANISH_RULES) key = key.replace(pattern, replacement);
    if (spanishCache.size > 500_000) spanishCache.clear();
    spanishCache.set(token, key);
  }
  return key;
}
