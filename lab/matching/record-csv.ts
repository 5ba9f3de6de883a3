/**
 * The batch CLI's CSV format (RFC 4180, UTF-8): a line-fed row parser that
 * reports malformed rows with their line number instead of failing, and
 * the mapping between rows and {@link PersonRecord}. No I/O here.
 */
import type { PersonRecord } from '../../core/matching/types.js';

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
 * Feed physical lines (without their line break); get complete rows back.
 * A quoted field may span lines. Bad quoting makes the row an error and the
 * parser resumes at the next line.
 */
export class CsvLineParser {
  private lineNo = 0;
  private startLine = 0;
  private fields: string[] = [];
  private field = '';
  /** Inside a quoted field that continues on the next line. */
  private open = false;

  push(line: string): CsvRow | null {
    this.lineNo++;
    if (!this.open) {
      this.startLine = this.lineNo;
      this.fields = [];
      this.field = '';
      if (line.indexOf('"') < 0) return { line: this.lineNo, fields: line.split(',') };
    } else {
      this.field += '\n';
    }
    let i = 0;
    let quoted = this.open;
    let afterQuote = false;
    const n = line.length;
    while (i < n) {
      const ch = line[i]!;
      if (quoted) {
        if (ch === '"') {
          if (line[i + 1] === '"') {
            this.field += '"';
            i += 2;
            continue;
          }
          quoted = false;
          afterQuote = true;
          i++;
          continue;
        }
        this.field += ch;
        i++;
        continue;
      }
      if (ch === ',') {
        this.fields.push(this.field);
        this.field = '';
        afterQuote = false;
        i++;
        continue;
      }
      if (afterQuote) return this.fail(`unexpected character after closing quote in column ${this.fields.length + 1}`);
      if (ch === '"') {
        if (this.field !== '') return this.fail(`quote inside unquoted field in column ${this.fields.length + 1}`);
        quoted = true;
        i++;
        continue;
      }
      this.field += ch;
      i++;
    }
    if (quoted) {
      this.open = true;
      return null;
    }
    this.open = false;
    this.fields.push(this.field);
    return { line: this.startLine, fields: this.fields };
  }

  /** Call at end of input: reports a quoted field left open. */
  end(): CsvRow | null {
    if (!this.open) return null;
    this.open = false;
    return { line: this.startLine, error: 'unterminated quoted field at end of file' };
  }

  private fail(error: string): CsvRow {
    this.open = false;
    return { line: this.startLine, error };
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

/** A record as a CSV line (RFC 4180 quoting), header order. */
export function personRecordToCsvLine(r: PersonRecord): string {
  const mb = r.multipleBirth === null ? '' : r.multipleBirth ? 'Y' : 'N';
  return [
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
  ]
    .map(csvField)
    .join(',');
}

/** Quotes a field when needed. */
export function csvField(v: string | null | undefined): string {
  if (v === null || v === undefined) return '';
  return /[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}
