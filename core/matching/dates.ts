/**
 * Birth-date parsing. Bad dates are common in state feeds; an invalid or
 * impossible date becomes null (no evidence) and never throws.
 */
import type { ParsedDate } from './types.js';

const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function isLeap(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

/** True when y/m/d is a real calendar date. */
export function isValidDate(year: number, month: number, day: number): boolean {
  if (!Number.isInteger(year) || year < 1850 || year > 2100) return false;
  if (month < 1 || month > 12 || day < 1) return false;
  if (month === 2 && day === 29) return isLeap(year);
  return day <= (DAYS_IN_MONTH[month - 1] ?? 0);
}

/** Days since 1970-01-01 (proleptic Gregorian), no Date object needed. */
export function epochDay(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const mp = (month + 9) % 12;
  const doy = Math.floor((153 * mp + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/**
 * Parses 'YYYY-MM-DD' (also 'YYYYMMDD' and 'YYYY/MM/DD'). Returns null for
 * anything that is not a real date. January 1st and July 1st are
 * flagged as placeholders: clerks type them when the real date is unknown.
 */
export function parseBirthDate(value: string | null | undefined): ParsedDate | null {
  if (!value) return null;
  const m = /^\s*(\d{4})[-/]?(\d{1,2})[-/]?(\d{1,2})\s*$/.exec(value);
  if (!m) return null;
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  if (!isValidDate(year, month, day)) return null;
  const digits = `${m[1]}${String(month).padStart(2, '0')}${String(day).padStart(2, '0')}`;
  return {
    year,
    month,
    day,
    digits,
    epochDay: epochDay(year, month, day),
    placeholder: (month === 1 && day === 1) || (month === 7 && day === 1),
  };
}
