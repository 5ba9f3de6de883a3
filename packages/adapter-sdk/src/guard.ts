/**
 * The plugin boundary. Wraps an adapter's raw parse so that callers get a
 * well-behaved event stream whatever the adapter does: exceptions become a
 * file-level `adapterError`, every stream ends with exactly one `end`, and the
 * rules every format shares are enforced once, here, rather than in each
 * adapter: the same student twice in one file, and the per-file student limit.
 */
import {
  MAX_STUDENTS_PER_FILE,
  type AdapterImpl,
  type AdapterInput,
  type AdapterIssue,
  type FileIssue,
  type ParseContext,
  type ParseEvent,
  type ParseSummary,
  type RecordResult,
  type SourceRef,
} from './types.js';
import type { StateRecord } from './canonical/index.js';

function describeSource(s: SourceRef): string {
  return s.line !== undefined ? `record ${s.recordNumber} (line ${s.line})` : `record ${s.recordNumber}`;
}

/** Runs `impl.parse` behind the boundary. */
export async function* guardedParse(
  impl: AdapterImpl,
  input: AdapterInput,
  ctx: ParseContext = {},
): AsyncGenerator<ParseEvent> {
  const max = ctx.limits?.maxStudents ?? MAX_STUDENTS_PER_FILE;
  const summary: ParseSummary = {
    students: 0,
    ok: 0,
    invalid: 0,
    unsupported: 0,
    physicalRecords: 0,
    fileErrors: false,
  };
  // One file is one state's, so the state student id alone identifies a student within it.
  const seenIds = new Map<string, SourceRef>();
  let overLimit = false;
  const fileIssue = (issue: FileIssue): ParseEvent => {
    if (issue.severity === 'error') summary.fileErrors = true;
    return { kind: 'file', issue };
  };
  try {
    for await (const ev of impl.parse(input, ctx)) {
      if (ev.kind === 'header') {
        yield ev;
        continue;
      }
      if (ev.kind === 'file') {
        yield fileIssue(ev.issue);
        continue;
      }
      let r: RecordResult = ev;
      summary.students++;
      if (r.source.line !== undefined && r.source.part === undefined)
        summary.physicalRecords = Math.max(summary.physicalRecords, r.source.lastLine ?? r.source.line);
      if (summary.students > max) {
        if (!overLimit) {
          overLimit = true;
          yield fileIssue({
            code: 'tooManyStudents',
            severity: 'error',
            message:
              `The file holds more than ${max.toLocaleString('en-US')} students; records after student ` +
              `${max.toLocaleString('en-US')} were not applied.`,
            fix: `Split the submission into files of at most ${max.toLocaleString('en-US')} students.`,
            ...(r.source.line !== undefined ? { line: r.source.line } : {}),
          });
        }
        const issue: AdapterIssue = {
          path: '',
          rule: 'maxStudentsPerFile',
          message: `student ${summary.students} is over the limit of ${max} students per file`,
          fix: 'Send this student in another file.',
          severity: 'error',
          ...(r.source.line !== undefined ? { line: r.source.line } : {}),
        };
        r = { kind: 'invalid', issues: [issue], source: r.source };
      } else {
        const id = r.kind === 'ok' ? r.record.stateStudentId : r.source.studentKey;
        const first = id !== undefined ? seenIds.get(id) : undefined;
        if (first) {
          const issue: AdapterIssue = {
            path: '/stateStudentId',
            value: id,
            rule: 'duplicateInFile',
            message:
              `student ${id} already appears in this file at ${describeSource(first)}; the second copy was ` +
              `not applied`,
            fix: "Send each student once per file, with all of the student's child records together.",
            severity: 'error',
            ...(r.source.line !== undefined ? { line: r.source.line } : {}),
          };
          r = { kind: 'invalid', issues: r.kind === 'invalid' ? [issue, ...r.issues] : [issue], source: r.source };
        } else {
          if (id !== undefined) seenIds.set(id, r.source);
        }
      }
      summary[r.kind]++;
      yield r;
    }
  } catch (err) {
    yield fileIssue({
      code: 'adapterError',
      severity: 'error',
      message:
        `The adapter failed while reading the file: ${err instanceof Error ? err.message : String(err)}. ` +
        `Records reported before this point stand; the rest of the file was not read.`,
      fix: "Report this to the adapter's maintainer with the file; it is a defect, not a data problem.",
    });
  }
  yield { kind: 'end', summary };
}

export type FormatResult = { kind: 'ok'; data: Buffer } | { kind: 'error'; reason: string };

/** Formats records into one Buffer behind the boundary (for request answers, which are small). */
export async function guardedFormat(
  impl: AdapterImpl,
  records: AsyncIterable<StateRecord> | Iterable<StateRecord>,
  ctx = {},
): Promise<FormatResult> {
  try {
    const parts: Buffer[] = [];
    for await (const c of impl.format(records, ctx)) parts.push(c);
    return { kind: 'ok', data: Buffer.concat(parts) };
  } catch (err) {
    return { kind: 'error', reason: err instanceof Error ? err.message : String(err) };
  }
}
