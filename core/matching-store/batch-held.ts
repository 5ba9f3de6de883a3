/**
 * Records held for a near-match review, as the bulk load sees them
 * (docs/matching-operations.md, "Held records are candidates" and "Bulk
 * load"). Like the match job (place.ts `decide`), the bulk load scores its
 * pending records against the records already held unlinked in the store,
 * but those take no part in the decision among students: the batch linker
 * clusters the pending records and the linked anchors without them. A
 * pending record whose cluster would start a new student, and which is a
 * clean link-level match of a held record (or must-linked to it), is held
 * with that record instead; a pending record held for a review of its own
 * also waits for such a record. Either way the existing re-placement on
 * review resolution (`placeWaiting`) places it again.
 */
import type { PairScore, CompiledModel } from '../matching/scoring.js';
import type { StandardizedPerson } from '../matching/types.js';
import type { Db } from '../store/db.js';
import { standardizeStored, type StoredIdentityRow } from './person.js';

export interface HeldRecords {
  ids: string[];
  states: string[];
  std: StandardizedPerson[];
  /** The record its own open review waits for, if any. */
  waitsFor: (string | null)[];
  /** The candidate students of its open review (empty without one). */
  candidates: string[][];
}

type Row = StoredIdentityRow & { waits_for: string | null; candidates: string[] | null };

/** Active records held unlinked for review (`match_status = 'review'`, no link), with their open review. */
export async function readHeld(db: Db, pageRows: number, progress: (n: number) => void): Promise<HeldRecords> {
  const out: HeldRecords = { ids: [], states: [], std: [], waitsFor: [], candidates: [] };
  let after = '00000000-0000-0000-0000-000000000000';
  for (;;) {
    const r = await db.query<Row>(
      `SELECT s.id, s.state_code, s.state_student_id, s.record->'identity' AS identity, s.record->'parents' AS parents,
              m.waits_for_record AS waits_for, m.candidate_msix_ids AS candidates
       FROM state_records s LEFT JOIN links l ON l.record_id = s.id LEFT JOIN match_reviews m ON m.record_id = s.id
       AND m.status = 'open'
       WHERE s.match_status = 'review' AND s.status = 'active' AND l.record_id IS NULL AND s.id > $1 ORDER BY s.id
       LIMIT $2`,
      [after, pageRows],
    );
    for (const row of r.rows) {
      out.ids.push(row.id);
      out.states.push(row.state_code);
      out.waitsFor.push(row.waits_for);
      out.candidates.push(row.candidates ?? []);
      out.std.push(standardizeStored(row));
    }
    progress(out.ids.length);
    if (r.rows.length < pageRows) break;
    after = r.rows[r.rows.length - 1]!.id;
  }
  return out;
}

export interface HeldPair {
  /** Index into {@link HeldRecords}. */
  h: number;
  score: PairScore;
  manual: 'must-link' | 'cannot-link' | null;
}

/**
 * Finds the held records of one pending record: those sharing a blocking
 * key with it (keys shared by `maxBlock` or more held records are skipped,
 * as the match job skips oversized blocks) and those a manual decision names
 * with it, scored with the bulk load's scorer, strongest first.
 */
export class HeldIndex {
  private readonly byKey = new Map<string, number[]>();
  private readonly byId: Map<string, number>;
  /** Manual decisions between a pending record id and a held record index. */
  private readonly manual = new Map<string, Map<number, 'must-link' | 'cannot-link'>>();

  constructor(
    readonly held: HeldRecords,
    private readonly scorer: CompiledModel<StandardizedPerson>,
    blockingKeys: (std: StandardizedPerson) => string[],
    private readonly maxBlock: number,
  ) {
    this.byId = new Map(held.ids.map((id, h) => [id, h]));
    held.std.forEach((std, h) => {
      for (const k of new Set(blockingKeys(std))) (this.byKey.get(k) ?? this.byKey.set(k, []).get(k)!).push(h);
    });
  }

  get size(): number {
    return this.held.ids.length;
  }

  /** Records a manual constraint; returns false when neither side is a held record. */
  addConstraint(kind: string, a: string, b: string): boolean {
    for (const [pending, other] of [
      [a, b],
      [b, a],
    ] as const) {
      const h = this.byId.get(other);
      if (h === undefined || this.byId.has(pending)) continue;
      const m = this.manual.get(pending) ?? this.manual.set(pending, new Map()).get(pending)!;
      m.set(h, kind === 'must-link' ? 'must-link' : 'cannot-link');
    }
    return this.byId.has(a) || this.byId.has(b);
  }

  /** The held records of one pending record, strongest first. */
  pairsOf(id: string, std: StandardizedPerson, keys: readonly string[]): HeldPair[] {
    if (this.size === 0) return [];
    const seen = new Set<number>();
    for (const k of keys) {
      const block = this.byKey.get(k);
      if (!block || block.length >= this.maxBlock) continue;
      for (const h of block) seen.add(h);
    }
    const manual = this.manual.get(id);
    if (manual) for (const h of manual.keys()) seen.add(h);
    return [...seen]
      .map((h) => ({ h, score: this.scorer.score(std, this.held.std[h]!), manual: manual?.get(h) ?? null }))
      .sort((x, y) => y.score.weight - x.score.weight);
  }

  /**
   * The held record a pending record clearly belongs with, as the match job
   * decides it: the strongest held record that is a clean link-level match
   * (no conflict) or must-linked to it, never one ruled apart by a person,
   * nor one whose own review waits for this record.
   */
  strongest(id: string, pairs: readonly HeldPair[]): HeldPair | null {
    return (
      pairs.find(
        (p) =>
          p.manual !== 'cannot-link' &&
          this.held.waitsFor[p.h] !== id &&
          (p.manual === 'must-link' || p.score.decision === 'link'),
      ) ?? null
    );
  }
}
