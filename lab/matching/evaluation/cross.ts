/**
 * Cross-generator evaluation: estimate the model on one synthetic
 * generator's population and report on the other's, both ways, beside the
 * figures on the population it was tuned on. A matcher that only holds on
 * the generator it was tuned on shows it here.
 */
import { personComparisonSet } from '../../../core/matching/person-comparisons.js';
import type { MatchModel } from '../../../core/matching/model.js';
import { buildTermFrequencies } from '../../../core/matching/term-frequency.js';
import { reestimateOnLoad, trainModel } from '../training.js';
import { evaluate, type EvaluationResult } from './run.js';
import { syntheticDataset, type GeneratorName } from './synthetic.js';

export interface CrossOptions {
  /** Records of the training population (seed `trainSeed`). */
  trainRecords: number;
  trainSeed: number;
  /** Records of the reported population (seed `seed`, never the training seed). */
  records: number;
  seed: number;
  misses?: boolean;
}

/** Model estimated on one generator's population: u from random pairs, m from its labelled blocked pairs. */
export function modelTunedOn(generator: GeneratorName, records: number, seed: number): MatchModel {
  const data = syntheticDataset({ records, seed, generator });
  const truthOf = new Map(data.records.map((r, i) => [r.recordId, data.truth[i]]));
  const model = trainModel(data.records, personComparisonSet, {
    trainedOn: `generator ${generator}, ${records} records, seed ${seed} (m from labelled blocked pairs)`,
    seed,
    sameEntity: (a, b) => truthOf.get(a.recordId) === truthOf.get(b.recordId),
    thresholds: { link: 0.9, review: 0.5 },
    maxBlockSize: 100,
  });
  model.termFrequencies = buildTermFrequencies(data.records, personComparisonSet.comparisons, {
    minCount: 3,
    maxValues: 4000,
  });
  return model;
}

/** Tuned on A → reported on A and B; tuned on B → reported on B and A. */
export function crossGeneratorResults(options: CrossOptions): EvaluationResult[] {
  const out: EvaluationResult[] = [];
  const generators: GeneratorName[] = ['A', 'B'];
  const data = new Map(
    generators.map((g) => [g, syntheticDataset({ records: options.records, seed: options.seed, generator: g })]),
  );
  for (const tuned of generators) {
    const model = modelTunedOn(tuned, options.trainRecords, options.trainSeed);
    for (const reported of [tuned, ...generators.filter((g) => g !== tuned)]) {
      const d = data.get(reported)!;
      const label = `tuned on ${tuned} → reported on ${reported}${tuned === reported ? ' (tuned-on)' : ''}`;
      const run = (name: string, m: MatchModel) =>
        evaluate({
          misses: options.misses ?? false,
          name,
          records: d.records,
          truth: d.truth,
          twinGroup: d.twinGroup,
          set: personComparisonSet,
          model: m,
        });
      out.push(run(`${label}, fixed`, model));
      const reestimated = reestimateOnLoad(model, d.records, personComparisonSet, {
        trainedOn: `generator ${reported}`,
      });
      out.push(run(`${label}, EM on the load`, reestimated));
    }
  }
  return out;
}
