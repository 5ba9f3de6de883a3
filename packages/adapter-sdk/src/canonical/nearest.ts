/** Levenshtein distance: how many single-character edits turn `a` into `b`. */
export function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diag = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = row[j]!;
      row[j] = Math.min(up + 1, row[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return row[b.length]!;
}

/** The longest wrong value compared with the names; codes, labels and descriptor URIs are far shorter. */
const MAX_COMPARED = 256;

/**
 * The items nearest to a wrong value, comparing it (case-insensitively) with
 * each of an item's names (its code, its label…); a name that starts with the
 * wrong value counts as very near. Every "did you mean" in the gateway uses it.
 */
export function nearestBy<T>(
  items: readonly T[],
  wrong: string,
  namesOf: (item: T) => readonly (string | undefined)[],
  count = 3,
): T[] {
  const w = wrong.trim().toLowerCase();
  // Nothing is near a value this long, and comparing it costs its length times every name's: a 300 KB field took
  // seconds per record (found by the hostile-input fuzz, issue 18).
  if (w.length > MAX_COMPARED) return [];
  return items
    .map((item) => {
      let d = Infinity;
      for (const n of namesOf(item)) {
        if (!n) continue;
        const name = n.toLowerCase();
        d = Math.min(d, editDistance(w, name), w.length > 0 && name.startsWith(w) ? 0.5 : Infinity);
      }
      return { item, d };
    })
    .sort((a, b) => a.d - b.d)
    .slice(0, count)
    .map((x) => x.item);
}
