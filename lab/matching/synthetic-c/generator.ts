/**
 * Generator C: a third, independent synthetic migrant population with ground truth, **held out**: it is never
 * used to train or tune the shipped model (`bench/matching/train-default-model.ts` mixes A and B only), so
 * `npm run eval -- --only synthetic --generator C` measures the engine on a population it never saw.
 *
 * It differs from generators A and B in structure, not only in names (`./names.ts`):
 * - households: sisters living together with their children (cousins sharing the maternal surname and often the
 *   birth year), and cousins named after one grandfather (same given name, same paternal surname, another father,
 *   sometimes the same birth date);
 * - surname systems: Spanish (paternal + maternal), Portuguese (maternal + paternal, the last one legal), Filipino
 *   (the mother's maiden surname in the middle box), Karen (no family name), Congolese (a surname of the child's
 *   own), Ukrainian (gendered surnames, a patronymic in the middle box, transliteration variants);
 * - state systems: surname boxes (two, one with a space, hyphen or joined, legal surname only, maternal first),
 *   compound given names whole, split into the middle box or cut to one part, a field-length limit that truncates,
 *   parents' order and surnames (both, first only, none), a multiple-birth flag recorded, never, or set on
 *   siblings too, DD/MM entry confusion, sloppy date entry (year ±1, day ±1, month ±1, day digits transposed,
 *   placeholder, missing), English names, pet names, re-enrolment under a second id and duplicate enrolment;
 * - multiple births: same first part of a compound name, names one letter apart (KEVIN / KELVIN), or unrelated.
 */
import { SeededRandom } from '@msix/adapter-sdk/random';
import type { PersonRecord, Sex } from '../../../core/matching/types.js';
import type { SyntheticRecord } from '../synthetic/generator.js';
import { COMMUNITIES_C, ENGLISH_C, KAREN_SYLLABLES, PET_NAMES_C, STATES_C, type CommunityC } from './names.js';
import {
  addDays,
  daysIn,
  isoDate,
  unaccent,
  upperKey,
  validDate,
  weightedPicker,
  type Date3,
  writtenRecord,
} from '../synthetic-common/scaffold.js';

export interface GeneratorCOptions {
  records: number;
  seed: number;
}

interface Person {
  given: string;
  /** Family names in the community's own order (Spanish: paternal, maternal). */
  surnames: string[];
}

interface Child {
  id: number;
  given: string;
  sex: Sex;
  birth: Date3;
  twinGroup: number | null;
  surnames: string[];
  /** Filipino: mother's maiden surname; Ukrainian: patronymic. */
  middle: string | null;
  father: Person | null;
  mother: Person;
  place: readonly [string, string, string];
  community: CommunityC;
}

/** How one state's student information system records a child; chosen once per state from the seed. */
interface StateSystem {
  surnameBoxes: 'two' | 'one-space' | 'one-hyphen' | 'one-joined' | 'legal-only' | 'maternal-first';
  givenBox: 'whole' | 'split' | 'first-part';
  maxLength: number | null;
  motherFirst: number;
  parentSurname: 'both' | 'first' | 'none';
  flag: 'recorded' | 'never' | 'siblings-too';
  dmyConfusion: number;
  sloppyDates: number;
  english: number;
  petNames: number;
  reenrol: number;
  duplicate: number;
  accents: boolean;
}

/** Names that differ by one letter, for twins named alike. Generator C's own pairs. */
const ALIKE: ReadonlyArray<readonly [string, string]> = [
  ['Kevin', 'Kelvin'],
  ['Wilmer', 'Wilder'],
  ['Elmer', 'Delmer'],
  ['Yoselin', 'Yoselyn'],
  ['Ariel', 'Uriel'],
  ['Dania', 'Danna'],
  ['Nelson', 'Wilson'],
  ['Heidy', 'Deisy'],
  ['Edwin', 'Erwin'],
  ['Jairo', 'Mairo'],
];

const STATE_PICK = weightedPicker(STATES_C);
const SYLLABLE_PICK = weightedPicker(KAREN_SYLLABLES);
const COMMUNITY_PICK = weightedPicker(COMMUNITIES_C.map((c) => [c.key, c.weight] as const));
const PICKS = new Map(
  COMMUNITIES_C.map((c) => [
    c.key,
    { c, f: weightedPicker(c.female), m: weightedPicker(c.male), s: weightedPicker(c.surnames) },
  ]),
);

/** Ukrainian: feminine surname for a girl (IVANOV -> IVANOVA); -enko and -yk do not change. */
function gendered(surname: string, sex: Sex): string {
  return sex === 'F' && /(ov|ev|in)$/.test(surname) ? `${surname}a` : surname;
}

/** Ukrainian patronymic from the father's given name. */
function patronymic(father: string, sex: Sex): string {
  const stem = father.replace(/(ii|yi|o)$/, '');
  return sex === 'F' ? `${stem}ivna` : `${stem}ovych`;
}

/** Transliteration variants clerks produce for Ukrainian and Portuguese names. */
function transliterate(rng: SeededRandom, s: string): string {
  if (!rng.chance(0.35)) return s;
  return s
    .replace(/ii\b/g, rng.chance(0.5) ? 'iy' : 'i')
    .replace(/kh/gi, (m) => (m[0] === 'K' ? 'H' : 'h'))
    .replace(/Oleks/g, 'Aleks')
    .replace(/y([aeiou])/g, 'i$1')
    .replace(/ph/g, 'f');
}

/** Streams records household by household until `records` are produced. */
export function* generatePopulationC(options: GeneratorCOptions): Generator<SyntheticRecord> {
  const rng = new SeededRandom((options.seed * 2654435761) ^ 0x2c1b3c6d);
  const systems = new Map<string, StateSystem>();
  const systemOf = (state: string): StateSystem => {
    let s = systems.get(state);
    if (s === undefined) {
      s = {
        surnameBoxes: rng.pick(['two', 'two', 'one-space', 'one-hyphen', 'one-joined', 'legal-only', 'maternal-first']),
        givenBox: rng.pick(['whole', 'split', 'split', 'first-part']),
        maxLength: rng.chance(0.25) ? 12 : null,
        motherFirst: rng.pick([0.05, 0.5, 0.95]),
        parentSurname: rng.pick(['both', 'first', 'first', 'none']),
        flag: rng.pick(['recorded', 'recorded', 'never', 'siblings-too']),
        dmyConfusion: rng.pick([0, 0, 0.05, 0.12]),
        sloppyDates: rng.pick([0.01, 0.03, 0.06]),
        english: rng.pick([0, 0.04, 0.12]),
        petNames: rng.pick([0.02, 0.05, 0.1]),
        reenrol: rng.pick([0.01, 0.04, 0.08]),
        duplicate: rng.pick([0, 0.01, 0.03]),
        accents: rng.chance(0.3),
      };
      systems.set(state, s);
    }
    return s;
  };
  const seq = { kid: 0, family: 0, twin: 0, id: 0 };
  // Children a later household may name a cousin after (same given name and paternal surname).
  const recent: Child[] = [];
  let produced = 0;
  while (produced < options.records) {
    const familyId = seq.family++;
    const kids = makeHousehold(rng, seq, recent);
    for (const k of kids) {
      recent.push(k);
      if (recent.length > 400) recent.shift();
    }
    const stops = 1 + rng.int(4) + (rng.chance(0.2) ? 2 : 0);
    const path: string[] = [];
    for (let s = 0; s < stops; s++)
      path.push(s > 1 && rng.chance(0.25) ? rng.pick(path) : rng.pickWeighted(STATE_PICK.items, STATE_PICK.cum));
    for (const kid of kids) {
      const ids = new Map<string, string>();
      for (let s = 0; s < path.length && produced < options.records; s++) {
        if (s > 0 && rng.chance(0.15)) continue;
        const state = path[s]!;
        const system = systemOf(state);
        let sid = ids.get(state);
        if (sid === undefined || rng.chance(system.reenrol)) {
          sid = `${state}${String(3_000_000 + seq.id++ * 7 + rng.int(7)).padStart(8, '0')}`;
          ids.set(state, sid);
        }
        yield {
          record: render(rng, system, `C${++produced}`, state, sid, kid),
          childId: kid.id,
          familyId,
          twinGroup: kid.twinGroup,
        };
        if (produced < options.records && rng.chance(system.duplicate)) {
          // Enrolled twice in one state (two schools, or a clerk who did not find the first record).
          const other = `${state}${String(3_000_000 + seq.id++ * 7 + rng.int(7)).padStart(8, '0')}`;
          yield {
            record: render(rng, system, `C${++produced}`, state, other, kid),
            childId: kid.id,
            familyId,
            twinGroup: kid.twinGroup,
          };
        }
      }
    }
  }
}

function makeHousehold(rng: SeededRandom, seq: { kid: number; twin: number }, recent: readonly Child[]): Child[] {
  const p = PICKS.get(rng.pickWeighted(COMMUNITY_PICK.items, COMMUNITY_PICK.cum))!;
  const c = p.c;
  const listed = (sex: Sex) =>
    sex === 'F' ? rng.pickWeighted(p.f.items, p.f.cum) : rng.pickWeighted(p.m.items, p.m.cum);
  const syllable = () => rng.pickWeighted(SYLLABLE_PICK.items, SYLLABLE_PICK.cum);
  const givenOf = (sex: Sex) =>
    c.system !== 'none' ? listed(sex) : rng.chance(0.2) ? syllable() : `${syllable()} ${syllable()}`;
  const surname = () => (c.surnames.length === 0 ? '' : rng.pickWeighted(p.s.items, p.s.cum));
  const adult = (sex: Sex, family?: string[]): Person => {
    const given = givenOf(sex);
    switch (c.system) {
      case 'paternal-maternal':
        return { given, surnames: family ?? [surname(), surname()] };
      case 'maternal-paternal':
        return { given, surnames: family ?? [surname(), surname()] };
      case 'none':
        return { given, surnames: [] };
      case 'gendered':
        return { given, surnames: [gendered(family?.[0] ?? surname(), sex)] };
      default:
        return { given, surnames: family ?? [surname()] };
    }
  };
  // One or two sisters (same surnames), each with her own partner and children.
  const sisters = rng.chance(0.2) ? 2 : 1;
  const sisterSurnames = c.system === 'none' ? [] : [surname(), surname()];
  const kids: Child[] = [];
  const used = new Set<string>();
  const place = rng.pick(c.places);
  for (let s = 0; s < sisters; s++) {
    const mother: Person = {
      ...adult('F'),
      surnames:
        c.system === 'none' ? [] : sisterSurnames.slice(0, c.system === 'filipino' || c.system === 'gendered' ? 1 : 2),
    };
    let father: Person | null = rng.chance(0.9) ? adult('M') : null;
    // A cousin named after the grandfather: another father with the same surname, the child the same given name.
    const namesake =
      c.system === 'paternal-maternal' && father !== null && recent.length > 0 && rng.chance(0.06)
        ? recent[rng.int(recent.length)]!
        : null;
    if (namesake !== null && namesake.community === c && namesake.father !== null) {
      let g = givenOf('M');
      for (let t = 0; t < 10 && g === namesake.father.given; t++) g = givenOf('M');
      father = { given: g, surnames: [namesake.father.surnames[0]!, surname()] };
    }
    const count = rng.pickWeighted([1, 2, 3, 4, 5], [25, 55, 80, 93, 100]);
    let birth: Date3 = [2004 + rng.int(17), 1 + rng.int(12), 1];
    birth[2] = 1 + rng.int(daysIn(birth[0], birth[1]));
    if (s > 0 && rng.chance(0.5)) birth = addDays(kids[0]!.birth, rng.int(200) - 100); // cousins of one age
    for (let k = 0; k < count; k++) {
      const r = rng.next();
      const size = r < 0.035 ? 2 : r < 0.039 ? 3 : 1;
      const twinGroup = size > 1 ? seq.twin++ : null;
      const sexes: Sex[] = [];
      for (let t = 0; t < size; t++) sexes.push(t > 0 && rng.chance(0.5) ? sexes[0]! : rng.chance(0.5) ? 'F' : 'M');
      const names: string[] = [];
      for (let t = 0; t < size; t++) {
        let n = givenOf(sexes[t]!);
        if (t === 0 && k === 0 && namesake !== null && namesake.community === c && namesake.sex === sexes[0]) {
          n = namesake.given;
          if (rng.chance(0.3)) birth = [...namesake.birth];
        } else if (t > 0) {
          const mode = rng.next();
          const head = names[0]!.split(' ')[0]!;
          const alike = ALIKE.find(([a, b]) => a === names[0] || b === names[0]);
          if (mode < 0.3 && names[0]!.includes(' ')) {
            // Same first part: JUAN JOSE / JUAN PABLO.
            const other = sexes[t] === 'F' ? p.f.items : p.m.items;
            const tails = other.filter((x) => !x.includes(' ') && x !== head);
            n = `${head} ${rng.pick(tails)}`;
          } else if (mode < 0.5 && alike !== undefined) {
            n = alike[0] === names[0] ? alike[1] : alike[0];
          }
        }
        for (let g = 0; g < 20 && (names.includes(n) || used.has(n)); g++) n = givenOf(sexes[t]!);
        names.push(n);
        used.add(n);
      }
      for (let t = 0; t < size; t++) {
        const sex = sexes[t]!;
        const dad = father;
        let surnames: string[];
        let middle: string | null = null;
        switch (c.system) {
          case 'paternal-maternal':
            surnames = dad ? [dad.surnames[0]!, mother.surnames[0]!] : [...mother.surnames];
            break;
          case 'maternal-paternal':
            surnames = dad ? [mother.surnames[0]!, dad.surnames.at(-1)!] : [...mother.surnames];
            break;
          case 'filipino':
            surnames = [dad?.surnames[0] ?? mother.surnames[0]!];
            middle = dad ? mother.surnames[0]! : null;
            break;
          case 'none':
            surnames = [];
            break;
          case 'own':
            surnames = [surname()];
            break;
          default:
            surnames = [gendered((dad ?? mother).surnames[0]!.replace(/a$/, ''), sex)];
            middle = dad ? patronymic(dad.given, sex) : null;
        }
        kids.push({
          id: seq.kid++,
          given: names[t]!,
          sex,
          birth: [...birth],
          twinGroup,
          surnames,
          middle,
          father: dad,
          mother,
          place: rng.chance(0.9) ? place : rng.pick(c.places),
          community: c,
        });
      }
      birth = addDays(birth, 330 + rng.int(1000));
    }
  }
  return kids;
}

/** A key slip: a letter doubled, dropped, swapped with the next, or replaced by a vowel. */
function typo(rng: SeededRandom, s: string): string {
  if (s.length < 4) return s;
  const i = 1 + rng.int(s.length - 2);
  switch (rng.int(4)) {
    case 0:
      return s.slice(0, i) + s[i] + s.slice(i);
    case 1:
      return s.slice(0, i) + s.slice(i + 1);
    case 2:
      return s.slice(0, i) + s[i + 1] + s[i] + s.slice(i + 2);
    default:
      return s.slice(0, i) + rng.pick(['a', 'e', 'i', 'o']) + s.slice(i + 1);
  }
}

function recordedDate(rng: SeededRandom, sys: StateSystem, birth: Date3): string | null {
  let d: Date3 = [...birth];
  if (birth[2] <= 12 && rng.chance(sys.dmyConfusion)) d = [birth[0], birth[2], birth[1]];
  if (rng.chance(sys.sloppyDates)) {
    const r = rng.int(7);
    if (r === 0) d = [d[0] + (rng.chance(0.5) ? 1 : -1), d[1], Math.min(d[2], 28)];
    else if (r === 1) d = addDays(d, rng.chance(0.5) ? 1 : -1);
    else if (r === 2) d = [d[0], d[1] === 12 ? 11 : d[1] + 1, Math.min(d[2], 28)];
    else if (r === 3) {
      const swapped: Date3 = [d[0], d[1], Number(String(d[2]).padStart(2, '0').split('').reverse().join(''))];
      if (validDate(swapped)) d = swapped;
    } else if (r === 4) d = [d[0], 1, 1];
    else if (r === 5) return null;
    else d = [d[0], d[1], d[2] === 1 ? 2 : d[2] - 1];
  }
  return isoDate(d);
}

function render(
  rng: SeededRandom,
  sys: StateSystem,
  recordId: string,
  state: string,
  sid: string,
  kid: Child,
): PersonRecord {
  const c = kid.community;
  const cut = (s: string | null): string | null => {
    if (s === null || s.trim() === '') return null;
    let v = sys.accents ? s : unaccent(s);
    v = v.toUpperCase();
    return sys.maxLength !== null && v.length > sys.maxLength ? v.slice(0, sys.maxLength) : v;
  };
  // Given name as this school writes it.
  let given = kid.given;
  let middle: string | null = kid.middle;
  const parts = given.split(' ');
  const pet = PET_NAMES_C[upperKey(given)] ?? PET_NAMES_C[upperKey(parts[0]!)];
  const english = ENGLISH_C[upperKey(given)] ?? ENGLISH_C[upperKey(parts[0]!)];
  const g = rng.next();
  if (pet !== undefined && g < sys.petNames) given = rng.pick(pet);
  else if (english !== undefined && g < sys.petNames + sys.english)
    given = parts.length > 1 && rng.chance(0.5) ? `${english} ${parts.slice(1).join(' ')}` : english;
  if (c.system === 'gendered' || c.system === 'maternal-paternal') given = transliterate(rng, given);
  if (c.system !== 'none' && given.includes(' ')) {
    const gp = given.split(' ');
    if (sys.givenBox === 'split' && middle === null) [given, middle] = [gp[0]!, gp.slice(1).join(' ')];
    else if (sys.givenBox === 'first-part' || rng.chance(0.15)) given = rng.chance(0.7) ? gp[0]! : gp.at(-1)!;
  }
  if (rng.chance(0.02)) given = typo(rng, given);
  // Surnames as this state's boxes hold them.
  let last1: string | null;
  let last2: string | null = null;
  if (c.system === 'none') {
    // Karen: no family name. The last syllable, the whole name, or the first syllable goes in the surname box.
    const honorific = rng.chance(0.15) ? (kid.sex === 'F' ? 'Naw ' : 'Saw ') : '';
    const gp = `${honorific}${kid.given}`.split(' ');
    if (gp.length === 1) gp.unshift(gp[0]!);
    const r = rng.next();
    if (r < 0.5) [given, last1] = [gp.slice(0, -1).join(' '), gp.at(-1)!];
    else if (r < 0.8) [given, last1] = [gp.join(' '), gp.join(' ')];
    else [given, last1] = [gp.at(-1)!, gp[0]!];
  } else {
    const sn = kid.surnames.map((s) => (c.system === 'gendered' ? transliterate(rng, s) : s));
    [last1, last2] = [sn[0]!, sn[1] ?? null];
    if (last2 !== null) {
      const boxes = rng.chance(0.8) ? sys.surnameBoxes : rng.pick(['two', 'legal-only', 'one-space'] as const);
      // Portuguese: the legal surname is the last one.
      const legal = c.system === 'maternal-paternal' ? last2 : last1;
      if (boxes === 'one-space') [last1, last2] = [`${last1} ${last2}`, null];
      else if (boxes === 'one-hyphen') [last1, last2] = [`${last1}-${last2}`, null];
      else if (boxes === 'one-joined') [last1, last2] = [`${last1}${last2}`.replace(/ /g, ''), null];
      else if (boxes === 'legal-only') {
        if (middle === null && rng.chance(0.4)) middle = legal === last1 ? last2 : last1;
        [last1, last2] = [legal, null];
      } else if (boxes === 'maternal-first' && rng.chance(0.6)) [last1, last2] = [last2, last1];
    }
    if (c.system === 'filipino' && middle !== null && rng.chance(0.3)) middle = null;
    if (last1 !== null && /^(De|Del|Dela) /.test(last1) && rng.chance(0.4)) last1 = last1.replace(/ /, '');
    if (rng.chance(0.02) && last1 !== null) last1 = typo(rng, last1);
  }
  // Sex: sometimes missing, rarely wrong.
  let sex: Sex | null = kid.sex;
  if (rng.chance(0.05)) sex = null;
  else if (rng.chance(0.003)) sex = sex === 'F' ? 'M' : 'F';
  // Multiple-birth flag.
  let multipleBirth: boolean | null = null;
  if (sys.flag === 'recorded') multipleBirth = kid.twinGroup !== null ? rng.chance(0.9) : rng.chance(0.002);
  else if (sys.flag === 'siblings-too') multipleBirth = kid.twinGroup !== null || rng.chance(0.03) ? true : null;
  // Parents: this state's order, one often missing, surnames as the system records them, pet names.
  const parent = (a: Person | null): [string | null, string | null] => {
    if (a === null || rng.chance(0.18)) return [null, null];
    let pg = a.given;
    const pp = PET_NAMES_C[upperKey(pg)];
    if (pp !== undefined && rng.chance(0.1)) pg = rng.pick(pp);
    else if (pg.includes(' ') && rng.chance(0.3)) pg = pg.split(' ')[0]!;
    if (rng.chance(0.02)) pg = typo(rng, pg);
    if (a.surnames.length === 0 || sys.parentSurname === 'none') return [pg, null];
    const both = sys.parentSurname === 'both' && a.surnames.length > 1;
    return [pg, both ? a.surnames.join(' ') : a.surnames[0]!];
  };
  const dad = parent(kid.father);
  const mom = parent(kid.mother);
  const [p1, p2] = rng.chance(sys.motherFirst) ? [mom, dad] : [dad, mom];
  const place = rng.chance(0.5) ? kid.place : null;
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
      birthDate: recordedDate(rng, sys, kid.birth),
      multipleBirth,
      place,
      parent1: p1,
      parent2: p2,
    },
    cut,
  );
}
