/**
 * Term-frequency tables: agreement on a common value (GARCIA) is weaker
 * evidence than agreement on a rare one (XOCUA).
 */
import type { FieldComparison } from './compare/field-comparison.js';
import type { TermFrequencyTable } from './model.js';

/**
 * Counts values over the records being linked. Only values held by at least
 * `minCount` records are kept; the rest share `minFrequency`.
 */
export function buildTermFrequencies<R>(
  records: readonly R[],
  comparisons: readonly FieldComparison<R>[],
  options: { minCount?: number; maxValues?: number } = {},
): Record<string, TermFrequencyTable> {
  const minCount = options.minCount ?? 2;
  const maxValues = options.maxValues ?? 20_000;
  const out: Record<string, TermFrequencyTable> = {};
  const n = Math.max(1, records.length);
  for (const c of comparisons) {
    const tfOf = c.tfValuesOf;
    if (!tfOf) continue;
    const counts = new Map<string, number>();
    for (const r of records) for (const v of tfOf(r)) counts.set(v, (counts.get(v) ?? 0) + 1);
    const kept = [...counts.entries()]
      .filter(([, k]) => k >= minCount)
      .sort((x, y) => y[1] - x[1])
      .slice(0, maxValues);
    const frequencies: Record<string, number> = {};
    for (const [v, k] of kept) frequencies[v] = k / n;
    out[c.field] = { frequencies, minFrequency: Math.min(minCount, 1) / n };
  }
  return out;
}
