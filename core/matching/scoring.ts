/**
 * Fellegi-Sunter scoring: the match weight is the log2 prior odds plus,
 * for each field, log2(m/u) of the level the pair reached (with a
 * term-frequency adjustment for exact name agreement). Every score keeps
 * its per-field contributions so that a reviewer can see why.
 */
import { DISTINCT_PREFIX, NO_EVIDENCE, type ComparisonSet } from './compare/field-comparison.js';
import type { MatchModel, TermFrequencyTable } from './model.js';
import { personComparisonSet } from './person-comparisons.js';

export type PairDecision = 'link' | 'review' | 'none';

/** One field's share of the score (the "waterfall" explanation). */
export interface FieldContribution {
  field: string;
  /** Level name, or null when either side had no value (weight 0). */
  level: string | null;
  /** log2 Bayes factor, term-frequency adjustment included. */
  weight: number;
  /** Part of `weight` that comes from the term-frequency adjustment. */
  tfAdjustment?: number;
}

export interface PairScore {
  /** Total match weight in bits, prior included. */
  weight: number;
  /** Posterior probability that the two records are the same child. */
  probability: number;
  contributions: FieldContribution[];
  /** Reasons that forbid an automatic link (twins, sex disagreement…). */
  conflicts: string[];
  decision: PairDecision;
  rulesVersion: string;
}

export interface ScoringOptions {
  /** Number of records the arriving record is matched against; sets the prior. */
  population?: number;
  /** Term-frequency tables to use instead of the model's (e.g. computed from the batch). */
  termFrequencies?: Record<string, TermFrequencyTable>;
}

const TF_MAX_UP = 5;
const TF_MAX_DOWN = 5;

/** A model prepared for fast repeated scoring with one comparison set. */
export class CompiledModel<R> {
  readonly set: ComparisonSet<R>;
  readonly model: MatchModel;
  readonly priorWeight: number;
  readonly linkWeight: number;
  readonly reviewWeight: number;
  /** weights[field][level] = log2(m/u). */
  readonly weights: Float64Array[];
  readonly uValues: Float64Array[];
  readonly tf: Array<{ table: Map<string, number>; min: number } | null>;
  /** Scratch level vector reused by `weightOf`. */
  readonly levels: Int8Array;
  /** Field evaluation order for the early-exit path: cheap and decisive fields first. */
  private readonly order: number[];
  /** bestRest[k] = most weight fields order[k..] could still add. */
  private readonly bestRest: Float64Array;

  constructor(model: MatchModel, set: ComparisonSet<R>, options: ScoringOptions = {}) {
    this.set = set;
    this.model = model;
    const population = Math.max(2, options.population ?? model.referencePopulation);
    const lambda = Math.min(0.5, model.matchesPerRecord / (population - 1));
    this.priorWeight = Math.log2(lambda / (1 - lambda));
    this.linkWeight = Math.log2(model.thresholds.link / (1 - model.thresholds.link));
    this.reviewWeight = Math.log2(model.thresholds.review / (1 - model.thresholds.review));
    this.weights = model.fields.map((f) =>
      Float64Array.from(f.levels, (l) => Math.log2(Math.max(l.m, 1e-9) / Math.max(l.u, 1e-9))),
    );
    this.uValues = model.fields.map((f) => Float64Array.from(f.levels, (l) => Math.max(l.u, 1e-9)));
    const tfTables = options.termFrequencies ?? model.termFrequencies;
    this.tf = set.comparisons.map((c) => {
      const t = tfTables[c.field];
      return t && c.tfValue ? { table: new Map(Object.entries(t.frequencies)), min: t.minFrequency } : null;
    });
    this.levels = new Int8Array(set.comparisons.length);
    const cost = (field: string) =>
      /birth_date|sex|state|postcode|soc_sec|street_number|email|city/.test(field) ? 0 : /surname/.test(field) ? 1 : 2;
    this.order = set.comparisons
      .map((_, f) => f)
      .sort((x, y) => cost(set.comparisons[x]!.field) - cost(set.comparisons[y]!.field));
    this.bestRest = new Float64Array(this.order.length + 1);
    for (let k = this.order.length - 1; k >= 0; k--) {
      const f = this.order[k]!;
      const best = Math.max(0, ...this.weights[f]!) + (this.tf[f] ? TF_MAX_UP : 0);
      this.bestRest[k] = this.bestRest[k + 1]! + best;
    }
  }

  /**
   * Like `weightOf`, but gives up (returning -Infinity) as soon as the pair
   * cannot reach `floor` any more. `this.levels` is then incomplete.
   */
  weightAtLeast(a: R, b: R, floor: number): number {
    const comparisons = this.set.comparisons;
    let w = this.priorWeight;
    for (let k = 0; k < this.order.length; k++) {
      if (w + this.bestRest[k]! < floor) return -Infinity;
      const f = this.order[k]!;
      const level = comparisons[f]!.compare(a, b);
      this.levels[f] = level;
      if (level === NO_EVIDENCE) continue;
      w += this.weights[f]![level]!;
      if (this.tf[f] !== null) w += this.tfAdjustment(f, a, b, level);
    }
    return w;
  }

  /** Term-frequency adjustment (bits) for a field at a level, 0 when not applicable. */
  tfAdjustment(fieldIndex: number, a: R, b: R, level: number): number {
    const tf = this.tf[fieldIndex];
    if (tf === null || tf === undefined) return 0;
    const value = this.set.comparisons[fieldIndex]!.tfValue!(a, b, level);
    if (value === null) return 0;
    const freq = Math.max(tf.table.get(value) ?? tf.min, 1e-9);
    const adj = Math.log2(this.uValues[fieldIndex]![level]! / freq);
    return Math.max(-TF_MAX_DOWN, Math.min(TF_MAX_UP, adj));
  }

  /** Match weight of a pair; fills `this.levels`. The hot path of batch linking. */
  weightOf(a: R, b: R): number {
    const comparisons = this.set.comparisons;
    let w = this.priorWeight;
    for (let f = 0; f < comparisons.length; f++) {
      const level = comparisons[f]!.compare(a, b);
      this.levels[f] = level;
      if (level === NO_EVIDENCE) continue;
      w += this.weights[f]![level]!;
      if (this.tf[f] !== null) w += this.tfAdjustment(f, a, b, level);
    }
    return w;
  }

  /** Conflict labels for the levels last computed by `weightOf`. */
  conflictsOf(a: R, b: R, levels: ArrayLike<number> = this.levels): string[] {
    const out: string[] = [];
    for (const rule of this.set.conflicts) {
      const c = rule(a, b, levels);
      if (c !== null) out.push(c);
    }
    return out;
  }

  decide(weight: number, conflicts: readonly string[]): PairDecision {
    for (const c of conflicts) if (c.startsWith(DISTINCT_PREFIX)) return 'none';
    if (weight >= this.linkWeight) return conflicts.length > 0 ? 'review' : 'link';
    return weight >= this.reviewWeight ? 'review' : 'none';
  }

  /** Full explained score of a pair. */
  score(a: R, b: R): PairScore {
    const weight = this.weightOf(a, b);
    const levels = Array.from(this.levels);
    const contributions: FieldContribution[] = this.set.comparisons.map((c, f) => {
      const level = levels[f]!;
      if (level === NO_EVIDENCE) return { field: c.field, level: null, weight: 0 };
      const tfAdjustment = this.tf[f] !== null ? this.tfAdjustment(f, a, b, level) : 0;
      const entry: FieldContribution = {
        field: c.field,
        level: c.levels[level] ?? String(level),
        weight: this.weights[f]![level]! + tfAdjustment,
      };
      if (tfAdjustment !== 0) entry.tfAdjustment = tfAdjustment;
      return entry;
    });
    const conflicts = this.conflictsOf(a, b, levels);
    return {
      weight,
      probability: weightToProbability(weight),
      contributions,
      conflicts,
      decision: this.decide(weight, conflicts),
      rulesVersion: this.model.rulesVersion,
    };
  }
}

/** Converts a match weight (bits) to a probability. */
export function weightToProbability(weight: number): number {
  return 1 / (1 + 2 ** -weight);
}

const compiledCache = new WeakMap<MatchModel, WeakMap<object, Map<number, CompiledModel<unknown>>>>();

/**
 * Compiles a model for a comparison set. Cached per model object,
 * comparison set and population (models are treated as immutable), unless
 * custom term frequencies are given.
 */
export function compileModel<R>(model: MatchModel, set: ComparisonSet<R>, options?: ScoringOptions): CompiledModel<R> {
  if (options?.termFrequencies !== undefined) return new CompiledModel(model, set, options);
  const population = options?.population ?? model.referencePopulation;
  let bySet = compiledCache.get(model);
  if (!bySet) {
    bySet = new WeakMap();
    compiledCache.set(model, bySet);
  }
  let byPopulation = bySet.get(set);
  if (!byPopulation) {
    byPopulation = new Map();
    bySet.set(set, byPopulation);
  }
  let compiled = byPopulation.get(population) as CompiledModel<R> | undefined;
  if (!compiled) {
    if (byPopulation.size > 64) byPopulation.clear();
    compiled = new CompiledModel(model, set, { population });
    byPopulation.set(population, compiled as CompiledModel<unknown>);
  }
  return compiled;
}

/**
 * Scores one pair of standardized person records with an explanation.
 * Pass another comparison set to score FEBRL/Splink-style records.
 */
export function scorePair<R = import('./types.js').StandardizedPerson>(
  a: R,
  b: R,
  model: MatchModel,
  set: ComparisonSet<R> = personComparisonSet as unknown as ComparisonSet<R>,
  options?: ScoringOptions,
): PairScore {
  return compileModel(model, set, options).score(a, b);
}
