/**
 * Writing XML through a builder instead of template strings: names and text are escaped by the builder, so a value
 * can never open an element or break out of an attribute. Two ways in, one module:
 * - documents described as small trees (`xmlElement`, `xmlLeaf`), written by `xmlDocument` on xmlbuilder2; an absent
 *   optional value leaves its element out;
 * - whole Goessner trees (`@` attributes, `#text`), the shape the parsers hand out, written by `xmlTreeText` on
 *   fast-xml-parser's builder: for volume (a 1,000-object SIF createResponse took as long as parsing the request
 *   again through xmlbuilder2's node-per-element model).
 */
import { XMLBuilder as TreeBuilder } from 'fast-xml-parser';
import { create } from 'xmlbuilder2';
import type { XMLBuilder } from 'xmlbuilder2/lib/interfaces.js';

/** An element to write: its name, attributes, and its text or its child elements in order. */
export interface XmlElement {
  name: string;
  attributes?: Readonly<Record<string, string>>;
  text?: string;
  children?: readonly XmlElement[];
}

/** What may stand among an element's children: absent ones (undefined, null, false, '') are left out. */
export type XmlChild = XmlElement | undefined | null | false | '';

/** A value written as element text; booleans as 1 and 0 (the XSD boolean lexical forms). */
export type XmlValue = string | number | boolean;

/** An element holding child elements; absent children are left out. */
export function xmlElement(
  name: string,
  children: readonly XmlChild[],
  attributes?: Record<string, string>,
): XmlElement {
  const kept = children.filter((c): c is XmlElement => !!c);
  return attributes ? { name, attributes, children: kept } : { name, children: kept };
}

/** An element holding text, or nothing when the value is absent. */
export function xmlLeaf(name: string, value: XmlValue | undefined | null): XmlElement | undefined {
  if (value === undefined || value === null) return undefined;
  return { name, text: typeof value === 'boolean' ? (value ? '1' : '0') : String(value) };
}

export interface XmlDocumentOptions {
  /** The default namespace, declared on the root element. */
  namespace?: string;
  /** Indented with tabs, one element a line (default); false: everything on one line. */
  pretty?: boolean;
}

/**
 * xmlbuilder2 leaves an `&` that starts something entity-like (`&amp;`, `&#38;`) as it is, so the value `&amp;`
 * would read back as `&`. Every `&` is written as `&amp;` first; the builder then keeps those and escapes the rest.
 */
export const xmlText = (v: string): string => v.replaceAll('&', '&amp;');

function fill(node: XMLBuilder, e: XmlElement): void {
  for (const [k, v] of Object.entries(e.attributes ?? {})) node.att(k, xmlText(v));
  if (e.text !== undefined && e.text !== '') node.txt(xmlText(e.text));
  for (const c of e.children ?? []) fill(node.ele(c.name), c);
}

/** The document as text: an XML declaration (UTF-8), then the root element and everything under it. */
export function xmlDocument(root: XmlElement, options: XmlDocumentOptions = {}): string {
  const doc = create({ version: '1.0', encoding: 'UTF-8' });
  fill(options.namespace === undefined ? doc.ele(root.name) : doc.ele(options.namespace, root.name), root);
  const pretty = options.pretty ?? true;
  return `${doc.end(pretty ? { prettyPrint: true, indent: '\t', newline: '\n' } : { prettyPrint: false })}\n`;
}

const TREE_WRITER = new TreeBuilder({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  textNodeName: '#text',
  suppressEmptyNode: true,
  suppressBooleanAttributes: false,
  processEntities: true,
});

/**
 * A Goessner tree (one root key; `@name` attributes, `#text` text, a list for repeated children) as XML text on one
 * line, every text and attribute value escaped, after an XML declaration (UTF-8) unless `declaration` is false.
 */
export function xmlTreeText(tree: Record<string, unknown>, declaration = true): string {
  const xml = TREE_WRITER.build(tree) as string;
  return declaration ? `<?xml version="1.0" encoding="UTF-8"?>${xml}` : xml;
}
