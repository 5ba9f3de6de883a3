/**
 * Structurally near-valid inputs: mutations of a valid sample (a typed-record file, a CSV, an XML document, a JSON
 * body) rather than random bytes, which never get past a parser's first check. Each mutation is plain data drawn by
 * fast-check (positions are taken modulo what the sample holds), so a failing input shrinks to a short list of
 * small mutations that a person can read.
 */
import fc from 'fast-check';

/** Values that break parsers: numbers out of range, dates that do not exist, control and odd Unicode, markup. */
export const HOSTILE_TEXT: readonly string[] = [
  '',
  ' ',
  '-1',
  '0',
  '-0',
  '1.5',
  '1e308',
  '-1e308',
  'NaN',
  'Infinity',
  '99999999999999999999999',
  '9'.repeat(400),
  '00000000',
  '99991231',
  '2024-02-30',
  '02/30/2024',
  '13/45/2024',
  '0000-00-00',
  '20241301',
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'hasOwnProperty',
  '\u0000',
  '\u0007',
  '\u001b[31m',
  '\r',
  '\n',
  '\r\n',
  '\t',
  '\u2028',
  '\u2029',
  '\uFEFF',
  '\uFFFD',
  '\uD800',
  '\uDC00x',
  '😀',
  'e\u0301',
  '\u202Eevil',
  'İ',
  'ß',
  'ﬀ',
  '|',
  '||||',
  ',',
  '"',
  '"a""b',
  '\\',
  '\\|',
  '<',
  '>',
  '&',
  '&amp;',
  '&#0;',
  '&#x10FFFF;',
  '&#xD800;',
  '&unknown;',
  ']]>',
  '<![CDATA[',
  '<!--',
  '<!DOCTYPE x [<!ENTITY a "b">]>',
  '<x xmlns:a="b"/>',
  "' OR 1=1 --",
  '%s%n',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a template placeholder is the hostile value here
  '${x}',
  'A'.repeat(5_000),
];

/** A hostile value: one of the list, or drawn text of any kind (binary, graphemes, numbers). */
/** encodeURIComponent for any text: an unpaired surrogate (which it refuses) is sent as its UTF-8-like bytes. */
export function encodeAny(s: string): string {
  let out = '';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    out += c >= 0xd800 && c <= 0xdfff ? (c < 0xdc00 ? '%ED%A0%80' : '%ED%B0%80') : encodeURIComponent(ch);
  }
  return out;
}

export const hostileText: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...HOSTILE_TEXT) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 24 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 12 }) },
  { weight: 1, arbitrary: fc.oneof(fc.integer(), fc.double(), fc.bigInt()).map(String) },
);

/** A mutation of a text file made of delimited lines (typed records `|`, CSV `,`). */
export type LineMutation =
  | { kind: 'field'; line: number; field: number; value: string }
  | { kind: 'swapFields'; line: number; a: number; b: number }
  | { kind: 'swapLines'; a: number; b: number }
  | { kind: 'dropLine'; line: number }
  | { kind: 'dupLine'; line: number; times: number }
  | { kind: 'dropField'; line: number; field: number }
  | { kind: 'addFields'; line: number; count: number };

/** A mutation of the bytes, whatever the format. */
export type ByteMutation =
  | { kind: 'truncate'; at: number }
  | { kind: 'insert'; at: number; value: string }
  | { kind: 'bytes'; at: number; bytes: Uint8Array }
  | { kind: 'flip'; at: number; mask: number }
  | { kind: 'repeat'; at: number; value: string; times: number };

const pos = fc.nat();

export const byteMutation: fc.Arbitrary<ByteMutation> = fc.oneof(
  fc.record({ kind: fc.constant('truncate' as const), at: pos }),
  fc.record({ kind: fc.constant('insert' as const), at: pos, value: hostileText }),
  fc.record({
    kind: fc.constant('bytes' as const),
    at: pos,
    // Invalid UTF-8 (lone continuation, overlong, 0xFF), NUL, or anything.
    bytes: fc.oneof(
      fc.constantFrom(
        Uint8Array.of(0x80),
        Uint8Array.of(0xc3),
        Uint8Array.of(0xff, 0xfe),
        Uint8Array.of(0xc0, 0xaf),
        Uint8Array.of(0xed, 0xa0, 0x80),
        Uint8Array.of(0),
        Uint8Array.of(0x1f, 0x8b),
      ),
      fc.uint8Array({ maxLength: 16 }),
    ),
  }),
  fc.record({ kind: fc.constant('flip' as const), at: pos, mask: fc.integer({ min: 1, max: 255 }) }),
  // Long runs of one fragment: what turns a quadratic loop or a backtracking pattern into a hang.
  fc.record({
    kind: fc.constant('repeat' as const),
    at: pos,
    value: fc.constantFrom('a', '|', ',', '"', '\n', '\r', '<', '<a>', '</a>', '<!--', '<![CDATA[', '&', '\\', ' '),
    times: fc.integer({ min: 1_000, max: 60_000 }),
  }),
);

export const lineMutation: fc.Arbitrary<LineMutation> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({ kind: fc.constant('field' as const), line: pos, field: pos, value: hostileText }),
  },
  fc.record({ kind: fc.constant('swapFields' as const), line: pos, a: pos, b: pos }),
  fc.record({ kind: fc.constant('swapLines' as const), a: pos, b: pos }),
  fc.record({ kind: fc.constant('dropLine' as const), line: pos }),
  fc.record({ kind: fc.constant('dupLine' as const), line: pos, times: fc.integer({ min: 1, max: 300 }) }),
  fc.record({ kind: fc.constant('dropField' as const), line: pos, field: pos }),
  fc.record({ kind: fc.constant('addFields' as const), line: pos, count: fc.integer({ min: 1, max: 50 }) }),
);

export function applyBytes(input: Buffer, m: ByteMutation): Buffer {
  const at = input.length ? m.at % (input.length + 1) : 0;
  switch (m.kind) {
    case 'truncate':
      return input.subarray(0, at);
    case 'insert':
      return Buffer.concat([input.subarray(0, at), Buffer.from(m.value), input.subarray(at)]);
    case 'bytes':
      return Buffer.concat([input.subarray(0, at), Buffer.from(m.bytes), input.subarray(at)]);
    case 'flip': {
      if (!input.length) return input;
      const out = Buffer.from(input);
      out[at % out.length] = out[at % out.length]! ^ m.mask;
      return out;
    }
    case 'repeat':
      return Buffer.concat([input.subarray(0, at), Buffer.from(m.value.repeat(m.times)), input.subarray(at)]);
  }
}

/** Splits a CSV line at commas outside quotes (good enough to pick a field to mutate). */
function splitLine(line: string, delimiter: string): string[] {
  if (delimiter !== ',') return line.split(delimiter);
  return line.match(/("([^"]|"")*"|[^,]*)(,|$)/g)?.map((f) => f.replace(/,$/, '')) ?? [line];
}

export function applyLine(text: string, m: LineMutation, delimiter: string): string {
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const lines = text.split(eol);
  if (!lines.length) return text;
  const pick = (n: number) => n % lines.length;
  const fields = (i: number) => splitLine(lines[i]!, delimiter);
  switch (m.kind) {
    case 'field': {
      const i = pick(m.line);
      const f = fields(i);
      f[m.field % f.length] = m.value;
      lines[i] = f.join(delimiter);
      break;
    }
    case 'swapFields': {
      const i = pick(m.line);
      const f = fields(i);
      const a = m.a % f.length;
      const b = m.b % f.length;
      [f[a], f[b]] = [f[b]!, f[a]!];
      lines[i] = f.join(delimiter);
      break;
    }
    case 'swapLines': {
      const a = pick(m.a);
      const b = pick(m.b);
      [lines[a], lines[b]] = [lines[b]!, lines[a]!];
      break;
    }
    case 'dropLine':
      lines.splice(pick(m.line), 1);
      break;
    case 'dupLine': {
      const i = pick(m.line);
      lines.splice(i, 0, ...Array<string>(m.times).fill(lines[i]!));
      break;
    }
    case 'dropField': {
      const i = pick(m.line);
      const f = fields(i);
      f.splice(m.field % f.length, 1);
      lines[i] = f.join(delimiter);
      break;
    }
    case 'addFields': {
      const i = pick(m.line);
      lines[i] = lines[i] + delimiter.repeat(m.count);
      break;
    }
  }
  return lines.join(eol);
}

/** A mutated delimited-lines file: line-level mutations, then byte-level ones. */
export function mutatedLines(sample: Buffer, delimiter: string): fc.Arbitrary<Buffer> {
  return fc
    .tuple(fc.array(lineMutation, { minLength: 0, maxLength: 4 }), fc.array(byteMutation, { maxLength: 2 }))
    .filter(([l, b]) => l.length + b.length > 0)
    .map(([ls, bs]) => {
      let text = sample.toString('utf8');
      for (const m of ls) text = applyLine(text, m, delimiter);
      let out: Buffer = Buffer.from(text);
      for (const m of bs) out = applyBytes(out, m);
      return out;
    });
}

/** A mutation of an XML document that keeps its shape: element text, attributes, names, whole elements, nesting. */
export type XmlMutation =
  | { kind: 'text'; n: number; value: string; raw: boolean }
  | { kind: 'attr'; n: number; value: string; raw: boolean }
  | { kind: 'rename'; n: number; name: string }
  | { kind: 'dropElement'; n: number }
  | { kind: 'dupElement'; n: number; times: number }
  | { kind: 'nest'; n: number; depth: number }
  | { kind: 'swapElements'; a: number; b: number };

const xmlName = fc.oneof(
  fc.constantFrom('__proto__', 'constructor', 'prototype', 'a:b:c', 'x', '1x', 'xmlns', 'Student', 'StudentPersonal'),
  fc.stringMatching(/^[A-Za-z_][\w.-]{0,12}$/),
);

export const xmlMutation: fc.Arbitrary<XmlMutation> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({ kind: fc.constant('text' as const), n: pos, value: hostileText, raw: fc.boolean() }),
  },
  fc.record({ kind: fc.constant('attr' as const), n: pos, value: hostileText, raw: fc.boolean() }),
  fc.record({ kind: fc.constant('rename' as const), n: pos, name: xmlName }),
  fc.record({ kind: fc.constant('dropElement' as const), n: pos }),
  fc.record({ kind: fc.constant('dupElement' as const), n: pos, times: fc.integer({ min: 1, max: 500 }) }),
  fc.record({ kind: fc.constant('nest' as const), n: pos, depth: fc.integer({ min: 1, max: 5_000 }) }),
  fc.record({ kind: fc.constant('swapElements' as const), a: pos, b: pos }),
);

const escapeXml = (v: string) =>
  v.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** The n-th match of `re` (global) in `text`, modulo the number of matches. */
function nth(text: string, re: RegExp, n: number): RegExpExecArray | null {
  const all = [...text.matchAll(re)];
  if (!all.length) return null;
  return all[n % all.length] as RegExpExecArray;
}

const splice = (text: string, at: number, length: number, insert: string) =>
  text.slice(0, at) + insert + text.slice(at + length);

export function applyXml(text: string, m: XmlMutation): string {
  switch (m.kind) {
    case 'text': {
      const hit = nth(text, />([^<]*)</g, m.n);
      if (!hit) return text;
      return splice(text, hit.index + 1, hit[1]!.length, m.raw ? m.value : escapeXml(m.value));
    }
    case 'attr': {
      const hit = nth(text, /="([^"]*)"/g, m.n);
      if (!hit) return text;
      return splice(text, hit.index + 2, hit[1]!.length, m.raw ? m.value : escapeXml(m.value));
    }
    case 'rename': {
      const hit = nth(text, /<\/?([A-Za-z_][\w.:-]*)/g, m.n);
      if (!hit) return text;
      const name = hit[1]!;
      // Both tags of the element when it is a simple leaf, so the document may stay well-formed.
      return text.replace(new RegExp(`(</?)${name.replace(/[.]/g, '\\.')}(?=[\\s>/])`, 'g'), `$1${m.name}`);
    }
    case 'dropElement': {
      const hit = nth(text, /<([A-Za-z_][\w.:-]*)[^>]*>[^<]*<\/\1>/g, m.n);
      return hit ? splice(text, hit.index, hit[0].length, '') : text;
    }
    case 'dupElement': {
      const hit = nth(text, /<([A-Za-z_][\w.:-]*)[^>]*>[^<]*<\/\1>/g, m.n);
      return hit ? splice(text, hit.index, 0, hit[0].repeat(m.times)) : text;
    }
    case 'nest': {
      const hit = nth(text, />([^<]*)</g, m.n);
      if (!hit) return text;
      return splice(text, hit.index + 1, 0, '<n>'.repeat(m.depth) + '</n>'.repeat(m.depth));
    }
    case 'swapElements': {
      const re = /<([A-Za-z_][\w.:-]*)[^>]*>[^<]*<\/\1>/g;
      const a = nth(text, re, m.a);
      const b = nth(text, re, m.b);
      if (!a || !b || a.index === b.index) return text;
      const [first, second] = a.index < b.index ? [a, b] : [b, a];
      if (first.index + first[0].length > second.index) return text;
      return (
        text.slice(0, first.index) +
        second[0] +
        text.slice(first.index + first[0].length, second.index) +
        first[0] +
        text.slice(second.index + second[0].length)
      );
    }
  }
}

/** A mutated XML document: element-level mutations, then (sometimes) byte-level ones. */
export function mutatedXml(sample: string): fc.Arbitrary<Buffer> {
  return fc
    .tuple(fc.array(xmlMutation, { minLength: 1, maxLength: 4 }), fc.array(byteMutation, { maxLength: 1 }))
    .map(([xs, bs]) => {
      let text = sample;
      for (const m of xs) text = applyXml(text, m);
      let out: Buffer = Buffer.from(text);
      for (const m of bs) out = applyBytes(out, m);
      return out;
    });
}

/** A JSON value a hostile client sends where another was expected. */
export const hostileJson: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: hostileText },
  fc.constantFrom(
    null,
    true,
    false,
    0,
    -1,
    1.5,
    -0,
    1e308,
    -1e308,
    2 ** 53 + 1,
    Number.MIN_VALUE,
    [],
    {},
    [null],
    JSON.parse('{"__proto__":{"polluted":true}}'),
    JSON.parse('{"constructor":{"prototype":{"polluted":true}}}'),
    { toString: 'x', valueOf: 1, hasOwnProperty: null },
  ),
  fc.jsonValue({ maxDepth: 3 }),
  // Long arrays and deep nesting.
  fc.integer({ min: 100, max: 20_000 }).map((n) => Array<number>(n).fill(1)),
  fc.integer({ min: 10, max: 1_000 }).map((d) => {
    let v: unknown = 1;
    for (let i = 0; i < d; i++) v = i % 2 ? [v] : { a: v };
    return v;
  }),
);

/** A mutation of a JSON document: a node (by number, in document order) replaced, removed, renamed or given a key. */
export type JsonMutation =
  | { kind: 'set'; n: number; value: unknown }
  | { kind: 'delete'; n: number }
  | { kind: 'addKey'; n: number; key: string; value: unknown }
  | { kind: 'renameKey'; n: number; key: string };

const jsonKey = fc.oneof(
  fc.constantFrom('__proto__', 'constructor', 'prototype', 'id', '_etag', 'link', '', ' ', 'toString', '$ref'),
  fc.string({ maxLength: 12 }),
);

export const jsonMutation: fc.Arbitrary<JsonMutation> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('set' as const), n: pos, value: hostileJson }) },
  fc.record({ kind: fc.constant('delete' as const), n: pos }),
  fc.record({ kind: fc.constant('addKey' as const), n: pos, key: jsonKey, value: hostileJson }),
  fc.record({ kind: fc.constant('renameKey' as const), n: pos, key: jsonKey }),
);

type Container = Record<string, unknown> | unknown[];
/** Every (container, key) slot of a JSON tree, in document order. */
function slots(root: unknown): [Container, string | number][] {
  const out: [Container, string | number][] = [];
  // Nodes below depth 64 are not offered: nesting laid on nesting would otherwise outgrow the stack here.
  const walk = (v: unknown, depth: number) => {
    if (depth > 64) return;
    if (Array.isArray(v))
      v.forEach((x, i) => {
        out.push([v, i]);
        walk(x, depth + 1);
      });
    else if (v && typeof v === 'object')
      for (const k of Object.keys(v)) {
        out.push([v as Record<string, unknown>, k]);
        walk((v as Record<string, unknown>)[k], depth + 1);
      }
  };
  walk(root, 0);
  return out;
}

/** Own-property definition: `__proto__` as a key becomes a real key (as JSON.parse makes it), never the prototype. */
function put(obj: Record<string, unknown>, key: string, value: unknown) {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}

export function applyJson(doc: unknown, m: JsonMutation): unknown {
  const all = slots(doc);
  if (!all.length) return m.kind === 'set' ? m.value : doc;
  const [c, k] = all[m.n % all.length]!;
  switch (m.kind) {
    case 'set':
      if (Array.isArray(c)) c[k as number] = m.value;
      else put(c, k as string, m.value);
      break;
    case 'delete':
      if (Array.isArray(c)) c.splice(k as number, 1);
      else delete c[k as string];
      break;
    case 'addKey': {
      const target = Array.isArray(c) ? c[k as number] : c;
      if (target && typeof target === 'object' && !Array.isArray(target))
        put(target as Record<string, unknown>, m.key, m.value);
      else if (!Array.isArray(c)) put(c, m.key, m.value);
      break;
    }
    case 'renameKey':
      if (!Array.isArray(c)) {
        const v = c[k as string];
        delete c[k as string];
        put(c, m.key, v);
      }
      break;
  }
  return doc;
}

/**
 * A mutated JSON body as text: value-level mutations of a fresh copy of `sample`, and sometimes a text-level one
 * (truncation, inserted bytes) on top.
 */
export function mutatedJson(sample: unknown): fc.Arbitrary<string> {
  return fc
    .tuple(
      fc.array(jsonMutation, { minLength: 1, maxLength: 4 }),
      fc.option(
        byteMutation.filter((b) => b.kind !== 'repeat'),
        { freq: 6 },
      ),
    )
    .map(([ms, b]) => {
      let doc = structuredClone(sample);
      for (const m of ms) doc = applyJson(doc, m);
      let text: string;
      try {
        text = JSON.stringify(doc) ?? 'null';
      } catch {
        // Nesting built on nesting past the stack: the deepest document the mutations meant is still hostile.
        text = `${'['.repeat(5_000)}${']'.repeat(5_000)}`;
      }
      return b ? applyBytes(Buffer.from(text), b).toString('utf8') : text;
    });
}
