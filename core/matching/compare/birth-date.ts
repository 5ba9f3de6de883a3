/**
 * Birth-date comparison. Besides exact agreement it grades the typical
 * entry errors of migrant records: day/month swapped (US MM/DD against
 * Latin-American DD/MM), one mistyped digit, ±1 day, same year and month,
 * and the year off by one. A mistyped digit of the year that moves it by two years or more
 * (2012 and 2017) is its own, weaker level: two namesakes born on the same day of the year
 * a few years apart look exactly like that, so it must not count as a close date. Placeholder
 * dates (01-01) agree weakly, and against a real date of the same year count only as that year.
 */
import { osaDistance } from '../string-similarity.js';
import type { ParsedDate, StandardizedPerson } from '../types.js';
import { NO_EVIDENCE, type FieldComparison } from './field-comparison.js';

export const BIRTH_DATE_LEVELS = [
  'exact',
  'exact-placeholder',
  'day-month-swap',
  'one-edit',
  'plus-minus-1-day',
  'same-year-month',
  'year-plus-minus-1-same-month-day',
  'one-edit-year-far',
  'placeholder-same-year',
  'different',
] as const;
export const BIRTH = Object.fromEntries(BIRTH_DATE_LEVELS.map((l, i) => [l, i])) as Record<
  (typeof BIRTH_DATE_LEVELS)[number],
  number
>;

/** Level of two parsed dates (null = missing or invalid). */
export function compareDates(a: ParsedDate | null, b: ParsedDate | null): number {
  if (!a || !b) return NO_EVIDENCE;
  if (a.epochDay === b.epochDay) return a.placeholder ? BIRTH['exact-placeholder'] : BIRTH.exact;
  if (a.year === b.year && a.month === b.day && a.day === b.month) return BIRTH['day-month-swap'];
  if (osaDistance(a.digits, b.digits, 1) <= 1)
    return Math.abs(a.year - b.year) >= 2 ? BIRTH['one-edit-year-far'] : BIRTH['one-edit'];
  if (Math.abs(a.epochDay - b.epochDay) <= 1) return BIRTH['plus-minus-1-day'];
  if (a.year === b.year && a.month === b.month) return BIRTH['same-year-month'];
  if (Math.abs(a.year - b.year) === 1 && a.month === b.month && a.day === b.day)
    return BIRTH['year-plus-minus-1-same-month-day'];
  // A clerk's stand-in date (01-01, 07-01) against the real one: only the year is evidence.
  if ((a.placeholder || b.placeholder) && a.year === b.year) return BIRTH['placeholder-same-year'];
  return BIRTH.different;
}

export const birthDateComparison: FieldComparison<StandardizedPerson> = {
  field: 'birth_date',
  levels: BIRTH_DATE_LEVELS,
  compare: (a, b) => compareDates(a.birth, b.birth),
};
