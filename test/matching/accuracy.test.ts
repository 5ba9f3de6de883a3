/**
 * Accuracy regression on the labelled data (read in place from
 * ../shared/data or $MSIX_SHARED_DATA). A missing file skips locally but
 * FAILS when process.env.CI is set.
 */
import { describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { loadDefaultModel } from '../../core/matching/default-model.js';
import { sharedDataFile } from '../../lab/matching/evaluation/data-path.js';
import { febrlAllFields, readFebrl } from '../../lab/matching/evaluation/febrl.js';
import { evaluate } from '../../lab/matching/evaluation/run.js';
import { readSplink, splinkFakeSet } from '../../lab/matching/evaluation/splink.js';
import { syntheticDataset } from '../../lab/matching/evaluation/synthetic.js';
import { personComparisonSet } from '../../core/matching/person-comparisons.js';

const febrl4a = sharedDataFile('febrl', 'dataset4a.csv');
const febrl4b = sharedDataFile('febrl', 'dataset4b.csv');
const fake1000 = sharedDataFile('splink', 'fake_1000_from_splink_demos.csv');
/** Run when present; in CI run anyway so that a missing file fails the test. */
const available = (...files: string[]) => files.every(existsSync) || Boolean(process.env.CI);

describe('accuracy regression', () => {
  it.runIf(available(febrl4a, febrl4b))(
    'FEBRL4 (all fields) pairwise F1 ≥ 0.999',
    () => {
      const a = readFebrl(febrl4a);
      const b = readFebrl(febrl4b);
      const records = [...a, ...b];
      const source = Uint8Array.from(records, (_, i) => (i < a.length ? 0 : 1));
      const r = evaluate({ name: 'FEBRL4', records, truth: records.map((x) => x.entity), set: febrlAllFields, source });
      expect(r.pairwise.f1).toBeGreaterThanOrEqual(0.999);
      expect(r.pairwise.precision).toBeGreaterThanOrEqual(0.9995);
    },
    120_000,
  );

  it.runIf(available(fake1000))(
    'Splink fake_1000 pairwise F1 ≥ 0.95',
    () => {
      const records = readSplink(fake1000);
      const r = evaluate({ name: 'fake_1000', records, truth: records.map((x) => x.entity), set: splinkFakeSet });
      expect(r.pairwise.f1).toBeGreaterThanOrEqual(0.95);
    },
    120_000,
  );

  it('synthetic migrants: no twins merged, F1 ≥ 0.99 on automatic links, review ≤ 2%', () => {
    const data = syntheticDataset({ records: 6000, seed: 5 });
    const r = evaluate({
      name: 'synthetic',
      records: data.records,
      truth: data.truth,
      twinGroup: data.twinGroup,
      set: personComparisonSet,
      model: loadDefaultModel(),
    });
    expect(r.twinsMerged).toBe(0);
    expect(r.mixedClusters).toBe(0);
    expect(r.pairwise.precision).toBeGreaterThanOrEqual(0.999);
    // 0.9907 with rules person-2026.11-4, 0.9903 on 20k with -5 (0.9873 on 20k with -3). Rules -6 with the model
    // mixed over generators A and B give 0.9875 here (precision 1.0000, review 2.25%): names alone no longer link
    // and a record linking into two namesakes is held, which costs 0.2% of recall on this generator and keeps
    // every cluster to one child (issue 12).
    expect(r.pairwise.f1).toBeGreaterThanOrEqual(0.985);
    // Rules -9: names with only a shared 01-01 stand-in date go to a person (review 2.38% here, from about 2.3%).
    expect(r.reviewShare).toBeLessThanOrEqual(0.024);
    expect(r.recallWithReview).toBeGreaterThanOrEqual(0.99);
  }, 120_000);

  it('generator B, never tuned on: no twins merged, precision ≥ 0.999, F1 ≥ 0.975 (issue 12)', () => {
    // Generator B (lab/matching/synthetic-b) is independent of the generator the default model is trained on.
    // Rules -4 got F1 0.963 (recall 0.930), review 4.9% here; -5 gets 0.98 at 6k and 0.985 at 20k. The
    // issue's target, F1 ≥ 0.99 and review ≤ 2%, is not met yet: this guards the progress.
    const data = syntheticDataset({ records: 6000, seed: 5, generator: 'B' });
    const r = evaluate({
      name: 'generator B',
      records: data.records,
      truth: data.truth,
      twinGroup: data.twinGroup,
      set: personComparisonSet,
      model: loadDefaultModel(),
    });
    expect(r.twinsMerged).toBe(0);
    expect(r.mixedClusters).toBe(0);
    expect(r.pairwise.precision).toBeGreaterThanOrEqual(0.999);
    expect(r.pairwise.f1).toBeGreaterThanOrEqual(0.975);
    expect(r.reviewShare).toBeLessThanOrEqual(0.035);
  }, 120_000);
});
