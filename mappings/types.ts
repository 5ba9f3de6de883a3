/**
 * Crosswalks: a state's or vendor's own code values mapped to a canonical code
 * set. Declarative JSON files, versioned, checked when loaded, published as a
 * table; so "what does MIS2000's grade K become?" has one answer anyone can read.
 */
import type { CodesetName } from '@msix/adapter-sdk/canonical';

/** One source code and the canonical code it means. */
export interface CrosswalkEntry {
  /** The source value as the state sends it (for descriptors: the code value after `#`). */
  from: string;
  /** A code of the target canonical code set. */
  to: string;
  /** Human label of the source code, shown in the published table and in fix suggestions. */
  label?: string;
  /**
   * When several source codes map to one canonical code, the one used to
   * write canonical records back in the source format. Defaults to the first.
   */
  preferred?: boolean;
}

/** The JSON file format (`mappings/crosswalks/<system>/<name>.json`). */
export interface CrosswalkFile {
  /** `<system>/<name>`, e.g. `mis2000/gradeLevel`; matches the file path. */
  id: string;
  /** Version of this table; bump on any change, records keep the version they were mapped with. */
  version: string;
  description: string;
  /** The source system and field: who uses these codes and where. */
  source: { system: string; field: string; reference?: string };
  target: { codeset: CodesetName };
  /** `code` (default): compare values; `descriptor`: Ed-Fi descriptor URIs `namespace#codeValue`. */
  kind?: 'code' | 'descriptor';
  /** For descriptors: the namespace written on format; `namespaces` lists all accepted on parse. */
  namespace?: string;
  namespaces?: string[];
  /** Default false: `k` and `K` are the same code. */
  caseSensitive?: boolean;
  entries: CrosswalkEntry[];
}

/** The outcome of mapping one value. */
export type MapOutcome = { kind: 'ok'; code: string } | { kind: 'unmapped'; value: string; nearest: CrosswalkEntry[] };

/** A loaded, checked crosswalk with fast lookups both ways. */
export interface Crosswalk {
  readonly file: CrosswalkFile;
  readonly id: string;
  readonly version: string;
  /** Maps a source value (whitespace trimmed) to a canonical code. */
  map(value: string): MapOutcome;
  /** The source value to write for a canonical code, when there is one (full URI for descriptors). */
  reverse(code: string): string | undefined;
}

export interface CrosswalkLoadError {
  id: string;
  file: string;
  reason: string;
}
