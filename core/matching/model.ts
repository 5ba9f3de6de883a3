/**
 * The match model: plain JSON so it can be versioned, shipped, diffed and
 * stored next to every decision it made.
 */

/** Bumped whenever comparisons, levels, blocking keys or conflict rules change meaning. */
export const RULES_VERSION = 'person-2026.12-9';

export interface LevelParameters {
  name: string;
  /** P(level | same person). */
  m: number;
  /** P(level | different people), from random pairs. */
  u: number;
}

export interface FieldParameters {
  field: string;
  levels: LevelParameters[];
}

export interface TermFrequencyTable {
  /** Value -> share of records holding it. Values not listed use `minFrequency`. */
  frequencies: Record<string, number>;
  /** Frequency assumed for unlisted (rare) values. */
  minFrequency: number;
}

export interface MatchThresholds {
  /** Auto-link at or above this probability (when no conflict). */
  link: number;
  /** Near-match review at or above this probability. */
  review: number;
}

export interface MatchModel {
  rulesVersion: string;
  /** Name of the comparison set the parameters belong to ("person", "febrl"…). */
  comparisonSet: string;
  trainedOn: string;
  trainedAt: string;
  /**
   * Prior: expected number of other records of the same person per record.
   * The pairwise prior is matchesPerRecord / (population − 1), so it follows
   * the size of the store the record is matched against.
   */
  matchesPerRecord: number;
  /** Population assumed when the caller does not say how many records are stored. */
  referencePopulation: number;
  thresholds: MatchThresholds;
  fields: FieldParameters[];
  /** Term-frequency tables by field name. */
  termFrequencies: Record<string, TermFrequencyTable>;
  /** Largest block used in batch linking; bigger blocks are skipped as uninformative. */
  maxBlockSize: number;
  notes?: string;
}

/** Throws with a clear message when a JSON value is not a usable model for the given comparisons. */
export function validateModel(model: MatchModel, fieldNames: readonly string[]): MatchModel {
  if (!model || typeof model !== 'object' || !Array.isArray(model.fields))
    throw new Error('match model: not a model object');
  const names = model.fields.map((f) => f.field);
  if (names.join(',') !== fieldNames.join(',')) {
    throw new Error(`match model: fields [${names.join(',')}] do not match comparisons [${fieldNames.join(',')}]`);
  }
  if (!(model.thresholds.link >= model.thresholds.review))
    throw new Error('match model: link threshold below review threshold');
  return model;
}
