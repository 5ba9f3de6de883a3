/** Synthetic migrant populations (generators A, B, C and D) as evaluation data sets. */
import { standardize } from '../../../core/matching/standardize.js';
import { generatePopulation, type SyntheticRecord } from '../synthetic/generator.js';
import { generatePopulationB } from '../synthetic-b/generator.js';
import { generatePopulationC } from '../synthetic-c/generator.js';
import { generatePopulationD } from '../synthetic-d/generator.js';
import type { StandardizedPerson } from '../../../core/matching/types.js';

export interface SyntheticDataset {
  records: StandardizedPerson[];
  truth: number[];
  twinGroup: Int32Array;
}

/**
 * Which independent generator: A (`synthetic/`) and B (`synthetic-b/`), the two the shipped model is estimated
 * on, or C (`synthetic-c/`) and D (`synthetic-d/`), held out: never used for training or tuning, only to report on.
 */
export type GeneratorName = 'A' | 'B' | 'C' | 'D';

export function syntheticDataset(options: {
  records: number;
  seed: number;
  generator?: GeneratorName;
}): SyntheticDataset {
  const records: StandardizedPerson[] = [];
  const truth: number[] = [];
  const twin: number[] = [];
  const source: Iterable<SyntheticRecord> =
    options.generator === 'B'
      ? generatePopulationB(options)
      : options.generator === 'C'
        ? generatePopulationC(options)
        : options.generator === 'D'
          ? generatePopulationD(options)
          : generatePopulation(options);
  for (const r of source) {
    records.push(standardize(r.record));
    truth.push(r.childId);
    twin.push(r.twinGroup ?? -1);
  }
  return { records, truth, twinGroup: Int32Array.from(twin) };
}
