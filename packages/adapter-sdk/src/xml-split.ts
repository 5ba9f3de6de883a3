/**
 * Streaming XML splitter for "one root, many records" documents (Ed-Fi
 * interchanges, SIF collections). It never holds more than one child element
 * of the root plus one chunk: each child is cut out on bytes and handed over
 * as a string for a DOM-style parser. DOCTYPE and entity declarations are
 * refused outright (no entity expansion, no external entities, ever).
 *
 * Linear in the input, whatever its shape (issue 13 finding 10): bytes are appended to one buffer that grows by
 * doubling and is compacted only when most of it is dead, and a tag, comment, CDATA section or processing
 * instruction cut by a chunk boundary is scanned on from where the last chunk stopped, not from its start. Before,
 * every chunk copied the whole open element again, so one 32 MiB element cost gigabytes of copying. A child element
 * larger than `maxElementBytes` is skipped (its bytes are dropped as they arrive) and reported; a single tag,
 * comment or CDATA section larger than that stops the file.
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

/** Scans for the `>` ending a tag from `from` in quote state `q`: the index, or -1 and the state to resume with. */
function tagEnd(buf: Buffer, from: number, q0 = 0): { end: number; q: number } {
  let q = q0;
  for (let i = from; i < buf.length; i++) {
    const b = buf[i]!;
    if (q) {
      if (b === q) q = 0;
    } else if (b === 0x22 || b === 0x27) q = b;
    else if (b === GT) return { end: i, q: 0 };
  }
  return { end: -1, q };
}

/** Declared encodings read (UTF-8 and ISO-8859-1, and ASCII, a subset of both); any other is refused. */
const ACCEPTED_ENCODINGS: ReadonlySet<string> = new Set([
  'utf-8',
  'utf8',
  'iso-8859-1',
  'iso8859-1',
  'latin1',
  'l1',
  'us-ascii',
  'ascii',
]);

/** The default largest child element of the root, in bytes: a student's interchange element is a few KiB. */
export const MAX_XML_ELEMENT_BYTES = 4 * 1024 * 1024;

export interface SplitXmlOptions {
  /** The largest child element kept (default {@link MAX_XML_ELEMENT_BYTES}); a larger one is skipped, reported. */
  maxElementBytes?: number;
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
export async function* splitXml(
  source: ByteSource,
  part?: string,
  options: SplitXmlOptions = {},
): AsyncGenerator<XmlSplitEvent> {
  const maxElement = options.maxElementBytes ?? MAX_XML_ELEMENT_BYTES;
  // The live bytes are store[0, len); buf is that view. It grows by doubling and is compacted only when the dead
  // prefix is at least half of it, so every byte is copied a bounded number of times.
  let store: Buffer = Buffer.allocUnsafe(64 * 1024);
  let len = 0;
  let buf: Buffer = store.subarray(0, 0);
  // Where an unfinished construct starting at `lt` resumes scanning (and its quote state), after a chunk boundary.
  const st: { resume: { lt: number; from: number; q: number } | null } = { resume: null };
  // A child element dropped for its size: reported when it closes.
  let oversized: { name: string; line: number } | null = null;
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
    const live = len - keep;
    if (live + chunk.length > store.length || (keep > 0 && keep >= len / 2)) {
      const target =
        live + chunk.length > store.length
          ? Buffer.allocUnsafe(Math.max(store.length * 2, live + chunk.length))
          : store;
      store.copy(target, 0, keep, len);
      store = target;
      len = live;
      pos -= keep;
      if (fragStart >= 0) fragStart -= keep;
      if (st.resume) st.resume = { ...st.resume, lt: st.resume.lt - keep, from: st.resume.from - keep };
    }
    chunk.copy(store, len);
    len += chunk.length;
    buf = store.subarray(0, len);
    if (fragStart >= 0 && len - fragStart > maxElement) {
      // Too large to keep: drop its bytes from now on, follow its nesting, report it when it closes.
      oversized = { name: fragName, line: fragLine };
      fragStart = -1;
    }
    if (st.resume && len - st.resume.lt > maxElement) {
      yield {
        kind: 'issue',
        issue: {
          code: 'unsafe',
          severity: 'error',
          message: `a tag, comment or CDATA section at line ${line} is longer than ${maxElement} bytes; stopped`,
          fix: 'Send elements of ordinary size; the elements before it were read.',
          ...at(line),
        },
      };
      return;
    }

    for (;;) {
      const lt = buf.indexOf(LT, pos);
      if (lt < 0) {
        advance(buf.length);
        break;
      }
      advance(lt);
      const next = buf[lt + 1];
      if (next === undefined) break;
      const from = (min: number) => (st.resume?.lt === lt ? Math.max(min, st.resume.from) : min);
      const pending = (min: number, back: number) => {
        st.resume = { lt, from: Math.max(min, buf.length - back), q: 0 };
      };
      if (next === QUESTION) {
        const end = buf.indexOf('?>', from(lt + 2), 'latin1');
        if (end < 0) {
          pending(lt + 2, 1);
          break;
        }
        st.resume = null;
        if (!root) {
          const decl = buf.toString('latin1', lt, end);
          const m = /encoding\s*=\s*["']([^"']+)["']/i.exec(decl);
          if (m) {
            declaredEncoding = m[1]!.toLowerCase();
            // Only encodings whose markup bytes are ASCII: the DOCTYPE check reads bytes, so an encoding such as
            // UTF-7 (where '<' can be '+ADw-') would let a DOCTYPE through it and appear only after decoding.
            if (!ACCEPTED_ENCODINGS.has(declaredEncoding)) {
              yield {
                kind: 'issue',
                issue: {
                  code: 'encoding',
                  severity: 'error',
                  message: `the XML declares encoding '${m[1]}', which is not read here`,
                  fix: 'Save the XML as UTF-8 (ISO-8859-1 is read too).',
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
          const end = buf.indexOf('-->', from(lt + 4), 'latin1');
          if (end < 0) {
            pending(lt + 4, 2);
            break;
          }
          st.resume = null;
          advance(end + 3);
          continue;
        }
        if (buf.toString('latin1', lt, lt + 9) === '<![CDATA[') {
          const end = buf.indexOf(']]>', from(lt + 9), 'latin1');
          if (end < 0) {
            pending(lt + 9, 2);
            break;
          }
          st.resume = null;
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
      const scan = st.resume?.lt === lt ? tagEnd(buf, st.resume.from, st.resume.q) : tagEnd(buf, lt + 1);
      if (scan.end < 0) {
        st.resume = { lt, from: buf.length, q: scan.q };
        break;
      }
      st.resume = null;
      const end = scan.end;
      if (end + 1 - lt > maxElement) {
        yield {
          kind: 'issue',
          issue: {
            code: 'unsafe',
            severity: 'error',
            message: `a tag at line ${line} is longer than ${maxElement} bytes; reading stopped`,
            fix: 'Send elements of ordinary size; the elements before it were read.',
            ...at(line),
          },
        };
        return;
      }
      if (next === SLASH) {
        depth--;
        const closing = localName(tagName(buf, lt + 2, end));
        const expected = depth >= 1 ? open.pop() : root;
        if (expected !== undefined && closing !== expected && !broken)
          broken = `</${closing}> at line ${line} closes <${expected}>`;
        if (depth === 1 && fragStart >= 0 && end + 1 - fragStart > maxElement) {
          oversized = { name: fragName, line: fragLine };
          fragStart = -1;
        }
        if (depth === 1 && oversized) {
          yield {
            kind: 'malformed',
            name: oversized.name,
            line: oversized.line,
            reason: `larger than the limit of ${maxElement} bytes for one element; it was not read`,
          };
          ordinal++;
          oversized = null;
          broken = undefined;
          open.length = 0;
        } else if (depth === 1 && fragStart >= 0) {
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
          fragStart >= 0 || oversized
            ? `the document ends inside <${oversized?.name ?? fragName}> (from line ${oversized?.line ?? fragLine}); ` +
              'that element was not read'
            : `the document ends before </${root}>`,
        fix: 'Resend the complete file; the elements before the cut were read.',
        ...at(oversized ? oversized.line : fragStart >= 0 ? fragLine : line),
      },
    };
  }
}
