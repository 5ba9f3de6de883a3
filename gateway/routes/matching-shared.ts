/** Small helpers shared by the matching routes: ETags, If-Match, paging and the caller's state scope. */
import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { GatewayError } from '../../core/errors.js';
import { DEFAULT_PAGE_SIZE } from '../../core/paging.js';
import { PageLimit, PageOffset } from '../schemas.js';

/** The ETag of a versioned row. */
/**
 * Who acts on the worklist and on merge requests (the API's routes and the portal's pages): data administrators and
 * national administrators; stateQuery gives a state-bound data administrator its state scope (records, or students
 * with a record, of that state).
 */
export const MATCHING_ACT = {
  roles: ['data-admin', 'admin'] as const,
  stateQuery: 'state',
  crossState: ['admin'] as const,
};

export const etag = (version: number): string => `"${version}"`;

/** The version an If-Match header names (`"3"`, `W/"3"` or `3`), or null when absent; `*` matches any version. */
export function ifMatchVersion(request: FastifyRequest, required: boolean): number | null {
  const h = request.headers['if-match'];
  if (h === undefined || h === '*') {
    if (required && h === undefined) {
      throw new GatewayError(
        'GW_ERR_PRECONDITION',
        'Send If-Match with the ETag you read (GET this resource first), so a decision never rests on a ' +
          'version you did not see.',
      );
    }
    return null;
  }
  const m = /^\s*(?:W\/)?"?(\d+)"?\s*$/.exec(String(h));
  if (!m) throw new GatewayError('GW_ERR_PRECONDITION', `If-Match ${String(h)} is not an ETag of this resource.`);
  return Number(m[1]);
}

/**
 * Query values arrive as strings and the gateway's validator does not coerce: numbers are checked by pattern and parsed
 * here.
 */
export const IntString = (description?: string) =>
  Type.String({ pattern: '^[0-9]{1,9}$', ...(description ? { description } : {}) });
export const ScoreString = (description?: string) =>
  Type.String({ pattern: '^(0(\\.[0-9]+)?|1(\\.0+)?)$', ...(description ? { description } : {}) });
export const num = (v: string | undefined): number | undefined => (v === undefined ? undefined : Number(v));

/** The worklist's and merge requests' paging, bounded by the one paging rule (a value out of bounds is a 400). */
export const Paging = {
  limit: Type.Optional(PageLimit()),
  offset: Type.Optional(PageOffset()),
};

/** limit and offset from the query (bounded by the schema), with their defaults. */
export function paging(q: { limit?: number; offset?: number }): { limit: number; offset: number } {
  return { limit: q.limit ?? DEFAULT_PAGE_SIZE, offset: q.offset ?? 0 };
}

/** The state a data administrator acts for: their own, or null for roles that reach every state. */
export function actingState(request: FastifyRequest): string | null {
  return request.scope?.state ?? null;
}
