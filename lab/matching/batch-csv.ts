/**
 * Reads a record CSV file (the batch CLI's format, see `record-csv.ts`)
 * into standardized records. Shared by the CLI and by the worker threads
 * of a parallel batch, which each read the file themselves: reading and
 * standardizing is the cheap part to repeat (about 30 s per million rows
 * on one core), while shipping a million standardized objects between
 * threads would cost more than that and double the copying. Both sides
 * apply exactly the same acceptance rules, so record number i is the same
 * record in every thread.
 */
import { createReadStream } from 'node:fs';
import { CsvLineParser, RECORD_CSV_HEADER, rowToPersonRecord } from './record-csv.js';
import { standardize } from '../../core/matching/standardize.js';
import type { StandardizedPerson } from '../../core/matching/types.js';

/** The file's first row is not the expected header. */
export class RecordCsvHeaderError extends Error {}

export interface ReadRecordCsvOptions {
  /** A row that was skipped, with its (first) physical line number and why. */
  onMalformed?: (line: number, why: string) => void;
  /** Called every 65,536 accepted records. */
  onProgress?: (records: number) => void;
  /**
   * Drop each record's raw input (default true). Batch runs never show raw
   * values, and without them 1M records take about half the memory.
   */
  slim?: boolean;
}

export interface RecordCsvFile {
  records: StandardizedPerson[];
  /** Rows skipped: wrong column count, bad quoting, empty or duplicate record_id. */
  malformed: number;
}

const SLIM_RAW = rowToPersonRecord([]);

/**
 * Streams `path` and standardizes every acceptable row, in file order.
 * Malformed rows are reported through `onMalformed` and skipped; a wrong
 * header throws {@link RecordCsvHeaderError}.
 */
export async function readStandardizedCsv(path: string, options: ReadRecordCsvOptions = {}): Promise<RecordCsvFile> {
  const records: StandardizedPerson[] = [];
  const seen = new Set<string>();
  const parser = new CsvLineParser();
  const slim = options.slim ?? true;
  let malformed = 0;
  let headerChecked = false;
  const reject = (line: number, why: string) => {
    malformed++;
    options.onMalformed?.(line, why);
  };
  const handle = (row: ReturnType<CsvLineParser['push']>) => {
    if (row === null) return;
    if ('error' in row) return reject(row.line, row.error);
    if (!headerChecked) {
      headerChecked = true;
      const header = row.fields.map((f, i) => (i === 0 ? f.replace(/^\uFEFF/, '') : f).trim());
      if (header.join(',') !== RECORD_CSV_HEADER.join(','))
        throw new RecordCsvHeaderError(`line 1: header must be exactly:\n${RECORD_CSV_HEADER.join(',')}`);
      return;
    }
    if (row.fields.length === 1 && row.fields[0]!.trim() === '') return; // blank line
    if (row.fields.length !== RECORD_CSV_HEADER.length)
      return reject(row.line, `expected ${RECORD_CSV_HEADER.length} columns, found ${row.fields.length}`);
    const record = rowToPersonRecord(row.fields);
    if (record.recordId === '') return reject(row.line, 'empty record_id');
    if (seen.has(record.recordId)) return reject(row.line, `duplicate record_id ${record.recordId}`);
    seen.add(record.recordId);
    const std = standardize(record);
    if (slim) std.raw = SLIM_RAW;
    records.push(std);
    if ((records.length & 0xffff) === 0) options.onProgress?.(records.length);
  };
  // Lines split by hand from large chunks (cheaper than readline at a million rows), with
  // readline's line breaks: \r\n, \n or a lone \r.
  let rest = '';
  const lineBreak = /\r\n|\n|\r/g;
  for await (const chunk of createReadStream(path, { encoding: 'utf8', highWaterMark: 1 << 20 })) {
    // A chunk ending in \r may continue with \n: keep that line for the next chunk.
    const text = rest + (chunk as string);
    const limit = text.endsWith('\r') ? text.length - 1 : text.length;
    let start = 0;
    lineBreak.lastIndex = 0;
    for (let m = lineBreak.exec(text); m !== null && m.index < limit; m = lineBreak.exec(text)) {
      handle(parser.push(text.slice(start, m.index)));
      start = m.index + m[0].length;
    }
    rest = text.slice(start);
  }
  if (rest.endsWith('\r')) rest = rest.slice(0, -1);
  if (rest !== '') handle(parser.push(rest));
  handle(parser.end());
  return { records, malformed };
}

/**
 * Worker-thread loader (see `parallel/`): the records of `path`, quietly. Worker threads import it by name
 * (`csvRecordSource`), which no static analysis sees.
 * @public
 */
export async function loadStandardizedCsv(path: string): Promise<StandardizedPerson[]> {
  return (await readStandardizedCsv(path)).records;
}
