/**
 * Generator D: a fourth synthetic migrant population with ground truth, **held out** like C: written before the
 * rules `-8` name work and never used to estimate, tune or choose anything; `npm run eval -- --only synthetic
 * --generator D` reports on it. Its names (`./names.ts`), families and state systems are its own:
 *
 * - communities: Mexican (compound saints' names, traditional pet names), Central American (modern names with
 *   English spellings), Q'anjob'al Maya (a dozen given names and surnames that are given names: PASCUAL MATEO),
 *   Haitian (Jean/Marie compounds, hyphenated surnames, the mother keeping her own surname), Somali (no family
 *   name: the child's name, the father's, the grandfather's, in Somali or English spelling) and Karen/Chin/Burman
 *   (no family name at all, names of syllables with a Saw/Naw/Ma/Maung prefix, syllables shared by siblings);
 * - families: blended (the mother's children by two fathers), a child living with an uncle listed as guardian,
 *   two brothers married to two sisters in a small village (cousins with the same two surnames), refugee families
 *   whose unknown birth dates were all recorded as 1 January, twins named as families name them (same compound
 *   head, masculine and feminine of one name, same first letters, XASAN and XUSEEN, a shared Karen syllable);
 * - state systems: surname boxes (two, one with a space or hyphen, joined, paternal only, maternal in the middle
 *   box), compound given names whole, cut to the first part, split into the middle box or written as the part the
 *   child is called by, a given-name box of 10 or 15 characters, legacy ASCII that turns Ñ and accents into '?',
 *   pet names and English forms, which of the Somali names is the "last name", how a Burmese name is split into
 *   boxes, a multiple-birth flag recorded, missing, or defaulted to "no" for everyone, day/month confusion and
 *   date slips, parents (both, mother only, the whole name in one box, the guardian first), re-enrolment under a
 *   second id and duplicate enrolment.
 */
import { SeededRandom } from '@msix/adapter-sdk/random';
import type { PersonRecord, Sex } from '../../../core/matching/types.js';
import type { SyntheticRecord } from '../synthetic/generator.js';
import {
  addDays,
  isoDate,
  pickFrom,
  randomDayOf,
  unaccent,
  upperKey,
  validDate,
  weightedPicker,
  type Date3,
  type WeightedPicker,
  writtenRecord,
} from '../synthetic-common/scaffold.js';
import {
  BURMESE_SYLLABLES,
  CALL_NAMES_D,
  COMMUNITIES_D,
  ENGLISH_D,
  SOMALI_SPELLINGS_D,
  STATES_D,
  type CommunityD,
} from './names.js';

export interface GeneratorDOptions {
  records: number;
  seed: number;
}

interface AdultD {
  given: string;
  /** Family names in the community's order; Somali: father's and grandfather's given names. */
  surnames: string[];
}

interface ChildD {
  id: number;
  given: string;
  sex: Sex;
  birth: Date3;
  twinGroup: number | null;
  surnames: string[];
  father: AdultD | null;
  mother: AdultD;
  guardian: AdultD | null;
  place: readonly [string, string, string];
  community: CommunityD;
}

interface StateSystemD {
  titleCase: boolean;
  accents: 'keep' | 'strip' | 'question';
  givenWidth: number | null;
  surnameBoxes: 'two' | 'one-space' | 'one-hyphen' | 'joined' | 'paternal-only' | 'maternal-in-middle';
  compoundGiven: 'whole' | 'first-only' | 'second-in-middle' | 'called-part';
  callNames: number;
  english: number;
  somaliLast: 'father' | 'grandfather' | 'both';
  burmeseSplit: 'last-syllable' | 'first-syllable' | 'whole-in-both' | 'prefix-first';
  flag: 'recorded' | 'default-false' | 'missing';
  dayMonthSwap: number;
  slips: number;
  parents: 'both' | 'mother-only' | 'single-field' | 'guardian-first';
  motherFirst: number;
  parentSurnames: 'all' | 'first';
  reenrol: number;
  duplicate: number;
}

interface Pickers {
  c: CommunityD;
  f: WeightedPicker;
  m: WeightedPicker;
  s: WeightedPicker;
}

const PICKERS = new Map(
  COMMUNITIES_D.map((c) => [
    c.key,
    { c, f: weightedPicker(c.female), m: weightedPicker(c.male), s: weightedPicker(c.surnames) } as Pickers,
  ]),
);
const COMMUNITY_PICK = weightedPicker(COMMUNITIES_D.map((c) => [c.key, c.weight] as const));
const STATE_PICK = weightedPicker(STATES_D);
const SYLLABLE_PICK = weightedPicker(BURMESE_SYLLABLES);

/** Masculine and feminine forms of one name, given to a boy and a girl born together. */
const PAIRED_FORMS: ReadonlyArray<readonly [string, string]> = [
  ['Daniel', 'Daniela'],
  ['Francisco', 'Francisca'],
  ['Ángel', 'Ángela'],
  ['Fernando', 'Fernanda'],
  ['Eduardo', 'Eduarda'],
  ['Mario', 'Mariana'],
  ['Gabriel', 'Gabriela'],
  ['Juan', 'Juana'],
  ['Manuel', 'Manuela'],
];

/** Streams records family by family until `records` are produced. */
export function* generatePopulationD(options: GeneratorDOptions): Generator<SyntheticRecord> {
  const rng = new SeededRandom((options.seed * 0x9e3779b1) ^ 0x1d2c3b4a);
  const systems = new Map<string, StateSystemD>();
  const systemOf = (state: string): StateSystemD => {
    let s = systems.get(state);
    if (s === undefined) {
      s = {
        titleCase: rng.chance(0.3),
        accents: rng.pick(['keep', 'strip', 'strip', 'question'] as const),
        givenWidth: rng.pick([null, null, null, 10, 15] as const),
        surnameBoxes: rng.pick([
          'two',
          'two',
          'one-space',
          'one-hyphen',
          'joined',
          'paternal-only',
          'maternal-in-middle',
        ] as const),
        compoundGiven: rng.pick(['whole', 'whole', 'first-only', 'second-in-middle', 'called-part'] as const),
        callNames: rng.pick([0.02, 0.06, 0.12]),
        english: rng.pick([0, 0.03, 0.1]),
        somaliLast: rng.pick(['father', 'grandfather', 'both'] as const),
        burmeseSplit: rng.pick(['last-syllable', 'first-syllable', 'whole-in-both', 'prefix-first'] as const),
        flag: rng.pick(['recorded', 'recorded', 'default-false', 'missing'] as const),
        dayMonthSwap: rng.pick([0, 0, 0.04, 0.1]),
        slips: rng.pick([0.01, 0.03, 0.05]),
        parents: rng.pick(['both', 'both', 'mother-only', 'single-field', 'guardian-first'] as const),
        motherFirst: rng.pick([0.1, 0.6, 0.9]),
        parentSurnames: rng.pick(['all', 'first'] as const),
        reenrol: rng.pick([0.01, 0.03, 0.06]),
        duplicate: rng.pick([0, 0.01, 0.02]),
      };
      systems.set(state, s);
    }
    return s;
  };
  const seq = { kid: 0, twin: 0, id: 0 };
  const lastVillage: { father: AdultD | null; mother: AdultD | null } = { father: null, mother: null };
  let produced = 0;
  let familyId = 0;
  while (produced < options.records) {
    const kids = makeFamily(rng, seq, lastVillage);
    const stops = 1 + rng.int(5);
    const path: string[] = [];
    for (let s = 0; s < stops; s++) path.push(s > 1 && rng.chance(0.3) ? rng.pick(path) : pickFrom(rng, STATE_PICK));
    for (const kid of kids) {
      const ids = new Map<string, string>();
      for (let s = 0; s < path.length && produced < options.records; s++) {
        if (s > 0 && rng.chance(0.1)) continue;
        const state = path[s]!;
        const sys = systemOf(state);
        const newId = () => `${state}D${(5_000_000 + seq.id++ * 13 + rng.int(13)).toString(10)}`;
        let sid = ids.get(state);
        if (sid === undefined || rng.chance(sys.reenrol)) {
          sid = newId();
          ids.set(state, sid);
        }
        yield {
          record: render(rng, sys, `D${++produced}`, state, sid, kid),
          childId: kid.id,
          familyId,
          twinGroup: kid.twinGroup,
        };
        if (produced < options.records && rng.chance(sys.duplicate))
          yield {
            record: render(rng, sys, `D${++produced}`, state, newId(), kid),
            childId: kid.id,
            familyId,
            twinGroup: kid.twinGroup,
          };
      }
    }
    familyId++;
  }
}

function burmeseName(rng: SeededRandom, sex: Sex, prefix: string | null, shared: string | null): string {
  const n = 1 + (rng.chance(0.6) ? 1 : 0) + (rng.chance(0.2) ? 1 : 0);
  const parts: string[] = [];
  if (shared !== null) parts.push(shared);
  while (parts.length < n) parts.push(pickFrom(rng, SYLLABLE_PICK));
  if (prefix !== null) parts.unshift(prefix === 'karen' ? (sex === 'F' ? 'Naw' : 'Saw') : sex === 'F' ? 'Ma' : 'Maung');
  return parts.join(' ');
}

function makeFamily(
  rng: SeededRandom,
  seq: { kid: number; twin: number },
  lastVillage: { father: AdultD | null; mother: AdultD | null },
): ChildD[] {
  const p = PICKERS.get(pickFrom(rng, COMMUNITY_PICK) as CommunityD['key'])!;
  const c = p.c;
  const prefix = c.system === 'burmese' ? rng.pick(['karen', 'karen', 'burman', null] as const) : null;
  const listed = (sex: Sex) => pickFrom(rng, sex === 'F' ? p.f : p.m);
  const givenOf = (sex: Sex, shared: string | null = null) =>
    c.system === 'burmese' ? burmeseName(rng, sex, prefix, shared) : listed(sex);
  const surname = () => pickFrom(rng, p.s);
  const adult = (sex: Sex): AdultD => {
    const given = givenOf(sex);
    switch (c.system) {
      case 'spanish':
        return { given, surnames: [surname(), surname()] };
      case 'single':
        return { given, surnames: [surname()] };
      case 'somali':
        return { given, surnames: [listed('M'), listed('M')] };
      default:
        return { given, surnames: [] };
    }
  };
  let father: AdultD | null = rng.chance(0.9) ? adult('M') : null;
  let mother = adult('F');
  // Two brothers married to two sisters (a small village): the cousins carry the same two surnames.
  if (c.key === 'qanjobal' && lastVillage.father !== null && lastVillage.mother !== null && rng.chance(0.3)) {
    father = { given: givenOf('M'), surnames: [...lastVillage.father.surnames] };
    mother = { given: givenOf('F'), surnames: [...lastVillage.mother.surnames] };
  }
  if (c.key === 'qanjobal') [lastVillage.father, lastVillage.mother] = [father, mother];
  const secondFather = father !== null && rng.chance(0.1) ? adult('M') : null;
  const uncle: AdultD | null = rng.chance(0.06) ? { given: givenOf('M'), surnames: [...mother.surnames] } : null;
  const kidSurnames = (dad: AdultD | null): string[] => {
    switch (c.system) {
      case 'spanish':
        return dad ? [dad.surnames[0]!, mother.surnames[0]!] : [...mother.surnames];
      case 'single':
        return [(dad ?? mother).surnames[0]!];
      case 'somali':
        return dad ? [dad.given, dad.surnames[0]!] : [...mother.surnames];
      default:
        return [];
    }
  };
  const place = rng.pick(c.places);
  const unknownDates = rng.chance(c.januaryFirst);
  const count = rng.pickWeighted(
    c.sizes.map(([n]) => n),
    c.sizes.map(([, w]) => w),
  );
  const sharedSyllable = c.system === 'burmese' && rng.chance(0.4) ? pickFrom(rng, SYLLABLE_PICK) : null;
  const kids: ChildD[] = [];
  const used = new Set<string>();
  let year = 2004 + rng.int(12);
  // School-age children: born 2004–2021.
  for (let k = 0; k < count && year <= 2021; k++) {
    const dad = secondFather !== null && k >= count / 2 ? secondFather : father;
    const birth: Date3 = unknownDates ? [year, 1, 1] : randomDayOf(rng, year);
    const r = rng.next();
    const size = r < 0.033 ? 2 : r < 0.036 ? 3 : 1;
    const twinGroup = size > 1 ? seq.twin++ : null;
    const sexes: Sex[] = [];
    for (let t = 0; t < size; t++) sexes.push(t > 0 && rng.chance(0.45) ? sexes[0]! : rng.chance(0.5) ? 'F' : 'M');
    const names: string[] = [];
    for (let t = 0; t < size; t++) {
      let n = givenOf(sexes[t]!, sharedSyllable);
      if (t > 0) n = twinName(rng, c, names[0]!, sexes[0]!, sexes[t]!, n, (sx) => givenOf(sx, sharedSyllable));
      for (let g = 0; g < 25 && (names.includes(n) || used.has(n)); g++) n = givenOf(sexes[t]!, sharedSyllable);
      names.push(n);
      used.add(n);
    }
    for (let t = 0; t < size; t++)
      kids.push({
        id: seq.kid++,
        given: names[t]!,
        sex: sexes[t]!,
        birth: [...birth],
        twinGroup,
        surnames: kidSurnames(dad),
        father: dad,
        mother,
        guardian: uncle,
        place: rng.chance(0.9) ? place : rng.pick(c.places),
        community: c,
      });
    year += 1 + rng.int(3);
  }
  return kids;
}

/** The name a family gives the second (or third) child of a multiple birth. */
function twinName(
  rng: SeededRandom,
  c: CommunityD,
  first: string,
  firstSex: Sex,
  sex: Sex,
  independent: string,
  givenOf: (sex: Sex) => string,
): string {
  const mode = rng.next();
  if (c.system === 'somali' && firstSex === 'M' && sex === 'M' && mode < 0.5) {
    // Twin boys named after the Prophet's grandsons.
    return first === 'Xasan' ? 'Xuseen' : 'Xasan';
  }
  if (c.system === 'burmese') {
    // A shared syllable and one of its own: EH HTOO and EH SAY.
    const parts = first.split(' ');
    if (mode < 0.6 && parts.length > 1) return [...parts.slice(0, -1), givenOf(sex).split(' ').at(-1)!].join(' ');
    return independent;
  }
  const pair = PAIRED_FORMS.find(([m, f]) => m === first || f === first);
  if (pair !== undefined && sex !== firstSex && mode < 0.4) return sex === 'F' ? pair[1] : pair[0];
  const head = first.split(' ')[0]!;
  if (first.includes(' ') && mode < 0.55) {
    // Same compound head: JOSE LUIS and JOSE MANUEL, MARIE CARMELLE and MARIE NADEGE.
    for (let g = 0; g < 30; g++) {
      const n = givenOf(sex);
      if (n !== first && n.startsWith(`${head} `)) return n;
    }
    const tail = givenOf(sex).split(' ').at(-1)!;
    if (tail !== first.split(' ').at(-1)) return `${head} ${tail}`;
  }
  if (mode < 0.7) {
    // Same first letters: KEVIN and KARLA, BRENDA and BRANDON.
    for (let g = 0; g < 40; g++) {
      const n = givenOf(sex);
      if (n !== first && n.slice(0, 2) === first.slice(0, 2)) return n;
    }
  }
  return independent;
}

function sloppyDate(rng: SeededRandom, sys: StateSystemD, birth: Date3): string | null {
  let d: Date3 = [...birth];
  if (d[2] <= 12 && rng.chance(sys.dayMonthSwap)) d = [d[0], d[2], d[1]];
  if (rng.chance(sys.slips)) {
    switch (rng.int(6)) {
      case 0:
        d = [d[0] + (rng.chance(0.5) ? 1 : -1), d[1], Math.min(d[2], 28)];
        break;
      case 1:
        d = addDays(d, rng.chance(0.5) ? 1 : -1);
        break;
      case 2: {
        const next: Date3 = [d[0], d[1], d[2] + 10 <= 28 ? d[2] + 10 : d[2] - 10];
        if (validDate(next)) d = next;
        break;
      }
      case 3:
        d = [d[0], 1, 1];
        break;
      case 4:
        return null;
      default:
        d = [d[0], d[1] === 1 ? 2 : d[1] - 1, Math.min(d[2], 28)];
    }
  }
  return isoDate(d);
}

/** A keyboard slip: a letter dropped, doubled, two swapped, or a neighbouring key. */
function keySlip(rng: SeededRandom, s: string): string {
  if (s.length < 5) return s;
  const i = 1 + rng.int(s.length - 2);
  const keyboard: Record<string, string> = { a: 'q', e: 'w', i: 'u', o: 'i', n: 'b', r: 'e', l: 'o', s: 'd', t: 'r' };
  switch (rng.int(4)) {
    case 0:
      return s.slice(0, i) + s.slice(i + 1);
    case 1:
      return s.slice(0, i + 1) + s.slice(i);
    case 2:
      return s.slice(0, i) + s[i + 1] + s[i] + s.slice(i + 2);
    default:
      return s.slice(0, i) + (keyboard[s[i]!.toLowerCase()] ?? s[i]) + s.slice(i + 1);
  }
}

function render(
  rng: SeededRandom,
  sys: StateSystemD,
  recordId: string,
  state: string,
  sid: string,
  kid: ChildD,
): PersonRecord {
  const c = kid.community;
  const text = (s: string | null, width: number | null = null): string | null => {
    if (s === null || s.trim() === '') return null;
    let v = s;
    if (sys.accents === 'strip') v = unaccent(v);
    else if (sys.accents === 'question') v = v.replace(/[^\x20-\x7e]/g, '?');
    v = sys.titleCase ? v : v.toUpperCase();
    return width !== null && v.length > width ? v.slice(0, width).trimEnd() : v;
  };
  const somali = (s: string) => {
    const v = SOMALI_SPELLINGS_D[upperKey(s)];
    return v !== undefined && rng.chance(0.7) ? rng.pick(v) : s;
  };
  let given = kid.given;
  let middle: string | null = null;
  let last1: string | null = null;
  let last2: string | null = null;
  if (c.system === 'burmese') {
    const parts = kid.given.split(' ');
    const hasPrefix = /^(Saw|Naw|Ma|Maung)$/.test(parts[0]!) && parts.length > 1;
    const body = hasPrefix && rng.chance(0.5) ? parts.slice(1) : parts;
    switch (sys.burmeseSplit) {
      case 'last-syllable':
        [given, last1] = body.length > 1 ? [body.slice(0, -1).join(' '), body.at(-1)!] : [body[0]!, body[0]!];
        break;
      case 'first-syllable':
        [given, last1] = body.length > 1 ? [body.slice(1).join(' '), body[0]!] : [body[0]!, body[0]!];
        break;
      case 'whole-in-both':
        [given, last1] = [body.join(' '), body.join(' ')];
        break;
      default:
        [given, last1] = body.length > 1 ? [body[0]!, body.slice(1).join(' ')] : [body[0]!, body[0]!];
    }
  } else {
    // The given name as this school writes it: a pet name, an English form, or one part of a compound.
    const key = upperKey(kid.given);
    const head = key.split(' ')[0]!;
    const call = CALL_NAMES_D[key] ?? (kid.given.includes(' ') ? undefined : CALL_NAMES_D[head]);
    const english = ENGLISH_D[key] ?? ENGLISH_D[head];
    const g = rng.next();
    if (c.system === 'somali') given = somali(given);
    else if (call !== undefined && g < sys.callNames) given = rng.pick(call);
    else if (english !== undefined && g < sys.callNames + sys.english) given = english;
    else if (given.includes(' ')) {
      const parts = given.split(' ').filter((x) => !/^(de|del|la)$/i.test(x));
      const mode = rng.chance(0.8) ? sys.compoundGiven : rng.pick(['whole', 'first-only'] as const);
      if (mode === 'first-only') given = parts[0]!;
      else if (mode === 'second-in-middle') [given, middle] = [parts[0]!, parts.slice(1).join(' ')];
      else if (mode === 'called-part') given = parts.at(-1)!;
    }
    if (rng.chance(0.02)) given = keySlip(rng, given);
    // Family names as this state's boxes hold them.
    if (c.system === 'somali') {
      const [fatherName, grandfather] = kid.surnames.map(somali) as [string, string];
      if (sys.somaliLast === 'father') [middle, last1] = [rng.chance(0.6) ? grandfather : null, fatherName];
      else if (sys.somaliLast === 'grandfather') [middle, last1] = [fatherName, grandfather];
      else last1 = `${fatherName} ${grandfather}`;
    } else if (c.system === 'single') {
      last1 = kid.surnames[0]!;
      if (last1.includes('-')) {
        const r = rng.next();
        if (r < 0.3) last1 = last1.replace('-', ' ');
        else if (r < 0.45) last1 = last1.replace('-', '');
        else if (r < 0.55) last1 = last1.split('-').at(-1)!;
      }
    } else {
      [last1, last2] = [kid.surnames[0]!, kid.surnames[1] ?? null];
      if (last2 !== null) {
        const boxes = rng.chance(0.85) ? sys.surnameBoxes : rng.pick(['two', 'paternal-only'] as const);
        if (boxes === 'one-space') [last1, last2] = [`${last1} ${last2}`, null];
        else if (boxes === 'one-hyphen') [last1, last2] = [`${last1}-${last2}`, null];
        else if (boxes === 'joined') [last1, last2] = [`${last1}${last2}`.replace(/ /g, ''), null];
        else if (boxes === 'paternal-only') last2 = null;
        else if (boxes === 'maternal-in-middle' && middle === null) [middle, last2] = [last2, null];
        if (last2 !== null && rng.chance(0.03)) [last1, last2] = [last2, last1];
      }
    }
    if (last1 !== null && rng.chance(0.02)) last1 = keySlip(rng, last1);
    // Given name and surname in each other's boxes.
    if (rng.chance(0.008) && last1 !== null) [given, last1] = [last1, given];
  }
  // Sex: missing now and then, rarely wrong.
  let sex: Sex | null = kid.sex;
  if (rng.chance(0.04)) sex = null;
  else if (rng.chance(0.003)) sex = sex === 'F' ? 'M' : 'F';
  // Multiple-birth flag as this state's form asks for it.
  let multipleBirth: boolean | null = null;
  if (sys.flag === 'recorded') multipleBirth = kid.twinGroup !== null ? rng.chance(0.88) : rng.chance(0.002) || null;
  else if (sys.flag === 'default-false') multipleBirth = false;
  // Parents (or the guardian), as this state lists them.
  const parent = (a: AdultD | null): [string | null, string | null] => {
    if (a === null || rng.chance(0.12)) return [null, null];
    let pg = a.given;
    if (c.system === 'somali') pg = somali(pg);
    else if (pg.includes(' ') && rng.chance(0.3)) pg = pg.split(' ')[0]!;
    if (rng.chance(0.015)) pg = keySlip(rng, pg);
    const surnames = c.system === 'somali' ? a.surnames.map(somali) : a.surnames;
    const ps = surnames.length === 0 ? null : sys.parentSurnames === 'all' ? surnames.join(' ') : surnames[0]!;
    if (sys.parents === 'single-field') return [ps === null ? pg : `${pg} ${ps}`, null];
    return [pg, ps];
  };
  let p1: [string | null, string | null];
  let p2: [string | null, string | null] = [null, null];
  if (sys.parents === 'guardian-first' && kid.guardian !== null) p1 = parent(kid.guardian);
  else if (sys.parents === 'mother-only') p1 = parent(kid.mother);
  else {
    const dad = parent(kid.father);
    const mom = parent(kid.mother);
    [p1, p2] = rng.chance(sys.motherFirst) ? [mom, dad] : [dad, mom];
  }
  const place = rng.chance(0.4) ? kid.place : null;
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
      birthDate: sloppyDate(rng, sys, kid.birth),
      multipleBirth,
      place,
      parent1: p1,
      parent2: p2,
    },
    text,
    (s) => text(s, sys.givenWidth),
  );
}
