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

/** Field names that are never PII even though they match the pattern above. */
const KEEP = new Set(['name', 'kind', 'serviceName', 'stateName', 'fileName', 'courseTitle']);

export function isPiiKey(key: string): boolean {
  if (KEEP.has(key)) return false;
  return PII_KEY.test(key);
}

/** A deep copy of `data` with PII fields replaced by `***` (null stays null). */
export function maskPii<T>(data: T): T {
  return walk(data, 0) as T;
}

function walk(v: unknown, depth: number): unknown {
  if (depth > 64) return MASK;
  if (Array.isArray(v)) return v.map((x) => walk(x, depth + 1));
  if (v && typeof v === 'object' && !(v instanceof Date)) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v))
      out[k] = isPiiKey(k) ? (x === null || x === undefined ? x : MASK) : walk(x, depth + 1);
    return out;
  }
  return v;
}
