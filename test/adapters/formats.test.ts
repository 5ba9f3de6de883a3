import { describe, expect, it, vi } from 'vitest';
import {
  collect,
  csvRows,
  fromBytes,
  lines,
  readTar,
  splitCsv,
  splitXml,
  writeTar,
  type ParseEvent,
  type XmlSplitEvent,
} from '@msix/adapter-sdk';
import { loadAdapters, DEFAULT_ADAPTERS_DIR } from '../../adapters/registry.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

async function all<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

describe('byte-level splitting', () => {
  it('splits lines across any chunk boundary, CRLF or LF, and flags an unterminated last line', async () => {
    const text = 'a|b\r\nccc\n\ndd';
    for (const size of [1, 2, 3, 100]) {
      const got = await all(lines(fromBytes(text, size)));
      expect(got.map((l) => [l.line, l.bytes.toString(), l.terminated])).toEqual([
        [1, 'a|b', true],
        [2, 'ccc', true],
        [3, '', true],
        [4, 'dd', false],
      ]);
    }
  });

  it('keeps quoted newlines inside one CSV row and reports an open quote at the end', async () => {
    const rows = await all(csvRows(fromBytes('a,"x\ny",c\r\nd,"open', 3)));
    expect(rows.map((r) => [r.line, r.lastLine, r.bytes.toString(), r.terminated, r.openQuote])).toEqual([
      [1, 2, 'a,"x\ny",c', true, false],
      [3, 3, 'd,"open', false, true],
    ]);
    expect(splitCsv('a,"b, ""c""",')).toEqual(['a', 'b, "c"', '']);
  });

  it('copies a long line or CSV row a bounded number of times, however many chunks it spans', async () => {
    // The carry was once joined with every new chunk: a 2 MiB line in 4 KiB chunks copied about 512 MiB.
    const long = Buffer.alloc(2 * 1024 * 1024, 0x61);
    const input = Buffer.concat([Buffer.from('a,"b\nc"\n'), long, Buffer.from('\r\nz')]);
    const copied = async <T>(split: () => AsyncIterable<T>): Promise<[T[], number]> => {
      const concat = vi.spyOn(Buffer, 'concat');
      const from = vi.spyOn(Buffer, 'from');
      try {
        const got = await all(split());
        const bytes = [...concat.mock.results, ...from.mock.results]
          .map((r) => (Buffer.isBuffer(r.value) ? r.value.length : 0))
          .reduce((a, b) => a + b, 0);
        return [got, bytes];
      } finally {
        concat.mockRestore();
        from.mockRestore();
      }
    };
    const [lineList, lineCopies] = await copied(() => lines(fromBytes(input, 4096)));
    expect(lineList.map((l) => l.bytes.length)).toEqual([4, 2, long.length, 1]);
    expect(lineCopies).toBeLessThanOrEqual(2 * input.length);
    const [rows, rowCopies] = await copied(() => csvRows(fromBytes(input, 4096)));
    expect(rows.map((r) => [r.line, r.bytes.length])).toEqual([
      [1, 7],
      [3, long.length],
      [4, 1],
    ]);
    expect(rowCopies).toBeLessThanOrEqual(2 * input.length);
  });

  it('cuts XML into root children, skipping comments and CDATA, with > inside attributes', async () => {
    const xml =
      '<?xml version="1.0"?>\n<!-- c -->\n<ns:Root xmlns:ns="u"><A t="x>y">1<![CDATA[<B>]]></A>\n<!-- ' +
      '<A> --><ns:A/><A><B><C/></B></A></ns:Root>';
    for (const size of [1, 7, 1000]) {
      const evs = await all(splitXml(fromBytes(xml, size)));
      expect(evs.map((e) => (e.kind === 'element' ? [e.name, e.line, e.xml] : e.kind))).toEqual([
        'root',
        ['A', 3, '<A t="x>y">1<![CDATA[<B>]]></A>'],
        ['A', 4, '<ns:A/>'],
        ['A', 4, '<A><B><C/></B></A>'],
      ]);
    }
  });

  it('refuses DOCTYPE and entity declarations before reading any element', async () => {
    const evs = await all(
      splitXml(
        fromBytes('<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r><a>&x;</a></r>'),
      ),
    );
    expect(evs).toEqual([
      expect.objectContaining({ kind: 'issue', issue: expect.objectContaining({ code: 'unsafe' }) }),
    ]);
  });

  it('skips and reports a child element over the size limit, keeping memory bounded, and reads on', async () => {
    // Issue 13 finding 10: one huge element was kept (and re-copied per chunk) whatever its size.
    const big = `<A>${'x'.repeat(200)}<B>${'y'.repeat(200)}</B></A>`;
    const xml = `<r><A>1</A>\n${big}\n<A>${'z'.repeat(300)}</A><A>2</A></r>`;
    for (const size of [1, 7, 64, 100_000]) {
      const evs = await all(splitXml(fromBytes(xml, size), 'f.xml', { maxElementBytes: 100 }));
      expect(
        evs.map((e) => (e.kind === 'element' ? e.xml : e.kind === 'malformed' ? [e.line, e.reason] : e.kind)),
      ).toEqual([
        'root',
        '<A>1</A>',
        [2, expect.stringContaining('larger than the limit of 100 bytes')],
        [3, expect.stringContaining('larger than the limit of 100 bytes')],
        '<A>2</A>',
      ]);
    }
    // A comment or tag that never ends within the limit stops the file instead of growing the buffer.
    const endless = await all(
      splitXml(fromBytes(`<r><A>1</A><!-- ${'c'.repeat(500)}`, 16), 'f.xml', { maxElementBytes: 100 }),
    );
    expect(endless.at(-1)).toMatchObject({ kind: 'issue', issue: { code: 'unsafe' } });
    for (const size of [16, 100_000]) {
      const tag = await all(
        splitXml(fromBytes(`<r><A t="${'z'.repeat(300)}"/></r>`, size), 'f.xml', { maxElementBytes: 100 }),
      );
      expect(tag.at(-1)).toMatchObject({ kind: 'issue', issue: { code: 'unsafe' } });
    }
  });

  it('cuts a large element arriving in many small chunks (no re-copy per chunk)', async () => {
    const body = 'x'.repeat(3 * 1024 * 1024);
    const evs = await all(splitXml(fromBytes(`<r><A t='a>b'><![CDATA[${body}]]></A></r>`, 4096)));
    expect(evs.map((e) => (e.kind === 'element' ? e.xml.length : e.kind))).toEqual(['root', body.length + 27]);
  });

  it('reads only UTF-8 and ISO-8859-1: a DOCTYPE hidden in UTF-7 never gets past the byte-level check', async () => {
    // Issue 13 finding 14: the splitter decoded any declared encoding after checking bytes for '<!'.
    const utf7 =
      '<?xml version="1.0" encoding="UTF-7"?>+ADw-!DOCTYPE r +AFs-+ADw-!ENTITY x SYSTEM "file:///etc/passwd"' +
      '+AD4-+AF0-+AD4-<r><a>+ACY-x;</a></r>';
    for (const enc of ['UTF-7', 'utf-16', 'IBM037', 'shift_jis']) {
      const evs = await all(splitXml(fromBytes(utf7.replace('UTF-7', enc))));
      expect(evs).toEqual([
        expect.objectContaining({ kind: 'issue', issue: expect.objectContaining({ code: 'encoding' }) }),
      ]);
    }
    const latin1 = Buffer.concat([
      Buffer.from('<?xml version="1.0" encoding="ISO-8859-1"?><r><a>'),
      Buffer.from([0xe9]),
      Buffer.from('</a></r>'),
    ]);
    const evs = await all(splitXml(fromBytes(latin1)));
    expect(evs.map((e) => (e.kind === 'element' ? e.xml : e.kind))).toEqual(['root', '<a>é</a>']);
  });

  it('reports truncation and mismatched nesting', async () => {
    const cut: XmlSplitEvent[] = await all(splitXml(fromBytes('<r><a>1</a><a>2')));
    expect(cut.map((e) => e.kind)).toEqual(['root', 'element', 'issue']);
    expect(cut[2]).toMatchObject({ issue: { code: 'truncated' } });
    const bad = await all(splitXml(fromBytes('<r><a><b>1</c></a><a>2</a></r>')));
    expect(bad.map((e) => e.kind)).toEqual(['root', 'malformed', 'element']);
  });

  it('writes and reads tar bundles, and notices a cut one', async () => {
    const tar = await collect(
      writeTar([
        { name: 'a.xml', data: Buffer.from('<a/>') },
        { name: 'b.xml', data: Buffer.alloc(1000, 0x41) },
      ]),
    );
    const entries: [string, number][] = [];
    for await (const ev of readTar(fromBytes(tar, 100)))
      if (ev.kind === 'entry') entries.push([ev.entry.name, (await collect(ev.entry.content)).length]);
    expect(entries).toEqual([
      ['a.xml', 4],
      ['b.xml', 1000],
    ]);
    const cutEvents = await all(readTar(fromBytes(tar.subarray(0, 1700))));
    expect(cutEvents.map((e) => e.kind)).toEqual(['entry', 'entry', 'truncated']);
    expect(cutEvents[2]).toEqual({ kind: 'truncated', name: 'b.xml' });
    // Cut inside the second header: no entry to name.
    expect((await all(readTar(fromBytes(tar.subarray(0, 1200))))).at(-1)).toEqual({ kind: 'truncated' });
    const broken = Buffer.from(tar);
    broken[0] = 0x42; // the first header's checksum no longer holds
    expect(await all(readTar(fromBytes(broken)))).toEqual([
      { kind: 'bad', reason: expect.stringMatching(/invalid tar header/i) },
    ]);
  });

  it('keeps names longer than a ustar header holds, and writes the same bytes for the same entries', async () => {
    const long = `${'interchanges/'.repeat(12)}Student.xml`;
    const bundle = () => collect(writeTar([{ name: long, data: Buffer.from('<s/>') }]));
    const first = await bundle();
    const names: string[] = [];
    for await (const ev of readTar(fromBytes(first, 7))) if (ev.kind === 'entry') names.push(ev.entry.name);
    expect(names).toEqual([long]);
    expect((await bundle()).equals(first)).toBe(true);
  });

  it('streams an entry: its first bytes arrive long before the upload has been read', async () => {
    const size = 8 << 20;
    const bundle = await collect(writeTar([{ name: 'big.xml', data: Buffer.alloc(size, 0x41) }]));
    let pulled = 0;
    async function* upload() {
      for await (const part of fromBytes(bundle)) {
        pulled += part.length;
        yield part;
      }
    }
    let pulledAtFirstByte = -1;
    let read = 0;
    for await (const ev of readTar(upload())) {
      if (ev.kind !== 'entry') throw new Error(`unexpected ${ev.kind}`);
      for await (const c of ev.entry.content) {
        if (pulledAtFirstByte < 0) pulledAtFirstByte = pulled;
        read += c.length;
      }
    }
    expect(read).toBe(size);
    expect(pulledAtFirstByte).toBeGreaterThan(0);
    expect(pulledAtFirstByte).toBeLessThan(1 << 20);
  });
});

describe('msix-typed details', () => {
  const fixture = readFileSync(join(DEFAULT_ADAPTERS_DIR, 'msix-typed', 'fixtures', 'valid', 'tx-daily.msix'));

  it('gives the same results whatever the chunk size', async () => {
    const reg = await loadAdapters({ only: ['msix-typed'] });
    const a = reg.get('msix-typed')!;
    const run = async (size: number) => JSON.stringify(await all(a.parse(fromBytes(fixture, size))));
    const whole = await run(1 << 20);
    expect(await run(1)).toBe(whole);
    expect(await run(13)).toBe(whole);
  });

  it('maps the layout onto the canonical record, escapes included', async () => {
    const reg = await loadAdapters({ only: ['msix-typed'] });
    const evs: ParseEvent[] = await all(reg.get('msix-typed')!.parse(fromBytes(fixture)));
    expect(evs[0]).toMatchObject({
      kind: 'header',
      header: { submittingState: 'TX', submissionDate: '2024-01-15T09:30:00.000', totalStudents: 4, totalRecords: 22 },
    });
    const recs = evs.flatMap((e) => (e.kind === 'ok' ? [e.record] : []));
    expect(recs.map((r) => r.action)).toEqual(['insert', 'update', 'delete', 'insert']);
    expect(recs[0]).toMatchObject({
      alternateIds: [{ id: 'MEP-88231', type: '02' }],
      parents: [{ relationship: 'parent1', phone: '9565550142' }, { relationship: 'parent2' }],
      assessments: [{ administrationDate: '2024-04', interpretation: 'Proficient' }],
    });
    expect(recs[1]!.courses![2]!.courseTitle).toBe('Biology | Lab');
    expect(recs[1]!.courses![1]).toMatchObject({ clockHours: 64, creditsGranted: 0.5, gradeToDate: 'C+' });
  });
});
