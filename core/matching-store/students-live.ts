/** Student ids as they are now: a merged student's id stands for the student it was merged into. */
import type { Db } from '../store/db.js';

/** Maps each id to the id of the live student it ends up in (itself when not merged); no row locks. */
export async function followMerges(db: Db, ids: readonly string[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  let frontier = [...new Set(ids)];
  const parent = new Map<string, string>();
  for (let hops = 0; frontier.length && hops < 20; hops++) {
    const r = await db.query<{ msix_id: string; merged_into: string | null }>(
      `SELECT msix_id, merged_into FROM students WHERE msix_id = ANY($1::text[]) AND status = 'merged'
       AND merged_into IS NOT NULL`,
      [frontier],
    );
    frontier = [];
    for (const row of r.rows) {
      parent.set(row.msix_id, row.merged_into!);
      if (!parent.has(row.merged_into!)) frontier.push(row.merged_into!);
    }
  }
  for (const id of ids) {
    let cur = id;
    for (let hops = 0; parent.has(cur) && hops < 20; hops++) cur = parent.get(cur)!;
    out.set(id, cur);
  }
  return out;
}
