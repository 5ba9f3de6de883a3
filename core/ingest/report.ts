/**
 * The per-record result report of one batch submission: for every record,
 * applied or rejected, and for every problem the field path, the value as
 * sent, the rule, a sentence a registrar understands, and a suggested fix.
 * Rendered as JSON and CSV (and a short text summary for the command line).
 *
 * Pure: it consumes parse events and store outcomes as plain data. Its input
 * types mirror the adapter SDK's structurally, so core does not import
 * adapters (core -> specs only); the worker and the CLI wire the two.
 */
import { csvText } from '@msix/adapter-sdk/csv';
import type { FieldIssue, FileIssue } from '@msix/adapter-sdk/canonical';
import { storable } from '../security/text-safety.js';

/** A field issue with where it was found in the source (the adapter SDK's AdapterIssue). */
export interface ReportIssue extends FieldIssue {
  line?: number;
  sourceField?: string;
  part?: string;
}

export interface ReportSource {
  recordNumber: number;
  line?: number;
  lastLine?: number;
  part?: string;
  studentKey?: string;
}

export type ReportFileIssue = FileIssue;

/** The parse events the report reads (the SDK's ParseEvent, structurally). */
export type ReportInput =
  | { kind: 'header'; header: object }
  | { kind: 'ok'; record: { stateStudentId: string; action?: string }; warnings: ReportIssue[]; source: ReportSource }
  | { kind: 'invalid'; issues: ReportIssue[]; source: ReportSource }
  | { kind: 'unsupported'; reason: string; source: ReportSource }
  | { kind: 'file'; issue: ReportFileIssue }
  | { kind: 'end'; summary: unknown };

/**
 * What the store did with a record that parsed ok. A record can parse and
 * still not be applied (a delete for a record the state never sent, a write
 * for another state); then it is rejected with the store's issues.
 */
export type StoreOutcome =
  | { applied: true; note?: string; warnings?: ReportIssue[] }
  | { applied: false; issues: ReportIssue[] };

export type RecordStatus = 'applied' | 'rejected' | 'unsupported';

export interface ReportRecord {
  recordNumber: number;
  studentKey?: string;
  line?: number;
  part?: string;
  action?: string;
  status: RecordStatus;
  /** For unsupported records, and store notes ("unchanged: identical to the stored record"). */
  note?: string;
  /** Errors (why it was rejected) and warnings (applied, but look at this). */
  issues: ReportIssue[];
}

export interface ReportCounts {
  read: number;
  applied: number;
  rejected: number;
  unsupported: number;
  /** Records applied with at least one warning. */
  appliedWithWarnings: number;
  fileErrors: number;
  fileWarnings: number;
}

export interface IngestReport {
  exchangeId?: string;
  adapter?: string;
  fileName?: string;
  stateCode?: string;
  header?: object;
  startedAt?: string;
  finishedAt?: string;
  /** True once the `end` event was seen: the report is complete. */
  complete: boolean;
  counts: ReportCounts;
  fileIssues: ReportFileIssue[];
  records: ReportRecord[];
}

export interface ReportMeta {
  exchangeId?: string;
  adapter?: string;
  fileName?: string;
  stateCode?: string;
  startedAt?: string;
}

/** Builds a report incrementally, one event at a time (memory: one small row per record). */
export class ReportBuilder {
  private readonly report: IngestReport;

  constructor(meta: ReportMeta = {}) {
    this.report = {
      ...meta,
      complete: false,
      counts: {
        read: 0,
        applied: 0,
        rejected: 0,
        unsupported: 0,
        appliedWithWarnings: 0,
        fileErrors: 0,
        fileWarnings: 0,
      },
      fileIssues: [],
      records: [],
    };
  }

  /** Adds one parse event; for `ok` records pass what the store did (default: applied). */
  add(input: ReportInput, outcome?: StoreOutcome): void {
    const r = this.report;
    // What the file said is quoted in issues, notes and keys; NUL and lone surrogates become U+FFFD so the report can
    // be stored (records that pass are validated text already, and are not walked).
    const ev: ReportInput =
      input.kind === 'ok'
        ? {
            ...input,
            warnings: storable(input.warnings),
            source: storable(input.source),
          }
        : storable(input);
    const storedOutcome = outcome && storable(outcome);
    switch (ev.kind) {
      case 'header':
        r.header = ev.header;
        return;
      case 'end':
        r.complete = true;
        return;
      case 'file':
        r.fileIssues.push(ev.issue);
        if (ev.issue.severity === 'error') r.counts.fileErrors++;
        else if (ev.issue.severity === 'warning') r.counts.fileWarnings++;
        return;
      default:
    }
    r.counts.read++;
    const base = {
      recordNumber: ev.source.recordNumber,
      ...(ev.source.studentKey !== undefined ? { studentKey: ev.source.studentKey } : {}),
      ...(ev.source.line !== undefined ? { line: ev.source.line } : {}),
      ...(ev.source.part !== undefined ? { part: ev.source.part } : {}),
    };
    if (ev.kind === 'unsupported') {
      r.counts.unsupported++;
      r.records.push({ ...base, status: 'unsupported', note: ev.reason, issues: [] });
      return;
    }
    if (ev.kind === 'invalid') {
      r.counts.rejected++;
      r.records.push({ ...base, status: 'rejected', issues: ev.issues.map((i) => ({ severity: 'error', ...i })) });
      return;
    }
    const action = ev.record.action ?? 'insert';
    const o = storedOutcome ?? { applied: true };
    if (!o.applied) {
      r.counts.rejected++;
      r.records.push({
        ...base,
        action,
        status: 'rejected',
        issues: [...o.issues.map((i) => ({ severity: 'error' as const, ...i })), ...ev.warnings],
      });
      return;
    }
    const warnings = [...ev.warnings, ...(o.warnings ?? [])];
    r.counts.applied++;
    if (warnings.length) r.counts.appliedWithWarnings++;
    r.records.push({ ...base, action, status: 'applied', ...(o.note ? { note: o.note } : {}), issues: warnings });
  }

  /** The report so far (progress) or final (after `end`). */
  build(finishedAt?: string): IngestReport {
    return finishedAt ? { ...this.report, finishedAt } : { ...this.report };
  }
}

export function renderReportJson(report: IngestReport): string {
  return JSON.stringify(report, null, 2);
}

export const REPORT_CSV_COLUMNS = [
  'recordNumber',
  'studentKey',
  'part',
  'line',
  'action',
  'status',
  'severity',
  'path',
  'sourceField',
  'value',
  'rule',
  'message',
  'fix',
] as const;

const cell = (v: unknown): string =>
  v === undefined || v === null ? '' : typeof v === 'string' ? v : JSON.stringify(v);

/**
 * CSV: one row per issue; a record with no issue gets one row saying it was
 * applied; file-level issues come first with status `file`.
 */
export function renderReportCsv(report: IngestReport): string {
  const rows: string[][] = [];
  for (const f of report.fileIssues) {
    rows.push([
      '',
      '',
      cell(f.part),
      cell(f.line),
      '',
      'file',
      f.severity,
      '',
      '',
      f.expected !== undefined ? `expected ${f.expected}, found ${f.actual}` : '',
      f.code,
      f.message,
      cell(f.fix),
    ]);
  }
  for (const r of report.records) {
    const lead = [String(r.recordNumber), cell(r.studentKey), cell(r.part), cell(r.line), cell(r.action), r.status];
    if (!r.issues.length) {
      rows.push([...lead, '', '', '', '', r.status === 'unsupported' ? 'unsupported' : '', cell(r.note), '']);
      continue;
    }
    for (const i of r.issues) {
      const at = [...lead];
      if (i.part !== undefined) at[2] = i.part;
      if (i.line !== undefined) at[3] = String(i.line); // the line of the problem, when the adapter knows it
      rows.push([
        ...at,
        i.severity ?? 'error',
        i.path,
        cell(i.sourceField),
        cell(i.value),
        i.rule,
        i.message,
        cell(i.fix),
      ]);
    }
  }
  return csvText([REPORT_CSV_COLUMNS, ...rows]);
}

/** A short text summary for people: totals, file issues, and the first rejected records. */
export function renderReportSummary(report: IngestReport, maxRecords = 20): string {
  const c = report.counts;
  const out: string[] = [];
  out.push(
    `${report.fileName ?? 'submission'}${report.adapter ? ` (${report.adapter})` : ''}` +
      `${report.stateCode ? ` for ${report.stateCode}` : ''}`,
  );
  out.push(
    `  students read ${c.read}: applied ` +
      `${c.applied}${c.appliedWithWarnings ? ` (${c.appliedWithWarnings} with warnings)` : ''}, rejected ` +
      `${c.rejected}, unsupported ${c.unsupported}`,
  );
  if (!report.complete) out.push('  the report is incomplete: the file was not read to the end');
  for (const f of report.fileIssues)
    out.push(`  [file ${f.severity}] ${f.code}: ${f.message}${f.fix ? ` Fix: ${f.fix}` : ''}`);
  const problems = report.records.filter((r) => r.status !== 'applied' || r.issues.length);
  for (const r of problems.slice(0, maxRecords)) {
    const where = [r.part, r.line !== undefined ? `line ${r.line}` : undefined].filter(Boolean).join(' ');
    out.push(
      `  record ` +
        `${r.recordNumber}${r.studentKey ? ` (${r.studentKey})` : ''}${where ? ` at ${where}` : ''}: ` +
        `${r.status}${r.note ? ` — ${r.note}` : ''}`,
    );
    for (const i of r.issues) {
      out.push(
        `    ${i.severity ?? 'error'} ` +
          (`${i.path || '(record)'}${i.sourceField ? ` [${i.sourceField}]` : ''}` +
            `${i.line !== undefined && i.line !== r.line ? ` line ${i.line}` : ''}: `) +
          `${i.message}${i.fix ? ` Fix: ${i.fix}` : ''}`,
      );
    }
  }
  if (problems.length > maxRecords)
    out.push(`  … ${problems.length - maxRecords} more records with problems (see the JSON or CSV report)`);
  return out.join('\n');
}
