/**
 * Paging bounds of every list surface, in one place: the /api/v1 list routes (`limit`, `offset`), the Ed-Fi
 * collections (`limit`/`offset`, cursor `pageSize`), SIF queries (`navigationPageSize`, `navigationPage`) and the
 * use cases behind them and the portal's lists. Each surface keeps its own default (the standards differ) but not its
 * own bounds, so a value out of them is a 400 naming the parameter on every surface, never a scan of everything nor
 * a database error (issue 13 finding 14).
 */

/** The most items one page holds: the Ed-Fi ODS/API's maximum `limit`, taken for every surface. */
export const MAX_PAGE_SIZE = 500;

/** The largest offset (items skipped) a list accepts: a 32-bit int, as the ODS/API reads `offset`. */
export const MAX_OFFSET = 2_147_483_647;

/** The default page size of the /api/v1 lists and of the use cases when the caller names none. */
export const DEFAULT_PAGE_SIZE = 50;

/** The page size a use case reads: the caller's (bounded at the edge already) or the default, never over the most. */
export const pageSize = (limit: number | undefined): number => Math.min(limit ?? DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE);

/**
 * How far a list's count goes before it stops: a person paging a list needs "page 2 of 7", not the exact size of a
 * ledger of millions, and counting those would scan them all on every page. Past this the count says "more than".
 */
export const COUNT_CAP = 10_000;

/** The lowest uuid: `(created_at, id) < (t, LOWEST_UUID)` holds exactly when `created_at < t`. */
const LOWEST_UUID = '00000000-0000-0000-0000-000000000000';

/**
 * The keyset of the /api/v1 lists that run newest first (`ORDER BY created_at DESC, id DESC`), as SQL over the
 * parameters numbered `at` (`before`) and `id` (`beforeId`): rows created before `before`, or, given the last item
 * seen as `before` and `beforeId`, the rows after it. Rows written in one transaction share one `created_at`, so a
 * time alone skipped the rest of them at a page boundary (the soak's help desk missed dead letters that way); the
 * four tables stamp `created_at` to the millisecond (migration 200), the precision the API shows, so the last item's
 * `createdAt` names its row exactly.
 */
export function createdBefore(at: number, id: number): string {
  return (
    `($${at}::timestamptz IS NULL OR (created_at, id) < ($${at}::timestamptz, ` +
    `coalesce($${id}::uuid, '${LOWEST_UUID}'::uuid)))`
  );
}

/** A list's size as far as it was counted: `capped` when there are more than `COUNT_CAP` and `total` is the cap. */
export interface Counted {
  total: number;
  capped: boolean;
}

/** Reads `SELECT count(*) … LIMIT cap + 1` style answers (`n`) as a Counted. */
export const counted = (n: number): Counted => ({ total: Math.min(n, COUNT_CAP), capped: n > COUNT_CAP });
