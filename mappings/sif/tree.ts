/**
 * SIF objects as trees in Goessner notation (the SIF 3 JSON convention from infrastructure 3.1): attributes are
 * `@Name`, the text of an element that also has attributes is `#text`, an element with only text is a string, and
 * every scalar is a string. Which elements are arrays and in which order children are written come from the schema
 * (specs/sif/objects.ts), never from how many came: a repeatable element is always an array, even with one member.
 * Pure: the raw XML is parsed by core/sif (through the safe XML parser) with `SIF_PARSER_OPTIONS`, then `normalize`d.
 */
import { create } from 'xmlbuilder2';
import { xmlText } from '../../lib/xml.js';
import type { XMLBuilder } from 'xmlbuilder2/lib/interfaces.js';
import { SIF_NS, sifSchema, type SifTypeDef } from '../../specs/sif/objects.js';

/** A Goessner element: a string (text only) or an object of attributes, `#text` and children. */
export type SifValue = string | SifElement;
export interface SifElement {
  [key: string]: SifValue | SifValue[];
}

/** fast-xml-parser options that give Goessner notation (attributes `@`, text `#text`, every value a string). */
export const SIF_PARSER_OPTIONS = {
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  textNodeName: '#text',
  parseTagValue: false,
  parseAttributeValue: false,
  removeNSPrefix: true,
  ignoreDeclaration: true,
  ignorePiTags: true,
  trimValues: true,
} as const;

/** One problem in a tree: where (an XPath-like path) and what. */
export interface TreeIssue {
  path: string;
  message: string;
}

const typeDef = (name: string | null): SifTypeDef | null => (name ? (sifSchema().types[name] ?? null) : null);

/** The type name of a SIF object (StudentPersonal -> StudentPersonalType). */
export function objectType(object: string): string {
  const t = sifSchema().objects[object];
  if (!t) throw new Error(`${object} is not a SIF object the gateway knows`);
  return t;
}

/**
 * Puts a parsed element into schema shape: repeatable children become arrays, single ones stay single, an element
 * without attributes present and only text becomes a string. Elements and attributes the schema does not have are
 * reported (the object then fails its schema) and left out.
 */
export function normalize(value: unknown, type: string | null, path: string, issues: TreeIssue[]): SifValue {
  const def = typeDef(type);
  if (value === null || value === undefined) return '';
  if (typeof value !== 'object' || Array.isArray(value)) return String(value);
  const src = value as Record<string, unknown>;
  const out: SifElement = {};
  if (!def) {
    // A simple-typed element that came with attributes or children.
    const extra = Object.keys(src).filter((k) => k !== '#text');
    if (extra.length) issues.push({ path, message: `${extra[0]} is not allowed here` });
    return typeof src['#text'] === 'string' ? src['#text'] : '';
  }
  // An attribute or text given as an object or a list (JSON bodies can) is reported, not turned into text: String() of
  // an object whose toString is not a function threw, and answered 500 (found by the hostile-input fuzz, issue 18).
  const text = (v: unknown, at: string): string | undefined => {
    if (v === undefined) return undefined;
    if (v !== null && typeof v === 'object') {
      issues.push({ path: at, message: 'must be text, not an object or a list' });
      return undefined;
    }
    return String(v);
  };
  for (const a of def.attrs) {
    const v = text(src[`@${a}`], `${path}/@${a}`);
    if (v !== undefined) out[`@${a}`] = v;
  }
  const t = def.text ? text(src['#text'], `${path}/#text`) : undefined;
  if (t !== undefined) out['#text'] = t;
  for (const [name, childType, repeat] of def.children) {
    const v = src[name];
    if (v === undefined) continue;
    const list = Array.isArray(v) ? v : [v];
    if (!repeat && list.length > 1) issues.push({ path: `${path}/${name}`, message: 'may appear only once' });
    const norm = list.map((x, i) => normalize(x, childType, `${path}/${name}${repeat ? `[${i + 1}]` : ''}`, issues));
    out[name] = repeat ? norm : norm[0]!;
  }
  const known = new Set([...def.attrs.map((a) => `@${a}`), ...def.children.map((c) => c[0]), '#text', '@xmlns']);
  for (const k of Object.keys(src)) {
    if (known.has(k) || k.startsWith('@xmlns:') || k.startsWith('@xsi:') || k === '@nil') continue;
    if (def.any) continue;
    issues.push({
      path: `${path}/${k}`,
      message: `${k.startsWith('@') ? 'attribute' : 'element'} ${k.replace(/^@/, '')} is not part of this SIF type`,
    });
  }
  const keys = Object.keys(out);
  if (keys.length === 1 && keys[0] === '#text') return out['#text'] as string;
  if (keys.length === 0 && typeof src['#text'] === 'string') return src['#text'];
  return out;
}

/** Normalizes an object tree (the element's content, without the root name). */
export function normalizeObject(object: string, value: unknown, issues: TreeIssue[]): SifElement {
  const n = normalize(value, objectType(object), `/${object}`, issues);
  return typeof n === 'string' ? {} : n;
}

function writeElement(parent: XMLBuilder, name: string, value: SifValue, type: string | null): void {
  const el = parent.ele(name);
  if (typeof value === 'string') {
    if (value !== '') el.txt(xmlText(value));
    return;
  }
  const def = typeDef(type);
  if (!def) {
    const t = value['#text'];
    if (typeof t === 'string' && t !== '') el.txt(xmlText(t));
    return;
  }
  for (const a of def.attrs) {
    const v = value[`@${a}`];
    if (typeof v === 'string') el.att(a, xmlText(v));
  }
  const text = value['#text'];
  if (def.text && typeof text === 'string' && text !== '') el.txt(xmlText(text));
  for (const [child, childType, repeat] of def.children) {
    const v = value[child];
    if (v === undefined) continue;
    const list = Array.isArray(v) ? v : [v];
    for (const item of repeat ? list : list.slice(0, 1)) writeElement(el, child, item, childType);
  }
}

/** Writes one object (or `null` root name for a collection of them) as XML in schema order. */
export function writeObjectXml(object: string, tree: SifElement, opts: { declaration?: boolean } = {}): string {
  const doc = create({ version: '1.0', encoding: 'UTF-8' });
  const root = doc.ele(SIF_NS, object);
  fill(root, object, tree);
  return root.end({ headless: opts.declaration === false, prettyPrint: false });
}

function fill(el: XMLBuilder, object: string, tree: SifElement): void {
  const def = typeDef(objectType(object))!;
  for (const a of def.attrs) {
    const v = tree[`@${a}`];
    if (typeof v === 'string') el.att(a, xmlText(v));
  }
  for (const [child, childType, repeat] of def.children) {
    const v = tree[child];
    if (v === undefined) continue;
    const list = Array.isArray(v) ? v : [v];
    for (const item of repeat ? list : list.slice(0, 1)) writeElement(el, child, item, childType);
  }
}

/** Writes a collection (`<StudentPersonals>` with its members) in schema order. */
export function writeCollectionXml(collection: string, object: string, trees: readonly SifElement[]): string {
  const doc = create({ version: '1.0', encoding: 'UTF-8' });
  const root = doc.ele(SIF_NS, collection);
  for (const t of trees) fill(root.ele(object), object, t);
  return root.end({ prettyPrint: false });
}

/** Reads a value at a path of element names (`Name/FirstName`, `@RefId`, `GradeLevel/Code`); first member of arrays. */
export function valueAt(tree: SifElement, path: string): string | undefined {
  let cur: SifValue | SifValue[] | undefined = tree;
  for (const step of path.split('/')) {
    if (Array.isArray(cur)) cur = cur[0];
    if (cur === undefined || typeof cur === 'string') return undefined;
    cur = (cur as SifElement)[step];
  }
  if (Array.isArray(cur)) cur = cur[0];
  if (cur === undefined) return undefined;
  if (typeof cur === 'string') return cur;
  const t = cur['#text'];
  return typeof t === 'string' ? t : undefined;
}

/** Sets a value at a path, creating elements on the way; an element that already has attributes keeps them. */
export function setAt(tree: SifElement, path: string, value: string): void {
  const steps = path.split('/');
  let cur: SifElement = tree;
  for (let i = 0; i < steps.length - 1; i++) {
    const step = steps[i]!;
    let next: SifValue | SifValue[] | undefined = cur[step];
    if (Array.isArray(next)) {
      if (next.length === 0) next.push({});
      if (typeof next[0] === 'string') next[0] = next[0] === '' ? {} : { '#text': next[0] };
      next = next[0];
    } else if (next === undefined || typeof next === 'string') {
      next = next ? { '#text': next } : {};
      cur[step] = next;
    }
    cur = next as SifElement;
  }
  const last = steps[steps.length - 1]!;
  const existing = cur[last];
  if (existing && typeof existing === 'object' && !Array.isArray(existing)) existing['#text'] = value;
  else cur[last] = value;
}

function writeOrdered(el: XMLBuilder, tree: SifElement): void {
  for (const [k, v] of Object.entries(tree))
    if (k.startsWith('@') && typeof v === 'string') el.att(k.slice(1), xmlText(v));
  const text = tree['#text'];
  if (typeof text === 'string' && text !== '') el.txt(xmlText(text));
  for (const [k, v] of Object.entries(tree)) {
    if (k.startsWith('@') || k === '#text') continue;
    for (const item of Array.isArray(v) ? v : [v]) {
      const child = el.ele(k);
      if (typeof item === 'string') {
        if (item !== '') child.txt(xmlText(item));
      } else writeOrdered(child, item);
    }
  }
}

/**
 * Writes a Goessner tree as XML in the order of its keys, without a schema: for infrastructure documents the gateway
 * builds in their XSD order (environment, createResponse, error…) and for the schema-unaware Goessner conversion.
 */
export function writeGoessnerXml(namespace: string | null, root: string, tree: SifValue): string {
  const doc = create({ version: '1.0', encoding: 'UTF-8' });
  const el = namespace ? doc.ele(namespace, root) : doc.ele(root);
  if (typeof tree === 'string') {
    if (tree !== '') el.txt(xmlText(tree));
  } else writeOrdered(el, tree);
  return el.end({ prettyPrint: false });
}
