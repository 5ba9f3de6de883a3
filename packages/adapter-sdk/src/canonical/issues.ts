/**
 * One problem with one field of one record: the shape every surface uses to say
 * what was wrong, where, under which rule, and how to fix it (batch reports,
 * problem details, adapter results).
 */
export interface FieldIssue {
  /** JSON pointer into the canonical record (or the source format's own path). */
  path: string;
  /** The offending value as received, when there is one. */
  value?: unknown;
  /** Short machine name of the rule broken: `required`, `format`, `codeset`, `maxLength`… */
  rule: string;
  /** A sentence a registrar or a vendor understands. */
  message: string;
  /** What to send instead. */
  fix?: string;
  /** `error` rejects the record; `warning` is reported but the record is applied. */
  severity?: 'error' | 'warning';
}

/**
 * A problem with a whole file rather than one record (header, counts,
 * encoding, truncation): what adapters report and what ingest reports show.
 */
export interface FileIssue<Code extends string = string> {
  code: Code;
  severity: 'error' | 'warning' | 'info';
  message: string;
  fix?: string;
  line?: number;
  part?: string;
  /** For count mismatches: what the header said and what was found. */
  expected?: number;
  actual?: number;
}
