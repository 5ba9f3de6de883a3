import { XMLParser, XMLValidator, type X2jOptions } from 'fast-xml-parser';
import { hasUnsafeText } from './text-safety.js';

/**
 * The one way the gateway parses XML (SIF objects, Ed-Fi XML, state files).
 * It refuses what XML attacks need: any DOCTYPE or entity declaration (XXE,
 * billion laughs), encodings other than UTF-8 and ISO-8859-1 (which could hide
 * a DOCTYPE from the check, which runs on the decoded text), deep nesting, oversized input, and element or attribute
 * names that would write `__proto__` into the parsed object. Only the five
 * predefined entities and character references are expanded.
 */
export interface SafeXmlOptions {
  /** Largest input in bytes (default 5 MiB). */
  maxBytes?: number;
  /** Deepest element nesting (default 64). */
  maxDepth?: number;
  /**
   * Parser options for the shape of the result (attributes, arrays, text).
   * Entity and DOCTYPE handling cannot be overridden.
   */
  parser?: Omit<X2jOptions, 'processEntities' | 'htmlEntities' | 'entityDecoder' | 'maxNestedTags'>;
}

export type XmlRefusal =
  | 'doctype'
  | 'entity-declaration'
  | 'encoding'
  | 'too-large'
  | 'too-deep'
  | 'malformed'
  | 'forbidden-name';
export type SafeXmlResult<T = unknown> =
  | { kind: 'ok'; doc: T }
  | { kind: 'refused'; reason: XmlRefusal; detail: string; line?: number };

const DEFAULT_MAX_BYTES = 5 * 1024 * 1024;
/** ISO-8859-1 under its usual names. */
const LATIN1 = /^(iso-?8859-1|latin-?1|l1)$/i;
const FORBIDDEN_NAMES = /(?:^|[\s<:/])(?:__proto__|constructor|prototype)(?=[\s=>/:])/;

function decode(
  input: string | Uint8Array,
): { kind: 'ok'; text: string } | { kind: 'refused'; reason: XmlRefusal; detail: string } {
  if (typeof input === 'string') return { kind: 'ok', text: input.replace(/^\uFEFF/, '') };
  const b = Buffer.from(input.buffer, input.byteOffset, input.byteLength);
  if (
    (b[0] === 0xfe && b[1] === 0xff) ||
    (b[0] === 0xff && b[1] === 0xfe) ||
    (b.length > 1 && (b[0] === 0 || b[1] === 0))
  ) {
    return { kind: 'refused', reason: 'encoding', detail: 'Only UTF-8 XML is accepted.' };
  }
  // ISO-8859-1 when the declaration says so (read on bytes: the declaration itself is ASCII in both); else UTF-8.
  const declared = /^\s*<\?xml[^>]*encoding\s*=\s*["']([^"']+)["']/i.exec(b.toString('latin1', 0, 200))?.[1];
  const latin1 = declared !== undefined && LATIN1.test(declared);
  const text = b.toString(latin1 ? 'latin1' : 'utf8').replace(/^\uFEFF/, '');
  return { kind: 'ok', text };
}

/** Checks the raw text for what must never be parsed. Exported for streaming splitters that check chunks. */
export function xmlPreflight(
  text: string,
  opts: Pick<SafeXmlOptions, 'maxDepth'> = {},
): { kind: 'ok' } | { kind: 'refused'; reason: XmlRefusal; detail: string } {
  if (/<!DOCTYPE/i.test(text))
    return { kind: 'refused', reason: 'doctype', detail: 'DOCTYPE declarations are not accepted.' };
  if (/<!ENTITY/i.test(text))
    return { kind: 'refused', reason: 'entity-declaration', detail: 'Entity declarations are not accepted.' };
  const decl = /^\s*<\?xml[^>]*encoding\s*=\s*["']([^"']+)["']/i.exec(text);
  // Checked on the decoded text, so a DOCTYPE an exotic encoding (UTF-7, UTF-16, EBCDIC) hid from the byte-level
  // look is refused either way.
  if (decl && !/^(utf-?8|us-ascii)$/i.test(decl[1]!) && !LATIN1.test(decl[1]!))
    return {
      kind: 'refused',
      reason: 'encoding',
      detail: 'Only UTF-8 and ISO-8859-1 are accepted; send UTF-8.',
    };
  // Comments and CDATA may mention names freely; tags may not. One pass, linear in the text: the patterns that did
  // this (`<!--[\s\S]*?-->`, `<[^>]*>`) rescanned to the end from every unclosed `<!--` or `<`, so 80 KB of `<!--`
  // took two seconds and a 5 MiB body hours (found by the hostile-input fuzz, issue 18).
  const maxDepth = opts.maxDepth ?? 64;
  let depth = 0;
  for (let i = text.indexOf('<'); i !== -1; i = text.indexOf('<', i)) {
    const opener = text.startsWith('<!--', i) ? 4 : text.startsWith('<![CDATA[', i) ? 9 : 0;
    const skip = opener === 4 ? '-->' : opener === 9 ? ']]>' : null;
    const end = skip ? text.indexOf(skip, i + opener) : text.indexOf('>', i);
    // Unclosed: nothing after it is a tag (the well-formedness check refuses the document).
    if (end === -1) break;
    const t = text.slice(i, end + 1);
    i = end + (skip ? skip.length : 1);
    if (skip) continue;
    if (FORBIDDEN_NAMES.test(t))
      return {
        kind: 'refused',
        reason: 'forbidden-name',
        detail: 'Element or attribute names __proto__, constructor and prototype are not accepted.',
      };
    if (t.startsWith('<?') || t.startsWith('<!')) continue;
    if (t.startsWith('</')) depth--;
    else if (!t.endsWith('/>')) {
      depth++;
      if (depth > maxDepth)
        return { kind: 'refused', reason: 'too-deep', detail: `Elements nest deeper than ${maxDepth}.` };
    }
  }
  return { kind: 'ok' };
}

export function parseXmlSafely<T = unknown>(input: string | Uint8Array, opts: SafeXmlOptions = {}): SafeXmlResult<T> {
  const max = opts.maxBytes ?? DEFAULT_MAX_BYTES;
  const size = typeof input === 'string' ? Buffer.byteLength(input) : input.byteLength;
  if (size > max)
    return { kind: 'refused', reason: 'too-large', detail: `The XML is ${size} bytes; at most ${max} are accepted.` };
  const d = decode(input);
  if (d.kind !== 'ok') return d;
  // XML 1.0 has no NUL and no lone surrogates (its Char production), and Postgres cannot store them: a SIF object
  // holding one failed its insert with a 500 (found by the hostile-input fuzz, issue 18).
  if (hasUnsafeText(d.text))
    return { kind: 'refused', reason: 'malformed', detail: 'The XML holds a NUL character or an unpaired surrogate.' };
  const pre = xmlPreflight(d.text, opts);
  if (pre.kind !== 'ok') return pre;
  const valid = XMLValidator.validate(d.text);
  if (valid !== true) return { kind: 'refused', reason: 'malformed', detail: valid.err.msg, line: valid.err.line };
  try {
    const parser = new XMLParser({
      ...(opts.parser ?? {}),
      processEntities: { enabled: true, maxEntityCount: 0, maxTotalExpansions: 10_000, maxExpandedLength: max },
      htmlEntities: false,
      maxNestedTags: (opts.maxDepth ?? 64) + 1,
    });
    return { kind: 'ok', doc: parser.parse(d.text) as T };
  } catch (e) {
    return { kind: 'refused', reason: 'malformed', detail: e instanceof Error ? e.message : 'not parseable' };
  }
}
