/**
 * Seeded synthetic migrant-student population with ground truth.
 *
 * Families have Hispanic two-surname names (child = father's first surname +
 * mother's first surname), parents' names, siblings and twins, and move
 * across states; each state enrolment is a new state record with that
 * state's own id. Records carry the corruptions seen in real exchanges:
 * accent loss, swapped or dropped maternal surname, maternal surname in the
 * middle-name box, joined or hyphenated surnames, nicknames, "Ma."
 * abbreviations, shortened compound names, DD/MM swaps, ±1 day and typos.
 */
import { SeededRandom } from '@msix/adapter-sdk/random';
import type { PersonRecord, Sex } from '../../../core/matching/types.js';
import { BIRTH_PLACES, GIVEN_FEMALE, GIVEN_MALE, STATES, SURNAMES } from './name-data.js';
import table from '../../../core/matching/data/nicknames.json' with { type: 'json' };

export interface SyntheticRecord {
  record: PersonRecord;
  /** Ground truth: same childId = same child. */
  childId: number;
  familyId: number;
  /** Children of one multiple birth share a twinGroup. */
  twinGroup: number | null;
}

/** Probabilities of each corruption, per record. */
export interface CorruptionRates {
  maternalDropped: number;
  maternalInMiddle: number;
  joinedSurnames: number;
  hyphenatedSurnames: number;
  spaceCompoundSurname: number;
  surnameSwap: number;
  nickname: number;
  givenTypo: number;
  surnameTypo: number;
  dayMonthSwap: number;
  dayOff: number;
  dateTypo: number;
  dateMissing: number;
  sexMissing: number;
  sexWrong: number;
  twinBirth: number;
  newIdSameState: number;
}

export const DEFAULT_RATES: CorruptionRates = {
  maternalDropped: 0.15,
  maternalInMiddle: 0.06,
  joinedSurnames: 0.04,
  hyphenatedSurnames: 0.06,
  spaceCompoundSurname: 0.04,
  surnameSwap: 0.03,
  nickname: 0.04,
  givenTypo: 0.03,
  surnameTypo: 0.03,
  dayMonthSwap: 0.03,
  dayOff: 0.015,
  dateTypo: 0.01,
  dateMissing: 0.01,
  sexMissing: 0.05,
  sexWrong: 0.003,
  twinBirth: 0.025,
  newIdSameState: 0.02,
};

export interface SyntheticOptions {
  /** Number of records to produce (the last family may be cut short). */
  records: number;
  seed: number;
  rates?: Partial<CorruptionRates>;
}

interface Person {
  given: string;
  s1: string;
  s2: string;
}

interface Child {
  id: number;
  given: string;
  sex: Sex;
  birth: [number, number, number];
  twinGroup: number | null;
  birthPlace: readonly [string, string, string] | null;
}

function cumulative(items: ReadonlyArray<readonly [string, number]>): { names: string[]; cum: number[] } {
  const names: string[] = [];
  const cum: number[] = [];
  let t = 0;
  for (const [n, w] of items) {
    t += w;
    names.push(n);
    cum.push(t);
  }
  return { names, cum };
}

const SURNAME_DIST = cumulative(SURNAMES);
const MALE_DIST = cumulative(GIVEN_MALE);
const FEMALE_DIST = cumulative(GIVEN_FEMALE);
const STATE_DIST = cumulative(STATES);

const NICKNAMES_OF = new Map<string, string[]>();
for (const [nick, fulls] of Object.entries(table.names)) {
  for (const full of fulls) {
    const key = strip(full).toUpperCase();
    const list = NICKNAMES_OF.get(key) ?? [];
    list.push(nick);
    NICKNAMES_OF.set(key, list);
  }
}

function strip(s: string): string {
  return s.normalize('NFD').replace(/[\u0300-\u036f]/g, '');
}

const DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
function daysIn(y: number, m: number): number {
  return m === 2 && ((y % 4 === 0 && y % 100 !== 0) || y % 400 === 0) ? 29 : DAYS[m - 1]!;
}

function addDays([y, m, d]: [number, number, number], delta: number): [number, number, number] {
  const t = new Date(Date.UTC(y, m - 1, d + delta));
  return [t.getUTCFullYear(), t.getUTCMonth() + 1, t.getUTCDate()];
}

function fmt([y, m, d]: [number, number, number]): string {
  return `${y}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}

const LETTERS = 'abcdefghijklmnopqrstuvwxyz';

function typo(rng: SeededRandom, s: string): string {
  if (s.length < 3) return s;
  const i = 1 + rng.int(s.length - 1);
  switch (rng.int(4)) {
    case 0:
      return s.slice(0, i) + s.slice(i + 1);
    case 1:
      return s.slice(0, i) + rng.pick([...LETTERS]) + s.slice(i);
    case 2:
      return s.slice(0, i) + rng.pick([...LETTERS]) + s.slice(i + 1);
    default:
      return i < s.length - 1 ? s.slice(0, i) + s[i + 1] + s[i] + s.slice(i + 2) : s;
  }
}

/** Streams records family by family until `records` are produced. */
export function* generatePopulation(options: SyntheticOptions): Generator<SyntheticRecord> {
  const rng = new SeededRandom(options.seed);
  const rates = { ...DEFAULT_RATES, ...options.rates };
  let produced = 0;
  let childSeq = 0;
  let familySeq = 0;
  let twinSeq = 0;
  let idSeq = 0;
  const surname = () => rng.pickWeighted(SURNAME_DIST.names, SURNAME_DIST.cum);
  const givenOf = (sex: Sex) =>
    sex === 'M'
      ? rng.pickWeighted(MALE_DIST.names, MALE_DIST.cum)
      : rng.pickWeighted(FEMALE_DIST.names, FEMALE_DIST.cum);
  const newStateId = (state: string) => `${state}${String(100000000 + idSeq++ * 7919 + rng.int(7919)).slice(-9)}`;

  while (produced < options.records) {
    const familyId = familySeq++;
    const father: Person = { given: givenOf('M'), s1: surname(), s2: surname() };
    const mother: Person = { given: givenOf('F'), s1: surname(), s2: surname() };
    const kids: Child[] = [];
    const kidCount = rng.pickWeighted([1, 2, 3, 4, 5], [25, 55, 80, 92, 100]);
    let birth: [number, number, number] = [2004 + rng.int(13), 1 + rng.int(12), 1];
    birth[2] = 1 + rng.int(daysIn(birth[0], birth[1]));
    const familyPlace = rng.chance(0.6) ? rng.pick(BIRTH_PLACES) : null;
    for (let k = 0; k < kidCount; k++) {
      const twins = rng.chance(rates.twinBirth) ? 2 : 1;
      const twinGroup = twins > 1 ? twinSeq++ : null;
      const names: string[] = [];
      for (let t = 0; t < twins; t++) {
        const sex: Sex = rng.chance(0.5) ? 'F' : 'M';
        let given = givenOf(sex);
        // Twins often share the first part of a compound name (María Fernanda / María Guadalupe).
        if (t > 0 && names[0]!.includes(' ') && rng.chance(0.5)) {
          const first = names[0]!.split(' ')[0]!;
          const pool = (sex === 'M' ? GIVEN_MALE : GIVEN_FEMALE).filter(([n]) => n.startsWith(`${first} `));
          if (pool.length > 0) given = rng.pick(pool)[0];
        }
        let guard = 0;
        while ((names.includes(given) || kids.some((c) => c.given === given)) && guard++ < 20) given = givenOf(sex);
        names.push(given);
        kids.push({
          id: childSeq++,
          given,
          sex,
          birth: [...birth],
          twinGroup,
          birthPlace: rng.chance(0.8) ? familyPlace : rng.pick(BIRTH_PLACES),
        });
      }
      birth = addDays(birth, 330 + rng.int(1100));
    }
    // Moves: each stay is a state enrolment.
    const stays = rng.pickWeighted([1, 2, 3, 4, 5, 6], [30, 60, 80, 90, 96, 100]);
    const path: string[] = [];
    for (let s = 0; s < stays; s++) {
      let st = rng.pickWeighted(STATE_DIST.names, STATE_DIST.cum);
      if (path.length > 0 && st === path[path.length - 1]) st = rng.pickWeighted(STATE_DIST.names, STATE_DIST.cum);
      path.push(st);
    }
    for (const kid of kids) {
      const ids = new Map<string, string>();
      let emitted = 0;
      for (let s = 0; s < path.length && produced < options.records; s++) {
        if (emitted > 0 && !rng.chance(0.92)) continue;
        const state = path[s]!;
        let sid = ids.get(state);
        if (sid === undefined || rng.chance(rates.newIdSameState)) sid = newStateId(state);
        ids.set(state, sid);
        const copies = rng.chance(0.05) ? 2 : 1;
        for (let c = 0; c < copies && produced < options.records; c++) {
          const record = renderRecord(rng, rates, `R${produced + 1}`, state, sid, kid, father, mother);
          produced++;
          emitted++;
          yield { record, childId: kid.id, familyId, twinGroup: kid.twinGroup };
        }
      }
    }
  }
}

/** Per-state habits: some keep accents, some have one surname box. */
function stateStyle(state: string): { accents: boolean; oneSurnameBox: boolean; upper: boolean } {
  let h = 0;
  for (const ch of state) h = (h * 31 + ch.charCodeAt(0)) >>> 0;
  return { accents: h % 3 === 0, oneSurnameBox: h % 4 === 1, upper: h % 2 === 0 };
}

function renderRecord(
  rng: SeededRandom,
  rates: CorruptionRates,
  recordId: string,
  state: string,
  sid: string,
  kid: Child,
  father: Person,
  mother: Person,
): PersonRecord {
  const style = stateStyle(state);
  const text = (s: string | null): string | null => {
    if (s === null || s === '') return null;
    let v = style.accents && !rng.chance(0.2) ? s : strip(s);
    if (style.upper) v = v.toUpperCase();
    return v;
  };
  // Given name.
  const tokens = kid.given.split(' ');
  let first = kid.given;
  let middle: string | null = null;
  if (tokens.length > 1) {
    const r = rng.next();
    const head = strip(tokens[0]!).toUpperCase();
    if (r < 0.15) {
      first = tokens[0]!;
      middle = tokens.slice(1).join(' ');
    } else if (r < 0.27 && head === 'MARIA') first = `Ma. ${tokens.slice(1).join(' ')}`;
    else if (r < 0.37 && ['MARIA', 'JOSE', 'JUAN', 'ANA', 'LUIS'].includes(head)) first = tokens.slice(1).join(' ');
    else if (r < 0.42) first = tokens[0]!;
  }
  if (rng.chance(rates.nickname)) {
    const main = strip(first.split(' ').at(-1)!).toUpperCase();
    const nicks = NICKNAMES_OF.get(main) ?? NICKNAMES_OF.get(strip(kid.given).toUpperCase());
    if (nicks && nicks.length > 0) first = rng.pick(nicks);
  }
  if (rng.chance(rates.givenTypo)) first = typo(rng, first);
  // Surnames.
  const s1 = father.s1;
  const s2 = mother.s1;
  let last1: string | null = s1;
  let last2: string | null = s2;
  const r = rng.next();
  let cut = 0;
  const boxBoost = style.oneSurnameBox ? 2 : 1;
  if (r < (cut += rates.maternalDropped * boxBoost)) last2 = null;
  else if (r < (cut += rates.maternalInMiddle) && middle === null) {
    middle = s2;
    last2 = null;
  } else if (r < (cut += rates.joinedSurnames * boxBoost)) {
    last1 = `${s1}${s2}`.replace(/ /g, '');
    last2 = null;
  } else if (r < (cut += rates.hyphenatedSurnames * boxBoost)) {
    last1 = `${s1}-${s2}`;
    last2 = null;
  } else if (r < (cut += rates.spaceCompoundSurname * boxBoost)) {
    last1 = `${s1} ${s2}`;
    last2 = null;
  } else if (r < (cut += rates.surnameSwap)) {
    last1 = s2;
    last2 = s1;
  }
  if (rng.chance(rates.surnameTypo)) {
    if (last2 !== null && rng.chance(0.5)) last2 = typo(rng, last2);
    else last1 = typo(rng, last1);
  }
  // Birth date.
  let birth: [number, number, number] | null = [...kid.birth];
  const d = rng.next();
  cut = 0;
  if (d < (cut += rates.dayMonthSwap) && birth[2] <= 12 && birth[2] !== birth[1])
    birth = [birth[0], birth[2], birth[1]];
  else if (d < (cut += rates.dayOff)) birth = addDays(birth, rng.chance(0.5) ? 1 : -1);
  else if (d < (cut += rates.dateTypo)) {
    const digits = fmt(birth).replace(/-/g, '').split('');
    const pos = 2 + rng.int(6);
    digits[pos] = String(rng.int(10));
    const s = digits.join('');
    const y = Number(s.slice(0, 4));
    const m = Number(s.slice(4, 6));
    const dd = Number(s.slice(6, 8));
    birth = m >= 1 && m <= 12 && dd >= 1 && dd <= daysIn(y, m) ? [y, m, dd] : birth;
  } else if (d < (cut += rates.dateMissing)) birth = null;
  // Sex.
  let sex: Sex | null = kid.sex;
  if (rng.chance(rates.sexMissing)) sex = null;
  else if (rng.chance(rates.sexWrong)) sex = sex === 'F' ? 'M' : 'F';
  // Parents (parent 1 = father, parent 2 = mother; sometimes swapped, often missing).
  const parentName = (p: Person): [string | null, string | null] => {
    let g = p.given;
    if (rng.chance(0.3) && g.includes(' ')) g = g.split(' ')[0]!;
    if (rng.chance(0.03)) g = typo(rng, g);
    const last = rng.chance(0.25) ? `${p.s1} ${p.s2}` : p.s1;
    return [g, last];
  };
  let p1: [string | null, string | null] = rng.chance(0.6) ? parentName(father) : [null, null];
  let p2: [string | null, string | null] = rng.chance(0.8) ? parentName(mother) : [null, null];
  if (rng.chance(0.1)) [p1, p2] = [p2, p1];
  const place = kid.birthPlace !== null && rng.chance(0.5) ? kid.birthPlace : null;
  const multipleBirth =
    kid.twinGroup !== null ? (rng.chance(0.6) ? true : rng.chance(0.5) ? null : false) : rng.chance(0.5) ? false : null;
  return {
    recordId,
    state,
    stateStudentId: sid,
    firstName: text(first),
    middleName: text(middle),
    lastName1: text(last1),
    lastName2: text(last2),
    sex,
    birthDate: birth === null ? null : fmt(birth),
    multipleBirth,
    birthCity: place ? text(place[0]) : null,
    birthState: place ? text(place[1]) : null,
    birthCountry: place ? (rng.chance(0.5) ? place[2] : place[2] === 'MX' ? 'México' : place[2]) : null,
    parent1FirstName: text(p1[0]),
    parent1LastName: text(p1[1]),
    parent2FirstName: text(p2[0]),
    parent2LastName: text(p2[1]),
  };
}
