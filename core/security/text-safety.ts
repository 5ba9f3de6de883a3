/**
 * Text no part of the gateway can store or compare safely (issue 13 finding 14): NUL (Postgres text refuses it, so it
 * surfaced as a 500) and UTF-16 surrogates without their pair (not Unicode text; they become U+FFFD or errors
 * further on). Refused at the edge with a 400 naming where, never quoting the value.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: NUL is the character this pattern exists to find
const UNSAFE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Whether a string holds a NUL or a lone surrogate. */
export function hasUnsafeText(s: string): boolean {
  return UNSAFE.test(s);
}

/** The JSON-pointer-like path of the first key or string value holding unsafe text, or null. */
export function findUnsafeText(v: unknown, path = '', depth = 0): string | null {
  if (depth > 64) return null;
  if (typeof v === 'string') return hasUnsafeText(v) ? path || '/' : null;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const hit = findUnsafeText(v[i], `${path}/${i}`, depth + 1);
      if (hit) return hit;
    }
    return null;
  }
  // Only parsed data is walked: a raw body stream (the file routes) or any other class instance is a graph of
  // sockets and servers, not text a client sent, and walking it never ends.
  if (isPlainObject(v)) {
    for (const [k, x] of Object.entries(v)) {
      const at = `${path}/${k.replace(/~/g, '~0').replace(/\//g, '~1')}`;
      if (hasUnsafeText(k)) return `${path}/(a key)`;
      const hit = findUnsafeText(x, at, depth + 1);
      if (hit) return hit;
    }
  }
  return null;
}

/** A JSON-like object: what a body, query or params parser produces (no class instance, no stream, no Buffer). */
function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (v === null || typeof v !== 'object') return false;
  const proto = Object.getPrototypeOf(v);
  // fastify's query parser makes objects whose prototype is itself prototype-less; a class instance's chain ends in
  // Object.prototype further up.
  return proto === null || proto === Object.prototype || Object.getPrototypeOf(proto) === null;
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: NUL is one of the characters this pattern replaces
const UNSAFE_ALL = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * `s` with every NUL and unpaired surrogate replaced by U+FFFD. For text the gateway must keep rather than refuse:
 * what a state's file said, quoted back in its ingest report (Postgres refuses `\u0000` in jsonb, so a file with a NUL
 * in a field failed its ingest at the report instead of getting one).
 */
export function storableText(s: string): string {
  return hasUnsafeText(s) ? s.replace(UNSAFE_ALL, '\uFFFD') : s;
}

/** A JSON-like value with every string, keys included, made {@link storableText}; untouched values are kept as is. */
export function storable<T>(v: T, depth = 0): T {
  if (typeof v === 'string') return storableText(v) as T;
  if (depth > 64 || v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) return v.map((x) => storable(x, depth + 1)) as T;
  if (!isPlainObject(v)) return v;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) out[storableText(k)] = storable(x, depth + 1);
  return out as T;
}
