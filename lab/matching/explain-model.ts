/**
 * A person-readable account of a match model (`npm run match -- --explain-model`): where the parameters
 * were estimated, the prior, the thresholds, and for every comparison level its m, u and weight, so that
 * a data steward can see what each kind of agreement or disagreement is worth.
 */
import type { MatchModel } from '../../core/matching/model.js';

export function explainModel(model: MatchModel): string {
  const lines: string[] = [];
  const bits = (p: number) => Math.log2(p / (1 - p));
  lines.push(`rules version   ${model.rulesVersion} (comparison set ${model.comparisonSet})`);
  lines.push(`estimated on    ${model.trainedOn}, ${model.trainedAt}`);
  if (model.notes) lines.push(`how             ${model.notes}`);
  const prior = model.matchesPerRecord / Math.max(1, model.referencePopulation - 1);
  lines.push(
    `prior           ${model.matchesPerRecord} other records of the same child per record; ` +
      `at ${model.referencePopulation} records: ${prior.toExponential(3)} (${bits(prior).toFixed(1)} bits)`,
  );
  lines.push(
    `thresholds      link at p ≥ ${model.thresholds.link} (${bits(model.thresholds.link).toFixed(1)} bits), ` +
      `review at p ≥ ${model.thresholds.review} (${bits(model.thresholds.review).toFixed(1)} bits)`,
  );
  lines.push('');
  lines.push('| field | level | m = P(level | same child) | u = P(level | different children) | weight log2(m/u) |');
  lines.push('|---|---|---|---|---|');
  for (const f of model.fields) {
    for (const l of f.levels) {
      const w = Math.log2(Math.max(l.m, 1e-9) / Math.max(l.u, 1e-9));
      const weight = `${w >= 0 ? '+' : ''}${w.toFixed(2)}`;
      lines.push(`| ${f.field} | ${l.name} | ${l.m.toPrecision(4)} | ${l.u.toPrecision(4)} | ${weight} |`);
    }
  }
  lines.push('');
  lines.push('Term-frequency adjustment (exact agreement on a value weighs log2(u_level / frequency), ±5 bits):');
  for (const [field, t] of Object.entries(model.termFrequencies)) {
    const top = Object.entries(t.frequencies)
      .sort((a, b) => b[1] - a[1])
      .slice(0, 5)
      .map(([v, x]) => `${v} ${(x * 100).toFixed(2)}%`);
    const count = Object.keys(t.frequencies).length;
    const unlisted = t.minFrequency.toExponential(2);
    lines.push(`  ${field}: ${count} values, unlisted ${unlisted}; most common: ${top.join(', ')}`);
  }
  lines.push('');
  lines.push(
    'Missing values are neither for nor against (weight 0). Conflict rules (twins, a multiple birth with another',
  );
  lines.push('given name, parents who contradict, sex disagreement, a second id in one state) stop an automatic link');
  lines.push('whatever the weight; see docs/matching.md.');
  return lines.join('\n');
}
