/**
 * The adapter contract: what a state or vendor plugin gives the gateway and
 * what it gets back. Everything that crosses the plugin boundary is data
 * (discriminated unions), never an exception, so one broken file or one broken
 * adapter can never take down the worker that runs it.
 */
import type { Readable } from 'node:stream';
import type { FieldIssue, FileIssue as SharedFileIssue, StateRecord } from './canonical/index.js';

/** Bytes as they arrive: a Node stream, or any async iterable of chunks. Never a whole file in memory. */
export type ByteSource = Readable | AsyncIterable<Buffer | Uint8Array | string>;

/** One named part of a multi-file submission (e.g. one Ed-Fi interchange file). `open` may be called once. */
export interface InputPart {
  name: string;
  open(): ByteSource;
}

/**
 * What `parse` reads: one stream (a typed-record file, a CSV, a tar bundle),
 * or named parts when the format is split across files (Ed-Fi interchanges
 * given as a directory).
 */
export type AdapterInput = ByteSource | { parts: readonly InputPart[] };

/** A file format an adapter reads and writes. */
export interface FormatInfo {
  name: string;
  /** File name endings, without the dot: `txt`, `csv`, `tar`. */
  extensions: string[];
  mediaTypes: string[];
}

/**
 * The manifest (`manifest.json` at the root of the adapter's package or folder): what a gateway needs to know
 * before it imports any code, so a bad adapter is refused cheaply.
 */
export interface AdapterManifest {
  /** Registry key (and folder name for the gateway's own adapters): lowercase letters, digits and dashes. */
  id: string;
  /** Semver of the adapter itself. */
  version: string;
  description: string;
  /** Two-letter codes of the states served, or `["*"]` for any state. */
  states: string[];
  formats: FormatInfo[];
  /**
   * The entry module, relative to the manifest (default `index.ts`). A published package names its compiled
   * JavaScript (`dist/index.js`), which any gateway can import.
   */
  entry?: string;
  /** JSON Schema (draft 2020-12) of the adapter's configuration; validated with ajv at load. */
  configSchema: Record<string, unknown>;
  /** Crosswalk ids of the gateway's `mappings/` this adapter uses (the gateway checks they load). */
  crosswalks?: string[];
  /**
   * The major of `@msix/adapter-sdk` the adapter is built for (`1` for this SDK). A gateway refuses an adapter
   * whose major it does not accept, before importing any of its code.
   */
  sdk: number;
  /** Knobs for the conformance kit. */
  conformance?: {
    /** Heap growth allowed while streaming the large generated file, in MiB (default 96). */
    maxHeapGrowthMiB?: number;
    /** Students in the large generated file (default 40,000). */
    largeFileStudents?: number;
    /** Top-level fields of the canonical record the format carries; the rest are dropped on format. */
    carries?: string[];
    /**
     * Canonical paths (`*` for any index) the parser fills with a default when absent, so "required" is not testable
     * there.
     */
    defaulted?: string[];
  };
}

/** Where in the input a record came from, so a person can find it. */
export interface SourceRef {
  /** 1-based ordinal of the student record in the submission. */
  recordNumber: number;
  /** First and last physical line (text formats). */
  line?: number;
  lastLine?: number;
  /** Part name for multi-file submissions. */
  part?: string;
  /** The state's student id as read, when one could be read. */
  studentKey?: string;
}

/** A field issue that also says where in the source it was found. Structurally a FieldIssue. */
export interface AdapterIssue extends FieldIssue {
  /** Physical line (or element ordinal) in the source. */
  line?: number;
  /** The source's own name for the field: `ENR.gradeLevel`, `Grade`, `EntryGradeLevel`. */
  sourceField?: string;
  /** Part (file) of a multi-file submission the line is in. */
  part?: string;
}

/** Per-record outcome. Exactly one per student record found in the input. */
export type RecordResult =
  | { kind: 'ok'; record: StateRecord; warnings: AdapterIssue[]; source: SourceRef }
  | {
      kind: 'invalid';
      issues: AdapterIssue[];
      source: SourceRef /** the part that could be mapped, for the report */;
      partial?: unknown;
    }
  | { kind: 'unsupported'; reason: string; source: SourceRef };

/** File-level problem codes. Stable: reports and help-desk filters key on them. */
export type FileIssueCode =
  | 'header' // header missing, malformed or inconsistent
  | 'countMismatch' // header totals differ from what the file holds
  | 'truncated' // the file ends in the middle of a record or before the end the header promised
  | 'tooManyStudents' // over the per-file student limit (MSIX: 40,000)
  | 'encoding' // bytes that are not valid UTF-8 (read as Latin-1, with a warning)
  | 'structure' // records out of order, orphan child records, malformed container
  | 'unsafe' // refused for safety (XML DOCTYPE / entity declarations)
  | 'stateMismatch' // the file is for another state than the submission
  | 'ignored' // content the adapter skips on purpose (e.g. non-migrant students)
  | 'io' // the byte source failed
  | 'adapterError'; // the adapter threw; caught at the boundary

export type FileIssue = SharedFileIssue<FileIssueCode>;

/** What a header declared (formats without a header leave fields empty). */
export interface FileHeader {
  submittingState?: string;
  /** ISO date-time. */
  submissionDate?: string;
  totalStudents?: number;
  totalRecords?: number;
  beginEffectiveDate?: string;
  endEffectiveDate?: string;
}

/** Totals once the input is exhausted. */
export interface ParseSummary {
  students: number;
  ok: number;
  invalid: number;
  unsupported: number;
  /** Physical records (lines, rows, elements) read. */
  physicalRecords: number;
  /** `true` when an error-level file issue was raised. */
  fileErrors: boolean;
}

/** Everything a parse yields, in order: at most one header, records and file issues, then exactly one end. */
export type ParseEvent =
  | { kind: 'header'; header: FileHeader }
  | RecordResult
  | { kind: 'file'; issue: FileIssue }
  | { kind: 'end'; summary: ParseSummary };

export interface ParseLimits {
  /** Default 40,000 (the MSIX per-file limit). */
  maxStudents: number;
}

export interface ParseContext {
  /** The state the submission is for (URL or `--state`); an adapter may read it from the file instead. */
  stateCode?: string;
  limits?: Partial<ParseLimits>;
  /** Name of the file, for messages. */
  fileName?: string;
}

export interface FormatContext {
  stateCode?: string;
  /** ISO date-time written in headers; fixed in tests for byte-identical output. */
  now?: string;
}

/**
 * What an adapter's code implements. `parse` yields records and file issues
 * (not the `end` event: the SDK adds totals). `format` writes canonical
 * records in the state's format, for answering requests.
 */
export interface AdapterImpl {
  parse(
    input: AdapterInput,
    ctx: ParseContext,
  ): AsyncIterable<RecordResult | { kind: 'header'; header: FileHeader } | { kind: 'file'; issue: FileIssue }>;
  format(records: AsyncIterable<StateRecord> | Iterable<StateRecord>, ctx: FormatContext): AsyncIterable<Buffer>;
}

/** Environment handed to the factory: the adapter's folder and validated config. */
export interface AdapterEnv {
  manifest: AdapterManifest;
  dir: string;
}

/** The entry module's shape: `export function createAdapter(config, env)`. */
export interface AdapterModule<C = unknown> {
  createAdapter(config: C, env: AdapterEnv): AdapterImpl;
}

/**
 * A loaded, guarded adapter as the gateway and workers see it: `parse` never
 * throws, always ends with one `end` event, and enforces the per-file rules
 * every format shares (duplicates, the 40,000-student limit).
 */
export interface LoadedAdapter {
  manifest: AdapterManifest;
  dir: string;
  config: unknown;
  parse(input: AdapterInput, ctx?: ParseContext): AsyncIterable<ParseEvent>;
  format(records: AsyncIterable<StateRecord> | Iterable<StateRecord>, ctx?: FormatContext): AsyncIterable<Buffer>;
}

export const MAX_STUDENTS_PER_FILE = 40_000;
