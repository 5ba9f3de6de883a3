/**
 * Just enough POSIX tar (ustar, plus pax path records) to take a multi-file
 * submission as one upload stream and to write one back. Entries stream: an
 * entry's bytes are passed on as they arrive, never collected.
 */
import { chunks } from './bytes.js';
import type { ByteSource } from './types.js';

/** Reads exact byte counts from a chunk stream. */
class ByteReader {
  private buf: Buffer = Buffer.alloc(0);
  private readonly it: AsyncIterator<Buffer>;
  private done = false;
  constructor(source: AsyncIterable<Buffer>) {
    this.it = source[Symbol.asyncIterator]();
  }
  private async fill(n: number): Promise<void> {
    while (this.buf.length < n && !this.done) {
      const r = await this.it.next();
      if (r.done) this.done = true;
      else this.buf = this.buf.length ? Buffer.concat([this.buf, r.value]) : r.value;
    }
  }
  /** Exactly n bytes, or fewer at the end of the stream. */
  async read(n: number): Promise<Buffer> {
    await this.fill(n);
    const out = this.buf.subarray(0, n);
    this.buf = this.buf.subarray(out.length);
    return out;
  }
  /** n bytes as a sequence of chunks; yields fewer at the end of the stream. */
  async *stream(n: number): AsyncGenerator<Buffer> {
    let left = n;
    while (left > 0) {
      if (!this.buf.length) await this.fill(1);
      if (!this.buf.length) return;
      const piece = this.buf.subarray(0, Math.min(left, this.buf.length));
      this.buf = this.buf.subarray(piece.length);
      left -= piece.length;
      yield piece;
    }
  }
}

export interface TarEntry {
  name: string;
  size: number;
  /** Must be consumed (or abandoned) before asking for the next entry. */
  content: AsyncGenerator<Buffer>;
}

export type TarEvent =
  | { kind: 'entry'; entry: TarEntry }
  | { kind: 'truncated'; name?: string }
  | { kind: 'bad'; reason: string };

const octal = (b: Buffer, from: number, len: number) =>
  parseInt(
    b
      .toString('latin1', from, from + len)
      .replace(/\0.*$/, '')
      .trim() || '0',
    8,
  );
const str = (b: Buffer, from: number, len: number) => b.toString('utf8', from, from + len).replace(/\0.*$/s, '');

/** True when a 512-byte block looks like a ustar header. */
export function isTarHeader(block: Buffer): boolean {
  return block.length >= 263 && block.toString('latin1', 257, 262) === 'ustar';
}

/** Iterates the regular files of a tar stream. */
export async function* readTar(source: ByteSource): AsyncGenerator<TarEvent> {
  const r = new ByteReader(chunks(source));
  let paxPath: string | undefined;
  for (;;) {
    const h = await r.read(512);
    if (h.length === 0) return;
    if (h.length < 512) {
      yield { kind: 'truncated' };
      return;
    }
    if (h.every((b) => b === 0)) return;
    if (!isTarHeader(h)) {
      yield { kind: 'bad', reason: 'not a ustar header' };
      return;
    }
    const sum = octal(h, 148, 8);
    let check = 0;
    for (let i = 0; i < 512; i++) check += i >= 148 && i < 156 ? 32 : h[i]!;
    if (sum !== check) {
      yield { kind: 'bad', reason: 'tar header checksum mismatch' };
      return;
    }
    const size = octal(h, 124, 12);
    const type = String.fromCharCode(h[156]!);
    const prefix = str(h, 345, 155);
    const name = paxPath ?? (prefix ? `${prefix}/${str(h, 0, 100)}` : str(h, 0, 100));
    const padded = Math.ceil(size / 512) * 512;
    if (type === 'x') {
      const pax = (await r.read(padded)).toString('utf8', 0, size);
      const m = /\d+ path=([^\n]*)\n/.exec(pax);
      paxPath = m?.[1];
      continue;
    }
    paxPath = undefined;
    if (type !== '0' && type !== '\0') {
      await r.read(padded); // directories, links, global pax headers: skipped
      continue;
    }
    let got = 0;
    const content = (async function* () {
      for await (const c of r.stream(size)) {
        got += c.length;
        yield c;
      }
    })();
    yield { kind: 'entry', entry: { name, size, content } };
    await content.return(undefined);
    for await (const c of r.stream(size - got)) got += c.length; // what the consumer left
    if (got < size) {
      yield { kind: 'truncated', name };
      return;
    }
    const pad = padded - size;
    if (pad && (await r.read(pad)).length < pad) {
      yield { kind: 'truncated', name };
      return;
    }
  }
}

function header(name: string, size: number): Buffer {
  const h = Buffer.alloc(512, 0);
  h.write(name.slice(0, 100), 0, 'utf8');
  h.write('0000644\0', 100, 'latin1');
  h.write('0000000\0', 108, 'latin1');
  h.write('0000000\0', 116, 'latin1');
  h.write(`${size.toString(8).padStart(11, '0')}\0`, 124, 'latin1');
  h.write('00000000000\0', 136, 'latin1');
  h.write('        ', 148, 'latin1');
  h.write('0', 156, 'latin1');
  h.write('ustar\0' + '00', 257, 'latin1');
  let sum = 0;
  for (const b of h) sum += b;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
  return h;
}

/** Writes named buffers as a tar stream. */
export function* writeTar(entries: Iterable<{ name: string; data: Buffer }>): Generator<Buffer> {
  for (const e of entries) {
    yield header(e.name, e.data.length);
    yield e.data;
    const pad = (512 - (e.data.length % 512)) % 512;
    if (pad) yield Buffer.alloc(pad, 0);
  }
  yield Buffer.alloc(1024, 0);
}
