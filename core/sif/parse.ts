/**
 * Reads a SIF request body (XML or Goessner JSON) into schema-shaped object trees. XML goes through the gateway's
 * one safe parser (no DOCTYPE, no entity declarations, UTF-8 only, so the UTF-7 declaration trick is refused before
 * parsing), must be in the SIF NA 4.x namespace, and must have the expected root: the object for a single create or
 * update, the collection for a multi-object request.
 */
import { parseXmlSafely, type XmlRefusal } from '../security/safe-xml.js';
import { SIF_NS, SIF_OBJECTS, type SifObjectName } from '../../specs/sif/objects.js';
import { normalizeObject, SIF_PARSER_OPTIONS, type SifElement, type TreeIssue } from '../../mappings/sif/tree.js';

export type SifMediaType = 'xml' | 'json';

/** One object of the body, with the problems that make it fail its schema (empty: it conforms). */
export interface ParsedItem {
  tree: SifElement;
  issues: TreeIssue[];
}

export type SifParseResult =
  | { kind: 'ok'; items: ParsedItem[] }
  | { kind: 'refused'; reason: XmlRefusal | 'namespace' | 'root' | 'json'; detail: string };

/**
 * The namespace the root element is in, read from its start tag (prefix and xmlns declarations). The prolog's
 * declaration, processing instructions and comments are skipped with one linear scan: a pattern that removed them
 * from the whole text rescanned to the end from every `<!--`, so a body full of them took seconds (issue 18).
 */
function rootNamespace(text: string): { name: string; ns: string | null } | null {
  let i = text.indexOf('<');
  for (;;) {
    if (i === -1) return null;
    const close = text.startsWith('<?', i) ? '?>' : text.startsWith('<!--', i) ? '-->' : null;
    if (!close) break;
    const end = text.indexOf(close, i + (close === '?>' ? 2 : 4));
    if (end === -1) return null;
    i = text.indexOf('<', end + close.length);
  }
  const m = /^<([A-Za-z_][\w.-]*(?::[A-Za-z_][\w.-]*)?)([^>]*)>/.exec(text.slice(i, text.indexOf('>', i) + 1));
  if (!m) return null;
  const [prefix, local] = m[1]!.includes(':') ? m[1]!.split(':') : [null, m[1]!];
  const attr = prefix ? `xmlns:${prefix}` : 'xmlns';
  const ns = new RegExp(`\\s${attr.replace('.', '\\.')}\\s*=\\s*["']([^"']*)["']`).exec(m[2]!);
  return { name: local!, ns: ns ? ns[1]! : null };
}

function itemsOf(object: SifObjectName, many: boolean, root: string, content: unknown): ParsedItem[] | string {
  const collection = SIF_OBJECTS[object];
  if (many) {
    if (root !== collection) return `The body must be a ${collection} collection, not ${root}.`;
    const c = content && typeof content === 'object' ? (content as Record<string, unknown>)[object] : undefined;
    const list = c === undefined ? [] : Array.isArray(c) ? c : [c];
    return list.map((v) => {
      const issues: TreeIssue[] = [];
      return { tree: normalizeObject(object, v, issues), issues };
    });
  }
  if (root !== object) return `The body must be one ${object}, not ${root}.`;
  const issues: TreeIssue[] = [];
  return [{ tree: normalizeObject(object, content, issues), issues }];
}

/** Parses a body for `object` (one) or its collection (`many`). */
export function parseSifBody(
  body: string | Uint8Array,
  media: SifMediaType,
  object: SifObjectName,
  many: boolean,
  maxBytes?: number,
): SifParseResult {
  if (media === 'json') {
    let doc: unknown;
    try {
      doc = JSON.parse(typeof body === 'string' ? body : Buffer.from(body).toString('utf8'));
    } catch (e) {
      return { kind: 'refused', reason: 'json', detail: `The JSON is not well-formed: ${(e as Error).message}` };
    }
    if (!doc || typeof doc !== 'object' || Array.isArray(doc) || Object.keys(doc).length !== 1)
      return {
        kind: 'refused',
        reason: 'root',
        detail: 'The JSON must be one object with the SIF element as its key.',
      };
    const [root, content] = Object.entries(doc as Record<string, unknown>)[0]!;
    const items = itemsOf(object, many, root, content);
    return typeof items === 'string' ? { kind: 'refused', reason: 'root', detail: items } : { kind: 'ok', items };
  }
  const parsed = parseXmlSafely<Record<string, unknown>>(body, {
    parser: SIF_PARSER_OPTIONS,
    ...(maxBytes ? { maxBytes } : {}),
  });
  if (parsed.kind !== 'ok') return parsed;
  const text = typeof body === 'string' ? body : Buffer.from(body).toString('utf8');
  const root = rootNamespace(text);
  if (!root) return { kind: 'refused', reason: 'malformed', detail: 'The body has no root element.' };
  if (root.ns !== SIF_NS)
    return {
      kind: 'refused',
      reason: 'namespace',
      detail: `The root element must be in the namespace ${SIF_NS}${root.ns ? `, not ${root.ns}` : ''}.`,
    };
  const content = parsed.doc[root.name];
  const items = itemsOf(object, many, root.name, content);
  return typeof items === 'string' ? { kind: 'refused', reason: 'root', detail: items } : { kind: 'ok', items };
}
