/**
 * An Ed-Fi submission is several interchange files. They arrive as named parts
 * (a directory), as one tar (optionally gzip-compressed) upload, or as a
 * single interchange file. This turns any of them into a sequence of parts.
 */
import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import {
  chunks,
  isParts,
  isTarHeader,
  readTar,
  type AdapterInput,
  type ByteSource,
  type FileIssue,
} from '@msix/adapter-sdk';

export type PartEvent = { kind: 'part'; name: string; source: ByteSource } | { kind: 'issue'; issue: FileIssue };

/** Reads the first `n` bytes and gives back a stream that still starts at byte 0. */
async function peek(source: ByteSource, n: number): Promise<{ head: Buffer; rest: AsyncGenerator<Buffer> }> {
  const it = chunks(source);
  const seen: Buffer[] = [];
  let len = 0;
  let ended = false;
  while (len < n) {
    const r = await it.next();
    if (r.done) {
      ended = true;
      break;
    }
    seen.push(r.value);
    len += r.value.length;
  }
  const head = Buffer.concat(seen);
  const rest = (async function* () {
    if (head.length) yield head;
    if (!ended) for await (const c of it) yield c;
  })();
  return { head: head.subarray(0, n), rest };
}

export async function* partsOf(input: AdapterInput, fileName = 'submission'): AsyncGenerator<PartEvent> {
  if (isParts(input)) {
    for (const p of input.parts) yield { kind: 'part', name: p.name, source: p.open() };
    return;
  }
  let { head, rest } = await peek(input, 512);
  if (head[0] === 0x1f && head[1] === 0x8b) {
    const gunzip = Readable.from(rest).pipe(createGunzip());
    ({ head, rest } = await peek(gunzip, 512));
  }
  if (isTarHeader(head)) {
    for await (const ev of readTar(rest)) {
      if (ev.kind === 'entry') {
        if (ev.entry.name.toLowerCase().endsWith('.xml'))
          yield { kind: 'part', name: ev.entry.name, source: ev.entry.content };
        else
          yield {
            kind: 'issue',
            issue: {
              code: 'ignored',
              severity: 'info',
              message: `${ev.entry.name} in the bundle is not an .xml file and was skipped`,
            },
          };
      } else if (ev.kind === 'truncated') {
        yield {
          kind: 'issue',
          issue: {
            code: 'truncated',
            severity: 'error',
            message: `the tar bundle ends ${ev.name ? `inside ${ev.name}` : 'in the middle of a header'}`,
            fix: 'Resend the complete bundle.',
            ...(ev.name ? { part: ev.name } : {}),
          },
        };
      } else {
        yield {
          kind: 'issue',
          issue: {
            code: 'structure',
            severity: 'error',
            message: `the bundle is not a readable tar file: ${ev.reason}`,
            fix: 'Send a tar of the interchange files (tar cf bundle.tar *.xml), or the files one by one.',
          },
        };
      }
    }
    return;
  }
  yield { kind: 'part', name: fileName, source: rest };
}
