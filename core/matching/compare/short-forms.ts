/**
 * Short and pet forms of given names recognised by how they are formed, not by a list (rules `-8`, issue 12). A
 * nickname table only knows the forms someone wrote down; families and schools make new ones every day by a
 * handful of regular processes, and those processes are what this module encodes:
 *
 * - **diminutive suffixes**: Spanish -ito/-ita (-cito/-cita after n and r, -itos/-itas before a final s), -illo/
 *   -illa, Portuguese -inho/-inha (-zinho/-zinha): JUANITO, ANITA, CARLITOS, CARMENCITA, LUPITA (of LUPE);
 * - **clipping**: the first syllables kept, bare or with the English and Spanish pet endings -i/-y/-ie, a final
 *   consonant often doubled in English: FER, DANI, VALE, SOFI, GABY, MANNY, DANNY;
 * - **loss of the first syllables** (apheresis): LUPE (GUADALUPE), TINA (VALENTINA), NANDO (FERNANDO), with the
 *   consonant cluster simplified as children say it: BETO (ROBERTO, ALBERTO);
 * - **palatalisation**, the regular sound change of Spanish pet names: s, z, c(e, i) become ch in the short form,
 *   and the glide after it is lost: CHENTE (VICENTE), CHELA (GRACIELA), CHABELA (ISABEL), NACHO (IGNACIO),
 *   CONCHA (CONCEPCION);
 * - **compound blends**: the first name whole or clipped, joined to the start of the second, as Mexican families
 *   call a child with a compound name: JUANCA (JUAN CARLOS), MARIFER (MARIA FERNANDA), LUISFER (LUIS FERNANDO).
 *
 * What keeps siblings apart is not weakened: every rule needs the short side to be shorter than the name it
 * shortens (never two full names of one length: DANIEL and DANIELA, MARIO and MARIANA), the gender endings -o and
 * -a are never stripped as if they were pet endings, and the level this module feeds (`short-form`) is no
 * co-twin-proof agreement: a multiple-birth flag, a sex disagreement or a second id in one state still stops the
 * link, and batch clustering still holds a record that fits two co-twins.
 */

/**
 * Comparison skeleton: the spelling differences that pet-name formation and Spanish orthography make irrelevant
 * folded away (CH/S/Z/C(e,i)/X → S, QU/C/K → K, LL/Y → Y, V → B, silent H dropped, a glide I or U between a
 * consonant and a vowel dropped, doubled letters single).
 */
export function shortFormSkeleton(name: string): string {
  let s = name
    .replace(/(?<!C)H/g, '')
    .replace(/CH/g, 'S')
    .replace(/C(?=[EI])/g, 'S')
    .replace(/QU(?=[EI])/g, 'K')
    .replace(/[ZX]/g, 'S')
    .replace(/C/g, 'K')
    .replace(/LL/g, 'Y')
    .replace(/V/g, 'B');
  s = s.replace(/([^AEIOU])[IU](?=[AEIOU])/g, '$1');
  return s.replace(/(.)\1+/g, '$1');
}

const VOWEL = /[AEIOU]/;

/** The name without its final vowel (the gender or thematic ending that pet forms replace). */
function stem(s: string): string {
  return s.length > 2 && VOWEL.test(s[s.length - 1]!) ? s.slice(0, -1) : s;
}

/** Diminutive endings, longest first so -CITA is tried before -ITA. */
const DIMINUTIVES = [
  'ZINHO',
  'ZINHA',
  'CITOS',
  'CITAS',
  'INHO',
  'INHA',
  'CITO',
  'CITA',
  'ITOS',
  'ITAS',
  'ILLO',
  'ILLA',
];
const SHORT_DIMINUTIVES = ['ITO', 'ITA'];

/**
 * A diminutive of `full`: JUAN → JUANITO, ANA → ANITA, CARLOS → CARLITOS, CARMEN → CARMENCITA, MARCOS → MARQUITOS.
 * The stem left after the suffix must be the full name less its final vowel (or less a final -os/-as, which the
 * suffix carries), at least two letters; Z before the suffix is written C.
 */
function isDiminutiveOf(short: string, full: string): boolean {
  for (const suffix of [...DIMINUTIVES, ...SHORT_DIMINUTIVES]) {
    if (!short.endsWith(suffix)) continue;
    let base = short.slice(0, -suffix.length);
    if (base.length < 2) continue;
    if (base.endsWith('QU')) base = `${base.slice(0, -2)}C`;
    const plural = suffix.endsWith('S');
    const target = plural ? full.replace(/[AO]S$/, '') : full;
    if (plural && target === full) continue;
    if (base === target || base === stem(target)) return true;
    // Z is written C before the suffix's I (LORENZO, LORENCITO).
    if (base.endsWith('C') && `${base.slice(0, -1)}Z` === stem(target)) return true;
  }
  return false;
}

/** English and Spanish pet endings a clipped name takes (never -o or -a: those are the gender of a full name). */
const PET_ENDINGS = /(IE|I|Y)$/;

/**
 * A clipped form of `full`: its first three or more letters, bare or with a pet ending, a doubled final consonant
 * made single (MANNY → MAN): FER, DANI, SOFI, GABY, MANNY. A bare clip must leave three letters of `full` over, as
 * `part-of-name` does (ANA and ANAHI, MARIA and MARIANA are two names); a clip with a pet ending, two (SOFI).
 */
function isClipOf(short: string, full: string): boolean {
  if (short.length >= 3 && full.length - short.length >= 3 && full.startsWith(short)) return true;
  const bare = short.replace(PET_ENDINGS, '');
  if (bare === short) return false;
  const c = bare.replace(/([^AEIOU])\1$/, '$1');
  return c.length >= 3 && full.length - c.length >= 2 && full.startsWith(c);
}

/**
 * The end of `full` kept, from the start of a syllable (a consonant), at least three letters of stem with two or
 * more dropped before it: LUPE, TINA, NANDO; with one consonant of a cluster simplified: BETO from -BERTO. A single
 * dropped vowel is enough only when the short form was palatalised (CHABELA for ISABEL), the mark of a pet form.
 */
function isTailOf(short: string, full: string, palatal: boolean): boolean {
  const s = stem(short);
  const f = stem(full);
  const dropped = f.length - s.length;
  if (s.length < 3 || VOWEL.test(s[0]!)) return false;
  if (dropped < 2 && !(palatal && dropped === 1 && VOWEL.test(f[0]!))) return false;
  if (f.endsWith(s)) return true;
  // One liquid or nasal dropped from a cluster of the kept part (BERT → BET).
  for (let i = f.length - s.length - 1; i < f.length - 1; i++) {
    if (i < 2) continue;
    if (/[RLNS]/.test(f[i]!) && !VOWEL.test(f[i + 1]!) && (f.slice(0, i) + f.slice(i + 1)).endsWith(s)) return true;
  }
  return false;
}

/**
 * True when `short` may be a pet or short form of `full` made by one of the regular processes above (compared on
 * skeletons, so CHENTE meets VICENTE and GABY meets GABRIELA). Both arguments are folded upper-case tokens.
 */
export function isShortFormOf(short: string, full: string): boolean {
  if (short === full || short.length < 2 || full.length < 3) return false;
  if (isDiminutiveOf(short, full)) return true;
  // Otherwise a short form is shorter than the name (a diminutive, handled above, is the only longer one).
  if (short.length < full.length && (isClipOf(short, full) || isTailOf(short, full, false))) return true;
  const s = shortFormSkeleton(short);
  const f = shortFormSkeleton(full);
  if (s === f) return false;
  return (s.length < f.length && isClipOf(s, f)) || isTailOf(s, f, short.startsWith('CH'));
}

/** A diminutive of one of the pet names a table knows for `full` (LUPITA of LUPE, i.e. GUADALUPE). */
export function isDiminutiveOfAny(short: string, forms: readonly string[]): boolean {
  for (const f of forms) if (isDiminutiveOf(short, f)) return true;
  return false;
}

/**
 * A blend of a compound name: the first part whole or clipped to two letters or more, then the start of the second
 * part (JUANCA, MARIFER, LUISFER). At least five letters, and more than the first part alone.
 */
export function isCompoundBlendOf(short: string, first: string, second: string): boolean {
  if (short.length < 5 || second.length < 3) return false;
  for (let i = Math.min(first.length, short.length - 2); i >= 2; i--) {
    if (!first.startsWith(short.slice(0, i))) continue;
    const rest = short.slice(i);
    if (rest.length >= 2 && rest.length < second.length && second.startsWith(rest)) return true;
  }
  return false;
}
