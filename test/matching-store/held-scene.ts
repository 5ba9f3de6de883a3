/**
 * The held-record scene shared by the match-job and bulk-load tests. One
 * child, three states: Texas's record (A) starts a student; California's (B)
 * says the child is a boy, a sex conflict with A, so B is held for review;
 * Florida's (C) agrees with B in everything B has and adds a birthplace and a
 * mother that disagree with A, so C is clearly B's child and far from A.
 * Each scene number `n` is another child (given name and birth date), so
 * scenes in one database do not see each other.
 */
import type { Db } from '../../core/store/db.js';

const GIVEN: Record<string, string> = {
  1: 'Xochitl',
  2: 'Citlali',
  3: 'Itzel',
  4: 'Yareli',
  5: 'Nayeli',
  6: 'Yaretzi',
};
type Parent = { firstName: string; lastName: string; relationship: 'parent2' };
type Extra = { sex?: 'F' | 'M'; birthCity?: string; birthState?: string; birthCountry?: string };

function heldChild(state: string, id: string, extra: Extra = {}, parents?: Parent[]) {
  return {
    stateCode: state,
    stateStudentId: id,
    identity: {
      firstName: GIVEN[id.slice(1)]!,
      lastName1: 'Tlatelpa',
      lastName2: 'Ocotlan',
      sex: 'F' as 'F' | 'M',
      birthDate: `201${id.slice(1)}-05-21`,
      ...extra,
    },
    ...(parents ? { parents } : {}),
  };
}

export const A = (n: string) =>
  heldChild('TX', `A${n}`, { birthCity: 'Puebla', birthState: 'PUE', birthCountry: 'MX' }, [
    { firstName: 'Rosa', lastName: 'Ocotlan', relationship: 'parent2' },
  ]);
export const B = (n: string) => heldChild('CA', `B${n}`, { sex: 'M' });
export const C = (n: string) =>
  heldChild('FL', `C${n}`, { sex: 'M', birthCity: 'Houston', birthState: 'TX', birthCountry: 'US' }, [
    { firstName: 'Juana', lastName: 'Perez', relationship: 'parent2' },
  ]);

/** A data administrator of `state`, the reviewer in these scenes. */
export const admin = (id: string, state: string) => ({ id, state, roles: ['data-admin'] });

/** Students that records can link to. */
export async function liveStudents(db: Db): Promise<number> {
  return (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM students WHERE status IN ('active', 'locked')`))
    .rows[0]!.n;
}

/** The open review of a record, with the record it waits for. */
export async function openReview(db: Db, recordId: string) {
  return (
    (
      await db.query<{
        id: string;
        version: number;
        reason: string;
        waits_for_record: string | null;
        candidate_msix_ids: string[];
      }>(
        `SELECT id, version, reason, waits_for_record, candidate_msix_ids FROM match_reviews WHERE record_id = $1
         AND status = 'open'`,
        [recordId],
      )
    ).rows[0] ?? null
  );
}
