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

/**
 * Keys of one standardized record (deduplicated). Key families:
 * - `I` state + state student id (resubmissions);
 * - `D` birth date with day and month sorted (so a DD/MM swap gives the same key) + first letter of any surname or middle-name token;
 * - `W` the same swap-proof date + Spanish phonetic key of any surname token;
 * - `P` Double Metaphone (first 4 characters) of any surname token + birth year + given-name initial;
 * - `G` Double Metaphone (4) of the given name (and its nickname forms) + of any surname token + birth month;
 * - `M` mother's given name + birth date (surname lost or changed);
 * - `N` given name + all surname tokens, and given name + first surname, no date (missing or badly wrong birth date).
 */
export function blockingKeys(r: StandardizedPerson): string[] {
  const keys = new Set<string>();
  if (r.state !== null && r.stateStudentId !== null) keys.add(`I|${r.state}|${r.stateStudentId}`);
  const surnameTokens = r.surnames?.tokens ?? [];
  const middleTokens = r.middle?.tokens ?? [];
  const b = r.birth;
  const given = r.given;
  const givenForms = given ? given.canonical[0]! : [];
  if (b) {
    const lo = Math.min(b.month, b.day);
    const hi = Math.max(b.month, b.day);
    const swapFree = `${b.year}${pad2(lo)}${pad2(hi)}`;
    for (const t of surnameTokens) keys.add(`D|${swapFree}|${t[0]}`);
    for (const t of middleTokens) if (t.length > 1) keys.add(`D|${swapFree}|${t[0]}`);
    for (const t of surnameTokens) keys.add(`W|${swapFree}|${spanishKey(t)}`);
    const initial = given ? given.tokens[0]![0] : '_';
    for (const t of surnameTokens) keys.add(`P|${dm4(t)}|${b.year}|${initial}`);
    for (const form of givenForms) {
      const g = dm4(form);
      for (const t of surnameTokens) keys.add(`G|${g}|${dm4(t)}|${b.month}`);
    }
    const mother = r.parentGiven[0];
    if (mother) keys.add(`M|${mother.canonical[0]!.at(-1)}|${b.digits}`);
  }
  if (given && surnameTokens.length > 0) {
    const g = givenForms.at(-1)!;
    const s = [...surnameTokens].sort();
    keys.add(`N|${g}|${s.join('|')}`);
    if (r.surname1 !== null) keys.add(`N|${g}|${r.surname1}`);
  }
  return [...keys];
}
