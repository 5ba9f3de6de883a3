/**
 * Scaffolding the independent synthetic generators (B, C, D) share: weighted pickers, calendar arithmetic and the
 * text folding a clerk's keyboard does. Only mechanics live here — no names, no family structures, no state habits —
 * so that the generators stay independent in everything that decides what a population looks like, and a fix to
 * the calendar is made once. None of these helpers draws from the random generator except `pickFrom`, which draws
 * exactly once, as `SeededRandom.pickWeighted` does, so moving a generator onto them does not change its output.
 */
import type { SeededRandom } from '@msix/adapter-sdk/random';
import type { PersonRecord, Sex } from '../../../core/matching/types.js';

/** [value, relative weight] as the name lists are written. */
export type WeightedList = ReadonlyArray<readonly [string, number]>;

/** A weighted list prepared for `SeededRandom.pickWeighted` (running sums computed once). */
export interface WeightedPicker {
  items: string[];
  cum: number[];
}

export function weightedPicker(list: WeightedList): WeightedPicker {
  let total = 0;
  return { items: list.map(([n]) => n), cum: list.map(([, w]) => (total += w)) };
}

export function pickFrom(rng: SeededRandom, p: WeightedPicker): string {
  return rng.pickWeighted(p.items, p.cum);
}

/** A calendar date as [year, month 1–12, day 1–31]. */
export type Date3 = [number, number, number];

const DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const leap = (y: number) => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
export const daysIn = (y: number, m: number): number => (m === 2 && leap(y) ? 29 : DAYS[m - 1]!);
export const validDate = ([y, m, d]: Date3): boolean => m >= 1 && m <= 12 && d >= 1 && d <= daysIn(y, m);

/** The date `days` days later (earlier when negative). */
export function addDays([y, m, d]: Date3, days: number): Date3 {
  const t = new Date(Date.UTC(y, m - 1, d + days));
  return [t.getUTCFullYear(), t.getUTCMonth() + 1, t.getUTCDate()];
}

/** A random real day of the given year. */
export function randomDayOf(rng: SeededRandom, year: number): Date3 {
  const m = 1 + rng.int(12);
  return [year, m, 1 + rng.int(daysIn(year, m))];
}

export const isoDate = ([y, m, d]: Date3): string => `${y}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;

/** Accents dropped, as systems without Unicode store names. */
export const unaccent = (s: string): string => s.normalize('NFD').replace(/[\u0300-\u036f]/g, '');

/** Lookup key of a name in a generator's own tables: unaccented upper case. */
export const upperKey = (s: string): string => unaccent(s).toUpperCase();

/** A name as a state's system holds it: first and last part (either may be missing). */
export type WrittenName = readonly [string | null, string | null];

/** What a state's system wrote of one child, before its text habit (accents, case, width) is applied. */
export interface WrittenChild {
  recordId: string;
  state: string;
  stateStudentId: string;
  given: string | null;
  middle: string | null;
  last1: string | null;
  last2: string | null;
  sex: Sex | null;
  birthDate: string | null;
  multipleBirth: boolean | null;
  /** Birth city, state and country; the country is a code and never goes through the text habit. */
  place: readonly [string, string, string] | null;
  parent1: WrittenName;
  parent2: WrittenName;
}

/**
 * The record a state's system sends for `c`: each name and place through the system's text habit (`givenText` for
 * the given name, where a system's field is narrower), in one fixed order. The habits draw nothing from the random
 * generator, so generators moved onto this give the same records.
 */
export function writtenRecord(
  c: WrittenChild,
  text: (s: string | null) => string | null,
  givenText: (s: string | null) => string | null = text,
): PersonRecord {
  return {
    recordId: c.recordId,
    state: c.state,
    stateStudentId: c.stateStudentId,
    firstName: givenText(c.given),
    middleName: text(c.middle),
    lastName1: text(c.last1),
    lastName2: text(c.last2),
    sex: c.sex,
    birthDate: c.birthDate,
    multipleBirth: c.multipleBirth,
    birthCity: c.place ? text(c.place[0]) : null,
    birthState: c.place ? text(c.place[1]) : null,
    birthCountry: c.place ? c.place[2] : null,
    parent1FirstName: text(c.parent1[0]),
    parent1LastName: text(c.parent1[1]),
    parent2FirstName: text(c.parent2[0]),
    parent2LastName: text(c.parent2[1]),
  };
}
