/**
 * Loads the shipped default model (trained on the synthetic migrant
 * population; retrain with `npx tsx bench/matching/train-default-model.ts`).
 */
import shipped from './data/default-model.json' with { type: 'json' };
import { validateModel, type MatchModel } from './model.js';
import { PERSON_COMPARISONS } from './person-comparisons.js';

/** The default person model used by the incremental matcher and the CLI. */
export function loadDefaultModel(): MatchModel {
  return validateModel(
    structuredClone(shipped) as MatchModel,
    PERSON_COMPARISONS.map((c) => c.field),
  );
}
