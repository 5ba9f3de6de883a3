import { describe, expect, it } from 'vitest';
import { csvCells, csvLine, csvRecord, csvText } from '@msix/adapter-sdk/csv';

describe('the CSV writer and row parser', () => {
  it('quotes only where needed and round-trips through the parser', () => {
    const cells = ['plain', 'a,b', 'q"q', 'line\nbreak', ' lead', 'trail ', ''];
    const line = csvLine(cells);
    expect(line).toBe('plain,"a,b","q""q","line\nbreak"," lead","trail ",\r\n');
    expect(csvCells(line.slice(0, -2))).toEqual(cells);
    expect(csvText([['a'], [null, undefined]], { eol: '\n' })).toBe('a\n,\n');
    expect(csvLine(['x;y', 'z'], { delimiter: ';', quoteAll: true })).toBe('"x;y";"z"\r\n');
  });

  it('writes formula-like cells as text (= + - @ tab carriage return)', () => {
    expect(csvLine(['=HYPERLINK("x")', '@SUM(1)', '-1', '+1', '\tx', '\rx', 'ok', 'a=b'])).toBe(
      `"'=HYPERLINK(""x"")",'@SUM(1),'-1,'+1,"'\tx","'\rx",ok,a=b\r\n`,
    );
  });

  it('keeps a bare carriage return in its cell instead of ending the row there (fuzz find, issue 18)', () => {
    // The row parser took a lone CR for a record break: the cells after it were dropped without a word, and 30,000 CRs
    // in one row took seconds.
    expect(csvCells('a,b\rc,"d"')).toEqual(['a', 'b\rc', 'd']);
    expect(csvRecord('a,b\rc,"d"')).toEqual({ cells: ['a', 'b\rc', 'd'] });
    expect(csvRecord('a,"b"\rc,d')).toEqual({ error: 'unexpected character after closing quote in column 2' });
    expect(csvCells('a,"x\r\ny",c')).toEqual(['a', 'x\r\ny', 'c']);
    const t0 = performance.now();
    expect(csvCells(`a,${'\r'.repeat(30_000)},"q"`)).toHaveLength(3);
    expect(performance.now() - t0).toBeLessThan(2_000);
  });

  it('reads rows leniently, or strictly with the reason', () => {
    expect(csvCells('a,"b, ""c""",')).toEqual(['a', 'b, "c"', '']);
    expect(csvCells('"open,x')).toEqual(['open,x']);
    expect(csvRecord('a,"b\nc",d')).toEqual({ cells: ['a', 'b\nc', 'd'] });
    expect(csvRecord('a,"b"x,c')).toEqual({ error: 'unexpected character after closing quote in column 2' });
    expect(csvRecord('a,b"c')).toEqual({ error: 'quote inside unquoted field in column 2' });
  });
});
