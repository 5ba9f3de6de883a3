/**
 * Compiles the SIF NA 4.0 data-model XSD (`data/sif/xsd/na-4.0/SIF_Message.xsd`) into
 * `specs/sif/na4-schema.json`: for every complex type reachable from the objects the gateway serves, its attributes,
 * whether it carries text, and its child elements in schema order with whether each repeats. The SIF parser and
 * writer read only that file, so which elements are arrays and in which order they are written come from the schema.
 *
 *   npx tsx scripts/sif-schema.ts [path/to/SIF_Message.xsd]
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { XMLParser } from 'fast-xml-parser';
import { SIF_SCHEMA_OBJECTS } from '../specs/sif/objects.js';

/** A node of fast-xml-parser's ordered output: `{ tag: children, ':@': attributes }`. */
type Node = Record<string, unknown>;
const tagOf = (n: Node): string => Object.keys(n).find((k) => k !== ':@')!;
const kids = (n: Node): Node[] => (n[tagOf(n)] as Node[]) ?? [];
const attr = (n: Node, a: string): string | undefined => (n[':@'] as Record<string, string> | undefined)?.[a];
const child = (n: Node, tag: string): Node | undefined => kids(n).find((k) => tagOf(k) === tag);

const shared = process.env.MSIX_SHARED_DATA ?? fileURLToPath(new URL('../../shared/data', import.meta.url));
const xsdPath = process.argv[2] ?? `${shared}/sif/xsd/na-4.0/SIF_Message.xsd`;
const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '',
  removeNSPrefix: true,
  preserveOrder: true,
});
const root = (parser.parse(readFileSync(xsdPath, 'utf8')) as Node[]).find((n) => tagOf(n) === 'schema')!;
const top = kids(root);
const complexTypes = new Map<string, Node>(
  top.filter((n) => tagOf(n) === 'complexType').map((n) => [attr(n, 'name')!, n]),
);
const elements = new Map<string, Node>(top.filter((n) => tagOf(n) === 'element').map((n) => [attr(n, 'name')!, n]));
const namespace = attr(root, 'targetNamespace') ?? '';

interface TypeDef {
  attrs: string[];
  text: boolean;
  any?: boolean;
  children: [name: string, type: string | null, repeat: 0 | 1][];
}
const out = new Map<string, TypeDef>();
const repeats = (n: Node) => {
  const m = attr(n, 'maxOccurs');
  return m !== undefined && m !== '1';
};

/** The particles of a model group (elements, choices, nested sequences, any), in schema order. */
function particles(group: Node, repeatAll: boolean, acc: TypeDef, owner: string): void {
  for (const n of kids(group)) {
    const tag = tagOf(n);
    if (tag === 'element') {
      const name = attr(n, 'name') ?? attr(n, 'ref')!;
      acc.children.push([name, typeOf(n, `${owner}/${name}`), repeatAll || repeats(n) ? 1 : 0]);
    } else if (tag === 'choice' || tag === 'sequence') particles(n, repeatAll || repeats(n), acc, owner);
    else if (tag === 'any') acc.any = true;
  }
}

const attrsOf = (n: Node): string[] =>
  kids(n)
    .filter((k) => tagOf(k) === 'attribute')
    .map((k) => attr(k, 'name')!);

function inherit(def: TypeDef, base: string | undefined): void {
  if (!base || !complexTypes.has(base)) return;
  const b = out.get(compile(base, complexTypes.get(base)!))!;
  def.attrs.push(...b.attrs);
  def.children.push(...b.children);
  def.text ||= b.text;
  if (b.any) def.any = true;
}

/** Compiles a complex type node under `name`; returns the name used in the output. */
function compile(name: string, node: Node): string {
  if (out.has(name)) return name;
  const def: TypeDef = { attrs: [], text: false, children: [] };
  out.set(name, def);
  const simple = child(node, 'simpleContent');
  const complex = child(node, 'complexContent');
  const content = simple ?? complex;
  if (content) {
    const ext = child(content, 'extension') ?? child(content, 'restriction')!;
    inherit(def, attr(ext, 'base'));
    if (simple || attr(content, 'mixed') === 'true' || attr(node, 'mixed') === 'true') def.text = true;
    if (!simple) particles(ext, false, def, name);
    def.attrs.push(...attrsOf(ext));
  } else {
    particles(node, false, def, name);
    if (attr(node, 'mixed') === 'true') def.text = true;
    def.attrs.push(...attrsOf(node));
  }
  def.attrs = [...new Set(def.attrs)];
  return name;
}

/** The output type of an element: a named or anonymous complex type, or null for text without attributes. */
function typeOf(e: Node, anonName: string): string | null {
  const anon = child(e, 'complexType');
  if (anon) return compile(anonName, anon);
  const t = attr(e, 'type');
  if (t && complexTypes.has(t)) return compile(t, complexTypes.get(t)!);
  return null;
}

const objects: Record<string, string> = {};
for (const name of SIF_SCHEMA_OBJECTS) {
  const e = elements.get(name);
  if (!e) throw new Error(`${name} is not a global element of ${xsdPath}`);
  objects[name] = typeOf(e, name)!;
}
const types = Object.fromEntries([...out.entries()].sort(([a], [b]) => a.localeCompare(b)));
const target = fileURLToPath(new URL('../specs/sif/na4-schema.json', import.meta.url));
writeFileSync(
  target,
  `${JSON.stringify(
    {
      $comment:
        'Generated by scripts/sif-schema.ts from the SIF Data Model Implementation Specification (NA) 4.0 XSD ' +
        '(A4L, Apache-2.0; see data/sif/LICENSE-SIF3DMGenerator-Java.txt). Do not edit.',
      namespace,
      objects,
      types,
    },
    null,
    1,
  )}\n`,
);
console.log(`${Object.keys(objects).length} objects, ${out.size} types -> ${target}`);
