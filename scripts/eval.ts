/**
 * `npm run eval`: accuracy of the matching engine on the labelled data sets
 * (FEBRL4, FEBRL4 names+DOB+locality, FEBRL3, Splink fake_1000) and on the
 * synthetic migrant populations. Prints pairwise and B-cubed P/R/F1,
 * blocking recall, the review-band size, twins merged and clusters mixing
 * two children.
 *
 *   npm run eval [-- --synthetic 20000 --seed 7 --generator A|B|C|D --cross 6000 --train 20000
 *                   --only febrl4,febrl4-ndl,febrl3,fake1000,synthetic,cross --misses --json]
 *
 * The cross-generator rows (`cross`) estimate the model on one independent
 * generator's population (A: lab/matching/synthetic, B: lab/matching/synthetic-b;
 * `--train` records, seed 1) and report on a population of each generator
 * (`--cross` records, `--seed`): tuned on A → reported on B and the reverse,
 * beside the tuned-on figures.
 *
 * `--misses` also lists the missed true pairs of each data set by cause
 * (no shared blocking key, a conflict rule, below the link threshold, a
 * record held between twins, a conflict between the two clusters).
 */
import { existsSync } from 'node:fs';
import { loadDefaultModel } from '../core/matching/default-model.js';
import {
  readFebrl,
  febrlAllFields,
  febrlNameDateLocality,
  type FebrlRecord,
} from '../lab/matching/evaluation/febrl.js';
import { sharedDataFile } from '../lab/matching/evaluation/data-path.js';
import { evaluate, type EvaluationResult } from '../lab/matching/evaluation/run.js';
import { readSplink, splinkFakeSet } from '../lab/matching/evaluation/splink.js';
import { syntheticDataset, type GeneratorName } from '../lab/matching/evaluation/synthetic.js';
import { crossGeneratorResults } from '../lab/matching/evaluation/cross.js';
import { personComparisonSet } from '../core/matching/person-comparisons.js';
import { integerOption, parseCommandLine } from '../lib/cli.js';

const USAGE =
  'usage: npm run eval [-- --synthetic 20000 --seed 7 --generator A|B|C|D --cross 6000 --train 20000\n' +
  '                       --only febrl4,febrl4-ndl,febrl3,fake1000,synthetic,cross --misses --json]';
const { values } = parseCommandLine({
  usage: USAGE,
  options: {
    synthetic: { type: 'string' },
    seed: { type: 'string' },
    generator: { type: 'string' },
    cross: { type: 'string' },
    train: { type: 'string' },
    only: { type: 'string' },
    misses: { type: 'boolean' },
    json: { type: 'boolean' },
  },
});
const arg = (name: 'synthetic' | 'seed' | 'cross' | 'train', fallback: number): number =>
  integerOption(values[name], name, fallback, USAGE, 0);
const asJson = values.json ?? false;
const misses = values.misses ?? false;
const only = values.only === undefined ? null : values.only.split(',');

function need(file: string): string {
  if (!existsSync(file)) throw new Error(`missing data file ${file} (set MSIX_SHARED_DATA to the shared data folder)`);
  return file;
}

const results: EvaluationResult[] = [];
const run = (key: string, f: () => EvaluationResult) => {
  if (only && !only.includes(key)) return;
  const r = f();
  results.push(r);
  if (!asJson) console.error(`${r.name}: F1 ${r.pairwise.f1.toFixed(4)} (${r.seconds.toFixed(1)} s)`);
};

function febrl4(set: typeof febrlAllFields, name: string): EvaluationResult {
  const a = readFebrl(need(sharedDataFile('febrl', 'dataset4a.csv')));
  const b = readFebrl(need(sharedDataFile('febrl', 'dataset4b.csv')));
  const records: FebrlRecord[] = [...a, ...b];
  const source = Uint8Array.from(records, (_, i) => (i < a.length ? 0 : 1));
  return evaluate({ misses, name, records, truth: records.map((r) => r.entity), set, source });
}

run('febrl4', () => febrl4(febrlAllFields, 'FEBRL4 4a×4b, all fields'));
run('febrl4-ndl', () => febrl4(febrlNameDateLocality, 'FEBRL4, names+DOB+locality'));
run('febrl3', () => {
  const records = readFebrl(need(sharedDataFile('febrl', 'dataset3.csv')));
  return evaluate({
    misses,
    name: 'FEBRL3 dedupe, all fields',
    records,
    truth: records.map((r) => r.entity),
    set: febrlAllFields,
  });
});
run('fake1000', () => {
  const records = readSplink(need(sharedDataFile('splink', 'fake_1000_from_splink_demos.csv')));
  return evaluate({
    misses,
    name: 'Splink fake_1000',
    records,
    truth: records.map((r) => r.entity),
    set: splinkFakeSet,
  });
});
const generator: GeneratorName = (['B', 'C', 'D'] as const).find((g) => g === values.generator) ?? 'A';
run('synthetic', () => {
  const size = arg('synthetic', 20_000);
  const seed = arg('seed', 7);
  const data = syntheticDataset({ records: size, seed, generator });
  return evaluate({
    misses,
    name: `Synthetic migrants, generator ${generator}, ${size} (seed ${seed}, default model)`,
    records: data.records,
    truth: data.truth,
    twinGroup: data.twinGroup,
    set: personComparisonSet,
    model: loadDefaultModel(),
  });
});
if (!only || only.includes('cross')) {
  const size = arg('cross', 6_000);
  for (const r of crossGeneratorResults({
    trainRecords: arg('train', 20_000),
    trainSeed: 1,
    records: size,
    seed: arg('seed', 7),
    misses,
  })) {
    results.push(r);
    if (!asJson) console.error(`${r.name}: F1 ${r.pairwise.f1.toFixed(4)} (${r.seconds.toFixed(1)} s)`);
  }
}

const pct = (x: number) => x.toFixed(4);
if (asJson) {
  for (const r of results) {
    const { model, ...rest } = r;
    console.log(JSON.stringify({ ...rest, rulesVersion: model.rulesVersion, thresholds: model.thresholds }));
  }
} else {
  console.log(
    '| data set | records | pairwise P | pairwise R | pairwise F1 | B³ P | B³ R | B³ F1 | blocking ' +
      'recall | candidate pairs | review share (cluster pairs / record pairs) | review items true | ' +
      'recall incl. review | ' +
      'twins merged | mixed clusters | s |',
  );
  console.log('|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|');
  for (const r of results) {
    console.log(
      `| ${r.name} | ${r.records} | ${pct(r.pairwise.precision)} | ${pct(r.pairwise.recall)} | ` +
        `**${pct(r.pairwise.f1)}** | ${pct(r.bcubed.precision)} | ${pct(r.bcubed.recall)} | ` +
        `${pct(r.bcubed.f1)} | ${pct(r.blockingRecall)} | ${r.candidatePairs} | ` +
        `${(r.reviewShare * 100).toFixed(2)}% / ${(r.reviewShareRecordPairs * 100).toFixed(2)}% | ` +
        `${r.reviewPairs} items, ${(r.reviewTrueShare * 100).toFixed(1)}% | ` +
        `${pct(r.recallWithReview)} | ${r.twinsMerged ?? '–'} | ${r.mixedClusters} | ${r.seconds.toFixed(1)} |`,
    );
  }
}
if (misses && !asJson) {
  for (const r of results) {
    if (!r.misses) continue;
    console.log(`\n${r.name}: ${r.misses.missedPairs} of ${r.misses.truePairs} true pairs missed on automatic links`);
    console.log('| cause | missed pairs | share of true pairs |');
    console.log('|---|---|---|');
    for (const c of r.misses.causes)
      console.log(`| ${c.cause} | ${c.pairs} | ${((c.pairs / r.misses.truePairs) * 100).toFixed(2)}% |`);
  }
}
