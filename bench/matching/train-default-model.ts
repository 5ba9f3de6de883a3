/**
 * Retrains the shipped default model on the synthetic migrant populations of
 * both independent generators (u from random pairs, m from labelled blocked
 * pairs, averaged over the generators; prior from the deterministic rule) and
 * writes core/matching/data/default-model.json.
 *
 *   npx tsx bench/matching/train-default-model.ts [--records 100000] [--seed 1]
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { syntheticDataset, type GeneratorName } from '../../lab/matching/evaluation/synthetic.js';
import { personComparisonSet } from '../../core/matching/person-comparisons.js';
import { mixModels, trainModel } from '../../lab/matching/training.js';
import { buildTermFrequencies } from '../../core/matching/term-frequency.js';
import { integerOption, parseCommandLine } from '../../lib/cli.js';

const USAGE = 'usage: npx tsx bench/matching/train-default-model.ts [--records 100000] [--seed 1]';
const { values } = parseCommandLine({
  usage: USAGE,
  options: { records: { type: 'string' }, seed: { type: 'string' } },
});
const records = integerOption(values.records, 'records', 100_000, USAGE);
const seed = integerOption(values.seed, 'seed', 1, USAGE, 0);
const t0 = performance.now();
const generators: GeneratorName[] = ['A', 'B'];
/**
 * One labelled estimate per independent generator (A: lab/matching/synthetic, B: lab/matching/synthetic-b), then
 * the equal mixture of the two: m and u of every level averaged, the prior averaged, term frequencies from both
 * populations. The default model then leans on no single generator's habits (issue 12); a third population is
 * the held-out check.
 */
const perGenerator = generators.map((generator) => {
  const data = syntheticDataset({ records, seed, generator });
  const truthOf = new Map(data.records.map((r, i) => [r.recordId, data.truth[i]]));
  const model = trainModel(data.records, personComparisonSet, {
    trainedOn: `generator ${generator}`,
    seed,
    sameEntity: (a, b) => truthOf.get(a.recordId) === truthOf.get(b.recordId),
    thresholds: { link: 0.9, review: 0.5 },
    maxBlockSize: 100,
  });
  return { model, records: data.records };
});
const model = mixModels(
  perGenerator.map((g) => g.model),
  `synthetic migrant populations of generators A and B, ${records} records each, seed ${seed} ` +
    '(m from labelled blocked pairs, the two estimates averaged)',
);
model.notes =
  'u from random pairs; m from labelled blocked pairs of each generator; m, u and the prior averaged over ' +
  "generators A and B; prior from exact name+date / same state id divided by that rule's recall.";
model.termFrequencies = buildTermFrequencies(
  perGenerator.flatMap((g) => g.records),
  personComparisonSet.comparisons,
  { minCount: 3, maxValues: 4000 },
);
const out = fileURLToPath(new URL('../../core/matching/data/default-model.json', import.meta.url));
writeFileSync(out, `${JSON.stringify(model, null, 1)}\n`);
console.error(`trained on ${records} records in ${((performance.now() - t0) / 1000).toFixed(1)} s -> ${out}`);
for (const f of model.fields) {
  console.error(f.field.padEnd(20), f.levels.map((l) => `${l.name}:${Math.log2(l.m / l.u).toFixed(1)}`).join(' '));
}
console.error('matchesPerRecord', model.matchesPerRecord);
