/**
 * Streaming parser for the MSIX-style typed-record file. Reads line by line,
 * holds one student's lines at a time, and yields that student's result as
 * soon as the next student record (or the end of the file) arrives.
 */
import {
  decode,
  isParts,
  lines,
  stripBom,
  compact,
  finishRecord,
  isRealIsoDate,
  parseFlag,
  SourceTracker,
  ymdToIso,
  type SourceSpan,
  type AdapterInput,
  type AdapterIssue,
  type FileHeader,
  type FileIssue,
  type ParseContext,
  type RecordResult,
} from '@msix/adapter-sdk';
import {
  ACTION_IN,
  CHILD_FIELDS,
  CHILD_TARGET,
  HEADER_FIELDS,
  RELATIONSHIP_IN,
  fieldCount,
  splitFields,
  type ChildType,
  type FieldDef,
  type RecordType,
} from './layout.js';

export interface TypedConfig {
  /**
   * `warn` (default): a line that is not UTF-8 is read as Latin-1 and its student gets a warning; `reject`: the student
   * is rejected.
   */
  latin1: 'warn' | 'reject';
  /** Default true: a file without a header record is a file-level error (its records are still read). */
  requireHeader: boolean;
}

type Event = RecordResult | { kind: 'header'; header: FileHeader } | { kind: 'file'; issue: FileIssue };

interface ChildLine {
  type: ChildType;
  line: number;
  fields: string[];
}
interface StudentLines {
  line: number;
  lastLine: number;
  fields: string[];
  children: ChildLine[];
  problems: AdapterIssue[];
  warnings: AdapterIssue[];
}

const CHILD_TYPES = new Set<string>(Object.keys(CHILD_FIELDS));
const MAX_STUDENT_RECORD_ID = 40_000;

// Static per-type name tables for issue annotation (built once, not per record).
const NAMES: Record<ChildType, Record<string, string>> = Object.fromEntries(
  (Object.keys(CHILD_FIELDS) as ChildType[]).map((type) => [
    type,
    Object.fromEntries(CHILD_FIELDS[type].filter((f) => f.key).map((f) => [f.key!, `${type}.${f.name}`])),
  ]),
) as Record<ChildType, Record<string, string>>;
const HINTS: Record<ChildType, Record<string, string>> = Object.fromEntries(
  (Object.keys(CHILD_FIELDS) as ChildType[]).map((type) => [
    type,
    Object.fromEntries(CHILD_FIELDS[type].filter((f) => f.key && f.kind === 'date').map((f) => [f.key!, 'YYYYMMDD'])),
  ]),
) as Record<ChildType, Record<string, string>>;
const STU_NAMES = {
  stateCode: 'STU.reportingState',
  stateStudentId: 'STU.stateStudentId',
  stateStudentIdType: 'STU.stateStudentIdType',
  action: 'STU.actionCode',
  msixId: 'STU.msixId',
};

function fileIssue(issue: FileIssue): Event {
  return { kind: 'file', issue };
}

/** Converts one field; pushes an issue for values the layout itself cannot read. */
function convert(
  def: FieldDef,
  raw: string,
  path: string,
  type: string,
  line: number,
  issues: AdapterIssue[],
): unknown {
  const v = raw.trim();
  if (v === '') return undefined;
  const sourceField = `${type}.${def.name}`;
  switch (def.kind) {
    case 'text':
      return v;
    case 'date':
      if (/^\d{8}$/.test(v)) return ymdToIso(v);
      issues.push({
        path,
        value: raw,
        rule: 'format',
        message: `'${raw}' is not a date in the layout's YYYYMMDD form`,
        fix: 'Send dates as YYYYMMDD, e.g. 20230815.',
        severity: 'error',
        line,
        sourceField,
      });
      return undefined;
    case 'flag':
      return parseFlag(v, path, issues, sourceField);
    case 'int':
      if (/^\d+$/.test(v)) return Number(v);
      issues.push({
        path,
        value: raw,
        rule: 'integer',
        message: `'${raw}' is not a whole number`,
        fix: 'Send digits only.',
        severity: 'error',
        line,
        sourceField,
      });
      return undefined;
    case 'decimal':
      if (/^\d+(\.\d+)?$/.test(v)) return Number(v);
      issues.push({
        path,
        value: raw,
        rule: 'decimal',
        message: `'${raw}' is not a number`,
        fix: 'Send a number such as 0.50 or 1.00.',
        severity: 'error',
        line,
        sourceField,
      });
      return undefined;
    case 'monthYear': {
      const m = /^(0[1-9]|1[0-2])(\d{4})$/.exec(v);
      if (m) return `${m[2]}-${m[1]}`;
      issues.push({
        path,
        value: raw,
        rule: 'format',
        message: `'${raw}' is not a month and year`,
        fix: 'Send the administration month and year as MMYYYY, e.g. 042024.',
        severity: 'error',
        line,
        sourceField,
      });
      return undefined;
    }
  }
}

function readChild(
  c: ChildLine,
  path: string,
  issues: AdapterIssue[],
): { obj: Record<string, unknown>; span: SourceSpan } {
  const defs = CHILD_FIELDS[c.type];
  const obj: Record<string, unknown> = {};
  const raw: Record<string, string> = {};
  defs.forEach((def, i) => {
    if (!def.key) return;
    const value = c.fields[3 + i] ?? '';
    const fieldPath = `${path}/${def.key}`;
    let out = convert(def, value, fieldPath, c.type, c.line, issues);
    if (c.type === 'PAR' && def.key === 'relationship' && typeof out === 'string')
      out = RELATIONSHIP_IN[out as keyof typeof RELATIONSHIP_IN] ?? out;
    if (out !== undefined) {
      obj[def.key] = out;
      raw[def.key] = value;
    }
  });
  return { obj, span: { line: c.line, names: NAMES[c.type], raw, hints: HINTS[c.type] } };
}

function parseHeader(fields: string[], line: number, ctx: ParseContext): { header: FileHeader; issues: FileIssue[] } {
  const issues: FileIssue[] = [];
  const bad = (message: string, fix: string) => issues.push({ code: 'header', severity: 'error', message, fix, line });
  const header: FileHeader = {};
  if (fields.length !== fieldCount('HDR'))
    bad(
      `the header has ${fields.length} fields, expected ${fieldCount('HDR')}: HDR|${HEADER_FIELDS.join('|')}`,
      'Write the header as described in the adapter README.',
    );
  const [, state = '', date = '', students = '', records = '', begin = '', end = ''] = fields.map((f) => f.trim());
  if (/^[A-Z]{2}$/.test(state)) header.submittingState = state;
  else
    bad(
      `submitting state '${state}' is not a two-letter state code`,
      'Send the USPS code of the submitting state, e.g. TX.',
    );
  const dm = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{3})$/.exec(date);
  if (
    dm &&
    isRealIsoDate(`${dm[1]}-${dm[2]}-${dm[3]}`) &&
    Number(dm[4]) < 24 &&
    Number(dm[5]) < 60 &&
    Number(dm[6]) < 60
  ) {
    header.submissionDate = `${dm[1]}-${dm[2]}-${dm[3]}T${dm[4]}:${dm[5]}:${dm[6]}.${dm[7]}`;
  } else
    bad(
      `submission date '${date}' is not a real date-time YYYYMMDDhhmmssSSS`,
      'Send the time the file was produced, e.g. 20240115093000000.',
    );
  if (/^\d{1,8}$/.test(students)) header.totalStudents = Number(students);
  else
    bad(
      `total students '${students}' is not a number of at most 8 digits`,
      'Send the number of STU records, zero-padded to 8 digits.',
    );
  if (/^\d{1,9}$/.test(records)) header.totalRecords = Number(records);
  else
    bad(
      `total records '${records}' is not a number of at most 9 digits`,
      'Send the number of records after the header, zero-padded to 9 digits.',
    );
  const b = ymdToIso(begin),
    e = ymdToIso(end);
  if (isRealIsoDate(b)) header.beginEffectiveDate = b;
  else bad(`beginning effective date '${begin}' is not a real date YYYYMMDD`, 'Send a real calendar date as YYYYMMDD.');
  if (isRealIsoDate(e)) header.endEffectiveDate = e;
  else bad(`ending effective date '${end}' is not a real date YYYYMMDD`, 'Send a real calendar date as YYYYMMDD.');
  if (header.beginEffectiveDate && header.endEffectiveDate && header.endEffectiveDate <= header.beginEffectiveDate) {
    bad(
      `the ending effective date ${end} is not later than the beginning date ${begin}`,
      'The ending effective date must be later than the beginning date.',
    );
  }
  if (header.totalStudents !== undefined && header.totalStudents > 40_000) {
    issues.push({
      code: 'tooManyStudents',
      severity: 'error',
      message:
        `the header declares ${header.totalStudents.toLocaleString('en-US')} students; a file holds at ` +
        `most 40,000`,
      fix: 'Split the submission into files of at most 40,000 students.',
      line,
    });
  }
  if (ctx.stateCode && header.submittingState && header.submittingState !== ctx.stateCode.toUpperCase()) {
    issues.push({
      code: 'stateMismatch',
      severity: 'error',
      message:
        `the file is from ${header.submittingState} but was submitted for ${ctx.stateCode.toUpperCase()}; ` +
        `its records were not applied`,
      fix: 'Submit the file under its own state, or fix the header.',
      line,
    });
  }
  return { header, issues };
}

function buildStudent(
  s: StudentLines,
  recordNumber: number,
  stateCode: string | undefined,
  submittedFor: string | undefined,
): RecordResult {
  const issues: AdapterIssue[] = [...s.problems];
  const tracker = new SourceTracker();
  const [, srid = '', reporting = '', ssid = '', idType = '', actionCode = '', msixId = ''] = s.fields.map((f) =>
    f.trim(),
  );
  const source = { recordNumber, line: s.line, lastLine: s.lastLine, ...(ssid ? { studentKey: ssid } : {}) };
  if (!/^\d{7}$/.test(srid) || Number(srid) < 1 || Number(srid) > MAX_STUDENT_RECORD_ID) {
    issues.push({
      path: '',
      value: srid,
      rule: 'studentRecordId',
      message: `student record id '${srid}' is not 0000001-0040000`,
      fix: 'Number students 0000001, 0000002, … within the file.',
      severity: 'error',
      line: s.line,
      sourceField: 'STU.studentRecordId',
    });
  }
  const action = ACTION_IN[actionCode as keyof typeof ACTION_IN];
  if (!action)
    issues.push({
      path: '/action',
      value: actionCode,
      rule: 'code',
      message: `'${actionCode}' is not an action code`,
      fix: 'Use I (insert), U (update) or D (delete).',
      severity: 'error',
      line: s.line,
      sourceField: 'STU.actionCode',
    });
  const state = stateCode ?? (reporting || undefined) ?? submittedFor;
  if (stateCode && reporting && reporting !== stateCode) {
    issues.push({
      path: '/stateCode',
      value: reporting,
      rule: 'stateMismatch',
      message: `reporting state ${reporting} differs from the header's submitting state ${stateCode}`,
      fix: "A file holds one state's records; make them agree.",
      severity: 'error',
      line: s.line,
      sourceField: 'STU.reportingState',
    });
  }
  if (submittedFor && state && state !== submittedFor) {
    issues.push({
      path: '/stateCode',
      value: state,
      rule: 'stateMismatch',
      message: `the record is ${state}'s but the file was submitted for ${submittedFor}`,
      fix: 'A state submits only its own records.',
      severity: 'error',
      line: s.line,
      sourceField: 'STU.reportingState',
    });
  }
  const draft: Record<string, unknown> = compact({
    stateCode: state,
    stateStudentId: ssid,
    stateStudentIdType: idType,
    msixId,
    action,
  });
  tracker.set('', {
    line: s.line,
    names: STU_NAMES,
    raw: { stateStudentId: ssid, stateCode: reporting, action: actionCode, msixId, stateStudentIdType: idType },
  });

  const seenIds = new Map<string, number>();
  let demographics = 0;
  for (const c of s.children) {
    const [, childSrid = '', rid = ''] = c.fields;
    if (childSrid.trim() !== srid) {
      issues.push({
        path: '',
        value: childSrid,
        rule: 'studentRecordId',
        message:
          `${c.type} record at line ${c.line} names student record ${childSrid}, but it follows student ` +
          `record ${srid}`,
        fix: 'Put each child record right after its own STU record, with the same student record id.',
        severity: 'error',
        line: c.line,
        sourceField: `${c.type}.studentRecordId`,
      });
      continue;
    }
    const idKey = `${c.type}|${rid}`;
    if (!/^\d{3}$/.test(rid) || rid === '000') {
      issues.push({
        path: '',
        value: rid,
        rule: 'recordId',
        message: `${c.type} record id '${rid}' is not 001-999`,
        fix: 'Number each kind of child record 001, 002, … per student.',
        severity: 'error',
        line: c.line,
        sourceField: `${c.type}.recordId`,
      });
      continue;
    }
    if (seenIds.has(idKey)) {
      issues.push({
        path: '',
        value: rid,
        rule: 'recordId',
        message:
          `${c.type} record id ${rid} is used twice for this ` + `student (lines ${seenIds.get(idKey)} and ${c.line})`,
        fix: 'Give each child record of a kind its own id.',
        severity: 'error',
        line: c.line,
        sourceField: `${c.type}.recordId`,
      });
      continue;
    }
    seenIds.set(idKey, c.line);
    const target = CHILD_TARGET[c.type];
    if (c.type === 'DEM') {
      demographics++;
      if (demographics > 1) {
        issues.push({
          path: '/identity',
          rule: 'cardinality',
          message: `a second DEM record at line ${c.line}; a student has exactly one`,
          fix: 'Send one DEM record per student.',
          severity: 'error',
          line: c.line,
          sourceField: 'DEM',
        });
        continue;
      }
      const { obj, span } = readChild(c, '/identity', issues);
      draft.identity = obj;
      tracker.set('/identity', span);
      continue;
    }
    const list = (draft[target] ??= []) as unknown[];
    const path = `/${target}/${list.length}`;
    const { obj, span } = readChild(c, path, issues);
    list.push(obj);
    tracker.set(path, span);
  }
  if (demographics === 0) {
    issues.push({
      path: '/identity',
      rule: 'required',
      message: 'the student has no DEM (demographics) record',
      fix: 'Send a DEM record with at least first name, last name 1 and birth date.',
      severity: 'error',
      line: s.line,
      sourceField: 'DEM',
    });
  }
  return finishRecord(draft, source, tracker, issues, s.warnings);
}

/** The parser; one instance per adapter configuration. */
export function createParser(config: TypedConfig) {
  return async function* parse(input: AdapterInput, ctx: ParseContext): AsyncGenerator<Event> {
    if (isParts(input)) {
      yield fileIssue({
        code: 'structure',
        severity: 'error',
        message: 'the typed-record format is one file; several parts were given',
        fix: 'Submit one file per submission.',
      });
      return;
    }
    let header: FileHeader | undefined;
    let headerSeen = false;
    let cur: StudentLines | undefined;
    let recordNumber = 0;
    let recordsAfterHeader = 0;
    let latin1Lines = 0;
    let firstLatin1: number | undefined;
    let lastLine = 0;
    let truncatedAt: number | undefined;
    let orphanReported = false;
    const submittedFor = ctx.stateCode?.toUpperCase();

    for await (const raw of lines(input)) {
      lastLine = raw.line;
      const bytes = raw.line === 1 ? stripBom(raw.bytes) : raw.bytes;
      if (bytes.length === 0 || (bytes.length < 3 && bytes.toString('latin1').trim() === '')) continue;
      const dec = decode(bytes);
      const fields = splitFields(dec.text);
      const type = (fields[0] ?? '').trim() as RecordType;
      const known = type === 'HDR' || type === 'STU' || CHILD_TYPES.has(type);
      const expected = known ? fieldCount(type) : 0;
      const shortLast = !raw.terminated && known && fields.length < expected;
      if (shortLast) truncatedAt = raw.line;

      if (type === 'HDR') {
        if (headerSeen || recordsAfterHeader > 0) {
          yield fileIssue({
            code: 'header',
            severity: 'error',
            message: `a header record at line ${raw.line}; the header is the first line and appears once`,
            fix: 'Send one header, on the first line.',
            line: raw.line,
          });
          continue;
        }
        headerSeen = true;
        const h = parseHeader(fields, raw.line, ctx);
        header = h.header;
        yield { kind: 'header', header };
        for (const i of h.issues) yield fileIssue(i);
        continue;
      }
      if (!headerSeen && recordsAfterHeader === 0 && config.requireHeader) {
        yield fileIssue({
          code: 'header',
          severity: 'error',
          message: 'the file has no header record (HDR) on its first line; totals cannot be checked',
          fix: `Start the file with HDR|${HEADER_FIELDS.join('|')}.`,
          line: raw.line,
        });
      }
      recordsAfterHeader++;
      const encodingIssue: AdapterIssue | undefined =
        dec.encoding === 'latin1'
          ? {
              path: '',
              rule: 'encoding',
              message:
                `line ${raw.line} is not valid UTF-8; it was read as Latin-1 (Windows-1252): ` +
                `'${dec.text.slice(0, 80)}'`,
              fix: 'Export the file as UTF-8 so accents are read exactly as written.',
              severity: config.latin1 === 'reject' ? 'error' : 'warning',
              line: raw.line,
            }
          : undefined;
      if (encodingIssue) {
        latin1Lines++;
        firstLatin1 ??= raw.line;
      }
      if (type === 'STU') {
        if (cur) yield buildStudent(cur, recordNumber, header?.submittingState, submittedFor);
        recordNumber++;
        cur = { line: raw.line, lastLine: raw.line, fields, children: [], problems: [], warnings: [] };
      } else if (!cur) {
        if (!orphanReported) {
          orphanReported = true;
          yield fileIssue({
            code: 'structure',
            severity: 'error',
            message: `line ${raw.line} (${type || 'blank type'}) comes before any STU record and belongs to no student`,
            fix: 'Each child record follows its STU record.',
            line: raw.line,
          });
        }
        continue;
      } else {
        cur.lastLine = raw.line;
        if (CHILD_TYPES.has(type)) cur.children.push({ type: type as ChildType, line: raw.line, fields });
        else
          cur.problems.push({
            path: '',
            value: type,
            rule: 'recordType',
            message: `line ${raw.line} has unknown record type '${type}'`,
            fix: 'Record types are STU, ALT, DEM, PAR, QMV, ENR, CRS and ASM.',
            severity: 'error',
            line: raw.line,
          });
      }
      if (encodingIssue) (encodingIssue.severity === 'error' ? cur.problems : cur.warnings).push(encodingIssue);
      if (known && fields.length !== expected) {
        cur.problems.push(
          shortLast
            ? {
                path: '',
                rule: 'truncated',
                message:
                  `the file ends in the middle of the ${type} record at line ${raw.line} (${fields.length} ` +
                  `of ${expected} fields)`,
                fix: 'Resend the complete file.',
                severity: 'error',
                line: raw.line,
              }
            : {
                path: '',
                rule: 'fieldCount',
                message: `the ${type} record at line ${raw.line} has ${fields.length} fields, expected ${expected}`,
                fix: 'Check for a missing or extra | (write a literal bar as \\|).',
                severity: 'error',
                line: raw.line,
              },
        );
      }
    }
    if (cur) yield buildStudent(cur, recordNumber, header?.submittingState, submittedFor);

    if (!headerSeen && recordsAfterHeader === 0) {
      yield fileIssue({
        code: 'header',
        severity: 'error',
        message: 'the file is empty',
        fix: 'Send a header and at least one student.',
      });
    }
    if (latin1Lines > 0) {
      yield fileIssue({
        code: 'encoding',
        severity: config.latin1 === 'reject' ? 'error' : 'warning',
        message:
          `${latin1Lines} line(s) are not valid UTF-8 (first at line ${firstLatin1}); they were read as ` +
          `Latin-1 (Windows-1252)${config.latin1 === 'reject' ? ' and their students rejected' : ''}`,
        fix: 'Export the file as UTF-8.',
        ...(firstLatin1 !== undefined ? { line: firstLatin1 } : {}),
      });
    }
    if (truncatedAt !== undefined) {
      yield fileIssue({
        code: 'truncated',
        severity: 'error',
        message: `the file ends in the middle of a record at line ${truncatedAt}`,
        fix: 'Resend the complete file; the records before the cut were read.',
        line: truncatedAt,
      });
    }
    if (header?.totalStudents !== undefined && header.totalStudents !== recordNumber) {
      yield fileIssue({
        code: 'countMismatch',
        severity: 'error',
        message:
          `the header declares ${header.totalStudents} students but the file holds ${recordNumber}` +
          (truncatedAt === undefined && recordNumber < header.totalStudents
            ? '; the file may have been cut short'
            : ''),
        fix: 'Set the header totals from the records actually written, or resend the complete file.',
        expected: header.totalStudents,
        actual: recordNumber,
      });
    }
    if (header?.totalRecords !== undefined && header.totalRecords !== recordsAfterHeader) {
      yield fileIssue({
        code: 'countMismatch',
        severity: 'error',
        message:
          `the header declares ${header.totalRecords} records but the file holds ${recordsAfterHeader} ` +
          `after the header (${lastLine} lines in all)`,
        fix: 'Total records counts every record after the header (STU and child records).',
        expected: header.totalRecords,
        actual: recordsAfterHeader,
      });
    }
  };
}
