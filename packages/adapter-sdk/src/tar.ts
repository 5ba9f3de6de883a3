/**
 * Tar bundles (ustar, pax and GNU long names) through `tar-stream`: a multi-file submission arrives as one upload
 * stream and an answer goes back as one. Entries stream: an entry's bytes are passed on as they arrive, never
 * collected, and the upload is read only as fast as the entries are consumed (tar-stream's backpressure), so memory
 * stays at a few chunks whatever the bundle's size. What goes wrong is reported as events, never thrown, so the
 * adapter can turn it into a file issue: a cut bundle is `truncated` (with the entry it was cut in), anything else
 * tar-stream refuses is `bad` with its reason. Only a failing byte source throws (an I/O error, not the bundle's).
 */
import { Readable } from 'node:stream';
import tar from 'tar-stream';
import { chunks } from './bytes.js';
import type { ByteSource } from './types.js';

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

/** True when a 512-byte block looks like a ustar header (the sniff that tells a bundle from a single file). */
export function isTarHeader(block: Buffer): boolean {
  return block.length >= 263 && block.toString('latin1', 257, 262) === 'ustar';
}

/** tar-stream's message when the input ends before the bundle does (inside a header or an entry). */
const CUT = 'Unexpected end of data';

/** Iterates the regular files of a tar stream; directories, links and other entry types are skipped. */
export async function* readTar(source: ByteSource): AsyncGenerator<TarEvent> {
  const extract = tar.extract();
  const input = Readable.from(chunks(source));
  let sourceError: unknown;
  input.on('error', (e) => {
    sourceError = e;
    extract.destroy(e);
  });
  input.pipe(extract);
  /** The entry being read, for a `truncated` event. */
  let current: string | undefined;
  try {
    for await (const entry of extract) {
      const { name, size = 0, type } = entry.header;
      // Read through one iterator and never end it early: destroying an entry stream destroys the whole extract.
      const it = entry[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
      if (type === 'file' || type === 'contiguous-file') {
        current = name;
        const content = (async function* () {
          try {
            for (let r = await it.next(); !r.done; r = await it.next()) yield r.value;
          } catch {
            // A cut entry just ends here; the extract fails with the same error and readTar reports it.
          }
        })();
        yield { kind: 'entry', entry: { name, size, content } };
        await content.return(undefined);
      }
      for (let r = await it.next(); !r.done; r = await it.next()); // what the consumer left, or a skipped entry
      current = undefined;
    }
  } catch (e) {
    if (sourceError !== undefined) throw sourceError;
    const reason = e instanceof Error ? e.message : String(e);
    if (reason === CUT) yield current === undefined ? { kind: 'truncated' } : { kind: 'truncated', name: current };
    else yield { kind: 'bad', reason };
  } finally {
    input.destroy();
    extract.destroy();
  }
}

/**
 * Writes named buffers as a tar stream (ustar, mode 0644, mtime 0 so the same entries always give the same bytes).
 */
export async function* writeTar(entries: Iterable<{ name: string; data: Buffer }>): AsyncGenerator<Buffer> {
  const pack = tar.pack();
  for (const e of entries) pack.entry({ name: e.name, size: e.data.length, mode: 0o644, mtime: new Date(0) }, e.data);
  pack.finalize();
  for await (const chunk of pack as AsyncIterable<Buffer>) yield chunk;
}
