/**
 * The one CSV writer and the row parser, on csv-stringify and csv-parse (RFC 4180: `"` doubles inside quoted
 * fields, quoted fields may hold line breaks).
 *
 * Every CSV this system writes may end up in a spreadsheet (ingest reports, the audit export, a state's batch
 * file opened by a registrar), so a cell starting with `=`, `+`, `-`, `@`, a tab or a carriage return is written
 * with a leading `'`: a spreadsheet shows it as text instead of running it as a formula.
 */
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';

export type CsvCell = string | null | undefined;

export interface CsvWriteOptions {
  /** `,` by default. */
  delimiter?: string;
  /** CRLF by default, as RFC 4180 says. */
  eol?: '\r\n' | '\n';
  /** Quote every cell, not only those that need it. */
  quoteAll?: boolean;
}

/**
 * Quoted besides what csv-stringify quotes on its own (delimiter, quote): any line break, whatever the record
 * delimiter, and leading or trailing white space, which readers that trim cells would otherwise lose.
 */
const ALSO_QUOTED = /[\r\n]|^\s|\s$/;

/** Rows to CSV text, each row ended by `eol`; null and undefined cells are empty. */
export function csvText(rows: readonly (readonly CsvCell[])[], options: CsvWriteOptions = {}): string {
  if (rows.length === 0) return '';
  return stringify(rows as CsvCell[][], {
    delimiter: options.delimiter ?? ',',
    record_delimiter: options.eol ?? '\r\n',
    quoted: options.quoteAll ?? false,
    quoted_match: ALSO_QUOTED,
    escape_formulas: true,
  });
}

/** One row of CSV, ended by `eol`. */
export function csvLine(cells: readonly CsvCell[], options: CsvWriteOptions = {}): string {
  return csvText([cells], options);
}

/** One row read strictly: its cells, or why its quoting is wrong (with the 1-based column). */
export type CsvRecord = { cells: string[] } | { error: string };

/**
 * The cells of one row of text (which may hold line breaks inside quotes), strictly: a quote inside an unquoted
 * cell, text after a closing quote or a quote left open is an error, said in words a file's author can act on.
 */
export function csvRecord(text: string, delimiter = ','): CsvRecord {
  if (!text.includes('"')) return { cells: text.split(delimiter) };
  try {
    const rows: string[][] = parse(text, { delimiter, relax_column_count: true, record_delimiter: '\n', to: 1 });
    return { cells: rows[0] ?? [''] };
  } catch (e) {
    const err = e as { code?: string; column?: number };
    const column = typeof err.column === 'number' ? ` in column ${err.column + 1}` : '';
    const code = err.code ?? '';
    if (code.endsWith('INVALID_OPENING_QUOTE')) return { error: `quote inside unquoted field${column}` };
    if (code.endsWith('INVALID_CLOSING_QUOTE')) return { error: `unexpected character after closing quote${column}` };
    if (code.endsWith('QUOTE_NOT_CLOSED')) return { error: `quoted field left open${column}` };
    return { error: `unreadable CSV row${column}` };
  }
}

/**
 * The cells of one row of text (which may hold line breaks inside quotes). Lenient as the adapters' reports
 * need: a quote inside an unquoted cell is kept as a character, and a quote left open at the end of the input
 * closes there.
 */
export function csvCells(text: string, delimiter = ','): string[] {
  // Most rows have no quote at all; splitting them needs no parser.
  if (!text.includes('"')) return text.split(delimiter);
  // `to: 1`: only the first record is wanted. Where a stray quote made the row splitter read on to the end of the
  // file, csv-parse would otherwise read every later line as a record of its own, and build an error object for
  // each one of the wrong width: 5 s for a 37 kB file of blank lines (found by the 10,000-input fuzz run).
  const options = { delimiter, relax_quotes: true, relax_column_count: true, record_delimiter: '\n', to: 1 };
  let rows: string[][];
  try {
    rows = parse(text, options);
  } catch {
    rows = parse(`${text}"`, options); // the input ended inside a quoted cell
  }
  return rows[0] ?? [''];
}
