/**
 * Generator B: a second, independent synthetic migrant population with
 * ground truth, so the matcher can be tuned on one generator and measured
 * on the other (`npm run eval`, cross-generator table).
 *
 * It differs from generator A (`../synthetic/generator.ts`) in every layer:
 * - names: its own Spanish lists plus Haitian, Hmong, Somali (patronymic:
 *   the child's surnames are the father's and grandfather's given names),
 *   Vietnamese (family name first, Thi/Van middle names, order inverted by
 *   some schools), Punjabi/Sikh (Singh/Kaur as surname or middle name,
 *   unisex given names) and English names;
 * - families: twins and triplets with the same or nearly the same given
 *   names (José Luis / José Ángel, Harpreet / Harjeet), siblings entered
 *   with the same birth date, half-siblings, cousins in one household;
 * - habits per state: parents' order (mother or father first), one surname
 *   box (joined, hyphenated, first only, second in the middle box),
 *   multiple-birth flag never recorded, English or Spanish names, date
 *   entry errors (year ±1, day ±1, day/month swapped), and a second id for
 *   a re-enrolled child.
 */
import { SeededRandom } from '@msix/adapter-sdk/random';
import type { PersonRecord, Sex } from '../../../core/matching/types.js';
import type { SyntheticRecord } from '../synthetic/generator.js';
import { COMMUNITIES, HYPOCORISTICS, PLACES, STATES_B, TRANSLATIONS, type Community } from './communities.js';
import {
  addDays,
  daysIn,
  isoDate,
  unaccent,
  upperKey,
  weightedPicker,
  type WeightedPicker,
  writtenRecord,
} from '../synthetic-common/scaffold.js';

export interface GeneratorBOptions {
  records: number;
  seed: number;
}

interface CommunityDists {
  c: Community;
  female: WeightedPicker;
  male: WeightedPicker;
  surnames: WeightedPicker;
}

const COMMUNITY_DIST = weightedPicker(COMMUNITIES.map((c) => [c.key, c.weight] as const));
const DISTS = new Map<string, CommunityDists>(
  COMMUNITIES.map((c) => [
    c.key,
    { c, female: weightedPicker(c.female), male: weightedPicker(c.male), surnames: weightedPicker(c.surnames) },
  ]),
);
const STATE_DIST = weightedPicker(STATES_B);

interface Adult {
  given: string;
  s1: string;
  s2: string | null;
}

interface Kid {
  id: number;
  given: string;
  sex: Sex;
  birth: [number, number, number];
  /** The date a clerk attached to this child (same as a sibling's when miscopied). */
  recordedBirth: [number, number, number];
  twinGroup: number | null;
  /** Surname pair of this child (differs for half-siblings). */
  s1: string;
  s2: string | null;
  father: Adult | null;
  mother: Adult;
  place: readonly [string, string, string];
}

/** Per-state recording habits, chosen once per state from the seed. */
interface StateHabit {
  motherFirst: number;
  oneSurnameBox: 'no' | 'joined' | 'hyphen' | 'first-only' | 'middle' | 'space';
  accents: boolean;
  upper: boolean;
  flag: 'recorded' | 'never' | 'unreliable';
  english: number;
  dateSlip: number;
  parentBothSurnames: number;
  reenrol: number;
}

/** A one-key slip as a clerk makes it: neighbouring letter, doubled or dropped letter, or two swapped. */
function slip(rng: SeededRandom, s: string): string {
  if (s.length < 4) return s;
  const i = 1 + rng.int(s.length - 2);
  const near: Record<string, string> = { a: 's', e: 'r', i: 'o', o: 'p', u: 'y', n: 'm', r: 't', s: 'a', l: 'k' };
  switch (rng.int(4)) {
    case 0:
      return s.slice(0, i) + s[i] + s.slice(i);
    case 1:
      return s.slice(0, i) + s.slice(i + 1);
    case 2:
      return s.slice(0, i) + s[i + 1] + s[i] + s.slice(i + 2);
    default: {
      const c = s[i]!.toLowerCase();
      return s.slice(0, i) + (near[c] ?? c) + s.slice(i + 1);
    }
  }
}

/** Streams records family by family until `records` are produced. */
export function* generatePopulationB(options: GeneratorBOptions): Generator<SyntheticRecord> {
  const rng = new SeededRandom(options.seed ^ 0x5bd1e995);
  const habits = new Map<string, StateHabit>();
  const habitOf = (state: string): StateHabit => {
    let h = habits.get(state);
    if (h === undefined) {
      h = {
        motherFirst: rng.pick([0.1, 0.5, 0.9]),
        oneSurnameBox: rng.pick(['no', 'no', 'joined', 'hyphen', 'first-only', 'middle', 'space'] as const),
        accents: rng.chance(0.4),
        upper: rng.chance(0.6),
        flag: rng.pick(['recorded', 'recorded', 'never', 'unreliable'] as const),
        english: rng.pick([0.02, 0.05, 0.15]),
        dateSlip: rng.pick([0.02, 0.05, 0.08]),
        parentBothSurnames: rng.pick([0.1, 0.5, 0.8]),
        reenrol: rng.pick([0.01, 0.03, 0.06]),
      };
      habits.set(state, h);
    }
    return h;
  };
  let produced = 0;
  let kidSeq = 0;
  let familySeq = 0;
  let twinSeq = 0;
  let idSeq = 0;
  while (produced < options.records) {
    const familyId = familySeq++;
    const d = DISTS.get(rng.pickWeighted(COMMUNITY_DIST.items, COMMUNITY_DIST.cum))!;
    const kids = makeFamily(
      rng,
      d,
      () => kidSeq++,
      () => twinSeq++,
    );
    // A family follows the crops: a path of states, with a return to an earlier one now and then.
    const stops = 1 + rng.int(5);
    const path: string[] = [];
    for (let s = 0; s < stops; s++) {
      const back = path.length > 1 && rng.chance(0.2);
      path.push(back ? rng.pick(path) : rng.pickWeighted(STATE_DIST.items, STATE_DIST.cum));
    }
    for (const kid of kids) {
      const ids = new Map<string, string>();
      for (let s = 0; s < path.length && produced < options.records; s++) {
        if (s > 0 && rng.chance(0.12)) continue;
        const state = path[s]!;
        const habit = habitOf(state);
        let sid = ids.get(state);
        if (sid === undefined || rng.chance(habit.reenrol)) {
          sid = `${state}-${(900_000 + idSeq++ * 31 + rng.int(31)).toString(36).toUpperCase()}`;
          ids.set(state, sid);
        }
        const record = render(rng, habit, d.c, `B${produced + 1}`, state, sid, kid);
        produced++;
        yield { record, childId: kid.id, familyId, twinGroup: kid.twinGroup };
      }
    }
  }
}

function makeFamily(rng: SeededRandom, d: CommunityDists, nextKid: () => number, nextTwin: () => number): Kid[] {
  const c = d.c;
  const surname = () => rng.pickWeighted(d.surnames.items, d.surnames.cum);
  const givenOf = (sex: Sex) =>
    sex === 'F' ? rng.pickWeighted(d.female.items, d.female.cum) : rng.pickWeighted(d.male.items, d.male.cum);
  const adult = (sex: Sex): Adult => {
    if (c.key === 'somali') return { given: givenOf(sex), s1: givenOf('M'), s2: givenOf('M') };
    if (c.key === 'punjabi') return { given: givenOf(sex), s1: surname(), s2: sex === 'M' ? 'Singh' : 'Kaur' };
    if (c.key === 'hispanic') return { given: givenOf(sex), s1: surname(), s2: surname() };
    return { given: givenOf(sex), s1: surname(), s2: null };
  };
  const father: Adult | null = rng.chance(0.93) ? adult('M') : null;
  const mother = adult('F');
  const stepFather = rng.chance(0.06) ? adult('M') : null;
  const kidSurnames = (dad: Adult | null): [string, string | null] => {
    if (c.key === 'hispanic') return dad ? [dad.s1, mother.s1] : [mother.s1, mother.s2];
    if (c.key === 'somali') return dad ? [dad.given, dad.s1] : [mother.s1, mother.s2];
    if (c.key === 'punjabi') return [dad?.s1 ?? mother.s1, null];
    return [dad?.s1 ?? mother.s1, null];
  };
  const place = rng.pick(PLACES[c.key]);
  const kids: Kid[] = [];
  const count = rng.pickWeighted([1, 2, 3, 4, 5, 6], [20, 50, 75, 90, 97, 100]);
  let birth: [number, number, number] = [2005 + rng.int(12), 1 + rng.int(12), 1];
  birth[2] = 1 + rng.int(daysIn(birth[0], birth[1]));
  const used = new Set<string>();
  for (let k = 0; k < count; k++) {
    // Later children may be half-siblings by the stepfather.
    const dad = stepFather !== null && k >= count / 2 ? stepFather : father;
    const [s1, s2] = kidSurnames(dad);
    const r = rng.next();
    const size = r < 0.035 ? 2 : r < 0.038 ? 3 : 1;
    const twinGroup = size > 1 ? nextTwin() : null;
    const sexes: Sex[] = [];
    for (let t = 0; t < size; t++) sexes.push(t > 0 && rng.chance(0.4) ? sexes[0]! : rng.chance(0.5) ? 'F' : 'M');
    const names = multipleBirthNames(rng, sexes, givenOf, used);
    for (let t = 0; t < size; t++) {
      used.add(names[t]!);
      kids.push({
        id: nextKid(),
        given: names[t]!,
        sex: sexes[t]!,
        birth: [...birth],
        recordedBirth: [...birth],
        twinGroup,
        s1,
        s2,
        father: dad,
        mother,
        place: rng.chance(0.85) ? place : rng.pick(PLACES[c.key]),
      });
    }
    birth = addDays(birth, 300 + rng.int(900));
  }
  // A clerk copies one sibling's birth date onto another (siblings with the same recorded date, not twins).
  if (kids.length > 1 && rng.chance(0.03)) {
    const a = kids[rng.int(kids.length)]!;
    const b = kids[rng.int(kids.length)]!;
    if (a !== b && a.twinGroup === null) a.recordedBirth = [...b.birth];
  }
  return kids;
}

/** Given names of one multiple birth: often the same first part, sometimes nearly the same name. */
function multipleBirthNames(
  rng: SeededRandom,
  sexes: Sex[],
  givenOf: (sex: Sex) => string,
  used: ReadonlySet<string>,
): string[] {
  const names: string[] = [];
  let first = givenOf(sexes[0]!);
  // Parents do not give two living children the same name.
  for (let g = 0; g < 20 && used.has(first); g++) first = givenOf(sexes[0]!);
  names.push(first);
  for (let t = 1; t < sexes.length; t++) {
    let n = givenOf(sexes[t]!);
    const mode = rng.next();
    const head = first.split(/[ -]/)[0]!;
    if (mode < 0.3 && /[ -]/.test(first)) {
      // Same first part: José Luis / José Ángel, Marie-Claire / Marie Rose, Pa Nhia / Pa Houa.
      for (let g = 0; g < 30 && !(n.startsWith(head) && n !== first); g++) n = givenOf(sexes[t]!);
    } else if (mode < 0.45) {
      // Nearly the same: Harpreet / Harjeet, Brian / Bryan-like pairs by a changed tail.
      for (let g = 0; g < 30 && !(n.slice(0, 3) === first.slice(0, 3) && n !== first); g++) n = givenOf(sexes[t]!);
    }
    for (let g = 0; g < 20 && (names.includes(n) || used.has(n)); g++) n = givenOf(sexes[t]!);
    names.push(n);
  }
  return names;
}

function render(
  rng: SeededRandom,
  habit: StateHabit,
  c: Community,
  recordId: string,
  state: string,
  sid: string,
  kid: Kid,
): PersonRecord {
  const variant = (s: string): string => {
    const v = c.variants[upperKey(s)];
    return v !== undefined && rng.chance(0.3) ? rng.pick(v) : s;
  };
  const text = (s: string | null): string | null => {
    if (s === null || s.trim() === '') return null;
    let v = habit.accents ? s : unaccent(s);
    if (habit.upper) v = v.toUpperCase();
    return v;
  };
  // Given name: everyday form, other language, one part of a compound, or as registered.
  let given = variant(kid.given);
  let middle: string | null = null;
  const parts = kid.given.split(/[ -]/);
  const g = rng.next();
  const hypo = HYPOCORISTICS[upperKey(kid.given)] ?? HYPOCORISTICS[upperKey(parts[0]!)];
  const translated = TRANSLATIONS[upperKey(parts[0]!)];
  if (g < 0.05 && hypo) given = rng.pick(hypo);
  else if (g < 0.05 + habit.english && translated) given = parts.length > 1 ? `${translated} ${parts[1]}` : translated;
  else if (parts.length > 1 && g < 0.35) {
    const r = rng.next();
    if (r < 0.35) [given, middle] = [parts[0]!, parts.slice(1).join(' ')];
    else if (r < 0.6) given = parts[parts.length - 1]!;
    else if (r < 0.8) given = parts[0]!;
    else given = parts.join('');
  }
  if (c.key === 'vietnamese' && rng.chance(0.5)) middle = kid.sex === 'F' ? 'Thi' : 'Van';
  if (c.key === 'punjabi' && rng.chance(0.35)) middle = kid.sex === 'F' ? 'Kaur' : 'Singh';
  if (rng.chance(0.025)) given = slip(rng, given);
  // Surnames, as this state's boxes hold them.
  let last1: string | null = variant(kid.s1);
  let last2: string | null = kid.s2 === null ? null : variant(kid.s2);
  if (c.key === 'punjabi' && rng.chance(0.4)) last1 = kid.sex === 'F' ? 'Kaur' : 'Singh';
  if (last2 !== null) {
    const box = rng.chance(0.7) ? habit.oneSurnameBox : rng.pick(['no', 'joined', 'first-only', 'middle'] as const);
    if (box === 'joined') [last1, last2] = [`${last1}${last2}`.replace(/ /g, ''), null];
    else if (box === 'hyphen') [last1, last2] = [`${last1}-${last2}`, null];
    else if (box === 'space') [last1, last2] = [`${last1} ${last2}`, null];
    else if (box === 'first-only') last2 = null;
    else if (box === 'middle' && middle === null) [middle, last2] = [last2, null];
    if (last2 !== null && rng.chance(0.04)) [last1, last2] = [last2, last1];
  }
  if (c.key === 'vietnamese' && rng.chance(0.06)) [given, last1] = [last1!, given];
  if (rng.chance(0.025) && last1 !== null) last1 = slip(rng, last1);
  // Birth date slips.
  let birth: [number, number, number] | null = [...kid.recordedBirth];
  const s = rng.next();
  const p = habit.dateSlip;
  if (s < p * 0.3) birth = [birth[0] + (rng.chance(0.5) ? 1 : -1), birth[1], Math.min(birth[2], 28)];
  else if (s < p * 0.55) birth = addDays(birth, rng.chance(0.5) ? 1 : -1);
  else if (s < p * 0.9 && birth[2] <= 12) birth = [birth[0], birth[2], birth[1]];
  else if (s < p) birth = rng.chance(0.5) ? null : [birth[0], 1, 1];
  // Sex.
  let sex: Sex | null = kid.sex;
  if (rng.chance(0.06)) sex = null;
  else if (rng.chance(0.004)) sex = sex === 'F' ? 'M' : 'F';
  // Multiple-birth flag.
  let multipleBirth: boolean | null;
  if (habit.flag === 'never') multipleBirth = null;
  else if (habit.flag === 'unreliable')
    multipleBirth = rng.chance(0.5) ? null : kid.twinGroup !== null && rng.chance(0.5);
  else multipleBirth = kid.twinGroup !== null ? rng.chance(0.85) : rng.chance(0.003);
  // Parents, in this state's order; one may be missing; surnames full or first only.
  const parent = (a: Adult | null): [string | null, string | null] => {
    if (a === null || rng.chance(0.15)) return [null, null];
    let pg = a.given;
    if (/[ -]/.test(pg) && rng.chance(0.3)) pg = pg.split(/[ -]/)[0]!;
    if (rng.chance(0.02)) pg = slip(rng, pg);
    const both = a.s2 !== null && rng.chance(habit.parentBothSurnames);
    return [variant(pg), both ? `${a.s1} ${a.s2}` : a.s1];
  };
  const dad = parent(kid.father);
  const mom = parent(kid.mother);
  const [p1, p2] = rng.chance(habit.motherFirst) ? [mom, dad] : [dad, mom];
  const place = rng.chance(0.45) ? kid.place : null;
  return writtenRecord(
    {
      recordId,
      state,
      stateStudentId: sid,
      given,
      middle,
      last1,
      last2,
      sex,
      birthDate: birth === null ? null : isoDate(birth),
      multipleBirth,
      place,
      parent1: p1,
      parent2: p2,
    },
    text,
  );
}
