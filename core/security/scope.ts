import type { Principal, Role } from '../principal.js';
import { GatewayError } from '../errors.js';
import type { DisclosureGrounds, DisclosurePolicy } from './disclosure.js';
import type { Db } from '../store/db.js';
import { maskPii } from './mask.js';

/** One disclosure of student data, as the audit trail records it (who and when come from the scope). */
export interface DisclosureEvent {
  action: string;
  msixId?: string | null;
  recordIds?: readonly string[];
  fields: readonly string[];
  reason?: string | null;
  details?: Record<string, unknown>;
}

/** One refusal decided inside a use case (a ground missing, a row of another state). */
export interface RefusalEvent {
  action: string;
  msixId?: string | null;
  reason: string;
  details?: Record<string, unknown>;
}

/**
 * Where a scope's disclosures and refusals go. The gateway builds one per
 * request (actor, route, trace id); the worker and the CLI build their own.
 */
export interface AuditSink {
  disclosed(e: DisclosureEvent): Promise<void>;
  refused(e: RefusalEvent): Promise<void>;
}

/**
 * Everything a core read needs to know about who asks, built once per request
 * after authentication and passed into every use case that reads student or
 * exchange data, as a per-request repository does:
 *
 * - `principal` and `via` (the roles the route let the caller in through);
 * - `state`: the only state whose rows a state-bound caller may list or open
 *   (null: every state, for roles declared `crossState`);
 * - `masked`: the caller got in only as help desk or federal reporting, so
 *   answers carry no names, birth dates or raw values (the per-role response
 *   views in `core/security/views.ts` say which fields);
 * - `grounds`: the disclosure policy assembled at start (which facts let a
 *   state-bound caller open one child's consolidated record);
 * - `audit`: where disclosures and refusals are written, with the caller,
 *   the route and the trace id already filled in.
 */
export interface Scope {
  readonly principal: Principal;
  readonly via: readonly Role[];
  readonly state: string | null;
  readonly masked: boolean;
  readonly traceId: string;
  readonly grounds: DisclosurePolicy;
  readonly audit: AuditSink;
}

/** The state a list must be limited to: the scope's own, else the one asked for (upper-cased), else none. */
export function listState(scope: Scope, requested: string | undefined | null): string | undefined {
  return scope.state ?? (requested ? requested.toUpperCase() : undefined);
}

/** Whether a row of `stateCode` is visible to the scope (row-level scoping). */
export function rowVisible(scope: Scope, stateCode: string): boolean {
  return scope.state === null || scope.state === stateCode;
}

/** Refuses a row of another state as not found, so a probe learns nothing (the refusal is audited by the shell). */
export function requireVisible(scope: Scope, stateCode: string, what: string): void {
  if (!rowVisible(scope, stateCode)) throw new GatewayError('GW_ERR_NOT_FOUND', `No ${what}.`);
}

/** Whether the caller may open one child's consolidated record, and why (the audit reason). */
export function grounds(db: Db, scope: Scope, msixId: string): Promise<DisclosureGrounds> {
  return scope.grounds.decide(db, scope.principal, msixId);
}

/** Opens a child for the scope or refuses with 403 (the refusal is on the audit trail with its reason). */
export async function requireGrounds(
  db: Db,
  scope: Scope,
  msixId: string,
): Promise<Extract<DisclosureGrounds, { kind: 'granted' }>> {
  const g = await grounds(db, scope, msixId);
  if (g.kind === 'granted') return g;
  await scope.audit.refused({ action: 'student.refused', msixId, reason: g.reason });
  throw new GatewayError(
    'GW_ERR_FORBIDDEN',
    'You have no ground to see this student: no enrolled record, notice or chosen search result.',
  );
}

/** The data as the scope may see it: with names, birth dates, contacts and raw values blanked for masked callers. */
export function shown<T>(scope: Scope, data: T): T {
  return scope.masked ? maskPii(data) : data;
}
