/**
 * Turning a mapped draft into a per-record result: validate against the
 * canonical schema and point every issue back at the source line and field,
 * with the value exactly as the state sent it.
 */
import { validateStateRecord, type StateRecord } from './canonical/index.js';
import type { AdapterIssue, RecordResult, SourceRef } from './types.js';

/** Where one canonical object (the record, `/identity`, `/enrollments/2`…) came from. */
export interface SourceSpan {
  line?: number;
  /** Part (file) of a multi-file submission. */
  part?: string;
  /** Source field name per canonical key: `{ gradeLevel: 'ENR.gradeLevel' }`. */
  names?: Readonly<Record<string, string>>;
  /** Raw value per canonical key as received (before conversion). */
  raw?: Readonly<Record<string, string | undefined>>;
  /** How the source writes a key, for fix texts: `{ enrollmentDate: 'YYYYMMDD' }`. */
  hints?: Readonly<Record<string, string>>;
}

/**
 * Remembers which source span produced which canonical path prefix. One
 * entry per child record, not per field, so it stays cheap at 40,000 students.
 */
export class SourceTracker {
  private readonly spans = new Map<string, SourceSpan>();
  set(prefix: string, span: SourceSpan): void {
    this.spans.set(prefix, span);
  }

  /** Adds line, source field and raw value to an issue whose path is canonical. */
  annotate(issue: AdapterIssue): AdapterIssue {
    if (issue.line !== undefined && issue.sourceField !== undefined) return issue;
    let prefix = issue.path;
    let key = '';
    for (;;) {
      const span = this.spans.get(prefix);
      if (span) {
        const out: AdapterIssue = { ...issue };
        if (out.line === undefined && span.line !== undefined) out.line = span.line;
        if (out.part === undefined && span.part !== undefined) out.part = span.part;
        const k = key.split('/')[0] ?? '';
        if (k && out.sourceField === undefined && span.names?.[k]) out.sourceField = span.names[k];
        const raw = k ? span.raw?.[k] : undefined;
        if (raw !== undefined && key === k && raw !== issue.value) {
          if (typeof issue.value === 'string' || typeof issue.value === 'number')
            out.message = out.message.replace(`'${String(issue.value)}'`, `'${raw}'`);
          out.value = raw;
        }
        const hint = k ? span.hints?.[k] : undefined;
        if (hint && issue.rule === 'format') out.fix = `Send a real calendar date as ${hint}.`;
        return out;
      }
      if (!prefix) return issue;
      const cut = prefix.lastIndexOf('/');
      key = prefix.slice(cut + 1) + (key ? `/${key}` : '');
      prefix = prefix.slice(0, cut);
    }
  }
}

/**
 * Validates a draft and builds the record result. Adapter issues (unmapped
 * codes, unreadable fields) and schema issues are reported together; a schema
 * issue on a path the adapter already explained is dropped as a duplicate.
 */
export function finishRecord(
  draft: unknown,
  source: SourceRef,
  tracker: SourceTracker,
  adapterIssues: AdapterIssue[] = [],
  warnings: AdapterIssue[] = [],
): RecordResult {
  const result = validateStateRecord(draft);
  const errors = adapterIssues.filter((i) => (i.severity ?? 'error') === 'error');
  const extraWarnings = adapterIssues.filter((i) => i.severity === 'warning');
  if (result.kind === 'ok' && errors.length === 0) {
    return {
      kind: 'ok',
      record: result.record as StateRecord,
      warnings: [...warnings, ...extraWarnings].map((w) => tracker.annotate(w)),
      source,
    };
  }
  const explained = new Set(errors.map((i) => i.path));
  const schemaIssues =
    result.kind === 'invalid'
      ? result.issues.filter((i) => !explained.has(i.path) && ![...explained].some((p) => i.path.startsWith(`${p}/`)))
      : [];
  return {
    kind: 'invalid',
    issues: [...errors, ...schemaIssues].map((i) => tracker.annotate({ severity: 'error', ...i })),
    source,
    partial: draft,
  };
}

/** `YYYYMMDD` → `YYYY-MM-DD` when it has that shape (calendar validity is the schema's job). */
export function ymdToIso(v: string): string {
  return /^\d{8}$/.test(v) ? `${v.slice(0, 4)}-${v.slice(4, 6)}-${v.slice(6, 8)}` : v;
}

/** `YYYY-MM-DD` → `YYYYMMDD`. */
export function isoToYmd(v: string): string {
  return v.replace(/-/g, '');
}

/** `MM/DD/YYYY` (also `M/D/YYYY`) → `YYYY-MM-DD`; other shapes are returned unchanged for the schema to reject. */
export function usDateToIso(v: string): string {
  const m = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/.exec(v);
  return m ? `${m[3]}-${m[1]!.padStart(2, '0')}-${m[2]!.padStart(2, '0')}` : v;
}

export function isoToUsDate(v: string): string {
  return `${v.slice(5, 7)}/${v.slice(8, 10)}/${v.slice(0, 4)}`;
}

/** Drops keys whose value is `undefined` or `''`, so optional fields stay absent ("not sent", never "empty"). */
export function compact<T extends Record<string, unknown>>(o: T): T {
  for (const k of Object.keys(o)) if (o[k] === undefined || o[k] === '') delete o[k];
  return o;
}

/** Y/N (also 1/0, true/false) → boolean; blank → undefined; anything else → an issue. */
export function parseFlag(
  v: string | undefined,
  path: string,
  issues: AdapterIssue[],
  sourceField?: string,
): boolean | undefined {
  if (v === undefined) return undefined;
  const t = v.trim().toUpperCase();
  if (t === '') return undefined;
  if (t === 'Y' || t === 'YES' || t === '1' || t === 'TRUE') return true;
  if (t === 'N' || t === 'NO' || t === '0' || t === 'FALSE') return false;
  issues.push({
    path,
    value: v,
    rule: 'flag',
    message: `'${v}' is not a yes/no value`,
    fix: 'Send Y or N, or leave the field empty.',
    severity: 'error',
    ...(sourceField ? { sourceField } : {}),
  });
  return undefined;
}

/** True for a real calendar date `YYYY-MM-DD` (rejects 2021-02-30). */
export function isRealIsoDate(v: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(v);
  if (!m) return false;
  const y = Number(m[1]),
    mo = Number(m[2]),
    d = Number(m[3]);
  const dt = new Date(Date.UTC(y, mo - 1, d));
  return dt.getUTCFullYear() === y && dt.getUTCMonth() === mo - 1 && dt.getUTCDate() === d;
}
