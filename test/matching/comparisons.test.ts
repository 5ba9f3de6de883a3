import { describe, expect, it } from 'vitest';
import { BIRTH, compareDates } from '../../core/matching/compare/birth-date.js';
import { GIVEN, compareGivenNames } from '../../core/matching/compare/given-name.js';
import { SURNAME, compareSurnames } from '../../core/matching/compare/surname.js';
import { NO_EVIDENCE } from '../../core/matching/compare/field-comparison.js';
import { parseBirthDate } from '../../core/matching/dates.js';
import { standardize } from '../../core/matching/standardize.js';
import { jaroWinkler, osaDistance } from '../../core/matching/string-similarity.js';
import { person } from './helpers.js';

const given = (a: Partial<Parameters<typeof person>[0]>, b: Partial<Parameters<typeof person>[0]>) =>
  compareGivenNames(standardize(person(a)), standardize(person(b)));
const surnames = (a: Partial<Parameters<typeof person>[0]>, b: Partial<Parameters<typeof person>[0]>) =>
  compareSurnames(standardize(person(a)), standardize(person(b)));
const dates = (a: string, b: string) => compareDates(parseBirthDate(a), parseBirthDate(b));

describe('string similarity', () => {
  it('Jaro-Winkler and OSA give the textbook values', () => {
    expect(jaroWinkler('MARTHA', 'MARHTA')).toBeCloseTo(0.9611, 3);
    expect(jaroWinkler('DIXON', 'DICKSONX')).toBeCloseTo(0.8133, 3);
    expect(osaDistance('CA', 'AC')).toBe(1);
    expect(osaDistance('KITTEN', 'SITTING')).toBe(3);
    expect(osaDistance('KITTEN', 'SITTING', 1)).toBe(2);
  });
});

describe('given-name levels', () => {
  it.each([
    [{ firstName: 'José' }, { firstName: 'JOSE' }, GIVEN.exact],
    [{ firstName: 'Lupe' }, { firstName: 'Guadalupe' }, GIVEN.nickname],
    [{ firstName: 'Ma. Guadalupe' }, { firstName: 'Maria', middleName: 'Guadalupe' }, GIVEN.nickname],
    [{ firstName: 'Guadalupe' }, { firstName: 'María Guadalupe' }, GIVEN.subset],
    [{ firstName: 'Alejandro' }, { firstName: 'Alejandor' }, GIVEN.jw92],
    [{ firstName: 'Luis' }, { firstName: 'Luvs' }, GIVEN['jw88-or-one-edit']],
    [{ firstName: 'Chago' }, { firstName: 'Santeago' }, GIVEN['nickname-typo']],
    // A mistyped nickname against the full name: CMAI is CAMI (Camila), NNEA is NENA (Elena), PTAI is PATI (Patricia).
    [{ firstName: 'Cmai' }, { firstName: 'Camila' }, GIVEN['nickname-typo']],
    [{ firstName: 'NNEA' }, { firstName: 'María Elena' }, GIVEN['nickname-typo']],
    [{ firstName: 'PTAI' }, { firstName: 'Patricia' }, GIVEN['nickname-typo']],
    [{ firstName: 'María Fernanda' }, { firstName: 'María Guadalupe' }, GIVEN['overlap-conflict']],
    [{ firstName: 'J' }, { firstName: 'Jorge' }, GIVEN.initial],
    [{ firstName: 'Pedro' }, { firstName: 'Camila' }, GIVEN.different],
    [{ firstName: null }, { firstName: 'Camila' }, NO_EVIDENCE],
  ])('%o vs %o', (a, b, level) => expect(given(a, b)).toBe(level));
});

describe('surname levels', () => {
  it.each([
    [{ lastName1: 'García', lastName2: 'López' }, { lastName1: 'GARCIA', lastName2: 'LOPEZ' }, SURNAME['all-exact']],
    [{ lastName1: 'García', lastName2: 'López' }, { lastName1: 'López', lastName2: 'García' }, SURNAME.swapped],
    [{ lastName1: 'Martínez', lastName2: 'Cruz' }, { lastName1: 'MARTINEZCRUZ', lastName2: null }, SURNAME.joined],
    [
      { lastName1: 'Martínez', lastName2: 'Cruz' },
      { lastName1: 'Martinez-Cruz', lastName2: null },
      SURNAME['all-exact'],
    ],
    [
      { lastName1: 'García', lastName2: 'López' },
      { lastName1: 'García', lastName2: null },
      SURNAME['first-other-missing'],
    ],
    [
      { lastName1: 'García', lastName2: 'López' },
      { lastName1: 'García', lastName2: null, middleName: 'López' },
      SURNAME['maternal-in-middle'],
    ],
    [
      { lastName1: 'García', lastName2: 'López' },
      { lastName1: 'López', lastName2: null },
      SURNAME['one-shared-other-missing'],
    ],
    [{ lastName1: 'García', lastName2: 'López' }, { lastName1: 'Garcia', lastName2: 'Lopes' }, SURNAME['fuzzy-both']],
    [
      { lastName1: 'García', lastName2: 'López' },
      { lastName1: 'García', lastName2: 'Pérez' },
      SURNAME['one-shared-conflict'],
    ],
    [{ lastName1: 'Vázquez', lastName2: null }, { lastName1: 'Basques', lastName2: null }, SURNAME.phonetic],
    [{ lastName1: 'Smith', lastName2: null }, { lastName1: 'Nguyen', lastName2: null }, SURNAME.different],
  ])('%o vs %o', (a, b, level) => expect(surnames(a, b)).toBe(level));
});

describe('birth-date levels', () => {
  it.each([
    ['2012-03-04', '2012-03-04', BIRTH.exact],
    ['2012-01-01', '2012-01-01', BIRTH['exact-placeholder']],
    ['2012-03-04', '2012-04-03', BIRTH['day-month-swap']],
    ['2012-03-14', '2012-03-19', BIRTH['one-edit']],
    ['2012-03-31', '2012-04-01', BIRTH['plus-minus-1-day']],
    ['2012-03-04', '2012-03-25', BIRTH['same-year-month']],
    ['2012-03-04', '2013-03-04', BIRTH['one-edit']],
    ['2010-03-04', '2009-03-04', BIRTH['year-plus-minus-1-same-month-day']],
    ['2012-03-04', '2015-08-20', BIRTH.different],
    ['2012-02-30', '2012-03-04', NO_EVIDENCE],
  ])('%s vs %s', (a, b, level) => expect(dates(a, b)).toBe(level));
});
