import { Type } from 'typebox';
import { isMsixId } from '@msix/adapter-sdk/canonical';
import { DEFAULT_PAGE_SIZE, MAX_OFFSET, MAX_PAGE_SIZE } from '../core/paging.js';

export const StateParam = Type.Object({
  state: Type.String({ pattern: '^[A-Za-z]{2}$', description: 'Two-letter state code.' }),
});
export const MsixIdParam = Type.Object({ msixId: Type.String({ description: '12-digit MSIX id.' }) });
export const IdParam = Type.Object({ id: Type.String() });

/**
 * A list's page size in a query string, bounded by the one paging rule (core/paging.ts): 1 to MAX_PAGE_SIZE, so an
 * over-large, negative or non-numeric value is a 400 naming `limit`, not a clamp, a scan or a database error.
 */
export const PageLimit = (defaultSize = DEFAULT_PAGE_SIZE, extra: { default?: number } = {}) =>
  Type.Integer({
    minimum: 1,
    maximum: MAX_PAGE_SIZE,
    description: `Page size, 1 to ${MAX_PAGE_SIZE} (default ${defaultSize}).`,
    ...extra,
  });
/**
 * The newest-first lists' keyset companion of `before`: the id of the last item of the previous page, so that the
 * next page starts right after it even where several items share its `createdAt` (core/paging.ts createdBefore).
 */
export const BeforeId = Type.String({
  format: 'uuid',
  description: "With `before` (the last item's createdAt): the last item's id; the next page starts after it.",
});
/** Items a list skips, bounded by the one paging rule (core/paging.ts): 0 to MAX_OFFSET. */
export const PageOffset = (extra: { default?: number } = {}) =>
  Type.Integer({
    minimum: 0,
    maximum: MAX_OFFSET,
    description: `Items to skip, 0 to ${MAX_OFFSET} (default 0).`,
    ...extra,
  });

/** One problem with a field, as problem details and the portal's forms show it. */
export interface MsixIdIssue {
  path: string;
  value: string;
  rule: 'pattern' | 'checkDigit';
  message: string;
  fix: string;
}

/**
 * What is wrong with a typed MSIX id, or null: 12 digits, then the Damm check
 * digit (a mistyped id is caught here, not answered "not found"). The API and
 * the portal's search form both ask this.
 */
export function msixIdIssue(value: string, path: string): { detail: string; issue: MsixIdIssue } | null {
  if (!/^\d{12}$/.test(value))
    return {
      detail: 'An MSIX id is 12 digits.',
      issue: {
        path,
        value,
        rule: 'pattern',
        message: 'is not 12 digits',
        fix: 'Check the id: it is 12 digits with no spaces or dashes.',
      },
    };
  if (!isMsixId(value))
    return {
      detail: 'The MSIX id fails its check digit: it was probably mistyped.',
      issue: {
        path,
        value,
        rule: 'checkDigit',
        message: 'check digit does not match',
        fix: 'Re-read the id from the source document; two digits may be swapped.',
      },
    };
  return null;
}
