/**
 * Streaming XML splitter for "one root, many records" documents (Ed-Fi
 * interchanges, SIF collections). It never holds more than one child element
 * of the root plus one chunk: each child is cut out on bytes and handed over
 * as a string for a DOM-style parser. DOCTYPE and entity declarations are
 * refused outright (no entity expansion, no external entities, ever).
 */
import iconv from 'iconv-lite';
import { chunks, decode } from './bytes.js';
import type { ByteSource, FileIssue } from './types.js';

export type XmlSplitEvent =
  | { kind: 'root'; name: string; line: number }
  | { kind: 'malformed'; name: string; line: number; reason: string }
  | { kind: 'element'; name: string; xml: string; line: number; ordinal: number; latin1: boolean }
  | { kind: 'issue'; issue: FileIssue };

const LT = 0x3c,
  GT = 0x3e,
  SLASH = 0x2f,
  BANG = 0x21,
  QUESTION = 0x3f,
  NL = 0x0a;

function localName(tag: string): string {
  const colon = tag.indexOf(':');
  return colon >= 0 ? tag.slice(colon + 1) : tag;
}

/** Finds the `>` that ends a tag starting at `from`, skipping quoted attribute values; -1 if not yet in the buffer. */
const doctypeRefused = (line: number) =>
  `the document contains a DOCTYPE or entity declaration at line ${line}; it was refused and not read`;

function tagEnd(buf: Buffer, from: number): number {
  let q = 0;
  for (let i = from; i < buf.length; i++) {
    const b = buf[i]!;
    if (q) {
      if (b === q) q = 0;
    } else if (b === 0x22 || b === 0x27) q = b;
    else if (b === GT) return i;
  }
  return -1;
}

function tagName(buf: Buffer, from: number, end: number): string {
  let i = from;
  for (; i < end; i++) {
    const b = buf[i]!;
    if (b === 0x20 || b === 0x09 || b === 0x0a || b === 0x0d || b === SLASH || b === GT) break;
  }
  return buf.toString('latin1', from, i);
}

/**
 * Splits `source` into the root's child elements. `part` names the input in issues.
 */
export async function* splitXml(source: ByteSource, part?: string): AsyncGenerator<XmlSplitEvent> {
  let buf: Buffer = Buffer.alloc(0);
  let pos = 0; // scan position in buf
  let line = 1; // line at pos
  let depth = 0;
  let root: string | undefined;
  let rootClosed = false;
  let fragStart = -1; // start of the current child element in buf
  let fragLine = 0;
  let fragName = '';
  const open: string[] = []; // element names open inside the current fragment
  let broken: string | undefined;
  let ordinal = 0;
  let declaredEncoding: string | undefined;
  let sawAnyByte = false;
  const at = (l: number) => ({ line: l, ...(part ? { part } : {}) });

  const advance = (to: number) => {
    for (let i = buf.indexOf(NL, pos); i >= 0 && i < to; i = buf.indexOf(NL, i + 1)) line++;
    pos = to;
  };
  const fragment = (start: number, end: number): { xml: string; latin1: boolean } => {
    const bytes = buf.subarray(start, end);
    if (declaredEncoding && declaredEncoding !== 'utf-8' && declaredEncoding !== 'utf8')
      return { xml: iconv.decode(bytes, declaredEncoding), latin1: false };
    const d = decode(bytes);
    return { xml: d.text, latin1: d.encoding === 'latin1' };
  };

  for await (const chunk of chunks(source)) {
    if (!sawAnyByte && chunk.length) {
      sawAnyByte = true;
      if ((chunk[0] === 0xff && chunk[1] === 0xfe) || (chunk[0] === 0xfe && chunk[1] === 0xff)) {
        yield {
          kind: 'issue',
          issue: {
            code: 'encoding',
            severity: 'error',
            message: 'the file is UTF-16; interchange files are read as UTF-8',
            fix: 'Save the XML as UTF-8.',
            ...at(1),
          },
        };
        return;
      }
    }
    // Keep only what is still needed: the open fragment, or the unscanned tail.
    const keep = fragStart >= 0 ? fragStart : pos;
    buf = keep < buf.length ? Buffer.concat([buf.subarray(keep), chunk]) : chunk;
    pos -= keep;
    if (fragStart >= 0) fragStart -= keep;

    for (;;) {
      const lt = buf.indexOf(LT, pos);
      if (lt < 0) {
        advance(buf.length);
        break;
      }
      advance(lt);
      const next = buf[lt + 1];
      if (next === undefined) break;
      if (next === QUESTION) {
        const end = buf.indexOf('?>', lt + 2, 'latin1');
        if (end < 0) break;
        if (!root) {
          const decl = buf.toString('latin1', lt, end);
          const m = /encoding\s*=\s*["']([^"']+)["']/i.exec(decl);
          if (m) {
            declaredEncoding = m[1]!.toLowerCase();
            if (!iconv.encodingExists(declaredEncoding) || /^utf-?16|^ucs/.test(declaredEncoding)) {
              yield {
                kind: 'issue',
                issue: {
                  code: 'encoding',
                  severity: 'error',
                  message: `the XML declares encoding '${m[1]}', which is not read here`,
                  fix: 'Save the XML as UTF-8.',
                  ...at(line),
                },
              };
              return;
            }
          }
        }
        advance(end + 2);
        continue;
      }
      if (next === BANG) {
        if (buf.length < lt + 9) break;
        if (buf.toString('latin1', lt, lt + 4) === '<!--') {
          const end = buf.indexOf('-->', lt + 4, 'latin1');
          if (end < 0) break;
          advance(end + 3);
          continue;
        }
        if (buf.toString('latin1', lt, lt + 9) === '<![CDATA[') {
          const end = buf.indexOf(']]>', lt + 9, 'latin1');
          if (end < 0) break;
          advance(end + 3);
          continue;
        }
        yield {
          kind: 'issue',
          issue: {
            code: 'unsafe',
            severity: 'error',
            message: doctypeRefused(line),
            fix: 'Send the interchange without a DOCTYPE; entity declarations are never accepted.',
            ...at(line),
          },
        };
        return;
      }
      const end = tagEnd(buf, lt + 1);
      if (end < 0) break;
      if (next === SLASH) {
        depth--;
        const closing = localName(tagName(buf, lt + 2, end));
        const expected = depth >= 1 ? open.pop() : root;
        if (expected !== undefined && closing !== expected && !broken)
          broken = `</${closing}> at line ${line} closes <${expected}>`;
        if (depth === 1 && fragStart >= 0) {
          if (broken) {
            yield { kind: 'malformed', name: fragName, line: fragLine, reason: broken };
            ordinal++;
          } else {
            const { xml, latin1 } = fragment(fragStart, end + 1);
            yield { kind: 'element', name: fragName, xml, line: fragLine, ordinal: ++ordinal, latin1 };
          }
          fragStart = -1;
          broken = undefined;
          open.length = 0;
        } else if (depth === 0) {
          rootClosed = true;
        }
        advance(end + 1);
        if (rootClosed) break;
        continue;
      }
      const selfClosing = buf[end - 1] === SLASH;
      const name = localName(tagName(buf, lt + 1, end));
      if (depth === 0) {
        if (root) {
          yield {
            kind: 'issue',
            issue: {
              code: 'structure',
              severity: 'error',
              message: `a second root element <${name}> at line ${line}`,
              fix: 'One interchange per file.',
              ...at(line),
            },
          };
          return;
        }
        root = name;
        yield { kind: 'root', name, line };
        if (selfClosing) {
          rootClosed = true;
          advance(end + 1);
          break;
        }
        depth = 1;
      } else if (depth === 1) {
        if (selfClosing) {
          const { xml, latin1 } = fragment(lt, end + 1);
          yield { kind: 'element', name, xml, line, ordinal: ++ordinal, latin1 };
        } else {
          fragStart = lt;
          fragLine = line;
          fragName = name;
          open.push(name);
          depth = 2;
        }
      } else if (!selfClosing) {
        depth++;
        open.push(name);
      }
      advance(end + 1);
    }
    if (rootClosed) break;
  }
  if (!root) {
    yield {
      kind: 'issue',
      issue: {
        code: sawAnyByte ? 'structure' : 'header',
        severity: 'error',
        message: sawAnyByte ? 'no XML root element was found' : 'the file is empty',
        fix: 'Send an Ed-Fi interchange document.',
        ...at(line),
      },
    };
  } else if (!rootClosed) {
    yield {
      kind: 'issue',
      issue: {
        code: 'truncated',
        severity: 'error',
        message:
          fragStart >= 0
            ? `the document ends inside <${fragName}> (from line ${fragLine}); that element was not read`
            : `the document ends before </${root}>`,
        fix: 'Resend the complete file; the elements before the cut were read.',
        ...at(fragStart >= 0 ? fragLine : line),
      },
    };
  }
}
