/** Synthetic migrant population as an evaluation data set. */
import { standardize } from '../../../core/matching/standardize.js';
import { generatePopulation, type SyntheticOptions } from '../synthetic/generator.js';
import type { StandardizedPerson } from '../../../core/matching/types.js';

export interface SyntheticDataset {
  records: StandardizedPerson[];
  truth: number[];
  twinGroup: Int32Array;
}

export function syntheticDataset(options: SyntheticOptions): SyntheticDataset {
  const records: StandardizedPerson[] = [];
  const truth: number[] = [];
  const twin: number[] = [];
  for (const r of generatePopulation(options)) {
    records.push(standardize(r.record));
    truth.push(r.childId);
    twin.push(r.twinGroup ?? -1);
  }
  return { records, truth, twinGroup: Int32Array.from(twin) };
}
