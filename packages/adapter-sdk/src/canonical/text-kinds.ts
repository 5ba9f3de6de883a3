import type { TextKind } from './common.js';

/**
 * Character rules for text fields. Names never need markup or statement
 * punctuation, so refusing `<`, `;` or `=` in a name stops script and SQL
 * injection strings at the door (they would be harmless when stored, since SQL
 * is parameterized and output escaped, but they are never real data).
 */
const RULES: Record<TextKind, { re: RegExp; allowed: string }> = {
  personName: {
    re: /^(?:[\p{L}\p{M}][\p{L}\p{M} .'’-]*)?$/u,
    allowed: 'letters (accents welcome), spaces, hyphens, apostrophes and periods',
  },
  placeName: {
    re: /^(?:[\p{L}\p{M}\p{N}][\p{L}\p{M}\p{N} .,'’()#/-]*)?$/u,
    allowed: "letters, digits, spaces and . , ' - ( ) # /",
  },
  free: {
    // biome-ignore lint/suspicious/noControlCharactersInRegex: free text refuses control characters, so it names them
    re: /^[^<>\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]*$/u,
    allowed: 'any text without < > or control characters',
  },
};

export function isTextKind(k: string): k is TextKind {
  return k in RULES;
}

/** What the kind allows when `value` breaks it, else null. Emptiness is `minLength`'s business. */
export function textKindProblem(kind: TextKind, value: string): string | null {
  if (RULES[kind].re.test(value)) return null;
  return RULES[kind].allowed;
}
