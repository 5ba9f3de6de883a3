/**
 * CSV on bytes: rows are found before decoding (quotes and newlines are
 * ASCII), so each row is decoded on its own and a Latin-1 row is a warning on
 * that row only. RFC 4180 quoting: `"` doubles inside quoted fields, quoted
 * fields may hold newlines. Cells are split and written by csv-parse and
 * csv-stringify (csv-text.ts).
 */
import { csvCells, csvLine } from './csv-text.js';
import { CarriedBytes, chunks, withoutCr } from './bytes.js';
import type { ByteSource } from './types.js';

export interface RawRow {
  /** Physical lines the row spans. */
  line: number;
  lastLine: number;
  bytes: Buffer;
  /** False when the input ended without a newline after this row. */
  terminated: boolean;
  /** True when the input ended inside a quoted field. */
  openQuote: boolean;
}

/**
 * Splits a byte stream into CSV rows (newline outside quotes ends a row). Each byte is scanned once and copied at
 * most twice, however many chunks a row spans.
 */
export async function* csvRows(source: ByteSource): AsyncGenerator<RawRow> {
  const carry = new CarriedBytes();
  let inQuote = false;
  let line = 1;
  let rowStartLine = 1;
  for await (const chunk of chunks(source)) {
    let start = 0;
    for (let i = 0; i < chunk.length; i++) {
      const b = chunk[i]!;
      if (b === 0x22) inQuote = !inQuote;
      else if (b === 0x0a) {
        if (!inQuote) {
          yield {
            line: rowStartLine,
            lastLine: line,
            bytes: withoutCr(carry.take(chunk.subarray(start, i))),
            terminated: true,
            openQuote: false,
          };
          start = i + 1;
          rowStartLine = line + 1;
        }
        line++;
      }
    }
    carry.add(chunk.subarray(start));
  }
  if (carry.length) {
    const bytes = withoutCr(carry.take());
    yield { line: rowStartLine, lastLine: line, bytes, terminated: false, openQuote: inQuote };
  }
}

/** Splits one decoded row into fields (csv-parse; see csv-text.ts). */
export function splitCsv(text: string, delimiter = ','): string[] {
  return csvCells(text, delimiter);
}

/**
 * Writes one CSV row (quoted only where needed), with CRLF as RFC 4180 says, through the system's one CSV
 * writer: a cell that a spreadsheet would run as a formula is written with a leading `'`.
 */
export function csvRow(values: readonly (string | undefined)[], delimiter = ','): string {
  return csvLine(values, { delimiter });
}
