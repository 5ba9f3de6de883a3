/**
 * Reading an export: one family in memory at a time (its parents and moves), one child at a time (its
 * enrollments), so a 40,000-child file streams in bounded memory. Every line is checked for its place: moves
 * before the family's children, enrollments right after their child, a header first and a trailer last whose
 * counts match.
 */
import {
  compact,
  decode,
  finishRecord,
  isParts,
  lines,
  parseFlag,
  SourceTracker,
  stripBom,
  usDateToIso,
  type AdapterInput,
  type AdapterIssue,
  type FileHeader,
  type FileIssue,
  type ParseContext,
  type RecordResult,
  type SourceRef,
} from '@msix/adapter-sdk';
import type { NgsConfig } from './index.js';
import {
  CHILD_COLUMNS,
  DATE_KEYS,
  ENROLLMENT_COLUMNS,
  FLAG_KEYS,
  FORMAT_NAME,
  FORMAT_VERSION,
  MOVE_COLUMNS,
  PARENT_SLOTS,
  sourceName,
} from './layout.js';

type Event = RecordResult | { kind: 'header'; header: FileHeader } | { kind: 'file'; issue: FileIssue };

interface Row {
  line: number;
  cells: string[];
}
interface Family {
  id: string;
  parents: Row;
  moves: Row[];
  children: number;
}
interface Child {
  row: Row;
  enrollments: Row[];
}

const WIDTH: Record<string, number> = {
  H: 5,
  F: 2 + PARENT_SLOTS.length * 2,
  Q: 2 + MOVE_COLUMNS.length,
  C: 3 + CHILD_COLUMNS.length,
  E: 2 + ENROLLMENT_COLUMNS.length,
  T: 3,
};

const fileIssue = (
  code: FileIssue['code'],
  line: number | undefined,
  message: string,
  fix: string,
  severity: FileIssue['severity'] = 'error',
): Event => ({ kind: 'file', issue: { code, severity, message, fix, ...(line !== undefined ? { line } : {}) } });

export async function* parse(input: AdapterInput, ctx: ParseContext, config: NgsConfig): AsyncGenerator<Event> {
  if (isParts(input)) {
    yield fileIssue('structure', undefined, 'An NGS export is one file, not a folder.', 'Send the export file.');
    return;
  }
  const toIso = (v: string) => (config.dateFormat === 'MM/DD/YYYY' ? usDateToIso(v) : v);
  let stateCode = ctx.stateCode;
  let headerSeen = false;
  let trailer: Row | undefined;
  let family: Family | undefined;
  let child: Child | undefined;
  let recordNumber = 0;
  let warnedEncoding = false;

  const finishChild = (): RecordResult | undefined => {
    if (!child || !family) return undefined;
    const done = child;
    child = undefined;
    recordNumber++;
    family.children++;
    return toRecord(done, family, recordNumber, stateCode, toIso, config);
  };

  for await (const raw of lines(input)) {
    const { text, encoding } = decode(raw.line === 1 ? stripBom(raw.bytes) : raw.bytes);
    if (encoding === 'latin1' && !warnedEncoding) {
      warnedEncoding = true;
      yield fileIssue(
        'encoding',
        raw.line,
        'The file is not UTF-8; it was read as Windows-1252.',
        'Export as UTF-8.',
        'warning',
      );
    }
    if (text.trim() === '') continue;
    const cells = text.split('|');
    const tag = cells[0]!;
    const row: Row = { line: raw.line, cells };
    if (trailer) {
      yield fileIssue(
        'structure',
        raw.line,
        'There are lines after the trailer (T); they were not read.',
        'End the file with the T line.',
      );
      break;
    }
    if (!headerSeen) {
      if (tag !== 'H' || cells[1] !== FORMAT_NAME || cells.length !== WIDTH.H) {
        yield fileIssue(
          'header',
          raw.line,
          `The file does not start with an ${FORMAT_NAME} header line; nothing was read.`,
          `Start the file with H|${FORMAT_NAME}|${FORMAT_VERSION}|<state>|<export date>.`,
        );
        return;
      }
      if (cells[2] !== FORMAT_VERSION) {
        yield fileIssue(
          'header',
          raw.line,
          `The export is layout version ${cells[2]}; this adapter reads version ${FORMAT_VERSION}.`,
          'Install the adapter release for that layout version, or export in version 1.',
        );
        return;
      }
      const fileState = cells[3]!.trim().toUpperCase();
      if (ctx.stateCode && fileState !== ctx.stateCode.toUpperCase()) {
        yield fileIssue(
          'stateMismatch',
          raw.line,
          `The file is ${fileState}'s export; it was submitted for ${ctx.stateCode}.`,
          `Submit it for ${fileState}, or send ${ctx.stateCode}'s export.`,
        );
        return;
      }
      stateCode = fileState;
      headerSeen = true;
      const date = toIso(cells[4]!.trim());
      yield { kind: 'header', header: { submittingState: fileState, ...(date ? { submissionDate: date } : {}) } };
      continue;
    }
    if (!(tag in WIDTH) || tag === 'H') {
      yield fileIssue(
        'structure',
        raw.line,
        `Line ${raw.line} starts with '${tag.slice(0, 3)}', not F, Q, C, E or T.`,
        'Start every line with its record type.',
      );
      continue;
    }
    if (cells.length !== WIDTH[tag]) {
      if (tag === 'C' && family) {
        // The child's record is reported, at its line, rather than lost without a trace.
        const done = finishChild();
        if (done) yield done;
        recordNumber++;
        family.children++;
        const issue: AdapterIssue = {
          path: '',
          line: raw.line,
          rule: 'columns',
          message: `the child line has ${cells.length} columns; it has ${WIDTH.C}`,
          fix: `Write C lines with ${WIDTH.C} columns separated by |.`,
          severity: 'error',
        };
        yield {
          kind: 'invalid',
          issues: [issue],
          source: { recordNumber, line: raw.line, ...(cells[2] ? { studentKey: cells[2].trim() } : {}) },
        };
        continue;
      }
      yield fileIssue(
        'structure',
        raw.line,
        `The ${tag} line has ${cells.length} columns; it has ${WIDTH[tag]}.`,
        `Write ${tag} lines with ${WIDTH[tag]} columns.`,
      );
      continue;
    }
    if (tag === 'F') {
      const done = finishChild();
      if (done) yield done;
      family = { id: cells[1]!.trim(), parents: row, moves: [], children: 0 };
      continue;
    }
    if (tag === 'T') {
      const done = finishChild();
      if (done) yield done;
      trailer = row;
      continue;
    }
    if (!family) {
      yield fileIssue(
        'structure',
        raw.line,
        `The ${tag} line comes before any family line (F).`,
        'Write each family line before its moves and children.',
      );
      continue;
    }
    if (tag === 'Q') {
      if (cells[1]!.trim() !== family.id || child || family.children) {
        yield fileIssue(
          'structure',
          raw.line,
          `The move on line ${raw.line} is not in its family's block, before the children.`,
          "Write a family's moves right after its F line.",
        );
        continue;
      }
      family.moves.push(row);
      continue;
    }
    if (tag === 'C') {
      const done = finishChild();
      if (done) yield done;
      if (cells[1]!.trim() !== family.id) {
        yield fileIssue(
          'structure',
          raw.line,
          `The child on line ${raw.line} names family ${cells[1]}, but it is in family ${family.id}'s block.`,
          "Write each child in its family's block.",
        );
      }
      child = { row, enrollments: [] };
      continue;
    }
    // E
    if (!child || cells[1]!.trim() !== child.row.cells[2]!.trim()) {
      yield fileIssue(
        'structure',
        raw.line,
        `The enrollment on line ${raw.line} does not follow its child's line.`,
        'Write enrollments right after their child (C) line.',
      );
      continue;
    }
    child.enrollments.push(row);
  }
  const last = finishChild();
  if (last) yield last;
  if (!headerSeen) {
    yield fileIssue(
      'header',
      undefined,
      'The file is empty.',
      `Start the file with H|${FORMAT_NAME}|${FORMAT_VERSION}|…`,
    );
    return;
  }
  if (!trailer) {
    yield fileIssue(
      'truncated',
      undefined,
      'The file ends without its trailer (T); it may have been cut short.',
      'Send the whole export, ending with its T line.',
    );
    return;
  }
  const expected = Number(trailer.cells[2]);
  if (expected !== recordNumber)
    yield {
      kind: 'file',
      issue: {
        code: 'countMismatch',
        severity: 'error',
        line: trailer.line,
        message: `The trailer counts ${trailer.cells[2]} children; the file holds ${recordNumber}.`,
        fix: 'Send the whole export as NGS wrote it.',
        expected,
        actual: recordNumber,
      },
    };
}

/** One child, with its family's parents and moves, as a canonical record. */
function toRecord(
  child: Child,
  family: Family,
  recordNumber: number,
  stateCode: string | undefined,
  toIso: (v: string) => string,
  config: NgsConfig,
): RecordResult {
  const c = child.row.cells.map((x) => x.trim());
  const studentId = c[2]!;
  const source: SourceRef = { recordNumber, line: child.row.line, ...(studentId ? { studentKey: studentId } : {}) };
  if (child.enrollments.length) source.lastLine = child.enrollments[child.enrollments.length - 1]!.line;
  const tracker = new SourceTracker();
  const issues: AdapterIssue[] = [];
  const hints: Record<string, string> = {};
  for (const k of DATE_KEYS) hints[k] = config.dateFormat;

  /** Reads a line's columns into an object of canonical keys, with the source names and raw values for issues. */
  const read = (tag: string, keys: readonly string[], cells: string[], path: string, line: number) => {
    const out: Record<string, unknown> = {};
    const names: Record<string, string> = {};
    const raw: Record<string, string> = {};
    keys.forEach((k, i) => {
      const v = cells[i]!.trim();
      names[k] = sourceName(tag, k);
      raw[k] = v;
      if (v === '') return;
      if (DATE_KEYS.has(k)) out[k] = toIso(v);
      else if (FLAG_KEYS.has(k)) out[k] = parseFlag(v, `${path}/${k}`, issues, sourceName(tag, k));
      else out[k] = v;
    });
    tracker.set(path, { line, names, raw, hints });
    return compact(out);
  };

  const identity = read('C', CHILD_COLUMNS, c.slice(3), '/identity', child.row.line);
  tracker.set('', { line: child.row.line, names: { stateStudentId: 'C.studentId' } });
  const p = family.parents.cells.map((x) => x.trim());
  const parents = PARENT_SLOTS.flatMap((relationship, i) => {
    const firstName = p[2 + i * 2]!;
    const lastName = p[3 + i * 2]!;
    if (!firstName && !lastName) return [];
    return [compact({ firstName, lastName, relationship })];
  });
  for (let i = 0; i < parents.length; i++)
    tracker.set(`/parents/${i}`, {
      line: family.parents.line,
      names: { firstName: 'F.firstName', lastName: 'F.lastName' },
    });
  const moves = family.moves.map((m, i) => read('Q', MOVE_COLUMNS, m.cells.slice(2), `/qualifyingMoves/${i}`, m.line));
  const enrollments = child.enrollments.map((e, i) =>
    read('E', ENROLLMENT_COLUMNS, e.cells.slice(2), `/enrollments/${i}`, e.line),
  );
  const draft = compact({
    stateCode,
    stateStudentId: studentId,
    identity,
    parents: parents.length ? parents : undefined,
    qualifyingMoves: moves.length ? moves : undefined,
    enrollments: enrollments.length ? enrollments : undefined,
  });
  return finishRecord(draft, source, tracker, issues);
}
