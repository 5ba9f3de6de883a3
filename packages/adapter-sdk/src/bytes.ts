/**
 * Byte-level helpers shared by text formats: chunking, line splitting and
 * decoding with a Latin-1 fallback. Splitting happens on bytes, before any
 * decoding, because the delimiters (`\n`, `<`, `>`) are ASCII in both UTF-8
 * and Latin-1; so each record can be decoded on its own and a Latin-1 accent
 * in one record becomes a warning on that record, not garbage in the rest.
 */
import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import iconv from 'iconv-lite';
import type { AdapterInput, ByteSource, InputPart } from './types.js';

/** Iterates any byte source as Buffers. */
export async function* chunks(source: ByteSource): AsyncGenerator<Buffer> {
  for await (const c of source as AsyncIterable<Buffer | Uint8Array | string>) {
    if (typeof c === 'string') yield Buffer.from(c, 'utf8');
    else if (Buffer.isBuffer(c)) yield c;
    else yield Buffer.from(c.buffer, c.byteOffset, c.byteLength);
  }
}

export interface RawLine {
  /** 1-based physical line number. */
  line: number;
  /** The line without its terminator (`\n` or `\r\n`). */
  bytes: Buffer;
  /** False for a last line that had no newline: the file may be truncated. */
  terminated: boolean;
}

/**
 * The bytes of an unfinished record (a line, a CSV row) carried across chunks. Each chunk's unfinished tail is
 * copied once into the parts list and the parts are joined once, when the record ends: a record spanning k chunks
 * costs two copies of its bytes. Joining the carried bytes with every new chunk instead (as the line and CSV
 * splitters once did, and the XML splitter before issue 13 finding 10) copies a long record k times: quadratic.
 */
export class CarriedBytes {
  private parts: Buffer[] = [];
  /** Bytes carried so far. */
  length = 0;

  /** Keeps a copy of `bytes` (the source may reuse its chunk buffers, and a short tail should not pin a chunk). */
  add(bytes: Buffer): void {
    if (bytes.length === 0) return;
    this.parts.push(Buffer.from(bytes));
    this.length += bytes.length;
  }

  /** The carried bytes followed by `tail` (no copy when nothing is carried), and empties the carry. */
  take(tail: Buffer = Buffer.alloc(0)): Buffer {
    if (this.length === 0) return tail;
    const joined =
      tail.length === 0 && this.parts.length === 1
        ? this.parts[0]!
        : Buffer.concat([...this.parts, tail], this.length + tail.length);
    this.parts = [];
    this.length = 0;
    return joined;
  }
}

/** Strips one trailing `\r` (the first half of a CRLF). */
export function withoutCr(bytes: Buffer): Buffer {
  return bytes.length && bytes[bytes.length - 1] === 0x0d ? bytes.subarray(0, bytes.length - 1) : bytes;
}

/** Splits a byte stream into lines. Memory: one line plus one chunk; each byte is copied at most twice. */
export async function* lines(source: ByteSource): AsyncGenerator<RawLine> {
  const carry = new CarriedBytes();
  let n = 0;
  for await (const chunk of chunks(source)) {
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(0x0a, start);
      if (nl < 0) break;
      yield { line: ++n, bytes: withoutCr(carry.take(chunk.subarray(start, nl))), terminated: true };
      start = nl + 1;
    }
    carry.add(chunk.subarray(start));
  }
  if (carry.length) yield { line: ++n, bytes: withoutCr(carry.take()), terminated: false };
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

export interface Decoded {
  text: string;
  /** `latin1` when the bytes were not valid UTF-8 and were read as Windows-1252 (a Latin-1 superset). */
  encoding: 'utf8' | 'latin1';
}

/**
 * Decodes one record's bytes: UTF-8 when valid, else Windows-1252 (Latin-1).
 * Pure ASCII is the fast path.
 */
export function decode(bytes: Buffer): Decoded {
  let ascii = true;
  for (let i = 0; i < bytes.length; i++)
    if (bytes[i]! > 0x7f) {
      ascii = false;
      break;
    }
  if (ascii) return { text: bytes.toString('latin1'), encoding: 'utf8' };
  try {
    return { text: utf8.decode(bytes), encoding: 'utf8' };
  } catch {
    return { text: iconv.decode(bytes, 'win1252'), encoding: 'latin1' };
  }
}

/** Strips a UTF-8 byte-order mark from the first line. */
export function stripBom(bytes: Buffer): Buffer {
  return bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? bytes.subarray(3) : bytes;
}

/** Collects a whole source into one Buffer. Only for small inputs (tests, request answers). */
export async function collect(
  source: AsyncIterable<Buffer | Uint8Array | string> | Iterable<Buffer | Uint8Array | string>,
): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of chunks(source as ByteSource)) parts.push(c);
  return Buffer.concat(parts);
}

/** A byte source from an in-memory string or Buffer, cut into small chunks to exercise streaming paths. */
export async function* fromBytes(data: string | Buffer, chunkSize = 64 * 1024): AsyncGenerator<Buffer> {
  const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  for (let i = 0; i < buf.length; i += chunkSize) yield buf.subarray(i, i + chunkSize);
}

/**
 * Opens a path as adapter input: a file becomes a stream, a directory becomes
 * named parts (its files, sorted by name), for multi-file formats.
 */
export async function inputFromPath(path: string): Promise<AdapterInput> {
  const s = await stat(path);
  if (!s.isDirectory()) return createReadStream(path, { highWaterMark: 256 * 1024 });
  const names = (await readdir(path)).filter((n) => !n.startsWith('.') && !n.endsWith('.expect.json')).sort();
  const parts: InputPart[] = [];
  for (const n of names) {
    const full = join(path, n);
    if ((await stat(full)).isFile())
      parts.push({ name: basename(full), open: () => createReadStream(full, { highWaterMark: 256 * 1024 }) });
  }
  return { parts };
}

/** True when the input is a multi-part input rather than one stream. */
export function isParts(input: AdapterInput): input is { parts: readonly InputPart[] } {
  return (
    typeof input === 'object' &&
    input !== null &&
    'parts' in input &&
    Array.isArray((input as { parts: unknown }).parts)
  );
}
