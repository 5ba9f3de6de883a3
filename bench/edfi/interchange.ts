/**
 * Any Ed-Fi interchange XML (Data Standard 5.2 bulk files) -> Ed-Fi API JSON documents, guided by the resource
 * schemas of the model rather than written per entity: camelCase names; `…Descriptor`, `…TypeReference` (school
 * years `2021-2022` -> 2022) and collection (plural) names found in the schema; identity blocks flattened into
 * `…Reference` objects (role-named fields such as `programEducationOrganizationId` from nested references);
 * `ref=` IDREFs resolved through the referenced element; values typed from the schema (`0`/`1` booleans).
 */
import { XMLParser } from 'fast-xml-parser';
import { RESOURCES, type ResourceDef } from '../../specs/edfi/catalog.js';

type Json = Record<string, unknown>;
type XNode = Record<string, unknown>;

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  removeNSPrefix: true,
  parseTagValue: false,
  trimValues: true,
  isArray: (_name, _jpath, _leaf, isAttribute) => !isAttribute,
});

/**
 * `StudentUniqueId` -> `studentUniqueId`; a leading acronym goes lower-case whole: `IEPBeginDate` -> `iepBeginDate`.
 */
const lf = (s: string) => s.replace(/^[A-Z]+(?=[A-Z][a-z]|$)|^[A-Z]/, (m) => m.toLowerCase());
const cap = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
const textOf = (v: unknown): string | undefined => {
  const t = typeof v === 'string' ? v : typeof (v as XNode)?.['#text'] === 'string' ? (v as XNode)['#text'] : undefined;
  return typeof t === 'string' && t.trim() !== '' ? t.trim() : undefined;
};
const children = (n: XNode | unknown): [string, unknown][] =>
  n && typeof n === 'object' ? Object.entries(n).filter(([k]) => !k.startsWith('@_') && k !== '#text') : [];

function scalar(raw: string, s: Json): unknown {
  if (s.type === 'integer' || s.type === 'number') return Number(raw.includes('-') ? raw.split('-')[1] : raw);
  if (s.type === 'boolean') return raw === '1' || raw.toLowerCase() === 'true';
  return raw;
}

const byEntity = new Map(RESOURCES.map((d) => [d.entity, d]));

/** Converts documents; `ids` indexes elements by their `id` attribute for `ref=` resolution. */
export class InterchangeConverter {
  private readonly ids = new Map<string, { tag: string; node: XNode }>();
  unknownTags = new Map<string, number>();

  /** The top-level elements of a file that are resources of the model, as (resource, document) pairs. */
  convertFile(xml: string): { def: ResourceDef | null; tag: string; doc: Json | null }[] {
    const root = parser.parse(xml) as Record<string, XNode[]>;
    const top = Object.entries(root).find(([k]) => k.startsWith('Interchange'))?.[1]?.[0];
    if (!top) return [];
    const items: { tag: string; node: XNode }[] = [];
    for (const [tag, values] of children(top))
      for (const node of values as XNode[]) {
        if (typeof node !== 'object') continue;
        const id = node['@_id'];
        if (typeof id === 'string') this.ids.set(id, { tag, node });
        items.push({ tag, node });
      }
    return items.map(({ tag, node }) => {
      const def = byEntity.get(tag) ?? null;
      return { def, tag, doc: def ? this.object(node, def.schema as unknown as Json) : null };
    });
  }

  private miss(tag: string) {
    this.unknownTags.set(tag, (this.unknownTags.get(tag) ?? 0) + 1);
  }

  /** Which schema property an element fills. */
  private match(tag: string, props: Record<string, Json>): string | undefined {
    const n = lf(tag);
    for (const c of [n, `${n}Descriptor`, `${n}TypeReference`, `${n}Reference`]) if (props[c]) return c;
    let best: string | undefined;
    let bestLen = 0;
    for (const [p, s] of Object.entries(props)) {
      if (s.type !== 'array') continue;
      for (const sing of [p.slice(0, -1), p.slice(0, -2), `${p.slice(0, -3)}y`]) {
        const c = cap(sing);
        if (sing.length > 2 && (tag.endsWith(c) || tag.endsWith(`${c}Descriptor`)) && c.length > bestLen) {
          best = p;
          bestLen = c.length;
        }
      }
    }
    return best;
  }

  private object(node: XNode, schema: Json): Json {
    const props = (schema.properties ?? {}) as Record<string, Json>;
    const out: Json = {};
    for (const [tag, values] of children(node)) {
      const name = this.match(tag, props);
      if (!name) {
        // A reference in a collection of references: `<ClassPeriodReference>` -> classPeriods[].classPeriodReference.
        const refKey = lf(tag);
        const holder = tag.endsWith('Reference')
          ? Object.entries(props).find(
              ([, p]) => p.type === 'array' && ((p.items as Json).properties as Json | undefined)?.[refKey],
            )
          : undefined;
        if (holder) {
          const items = holder[1].items as Json;
          const refSchema = (items.properties as Record<string, Json>)[refKey]!;
          const prev = (out[holder[0]] as unknown[] | undefined) ?? [];
          out[holder[0]] = [
            ...prev,
            ...(values as unknown[]).map((v) => ({ [refKey]: this.reference(v as XNode, refSchema) })),
          ];
          continue;
        }
        // A group the XML wraps and JSON does not (`<Name>`, `<BirthData>`, `<AttendanceEvent>`): its fields here.
        const group = (values as unknown[])[0];
        if (group && typeof group === 'object' && children(group).length > 0) {
          const inner = this.object(group as XNode, schema);
          if (Object.keys(inner).length > 0) {
            Object.assign(out, inner);
            continue;
          }
        }
        this.miss(tag);
        continue;
      }
      const s = props[name]!;
      const list = values as unknown[];
      if (s.type === 'array') {
        const items = s.items as Json;
        const prev = (out[name] as unknown[] | undefined) ?? [];
        out[name] = [...prev, ...list.map((v) => this.item(v, items, tag))];
      } else out[name] = this.value(list[0], s, name);
    }
    return out;
  }

  private item(v: unknown, items: Json, tag: string): unknown {
    if (items.type !== 'object') return scalar(textOf(v) ?? '', items);
    const t = textOf(v);
    if (t !== undefined && children(v as XNode).length === 0) {
      // `<GradeLevel>uri…</GradeLevel>` is `{ gradeLevelDescriptor: uri… }`.
      const props = (items.properties ?? {}) as Record<string, Json>;
      const key =
        this.match(tag, props) ??
        ((items.required as string[] | undefined)?.[0] as string | undefined) ??
        Object.keys(props)[0]!;
      return { [key]: scalar(t, props[key] ?? {}) };
    }
    return this.object(v as XNode, items);
  }

  private value(v: unknown, s: Json, name: string): unknown {
    if (name.endsWith('Reference')) return this.reference(v as XNode | string, s);
    if (s.type === 'object') return this.object(v as XNode, s);
    return scalar(textOf(v) ?? '', s);
  }

  /** A reference object from an identity block, or from the element a `ref=` points at. */
  private reference(v: XNode | string, s: Json): Json {
    const props = (s.properties ?? {}) as Record<string, Json>;
    const out: Json = {};
    if (typeof v === 'string') {
      // `<SchoolYear>2021-2022</SchoolYear>` for a schoolYearTypeReference.
      const key = Object.keys(props)[0]!;
      out[key] = scalar(v, props[key]!);
      return out;
    }
    const identity = children(v).find(([k]) => k.endsWith('Identity'))?.[1] as XNode[] | undefined;
    if (identity?.[0]) {
      this.leaves(identity[0], [], (prefixes, tag, raw) => {
        const base = lf(tag);
        const cands = [
          ...prefixes.map((p) => `${p}${cap(base)}`),
          base,
          `${base}Descriptor`,
          ...prefixes.map((p) => `${p}${cap(base)}Descriptor`),
        ];
        const key = cands.find((c) => props[c] && out[c] === undefined);
        if (key) out[key] = scalar(raw, props[key]!);
      });
      return out;
    }
    const ref = v['@_ref'];
    const target = typeof ref === 'string' ? this.ids.get(ref) : undefined;
    const def = target ? byEntity.get(target.tag) : undefined;
    if (target && def) {
      const doc = this.object(target.node, def.schema as unknown as Json);
      for (const f of def.identity) {
        let cur: unknown = doc;
        for (const p of f.path) cur = (cur as Json | undefined)?.[p];
        if (props[f.name]) out[f.name] = cur;
      }
      if (props.educationOrganizationId && def.educationOrganizationIdField)
        out.educationOrganizationId = doc[def.educationOrganizationIdField];
    }
    return out;
  }

  /** Every leaf of an identity block, with the role prefixes of the nested references it sits in. */
  private leaves(n: XNode, prefixes: string[], f: (prefixes: string[], tag: string, raw: string) => void): void {
    for (const [tag, values] of children(n)) {
      for (const v of values as unknown[]) {
        const t = textOf(v);
        if (t !== undefined && (typeof v === 'string' || children(v as XNode).length === 0)) {
          f(prefixes, tag, t);
          continue;
        }
        if (typeof v !== 'object') continue;
        const node = v as XNode;
        const inner = tag.endsWith('Reference') ? lf(tag.slice(0, -'Reference'.length)) : null;
        const next = inner ? [inner, ...prefixes] : prefixes;
        const id = children(node).find(([k]) => k.endsWith('Identity'))?.[1] as XNode[] | undefined;
        this.leaves(id?.[0] ?? node, next, f);
      }
    }
  }
}
