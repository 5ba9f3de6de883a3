/**
 * Streaming parser for the MIS2000-style CSV export: groups a student's
 * contiguous rows, maps the state's own codes through `mappings/` crosswalks,
 * and yields one result per student.
 */
import { mapField, type Crosswalk } from '../../mappings/index.js';
import {
  decode,
  isParts,
  stripBom,
  csvRows,
  splitCsv,
  compact,
  finishRecord,
  parseFlag,
  SourceTracker,
  usDateToIso,
  type AdapterInput,
  type AdapterIssue,
  type FileIssue,
  type ParseContext,
  type RecordResult,
} from '@msix/adapter-sdk';
import { ACTION_IN, COLUMNS, REQUIRED_COLUMNS, type Column } from './columns.js';

export interface CsvConfig {
  /** State of the rows when the submission does not say (`--state`, URL); the export has no state column. */
  stateCode?: string;
  dateFormat: 'MM/DD/YYYY' | 'YYYY-MM-DD';
  delimiter: string;
  latin1: 'warn' | 'reject';
}

type Event = RecordResult | { kind: 'file'; issue: FileIssue };

interface Row {
  line: number;
  lastLine: number;
  values: (string | undefined)[];
  issues: AdapterIssue[];
  warnings: AdapterIssue[];
}

const GROUPS = ['student', 'identity', 'parent1', 'parent2', 'move', 'enrollment'] as const;
type Group = (typeof GROUPS)[number];
const byGroup = Object.fromEntries(
  GROUPS.map((g) => [
    g,
    COLUMNS.map((col, i) => ({ col, i, key: col.target.split('.')[1]! })).filter((x) =>
      x.col.target.startsWith(`${g}.`),
    ),
  ]),
) as Record<Group, { col: Column; i: number; key: string }[]>;
const namesOf = (g: Group) => Object.fromEntries(byGroup[g].map((x) => [x.key, x.col.name]));
const NAMES = Object.fromEntries(GROUPS.map((g) => [g, namesOf(g)])) as Record<Group, Record<string, string>>;
const ROOT_NAMES = { ...NAMES.student, stateCode: 'state (submission)' };

export function createParser(config: CsvConfig, crosswalks: ReadonlyMap<string, Crosswalk>) {
  const toIso = config.dateFormat === 'MM/DD/YYYY' ? usDateToIso : (v: string) => v;
  const dateHint = config.dateFormat;
  const datePattern = config.dateFormat === 'MM/DD/YYYY' ? /^\d{1,2}\/\d{1,2}\/\d{4}$/ : /^\d{4}-\d{2}-\d{2}$/;

  /** Reads one group of columns of one row into a canonical object. */
  function read(
    row: Row,
    g: Group,
    path: string,
    issues: AdapterIssue[],
  ): { obj: Record<string, unknown>; raw: Record<string, string>; any: boolean } {
    const obj: Record<string, unknown> = {};
    const raw: Record<string, string> = {};
    let any = false;
    for (const { col, i, key } of byGroup[g]) {
      const v = (row.values[i] ?? '').trim();
      if (v === '') continue;
      any = true;
      raw[key] = v;
      const fieldPath = `${path}/${key}`;
      const before = issues.length;
      let out: unknown;
      switch (col.kind) {
        case 'text':
          out = v;
          break;
        case 'date':
          if (datePattern.test(v)) out = toIso(v);
          else
            issues.push({
              path: fieldPath,
              value: v,
              rule: 'format',
              message: `'${v}' is not a date in the export's ${dateHint} form`,
              fix: `Send dates as ${dateHint}.`,
              severity: 'error',
            });
          break;
        case 'flag':
          out = parseFlag(v, fieldPath, issues, col.name);
          break;
        case 'crosswalk':
          out = mapField(crosswalks.get(col.crosswalk!)!, v, fieldPath, issues);
          break;
      }
      for (let k = before; k < issues.length; k++) issues[k] = { ...issues[k]!, line: row.line, sourceField: col.name };
      if (out !== undefined) obj[key] = out;
    }
    return { obj, raw, any };
  }

  function build(rows: Row[], recordNumber: number, stateCode: string | undefined): RecordResult {
    const first = rows[0]!;
    const issues: AdapterIssue[] = rows.flatMap((r) => r.issues);
    const warnings: AdapterIssue[] = rows.flatMap((r) => r.warnings);
    const tracker = new SourceTracker();
    const studentKey = (first.values[byGroup.student.find((x) => x.key === 'stateStudentId')!.i] ?? '').trim();
    const source = {
      recordNumber,
      line: first.line,
      lastLine: rows[rows.length - 1]!.lastLine,
      ...(studentKey ? { studentKey } : {}),
    };

    const student = read(first, 'student', '', issues);
    const actionRaw = String(student.obj.action ?? '').toUpperCase();
    if (actionRaw === 'M')
      return {
        kind: 'unsupported',
        reason:
          `row ${first.line}: action M (merge) is not taken by file; merges are requested and approved in ` +
          `the exchange`,
        source,
      };
    const action = actionRaw === '' ? 'insert' : ACTION_IN[actionRaw as keyof typeof ACTION_IN];
    if (!action)
      issues.push({
        path: '/action',
        value: student.raw.action,
        rule: 'code',
        message: `'${student.raw.action}' is not an action`,
        fix: 'Use A (add), C (change) or D (delete); blank means add.',
        severity: 'error',
        line: first.line,
        sourceField: 'Action',
      });
    const draft: Record<string, unknown> = compact({
      stateCode,
      stateStudentId: student.obj.stateStudentId,
      msixId: student.obj.msixId,
      action,
    });
    tracker.set('', { line: first.line, names: ROOT_NAMES, raw: student.raw });

    const identity = read(first, 'identity', '/identity', issues);
    draft.identity = identity.obj;
    tracker.set('/identity', {
      line: first.line,
      names: NAMES.identity,
      raw: identity.raw,
      hints: { birthDate: dateHint },
    });

    const parents: unknown[] = [];
    for (const g of ['parent1', 'parent2'] as const) {
      const p = read(first, g, `/parents/${parents.length}`, issues);
      if (!p.any) continue;
      tracker.set(`/parents/${parents.length}`, { line: first.line, names: NAMES[g], raw: p.raw });
      parents.push({ ...p.obj, relationship: g });
    }
    if (parents.length) draft.parents = parents;

    // Student-level columns must agree on every row of the student.
    for (const row of rows.slice(1)) {
      for (const g of ['student', 'identity', 'parent1', 'parent2'] as const) {
        for (const { col, i, key } of byGroup[g]) {
          const a = (first.values[i] ?? '').trim(),
            b = (row.values[i] ?? '').trim();
          if (a === b) continue;
          const path =
            g === 'student'
              ? `/${key}`
              : g === 'identity'
                ? `/identity/${key}`
                : `/parents/${g === 'parent1' ? 0 : 1}/${key}`;
          issues.push({
            path,
            value: b,
            rule: 'inconsistentRows',
            message: `${col.name} is '${b}' on row ${row.line} but '${a}' on row ${first.line} of the same student`,
            fix: 'Every row of a student carries the same student columns; correct the export.',
            severity: 'error',
            line: row.line,
            sourceField: col.name,
          });
        }
      }
    }

    const moves: unknown[] = [];
    const moveKeys = new Set<string>();
    const enrollments: unknown[] = [];
    for (const row of rows) {
      const rawMove = byGroup.move.map(({ i }) => (row.values[i] ?? '').trim()).join('\u0001');
      if (!moveKeys.has(rawMove) && rawMove.replaceAll('\u0001', '') !== '') {
        moveKeys.add(rawMove);
        const path = `/qualifyingMoves/${moves.length}`;
        const m = read(row, 'move', path, issues);
        tracker.set(path, {
          line: row.line,
          names: NAMES.move,
          raw: m.raw,
          hints: { qualifyingArrivalDate: dateHint, eligibilityExpirationDate: dateHint },
        });
        moves.push(m.obj);
      }
      const path = `/enrollments/${enrollments.length}`;
      const probe = byGroup.enrollment.some(({ i }) => (row.values[i] ?? '').trim() !== '');
      if (probe) {
        const e = read(row, 'enrollment', path, issues);
        tracker.set(path, {
          line: row.line,
          names: NAMES.enrollment,
          raw: e.raw,
          hints: { enrollmentDate: dateHint, withdrawalDate: dateHint },
        });
        enrollments.push(e.obj);
      }
    }
    if (moves.length) draft.qualifyingMoves = moves;
    if (enrollments.length) draft.enrollments = enrollments;
    return finishRecord(draft, source, tracker, issues, warnings);
  }

  return async function* parse(input: AdapterInput, ctx: ParseContext): AsyncGenerator<Event> {
    if (isParts(input)) {
      yield {
        kind: 'file',
        issue: {
          code: 'structure',
          severity: 'error',
          message: 'the CSV export is one file; several parts were given',
          fix: 'Submit one file per submission.',
        },
      };
      return;
    }
    const stateCode = (ctx.stateCode ?? config.stateCode)?.toUpperCase();
    if (!stateCode)
      yield {
        kind: 'file',
        issue: {
          code: 'header',
          severity: 'error',
          message: 'the export has no state column and no state was given for the submission',
          fix: 'Submit with the state (URL or --state), or set stateCode in the adapter configuration.',
        },
      };
    let index: number[] | undefined; // COLUMNS position -> file column
    let width = 0;
    let cur: Row[] = [];
    let curKey: string | undefined;
    let recordNumber = 0;
    let latin1Rows = 0;
    let firstLatin1: number | undefined;
    let truncatedAt: number | undefined;
    let headerFatal = false;

    for await (const raw of csvRows(input)) {
      const bytes = raw.line === 1 ? stripBom(raw.bytes) : raw.bytes;
      if (bytes.length === 0) continue;
      const dec = decode(bytes);
      const fields = splitCsv(dec.text, config.delimiter);
      if (!index) {
        const names = fields.map((f) => f.trim().toLowerCase());
        index = COLUMNS.map((col) => names.indexOf(col.name.toLowerCase()));
        width = fields.length;
        const missing = REQUIRED_COLUMNS.filter((n) => !names.includes(n.toLowerCase()));
        const unknown = fields.filter((f) => !COLUMNS.some((col) => col.name.toLowerCase() === f.trim().toLowerCase()));
        if (missing.length) {
          headerFatal = true;
          yield {
            kind: 'file',
            issue: {
              code: 'header',
              severity: 'error',
              message: `the header row lacks required column(s) ${missing.join(', ')}; no row can be read`,
              fix: `The first row names the columns: ${COLUMNS.map((col) => col.name).join(',')}.`,
              line: raw.line,
            },
          };
          return;
        }
        if (unknown.length)
          yield {
            kind: 'file',
            issue: {
              code: 'header',
              severity: 'warning',
              message: `column(s) ${unknown.join(', ')} are not part of the export and were ignored`,
              fix: 'Check the column names against the adapter README.',
              line: raw.line,
            },
          };
        continue;
      }
      const row: Row = {
        line: raw.line,
        lastLine: raw.lastLine,
        values: index.map((i) => (i >= 0 ? fields[i] : undefined)),
        issues: [],
        warnings: [],
      };
      if (dec.encoding === 'latin1') {
        latin1Rows++;
        firstLatin1 ??= raw.line;
        const issue: AdapterIssue = {
          path: '',
          rule: 'encoding',
          message: `row ${raw.line} is not valid UTF-8; it was read as Latin-1 (Windows-1252)`,
          fix: 'Export the file as UTF-8 so accents are read exactly as written.',
          severity: config.latin1 === 'reject' ? 'error' : 'warning',
          line: raw.line,
        };
        (issue.severity === 'error' ? row.issues : row.warnings).push(issue);
      }
      if (!raw.terminated && (raw.openQuote || fields.length < width)) {
        truncatedAt = raw.line;
        row.issues.push({
          path: '',
          rule: 'truncated',
          message: `the file ends in the middle of row ${raw.line}`,
          fix: 'Resend the complete file.',
          severity: 'error',
          line: raw.line,
        });
      } else if (fields.length !== width) {
        row.issues.push({
          path: '',
          rule: 'fieldCount',
          message: `row ${raw.line} has ${fields.length} columns, the header has ${width}`,
          fix: 'Quote values that contain the delimiter.',
          severity: 'error',
          line: raw.line,
        });
      }
      const sid = (row.values[0] ?? '').trim(); // COLUMNS[0] is StudentID
      if (cur.length && sid === curKey && sid !== '') cur.push(row);
      else {
        if (cur.length) yield build(cur, recordNumber, stateCode);
        recordNumber++;
        cur = [row];
        curKey = sid;
      }
    }
    if (cur.length) yield build(cur, recordNumber, stateCode);
    if (!index && !headerFatal)
      yield {
        kind: 'file',
        issue: {
          code: 'header',
          severity: 'error',
          message: 'the file is empty',
          fix: 'Send a header row and at least one student row.',
        },
      };
    if (latin1Rows)
      yield {
        kind: 'file',
        issue: {
          code: 'encoding',
          severity: config.latin1 === 'reject' ? 'error' : 'warning',
          message:
            `${latin1Rows} row(s) are not valid UTF-8 (first at line ${firstLatin1}); they were read as ` +
            `Latin-1 (Windows-1252)`,
          fix: 'Export the file as UTF-8.',
          ...(firstLatin1 !== undefined ? { line: firstLatin1 } : {}),
        },
      };
    if (truncatedAt !== undefined)
      yield {
        kind: 'file',
        issue: {
          code: 'truncated',
          severity: 'error',
          message: `the file ends in the middle of row ${truncatedAt}`,
          fix: 'Resend the complete file; the rows before the cut were read.',
          line: truncatedAt,
        },
      };
  };
}
