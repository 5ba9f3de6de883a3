/**
 * SIF objects as trees in Goessner notation (the SIF 3 JSON convention from infrastructure 3.1): attributes are
 * `@Name`, the text of an element that also has attributes is `#text`, an element with only text is a string, and
 * every scalar is a string. Which elements are arrays and in which order children are written come from the schema
 * (specs/sif/objects.ts), never from how many came: a repeatable element is always an array, even with one member.
 * Pure: the raw XML is parsed by core/sif (through the safe XML parser) with `SIF_PARSER_OPTIONS`, then `normalize`d.
 */
import { SIF_NS, sifSchema, type SifTypeDef } from '../../specs/sif/objects.js';
import { xmlTreeText } from '../../lib/xml.js';

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
  // No callback here reads the element path: without this the parser writes it out as a string for every element,
  // text and attribute (a tenth of a SIF multi-create's parse).
  jPath: false,
} as const;

/** One problem in a tree: where (an XPath-like path) and what. */
export interface TreeIssue {
  path: string;
  message: string;
}

const typeDef = (name: string | null): SifTypeDef | null => (name ? (sifSchema().types[name] ?? null) : null);

/**
 * A schema type as the reader and writer walk it, compiled once per type (not per element read): its attribute keys,
 * its children, and the keys it knows.
 */
interface CompiledType {
  def: SifTypeDef;
  attrs: readonly [key: string, step: string][];
  known: ReadonlySet<string>;
}

const compiled = new Map<string, CompiledType | null>();

function compiledType(name: string | null): CompiledType | null {
  if (!name) return null;
  let c = compiled.get(name);
  if (c === undefined) {
    const def = typeDef(name);
    c = def && {
      def,
      attrs: def.attrs.map((a) => [`@${a}`, `/@${a}`] as const),
      known: new Set([...def.attrs.map((a) => `@${a}`), ...def.children.map((ch) => ch[0]), '#text', '@xmlns']),
    };
    compiled.set(name, c);
  }
  return c;
}

/** The type name of a SIF object (StudentPersonal -> StudentPersonalType). */
export function objectType(object: string): string {
  const t = sifSchema().objects[object];
  if (!t) throw new Error(`${object} is not a SIF object the gateway knows`);
  return t;
}

/**
 * An attribute or text as a string. One given as an object or a list (JSON bodies can) is reported, not turned into
 * text: String() of an object whose toString is not a function threw, and answered 500 (found by the hostile-input
 * fuzz, issue 18). A module function, not a closure per element: the reader runs it for every attribute.
 */
function textOf(v: unknown, issues: TreeIssue[], path: string, step: string): string | undefined {
  if (v === undefined) return undefined;
  if (v !== null && typeof v === 'object') {
    issues.push({ path: path + step, message: 'must be text, not an object or a list' });
    return undefined;
  }
  return String(v);
}

/**
 * Puts a parsed element into schema shape: repeatable children become arrays, single ones stay single, an element
 * without attributes present and only text becomes a string. Elements and attributes the schema does not have are
 * reported (the object then fails its schema) and left out.
 */
export function normalize(value: unknown, type: string | null, path: string, issues: TreeIssue[]): SifValue {
  if (value === null || value === undefined) return '';
  if (typeof value !== 'object' || Array.isArray(value)) return String(value);
  const c = compiledType(type);
  const src = value as Record<string, unknown>;
  const out: SifElement = {};
  if (!c) {
    // A simple-typed element that came with attributes or children.
    const extra = Object.keys(src).filter((k) => k !== '#text');
    if (extra.length) issues.push({ path, message: `${extra[0]} is not allowed here` });
    return typeof src['#text'] === 'string' ? src['#text'] : '';
  }
  const def = c.def;
  for (const [key, step] of c.attrs) {
    const v = textOf(src[key], issues, path, step);
    if (v !== undefined) out[key] = v;
  }
  const t = def.text ? textOf(src['#text'], issues, path, '/#text') : undefined;
  if (t !== undefined) out['#text'] = t;
  for (const [name, childType, repeat] of def.children) {
    const v = src[name];
    if (v === undefined) continue;
    if (!Array.isArray(v)) {
      // The usual case: one member. Its path is made only for an element (a text child needs none).
      const n =
        typeof v === 'object' && v !== null
          ? normalize(v, childType, `${path}/${name}${repeat ? '[1]' : ''}`, issues)
          : normalize(v, childType, '', issues);
      out[name] = repeat ? [n] : n;
      continue;
    }
    if (!repeat && v.length > 1) issues.push({ path: `${path}/${name}`, message: 'may appear only once' });
    const norm: SifValue[] = [];
    for (let i = 0; i < v.length; i++) {
      const x: unknown = v[i];
      const at = typeof x === 'object' && x !== null ? `${path}/${name}${repeat ? `[${i + 1}]` : ''}` : '';
      norm.push(normalize(x, childType, at, issues));
    }
    out[name] = repeat ? norm : norm[0]!;
  }
  for (const k of Object.keys(src)) {
    if (c.known.has(k) || def.any || k.startsWith('@xmlns:') || k.startsWith('@xsi:') || k === '@nil') continue;
    issues.push({
      path: `${path}/${k}`,
      message: `${k.startsWith('@') ? 'attribute' : 'element'} ${k.replace(/^@/, '')} is not part of this SIF type`,
    });
  }
  let keys = 0;
  let onlyText = true;
  for (const k in out) {
    keys++;
    if (k !== '#text') onlyText = false;
  }
  if (keys === 1 && onlyText) return out['#text'] as string;
  if (keys === 0 && typeof src['#text'] === 'string') return src['#text'];
  return out;
}

/** Normalizes an object tree (the element's content, without the root name). */
export function normalizeObject(object: string, value: unknown, issues: TreeIssue[]): SifElement {
  const n = normalize(value, objectType(object), `/${object}`, issues);
  return typeof n === 'string' ? {} : n;
}

/** A copy of an element in schema order (attributes, text, children as the type lists them), what the XSD wants. */
function inSchemaOrder(value: SifValue, type: string | null): SifValue {
  if (typeof value === 'string') return value;
  const c = compiledType(type);
  if (!c) {
    const t = value['#text'];
    return typeof t === 'string' ? t : '';
  }
  const out: SifElement = {};
  for (const [key] of c.attrs) {
    const v = value[key];
    if (typeof v === 'string') out[key] = v;
  }
  const text = value['#text'];
  if (c.def.text && typeof text === 'string' && text !== '') out['#text'] = text;
  for (const [child, childType, repeat] of c.def.children) {
    const v = value[child];
    if (v === undefined) continue;
    if (!Array.isArray(v)) out[child] = inSchemaOrder(v, childType);
    else if (repeat) out[child] = v.map((item) => inSchemaOrder(item, childType));
    else if (v.length) out[child] = inSchemaOrder(v[0]!, childType);
  }
  return out;
}

/** An object's element content in schema order (its type's attributes and children). */
const objectInSchemaOrder = (object: string, tree: SifElement): SifElement =>
  inSchemaOrder(tree, objectType(object)) as SifElement;

/** Writes one root element (with its default namespace) holding `content`, after the XML declaration unless not. */
function writeRoot(namespace: string | null, root: string, content: SifValue, declaration = true): string {
  const body: SifValue =
    typeof content === 'string'
      ? namespace
        ? { '@xmlns': namespace, ...(content !== '' ? { '#text': content } : {}) }
        : content
      : namespace
        ? { '@xmlns': namespace, ...content }
        : content;
  return xmlTreeText({ [root]: body }, declaration);
}

/** Writes one object as XML in schema order. */
export function writeObjectXml(object: string, tree: SifElement, opts: { declaration?: boolean } = {}): string {
  return writeRoot(SIF_NS, object, objectInSchemaOrder(object, tree), opts.declaration !== false);
}

/** Writes a collection (`<StudentPersonals>` with its members) in schema order. */
export function writeCollectionXml(collection: string, object: string, trees: readonly SifElement[]): string {
  return writeRoot(SIF_NS, collection, { [object]: trees.map((t) => objectInSchemaOrder(object, t)) });
}

/** A path's element names, split once per path (the mapping reads the same few paths for every object). */
const stepsOf = new Map<string, readonly string[]>();
function pathSteps(path: string): readonly string[] {
  let steps = stepsOf.get(path);
  if (!steps) stepsOf.set(path, (steps = path.split('/')));
  return steps;
}

/** Reads a value at a path of element names (`Name/FirstName`, `@RefId`, `GradeLevel/Code`); first member of arrays. */
export function valueAt(tree: SifElement, path: string): string | undefined {
  let cur: SifValue | SifValue[] | undefined = tree;
  for (const step of pathSteps(path)) {
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

/** A copy of a tree in the order XML wants within each element (attributes, then text, then children in key order). */
function attributesFirst(tree: SifElement): SifElement {
  const out: SifElement = {};
  for (const [k, v] of Object.entries(tree)) if (k.startsWith('@') && typeof v === 'string') out[k] = v;
  const text = tree['#text'];
  if (typeof text === 'string' && text !== '') out['#text'] = text;
  for (const [k, v] of Object.entries(tree)) {
    if (k.startsWith('@') || k === '#text') continue;
    out[k] = Array.isArray(v)
      ? v.map((item) => (typeof item === 'string' ? item : attributesFirst(item)))
      : typeof v === 'string'
        ? v
        : attributesFirst(v);
  }
  return out;
}

/**
 * Writes a Goessner tree as XML in the order of its keys, without a schema: for infrastructure documents the gateway
 * builds in their XSD order (environment, createResponse, error…) and for the schema-unaware Goessner conversion.
 */
export function writeGoessnerXml(namespace: string | null, root: string, tree: SifValue): string {
  return writeRoot(namespace, root, typeof tree === 'string' ? tree : attributesFirst(tree));
}
