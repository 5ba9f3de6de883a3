/**
 * Turns a {@link PersonRecord} into the {@link StandardizedPerson} that
 * blocking and comparisons work on. Pure and total: bad input gives nulls.
 */
import { foldCode, foldText } from './fold.js';
import { givenTokens, internToken, isNamePlaceholder, standardGiven, standardSurname, surnameTokens } from './names.js';
import { parseBirthDate } from './dates.js';
import type { PersonRecord, StandardGivenName, StandardParent, StandardizedPerson } from './types.js';

const COUNTRY_ALIASES: Record<string, string> = {
  MEXICO: 'MX',
  MEX: 'MX',
  MX: 'MX',
  'ESTADOS UNIDOS': 'US',
  USA: 'US',
  US: 'US',
  'UNITED STATES': 'US',
  'UNITED STATES OF AMERICA': 'US',
  GUATEMALA: 'GT',
  GUA: 'GT',
  GT: 'GT',
  HONDURAS: 'HN',
  HN: 'HN',
  'EL SALVADOR': 'SV',
  SV: 'SV',
  NICARAGUA: 'NI',
  NI: 'NI',
  'PUERTO RICO': 'PR',
  PR: 'PR',
};

function place(value: string | null): string | null {
  const s = foldText(value);
  return s === '' ? null : internToken(s);
}

function country(value: string | null): string | null {
  const s = foldText(value);
  if (s === '') return null;
  return internToken(COUNTRY_ALIASES[s] ?? s);
}

/**
 * The child's own name boxes, with a one-name person (rules `-9`) written one way. Burmese, Karen and Chin names
 * have no family name, and states record them in one of three ways: the whole name in the last-name box with a
 * "first name unknown" marker (FNU, the U.S. federal convention), the name repeated in both boxes, or the name
 * split across them. The first two mean one thing — a given name and no family name — so they become that: the
 * name is the given name and there is no surname. Otherwise the repeated name counts as an agreeing surname
 * between every child who carries one (siblings share no part of such a name, but two children named alike would
 * agree twice), and an FNU record would compare its name as a surname with a given name elsewhere.
 */
function ownNameBoxes(record: PersonRecord): { first: string[]; last1: string[]; last2: string[] } {
  const first = givenTokens(record.firstName);
  const last1 = surnameTokens(record.lastName1);
  const last2 = surnameTokens(record.lastName2);
  const surnames = [...last1, ...last2];
  if (
    first.length === 0 &&
    surnames.length > 0 &&
    isNamePlaceholder(record.firstName) &&
    givenTokens(record.middleName).length === 0
  )
    return {
      first: givenTokens([record.lastName1, record.lastName2].filter((v) => v).join(' ')),
      last1: [],
      last2: [],
    };
  if (first.length > 0 && first.join(' ') === surnames.join(' ')) return { first, last1: [], last2: [] };
  return { first, last1, last2 };
}

/** Standardizes one record; never throws on bad values. */
export function standardize(record: PersonRecord): StandardizedPerson {
  const { first, last1, last2 } = ownNameBoxes(record);
  const all: string[] = [];
  for (const t of [...last1, ...last2]) if (!all.includes(t)) all.push(t);
  const parentGiven: StandardGivenName[] = [];
  for (const name of [record.parent2FirstName, record.parent1FirstName]) {
    const std = standardGiven(givenTokens(name));
    if (std) parentGiven.push(std);
  }
  const parents: StandardParent[] = [];
  for (const [g, l] of [
    [record.parent1FirstName, record.parent1LastName],
    [record.parent2FirstName, record.parent2LastName],
  ] as const) {
    const given = standardGiven(givenTokens(g));
    const surnames = surnameTokens(l);
    if (given !== null || surnames.length > 0) parents.push({ given, surnames });
  }
  const parentSurnames: string[] = [];
  let parentsWithSurname = 0;
  for (const name of [record.parent1LastName, record.parent2LastName]) {
    const tokens = surnameTokens(name);
    if (tokens.length > 0) parentsWithSurname++;
    for (const t of tokens) if (!parentSurnames.includes(t)) parentSurnames.push(t);
  }
  const state = foldCode(record.state);
  const middle = givenTokens(record.middleName);
  return {
    recordId: record.recordId,
    raw: record,
    state: state === null ? null : internToken(state),
    stateStudentId: foldCode(record.stateStudentId),
    given: standardGiven(first.length > 0 ? first : middle),
    middle: first.length > 0 ? standardGiven(middle) : null,
    givenFull: standardGiven(first.length > 0 ? [...first, ...middle] : middle),
    surnames: standardSurname(all),
    surname1: last1[0] ?? last2[0] ?? null,
    surname2: last2[0] ?? last1[1] ?? null,
    sex: record.sex === 'F' || record.sex === 'M' ? record.sex : null,
    birth: parseBirthDate(record.birthDate),
    multipleBirth: record.multipleBirth,
    birthCity: place(record.birthCity),
    birthState: place(record.birthState),
    birthCountry: country(record.birthCountry),
    parents,
    parentGiven,
    parentSurnames,
    parentsWithSurname,
  };
}
