/**
 * Estimates a match model from data:
 * - u from random record pairs (almost all are different people);
 * - m by expectation-maximisation on blocked candidate pairs (u fixed), or
 *   directly from labelled pairs when ground truth is available;
 * - the prior from a deterministic rule (exact name + date, or same state
 *   id), divided by that rule's recall — not from EM's own mixing weight,
 *   which degenerates on blocked pairs.
 */
import { BlockIndex } from '../../core/matching/block-index.js';
import { NO_EVIDENCE, type ComparisonSet } from '../../core/matching/compare/field-comparison.js';
import {
  RULES_VERSION,
  type FieldParameters,
  type MatchModel,
  type MatchThresholds,
} from '../../core/matching/model.js';
import { SeededRandom } from '@msix/adapter-sdk/random';
import { buildTermFrequencies } from '../../core/matching/term-frequency.js';

export interface TrainingOptions<R> {
  trainedOn: string;
  seed?: number;
  /** Random pairs sampled for u. */
  randomPairs?: number;
  /** Blocked pairs sampled for EM. */
  maxBlockedPairs?: number;
  emIterations?: number;
  maxBlockSize?: number;
  thresholds?: MatchThresholds;
  /** Ground truth: when given, m comes from labelled blocked pairs instead of EM. */
  sameEntity?: (a: R, b: R) => boolean;
  /**
   * Re-estimation: start EM from this model's m and shrink towards it with `priorStrength` pseudo-pairs per
   * field, so a level the load rarely shows keeps the earlier estimate instead of collapsing.
   */
  initial?: MatchModel;
  /** Pseudo-pairs of `initial` per field in every M step (default 200). */
  priorStrength?: number;
  /** Overrides for the second pass (records to sample blocked pairs from when linking two files). */
  pairFilter?: (a: R, b: R) => boolean;
  notes?: string;
}

const SMOOTH = 0.5;

function levelsOf<R>(set: ComparisonSet<R>, a: R, b: R, out: Int8Array, offset: number): void {
  const cs = set.comparisons;
  for (let f = 0; f < cs.length; f++) out[offset + f] = cs[f]!.compare(a, b);
}

/** Level counts → probabilities with light smoothing so that no level has probability 0. */
function normalise(counts: Float64Array, levels: number, pseudo: number): number[] {
  let total = 0;
  for (let l = 0; l < levels; l++) total += counts[l]!;
  const out: number[] = [];
  for (let l = 0; l < levels; l++) out.push((counts[l]! + pseudo) / (total + pseudo * levels));
  return out;
}

/** Trains a model for `set` on `records` (standardized). */
export function trainModel<R>(records: readonly R[], set: ComparisonSet<R>, options: TrainingOptions<R>): MatchModel {
  const rng = new SeededRandom(options.seed ?? 42);
  const cs = set.comparisons;
  const F = cs.length;
  const n = records.length;
  if (n < 2) throw new Error('trainModel: need at least two records');

  // u from random pairs.
  const randomPairs = options.randomPairs ?? Math.min(300_000, Math.max(100_000, n * 5));
  const uCounts = cs.map((c) => new Float64Array(c.levels.length));
  const levels = new Int8Array(F);
  for (let k = 0; k < randomPairs; k++) {
    const i = rng.int(n);
    let j = rng.int(n - 1);
    if (j >= i) j++;
    const a = records[i]!;
    const b = records[j]!;
    if (options.pairFilter && !options.pairFilter(a, b)) continue;
    levelsOf(set, a, b, levels, 0);
    for (let f = 0; f < F; f++) if (levels[f] !== NO_EVIDENCE) uCounts[f]![levels[f]!]!++;
  }
  // Agreement levels rarely seen in random pairs get a tiny pseudo-count, so their u stays small.
  const u = uCounts.map((c, f) => normalise(c, cs[f]!.levels.length, 1 / cs[f]!.levels.length));

  // Blocked pairs.
  const maxBlockSize = options.maxBlockSize ?? 200;
  const index = new BlockIndex({ maxBlockSize }, n * 12);
  for (let i = 0; i < n; i++) index.add(i, set.blockingKeys(records[i]!));
  const all: Array<[number, number]> = [];
  index.forEachPair((i, j) => {
    if (options.pairFilter && !options.pairFilter(records[i]!, records[j]!)) return;
    all.push([i, j]);
  });
  const maxPairs = options.maxBlockedPairs ?? 2_000_000;
  let pairs = all;
  if (all.length > maxPairs) {
    pairs = [];
    const keep = maxPairs / all.length;
    for (const p of all) if (rng.chance(keep)) pairs.push(p);
  }
  const P = pairs.length;
  const pairLevels = new Int8Array(P * F);
  const rule = new Uint8Array(P);
  for (let k = 0; k < P; k++) {
    const [i, j] = pairs[k]!;
    levelsOf(set, records[i]!, records[j]!, pairLevels, k * F);
    rule[k] = set.deterministicMatch(records[i]!, records[j]!) ? 1 : 0;
  }

  const posterior = new Float64Array(P);
  let m: number[][];
  if (options.sameEntity) {
    const mCounts = cs.map((c) => new Float64Array(c.levels.length));
    for (let k = 0; k < P; k++) {
      const [i, j] = pairs[k]!;
      const same = options.sameEntity(records[i]!, records[j]!);
      posterior[k] = same ? 1 : 0;
      if (!same) continue;
      for (let f = 0; f < F; f++) {
        const l = pairLevels[k * F + f]!;
        if (l !== NO_EVIDENCE) mCounts[f]![l]!++;
      }
    }
    // A level never seen among matches carries no evidence for a link: cap its m at u.
    m = mCounts.map((c, f) =>
      normalise(c, cs[f]!.levels.length, SMOOTH).map((x, l) => (c[l] === 0 ? Math.min(x, u[f]![l]!) : x)),
    );
  } else {
    // EM with u fixed. Start from "agreement levels likely, last level unlikely".
    const initial = options.initial;
    if (initial && initial.fields.map((f) => f.field).join() !== cs.map((c) => c.field).join())
      throw new Error('trainModel: the initial model belongs to other comparisons');
    const m0 = initial?.fields.map((f) => f.levels.map((l) => l.m));
    const alpha = initial ? (options.priorStrength ?? 200) : 0;
    m = cs.map((c, f) => {
      if (m0) return [...m0[f]!];
      const L = c.levels.length;
      const raw = c.levels.map((_, l) => (l === L - 1 ? 0.05 : 0.5 ** (l + 1)));
      const s = raw.reduce((x, y) => x + y, 0);
      return raw.map((x) => x / s);
    });
    let lambda = initial ? 0.3 : 0.1;
    const iterations = options.emIterations ?? 25;
    for (let it = 0; it < iterations; it++) {
      const mCounts = cs.map((c) => new Float64Array(c.levels.length));
      let sumP = 0;
      for (let k = 0; k < P; k++) {
        let logRatio = Math.log(lambda / (1 - lambda));
        for (let f = 0; f < F; f++) {
          const l = pairLevels[k * F + f]!;
          if (l !== NO_EVIDENCE) logRatio += Math.log(m[f]![l]! / u[f]![l]!);
        }
        const p = 1 / (1 + Math.exp(-logRatio));
        posterior[k] = p;
        sumP += p;
        for (let f = 0; f < F; f++) {
          const l = pairLevels[k * F + f]!;
          if (l !== NO_EVIDENCE) mCounts[f]![l]! += p;
        }
      }
      lambda = Math.min(0.999, Math.max(1e-6, sumP / P));
      m = mCounts.map((c, f) => {
        if (m0) for (let l = 0; l < c.length; l++) c[l]! += alpha * m0[f]![l]!;
        return normalise(c, cs[f]!.levels.length, SMOOTH * 0.01);
      });
    }
  }

  // Prior from the deterministic rule: matches ≈ rule hits / recall of the rule among matches.
  let ruleHits = 0;
  let ruleMass = 0;
  let matchMass = 0;
  for (let k = 0; k < P; k++) {
    ruleHits += rule[k]!;
    ruleMass += rule[k]! * posterior[k]!;
    matchMass += posterior[k]!;
  }
  const sampled = P / Math.max(1, all.length);
  const recall = matchMass > 0 ? Math.max(0.05, ruleMass / matchMass) : 0.5;
  const expectedMatches = ruleHits / sampled / recall;
  const matchesPerRecord = Math.max(1e-3, (2 * expectedMatches) / n);

  const fields: FieldParameters[] = cs.map((c, f) => ({
    field: c.field,
    levels: c.levels.map((name, l) => ({ name, m: round(m[f]![l]!), u: round(u[f]![l]!) })),
  }));
  return {
    rulesVersion: RULES_VERSION,
    comparisonSet: set.name,
    trainedOn: options.trainedOn,
    trainedAt: new Date().toISOString(),
    matchesPerRecord: round(matchesPerRecord),
    referencePopulation: n,
    thresholds: options.thresholds ?? { link: 0.9, review: 0.5 },
    fields,
    termFrequencies: buildTermFrequencies(records, cs),
    maxBlockSize,
    ...(options.notes ? { notes: options.notes } : {}),
  };
}

function round(x: number): number {
  return Number(x.toPrecision(6));
}

/**
 * Re-estimates a model on one load (a state's file, a batch) without labels: u from the load's random pairs,
 * m by EM on its blocked pairs starting from (and shrunk towards) `model`, term frequencies and the prior
 * from the load. Thresholds stay those of `model`; the rules version is unchanged (same comparisons).
 */
export function reestimateOnLoad<R>(
  model: MatchModel,
  records: readonly R[],
  set: ComparisonSet<R>,
  options: { trainedOn: string; seed?: number; priorStrength?: number },
): MatchModel {
  return trainModel(records, set, {
    trainedOn: `${options.trainedOn} (EM on the load, from: ${model.trainedOn})`,
    seed: options.seed ?? 42,
    initial: model,
    priorStrength: options.priorStrength ?? 200,
    emIterations: 12,
    thresholds: model.thresholds,
    maxBlockSize: model.maxBlockSize,
    notes: 'm by EM on the blocked pairs of this load, started from and shrunk towards the shipped model',
  });
}

/**
 * The equal mixture of models estimated on different populations with the same comparisons: m and u of every
 * level and the prior averaged. A default model mixed over independent generators depends on no one
 * generator's habits; term frequencies are left to the caller (count them on all the populations).
 */
export function mixModels(models: readonly MatchModel[], trainedOn: string): MatchModel {
  const first = models[0];
  if (!first) throw new Error('mixModels: no models');
  const mean = (f: (m: MatchModel) => number) => models.reduce((s, m) => s + f(m), 0) / models.length;
  return {
    ...first,
    trainedOn,
    matchesPerRecord: round(mean((m) => m.matchesPerRecord)),
    referencePopulation: Math.round(mean((m) => m.referencePopulation)),
    fields: first.fields.map((field, f) => ({
      field: field.field,
      levels: field.levels.map((level, l) => ({
        name: level.name,
        m: round(mean((m) => m.fields[f]!.levels[l]!.m)),
        u: round(mean((m) => m.fields[f]!.levels[l]!.u)),
      })),
    })),
  };
}
