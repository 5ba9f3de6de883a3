/**
 * Help-desk staff answer "did my state's file arrive, what failed" without
 * seeing who the children are. `maskPii` copies a response with every field
 * that can identify a child blanked: names, birth dates, addresses, contacts,
 * parents, and the raw `value` of validation issues (which may be a name).
 * Ids (MSIX id, state student id, record and exchange ids), statuses, counts
 * and rules stay, which is what a help-desk ticket needs.
 */
export const MASK = '***';

const PII_KEY = new RegExp(
  [
    String.raw`(^|_)(first|last|middle|given|family|sur|maiden|full)?_?name\d*$`,
    String.raw`name\d*$`,
    '^(birth|dob)',
    'birth_?date',
    '^(address|street|city|zip|postal|phone|email|parent|guardian|mother|father|contact|ssn|birthplace)',
    '^value$',
    '^identity$',
  ].join('|'),
  'i',
);

/**
 * Field names that are never PII even though they match the pattern above. `parentId` and `parentExchangeId` are
 * the exchange an exchange answers (the ledger's tree), not a child's parent: masked, they blanked the exchange id
 * wherever else it was quoted, and the help desk's ledger linked to `/portal/exchanges/***`.
 */
const KEEP = new Set([
  'name',
  'kind',
  'serviceName',
  'stateName',
  'fileName',
  'courseTitle',
  'parentId',
  'parentExchangeId',
]);

export function isPiiKey(key: string): boolean {
  if (KEEP.has(key)) return false;
  return PII_KEY.test(key);
}

/**
 * A deep copy of `data` with PII fields replaced by `***` (null stays null), and every value found under a PII
 * field blanked wherever else it is quoted too (a validation message, a summary, a detail): masking by value as
 * well as by field name (issue 13 finding 2).
 */
export function maskPii<T>(data: T): T {
  const values = new Set<string>();
  gather(data, 0, values);
  // Longest first, so "Hernández Cruz" is blanked whole before "Cruz" is looked for.
  const quoted = [...values].filter((v) => v.length >= MIN_QUOTED).sort((a, b) => b.length - a.length);
  return walk(data, 0, quoted) as T;
}

/** Shorter values (a sex code, a grade) are too common in ordinary text to blank everywhere. */
const MIN_QUOTED = 3;

function gather(v: unknown, depth: number, into: Set<string>, underPii = false): void {
  if (depth > 64) return;
  if (underPii && (typeof v === 'string' || typeof v === 'number')) {
    const text = String(v).trim();
    if (text) into.add(text);
    // A quoted value may be cut at a separator by whoever quotes it (a name and its trailing character).
    for (const part of text.split(/[\s,;]+/)) if (part) into.add(part);
    return;
  }
  if (Array.isArray(v)) for (const x of v) gather(x, depth + 1, into, underPii);
  else if (v && typeof v === 'object' && !(v instanceof Date))
    for (const [k, x] of Object.entries(v)) gather(x, depth + 1, into, underPii || isPiiKey(k));
}

function scrub(text: string, quoted: readonly string[]): string {
  let out = text;
  for (const q of quoted) if (out.includes(q)) out = out.split(q).join(MASK);
  return out;
}

function walk(v: unknown, depth: number, quoted: readonly string[]): unknown {
  if (depth > 64) return MASK;
  if (typeof v === 'string') return quoted.length ? scrub(v, quoted) : v;
  if (Array.isArray(v)) return v.map((x) => walk(x, depth + 1, quoted));
  if (v && typeof v === 'object' && !(v instanceof Date)) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v))
      out[k] = isPiiKey(k) ? (x === null || x === undefined ? x : MASK) : walk(x, depth + 1, quoted);
    return out;
  }
  return v;
}
