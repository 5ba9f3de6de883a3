/**
 * Blocking keys for person records: several cheap, high-recall keys per
 * record, stored by the caller in an indexed table (or the in-memory
 * index) so that an arriving record finds its candidates without a scan.
 * A pair is a candidate when the records share at least one key.
 */
import { metaphoneCodes, spanishKey } from './phonetic.js';
import type { StandardizedPerson } from './types.js';

/** First four characters of the primary Double Metaphone code: "MARTINEZCRUZ" and "MARTINEZ" share it. */
function dm4(token: string): string {
  return metaphoneCodes(token)[0]!.slice(0, 4);
}

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

/** Birth years of children the exchange serves; a record without a birth date emits name keys for each. */
const BIRTH_YEARS = Array.from({ length: 35 }, (_, i) => 1995 + i);

/** Initials of the given names and of their nickname-canonical forms ("LUPE" -> L, G; "MA. GUADALUPE" -> M, G). */
function givenInitials(r: StandardizedPerson): string[] {
  const g = r.givenFull;
  if (!g) return ['_'];
  const out = new Set<string>();
  for (const forms of g.canonical) for (const f of forms) out.add(f[0]!);
  return [...out];
}

/**
 * Blocking stand-in for the missing surname of a one-name person (rules `-9`: the name kept whole as a given name,
 * `standardize`): the syllables after the first, which a state that splits such a name across the boxes puts in the
 * last-name box (PAW HTOO as PAW / HTOO), or a one-syllable name itself (the box where a state repeats it). Comparisons
 * still see no surname.
 */
function oneNameTail(r: StandardizedPerson): string[] {
  const tokens = r.given?.tokens ?? [];
  return tokens.length > 1 ? tokens.slice(1) : tokens;
}

/**
 * Keys of one standardized record (deduplicated). Key families:
 * - `I` state + state student id (resubmissions);
 * - `D` birth date with day and month sorted (so a DD/MM swap gives the same key) + first letter of any surname or
 *   middle-name token
 *   + first letter of any given name or its canonical forms;
 * - `W` the same swap-proof date + Spanish phonetic key of any surname token + given initial (as for `D`);
 * - `P` Double Metaphone (first 4 characters) of any surname token + birth year + given-name initial + birth month;
 * - `G` Double Metaphone (4) of the given name (and its nickname forms) + of any surname token + swap-proof month and
 *   day (survives a mistyped year);
 * - `S` the first given-name token and the first surname token, sorted (either box), + the swap-proof date;
 * - `M` mother's given name + birth date (surname lost or changed);
 * - `N` given name + all surname tokens (sorted, and joined as typed), and given name + the first four letters of the
 *   first surname (joined, truncated or doubled surnames keep them), each with the birth year and with the swap-proof
 *   month-day; given name + the first four letters of each other surname token with the year (without a date: given
 *   name + first four letters of the first surname token with every year 1995–2029).
 *
 * Every family except `I` carries some part of the birth date, so blocks stop growing with the
 * population once it is larger than the number of distinct dates (rules person-2026.11-2).
 */
export function blockingKeys(r: StandardizedPerson): string[] {
  const keys = new Set<string>();
  if (r.state !== null && r.stateStudentId !== null) keys.add(`I|${r.state}|${r.stateStudentId}`);
  const b = r.birth;
  const given = r.given;
  const surnameTokens = r.surnames?.tokens ?? oneNameTail(r);
  const middleTokens = r.middle?.tokens ?? [];
  const givenForms = given ? given.canonical[0]! : [];
  if (b) {
    const lo = Math.min(b.month, b.day);
    const hi = Math.max(b.month, b.day);
    const swapFree = `${b.year}${pad2(lo)}${pad2(hi)}`;
    const initials = givenInitials(r);
    const surnameInitials = new Set<string>();
    for (const t of surnameTokens) surnameInitials.add(t[0]!);
    for (const t of middleTokens) if (t.length > 1) surnameInitials.add(t[0]!);
    for (const si of surnameInitials) for (const gi of initials) keys.add(`D|${swapFree}|${si}|${gi}`);
    for (const t of surnameTokens) {
      const sk = spanishKey(t);
      for (const gi of initials) keys.add(`W|${swapFree}|${sk}|${gi}`);
    }
    const initial = given ? given.tokens[0]![0] : '_';
    for (const t of surnameTokens) keys.add(`P|${dm4(t)}|${b.year}|${initial}|${b.month}`);
    const monthDay = `${lo}-${hi}`;
    for (const form of givenForms) {
      const g = dm4(form);
      for (const t of surnameTokens) keys.add(`G|${g}|${dm4(t)}|${monthDay}`);
    }
    // Given name and surname in either box (a Karen or Vietnamese name written the other way round), with the date.
    const firstSurname = surnameTokens[0];
    if (given && firstSurname !== undefined) {
      const pair = [given.tokens[0]!, firstSurname].sort();
      keys.add(`S|${pair[0]}|${pair[1]}|${swapFree}`);
    }
    const mother = r.parentGiven[0];
    if (mother) keys.add(`M|${mother.canonical[0]!.at(-1)}|${b.digits}`);
  }
  if (given && surnameTokens.length > 0) {
    const g = givenForms.at(-1)!;
    const s = [...surnameTokens].sort();
    if (b) {
      // Birth year (a wrong month or day) and swap-proof month-day (a mistyped year): one of the two survives one
      // error.
      for (const d of [String(b.year), `${Math.min(b.month, b.day)}-${Math.max(b.month, b.day)}`]) {
        keys.add(`N|${g}|${s.join('|')}|${d}`);
        // The first surname's first four letters: joined (RAMIREZCRUZ), cut short by a field limit (GUARDADOOREL)
        // or deduplicated (CRUZ CRUZ) it still keys with its parts (rules `-7`).
        if (r.surname1 !== null) keys.add(`N|${g}|${r.surname1.slice(0, 4)}|${d}`);
        // Surnames as typed, joined: "FIGUEROA QUINTERO" meets "FIGUEROAQUINTERO".
        if (surnameTokens.length > 1) keys.add(`N|${g}|${surnameTokens.join('')}|${d}`);
      }
      // Each other surname with the year: a record without a date, or with the surnames swapped, keys on the one it
      // lists first.
      for (let i = 1; i < surnameTokens.length; i++) keys.add(`N|${g}|${surnameTokens[i]!.slice(0, 4)}|${b.year}`);
    } else {
      // No usable date: every plausible birth year, on the given name and the first listed surname.
      const first = surnameTokens[0]!.slice(0, 4);
      for (const y of BIRTH_YEARS) keys.add(`N|${g}|${first}|${y}`);
    }
  }
  return [...keys];
}
