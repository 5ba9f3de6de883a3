/**
 * The batch CLI's CSV format (RFC 4180, UTF-8): a line-fed row parser that
 * reports malformed rows with their line number instead of failing, and
 * the mapping between rows and {@link PersonRecord}. No I/O here.
 */
import type { PersonRecord } from '../../core/matching/types.js';
import { csvLine, csvRecord } from '@msix/adapter-sdk/csv';

/** Input header, exactly. */
export const RECORD_CSV_HEADER = [
  'record_id',
  'state',
  'state_student_id',
  'first_name',
  'middle_name',
  'last_name_1',
  'last_name_2',
  'sex',
  'birth_date',
  'multiple_birth',
  'birth_city',
  'birth_state',
  'birth_country',
  'parent1_first_name',
  'parent1_last_name',
  'parent2_first_name',
  'parent2_last_name',
] as const;

export type CsvRow = { line: number; fields: string[] } | { line: number; error: string };

/**
 * Feed physical lines (without their line break); get complete rows back. A row runs on to the next line while
 * a quote is open (an odd number of quotes so far), as the adapters' CSV reader frames rows; csv-parse splits
 * the row into fields, and bad quoting makes the row an error (the next row starts on the next line).
 */
export class CsvLineParser {
  private lineNo = 0;
  private startLine = 0;
  private text = '';
  /** Inside a quoted field that continues on the next line. */
  private open = false;

  push(line: string): CsvRow | null {
    this.lineNo++;
    if (this.open) this.text += `\n${line}`;
    else {
      this.startLine = this.lineNo;
      if (line.indexOf('"') < 0) return { line: this.lineNo, fields: line.split(',') };
      this.text = line;
    }
    let quotes = 0;
    for (let i = line.indexOf('"'); i >= 0; i = line.indexOf('"', i + 1)) quotes++;
    if (quotes % 2 === 1) this.open = !this.open;
    if (this.open) return null;
    const row = csvRecord(this.text);
    return 'error' in row ? { line: this.startLine, error: row.error } : { line: this.startLine, fields: row.cells };
  }

  /** Call at end of input: reports a quoted field left open. */
  end(): CsvRow | null {
    if (!this.open) return null;
    this.open = false;
    return { line: this.startLine, error: 'unterminated quoted field at end of file' };
  }
}

function value(s: string | undefined): string | null {
  if (s === undefined) return null;
  const t = s.trim();
  return t === '' ? null : t;
}

/** Row fields (in header order) to a record. Unknown codes become null; nothing throws. */
export function rowToPersonRecord(fields: readonly string[]): PersonRecord {
  const sexCode = value(fields[7])?.toUpperCase() ?? null;
  const mb = value(fields[9])?.toUpperCase() ?? null;
  return {
    recordId: value(fields[0]) ?? '',
    state: value(fields[1]),
    stateStudentId: value(fields[2]),
    firstName: value(fields[3]),
    middleName: value(fields[4]),
    lastName1: value(fields[5]),
    lastName2: value(fields[6]),
    sex: sexCode === 'F' || sexCode === 'M' ? sexCode : null,
    birthDate: value(fields[8]),
    multipleBirth: mb === 'Y' || mb === 'YES' ? true : mb === 'N' || mb === 'NO' ? false : null,
    birthCity: value(fields[10]),
    birthState: value(fields[11]),
    birthCountry: value(fields[12]),
    parent1FirstName: value(fields[13]),
    parent1LastName: value(fields[14]),
    parent2FirstName: value(fields[15]),
    parent2LastName: value(fields[16]),
  };
}

/** A record as a CSV line without its line break (RFC 4180 quoting, formulas neutralized), header order. */
export function personRecordToCsvLine(r: PersonRecord): string {
  const mb = r.multipleBirth === null ? '' : r.multipleBirth ? 'Y' : 'N';
  const line = csvLine(
    [
      r.recordId,
      r.state,
      r.stateStudentId,
      r.firstName,
      r.middleName,
      r.lastName1,
      r.lastName2,
      r.sex,
      r.birthDate,
      mb,
      r.birthCity,
      r.birthState,
      r.birthCountry,
      r.parent1FirstName,
      r.parent1LastName,
      r.parent2FirstName,
      r.parent2LastName,
    ],
    { eol: '\n' },
  );
  return line.slice(0, -1);
}
