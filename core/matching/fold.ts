/**
 * Unicode folding for matching keys: accents and ñ are often lost when a
 * record crosses state systems, so keys are built on the folded form while
 * the raw value is kept for display.
 */

const COMBINING_MARKS = /[\u0300-\u036f]/g;
const NON_LETTER_OR_DIGIT = /[^A-Z0-9 ]+/g;
const SPACES = /\s+/g;

/** Characters NFD does not decompose into a base letter. */
const SPECIAL_LETTERS: Record<string, string> = {
  ß: 'SS',
  Æ: 'AE',
  Ø: 'O',
  Œ: 'OE',
  Ł: 'L',
  Đ: 'D',
  Þ: 'TH',
  ı: 'I',
};

/**
 * Upper-case ASCII form: accents stripped (Á→A, Ñ→N, Ü→U), hyphens,
 * apostrophes and dots turned into spaces, other punctuation dropped.
 */
export function foldText(value: string | null | undefined): string {
  if (!value) return '';
  let s = value.normalize('NFD').replace(COMBINING_MARKS, '').toUpperCase();
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the range \x00-\x7f is all of ASCII, on purpose
  if (/[^\x00-\x7f]/.test(s)) {
    // biome-ignore lint/suspicious/noControlCharactersInRegex: the same ASCII range
    s = s.replace(/[^\x00-\x7f]/g, (ch) => SPECIAL_LETTERS[ch] ?? SPECIAL_LETTERS[ch.toUpperCase()] ?? ' ');
  }
  return s
    .replace(/[-'’.,/_]/g, ' ')
    .replace(NON_LETTER_OR_DIGIT, '')
    .replace(SPACES, ' ')
    .trim();
}

/** Folded text as tokens; empty input gives an empty array. */
export function foldTokens(value: string | null | undefined): string[] {
  const folded = foldText(value);
  return folded === '' ? [] : folded.split(' ');
}

/** Upper-case letters and digits only; used for identifiers and codes. */
export function foldCode(value: string | null | undefined): string | null {
  if (!value) return null;
  const s = foldText(value).replace(/ /g, '');
  return s === '' ? null : s;
}
