/**
 * Input and intermediate types of the record-linkage engine.
 *
 * The engine is pure: no I/O, no database, no queue. Callers (the batch CLI,
 * the match worker) map their own records to {@link PersonRecord}, call
 * `standardize`, and hand standardized records to blocking and scoring.
 */

/** Sex as the matcher sees it; anything else in the source becomes null. */
export type Sex = 'F' | 'M';

/**
 * The matcher's input: one state's record of one child. Exactly the columns
 * of the batch CLI header, so the CLI and the worker feed the same shape.
 * Every field except recordId may be null (matched on what it has).
 */
export interface PersonRecord {
  /** Caller's unique id of this record (never interpreted). */
  recordId: string;
  /** Two-letter code of the submitting state. */
  state: string | null;
  /** The submitting state's own student id; unique only within that state. */
  stateStudentId: string | null;
  firstName: string | null;
  middleName: string | null;
  /** Paternal surname (or first part of a compound surname). */
  lastName1: string | null;
  /** Maternal surname (or second part). */
  lastName2: string | null;
  sex: Sex | null;
  /** 'YYYY-MM-DD'; malformed or impossible dates are treated as missing. */
  birthDate: string | null;
  /** MSIX multiple-birth flag; keeps twins apart. */
  multipleBirth: boolean | null;
  birthCity: string | null;
  birthState: string | null;
  birthCountry: string | null;
  parent1FirstName: string | null;
  parent1LastName: string | null;
  parent2FirstName: string | null;
  parent2LastName: string | null;
}

/** A parsed birth date. Invalid input gives null, never an exception. */
export interface ParsedDate {
  year: number;
  month: number;
  day: number;
  /** 'YYYYMMDD', used for one-edit comparisons and blocking keys. */
  digits: string;
  /** Days since 1970-01-01, for ±1 day comparisons. */
  epochDay: number;
  /** True for dates clerks type when the real one is unknown (01-01, 1st of month...). */
  placeholder: boolean;
}

/**
 * One name (given names, or surnames) after standardization. Tokens are
 * upper-case ASCII after Unicode folding, particles removed.
 */
export interface StandardName {
  /** Folded, upper-case value as entered (punctuation dropped) — kept for display and exact compare. */
  folded: string;
  /** Tokens without particles, e.g. "DE LA CRUZ" -> ["CRUZ"]. */
  tokens: string[];
  /** Tokens concatenated without spaces or particles: "MARTINEZCRUZ". */
  joined: string;
  /** Tokens sorted and space-joined: an order-free key for term frequencies. */
  sortedKey: string;
  /** Double Metaphone codes (primary and secondary) for each token, deduplicated. */
  phonetic: string[][];
  /** Spanish-aware phonetic key for each token (b/v, ll/y, z/s/c, silent h, g/j, qu/k). */
  spanishKeys: string[];
}

/** Given names additionally carry nickname-canonical forms. */
export interface StandardGivenName extends StandardName {
  /** For each token, the token plus its canonical full names ("LUPE" -> ["LUPE","GUADALUPE"]). */
  canonical: string[][];
}

/** One parent of a child as the record names them; either part may be missing. */
export interface StandardParent {
  given: StandardGivenName | null;
  surnames: string[];
}

/** A record ready for blocking and comparison; produced by `standardize`. */
export interface StandardizedPerson {
  recordId: string;
  /** Original input, kept so that explanations can show what was entered. */
  raw: PersonRecord;
  state: string | null;
  /** Upper-case alphanumerics of the state id. */
  stateStudentId: string | null;
  /** First name tokens ("MA. GUADALUPE" -> MARIA, GUADALUPE). */
  given: StandardGivenName | null;
  /** Middle name tokens; may hold a second given name or the maternal surname. */
  middle: StandardGivenName | null;
  /** First and middle name tokens together ("MARIA" + "GUADALUPE"), for compound given names. */
  givenFull: StandardGivenName | null;
  /** All surname tokens in order: last name 1 tokens then last name 2 tokens. */
  surnames: StandardName | null;
  /** Paternal surname: first token of last name 1 (after particles). */
  surname1: string | null;
  /** Maternal surname: first token of last name 2, else the second token of last name 1. */
  surname2: string | null;
  sex: Sex | null;
  birth: ParsedDate | null;
  multipleBirth: boolean | null;
  birthCity: string | null;
  birthState: string | null;
  birthCountry: string | null;
  /** Each listed parent as a person (given name and surname tokens), in the order the record lists them. */
  parents: StandardParent[];
  /** Given names of both parents (parent 2, usually the mother, first). */
  parentGiven: StandardGivenName[];
  /** Surname tokens of both parents. */
  parentSurnames: string[];
  /** Number of parents with a surname (a lone father and a lone mother must not count as disagreement). */
  parentsWithSurname: number;
}
