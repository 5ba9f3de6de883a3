/**
 * Name standardization: tokens as arrays (never one merged string, which
 * makes "MARTINEZCRUZ" unmatchable), particles dropped with the joined form
 * kept, and given-name abbreviations expanded ("MA." -> MARIA).
 */
import { foldTokens } from './fold.js';
import { canonicalForms } from './nicknames.js';
import { metaphoneCodes, spanishKey } from './phonetic.js';
import type { StandardGivenName, StandardName } from './types.js';

/** Name particles that come and go between records ("DE LA CRUZ" vs "CRUZ"). */
export const PARTICLES: ReadonlySet<string> = new Set([
  'DE',
  'DEL',
  'LA',
  'LAS',
  'LOS',
  'Y',
  'E',
  'DA',
  'DAS',
  'DO',
  'DOS',
  'VAN',
  'VON',
  'DER',
  'DEN',
  'DI',
  'DU',
  'LE',
  'ST',
]);

/** Abbreviations clerks use for common given names. */
const GIVEN_ABBREVIATIONS: Record<string, string> = {
  MA: 'MARIA',
  MRA: 'MARIA',
  MARIA: 'MARIA',
  FCO: 'FRANCISCO',
  GPE: 'GUADALUPE',
  JOS: 'JOSE',
  JSE: 'JOSE',
  ANT: 'ANTONIO',
  MIGL: 'MIGUEL',
  GMO: 'GUILLERMO',
  ALEJ: 'ALEJANDRO',
};

/**
 * Values that mean "no name" in state systems. FNU, LNU and MNU ("first/last/middle name unknown") are the U.S.
 * federal convention for a person with one name (Burmese and Karen names have no family name): they say that the
 * box is empty, so two records holding one agree on nothing (before rules `-9` two children with FNU agreed on a
 * "given name").
 */
const NON_NAMES: ReadonlySet<string> = new Set([
  'NFN',
  'NMN',
  'NLN',
  'FNU',
  'LNU',
  'MNU',
  'NO NAME',
  'NONAME',
  'NOT GIVEN',
  'NOT PROVIDED',
  'UNKNOWN UNKNOWN',
  'UNKNOWN',
  'UNK',
  'NONE',
  'NA',
  'N A',
  'XX',
  'XXX',
  'BABY',
  'BOY',
  'GIRL',
]);

const intern = new Map<string, string>();
/** Shares one string instance per distinct token so that large batches stay small in memory. */
export function internToken(token: string): string {
  const existing = intern.get(token);
  if (existing !== undefined) return existing;
  if (intern.size > 2_000_000) intern.clear();
  intern.set(token, token);
  return token;
}

function baseName(folded: string, tokens: string[]): StandardName | null {
  if (tokens.length === 0) return null;
  return {
    folded: internToken(folded),
    tokens,
    joined: internToken(tokens.join('')),
    sortedKey: internToken(tokens.length > 1 ? [...tokens].sort().join(' ') : tokens[0]!),
    phonetic: tokens.map(metaphoneCodes),
    spanishKeys: tokens.map(spanishKey),
  };
}

/** True when a name box holds a "no name" marker (FNU, UNKNOWN…) rather than being merely empty. */
export function isNamePlaceholder(value: string | null | undefined): boolean {
  const all = foldTokens(value);
  return all.length > 0 && NON_NAMES.has(all.join(' '));
}

/** Tokens of a surname field with particles removed (a lone particle is kept). */
export function surnameTokens(value: string | null | undefined): string[] {
  const all = foldTokens(value);
  if (all.length > 0 && NON_NAMES.has(all.join(' '))) return [];
  const kept = all.filter((t) => !PARTICLES.has(t) && t.length > 0);
  return (kept.length > 0 ? kept : all).map(internToken);
}

/**
 * Standard names are immutable and repeat heavily (a million records hold a
 * few hundred thousand distinct names), so they are shared between records.
 */
const surnameCache = new Map<string, StandardName | null>();
const givenCache = new Map<string, StandardGivenName | null>();
const CACHE_LIMIT = 1_000_000;

/** Standard form of a surname token list (shared instance per distinct list). */
export function standardSurname(tokens: string[]): StandardName | null {
  const key = tokens.join(' ');
  let std = surnameCache.get(key);
  if (std === undefined) {
    std = baseName(key, tokens);
    if (surnameCache.size > CACHE_LIMIT) surnameCache.clear();
    surnameCache.set(key, std);
  }
  return std;
}

/** Given-name tokens: abbreviations expanded, particles dropped ("MA. DE LOS ANGELES" -> MARIA ANGELES). */
export function givenTokens(value: string | null | undefined): string[] {
  const all = foldTokens(value);
  if (all.length === 0 || NON_NAMES.has(all.join(' '))) return [];
  const out: string[] = [];
  for (const t of all) {
    if (PARTICLES.has(t) && all.length > 1) continue;
    out.push(internToken(GIVEN_ABBREVIATIONS[t] ?? t));
  }
  return out;
}

/** Standard form of a given-name token list, with nickname-canonical forms per token (shared instance). */
export function standardGiven(tokens: string[]): StandardGivenName | null {
  const key = tokens.join(' ');
  let std = givenCache.get(key);
  if (std === undefined) {
    const base = baseName(key, tokens);
    std = base === null ? null : { ...base, canonical: tokens.map(canonicalForms) };
    if (givenCache.size > CACHE_LIMIT) givenCache.clear();
    givenCache.set(key, std);
  }
  return std;
}
