import type { Principal, Role } from '../principal.js';
import type { ErrorCode } from '../errors.js';

/**
 * The shape of a route's `config.access` declaration as core sees it (the
 * gateway's AccessRule is this type). Kept here so the decision is pure and
 * testable without fastify.
 */
export type AccessRequirement =
  | { public: true }
  | {
      roles: readonly Role[];
      /** Route parameter holding the state acted on. */
      stateParam?: string;
      /** Query parameter that filters by state; a state-bound caller may only name its own. */
      stateQuery?: string;
      /** Roles that may act on any state. */
      crossState?: readonly Role[];
      /** Route parameter holding an MSIX id: the disclosure rule applies. */
      student?: { param: string };
      /** The route returns student PII: help desk and federal reporting never pass. */
      pii?: boolean;
      /** Authorization schemes besides Bearer that the route accepts. */
      schemes?: readonly string[];
    };

/** Roles that act for one state: without a state claim they grant nothing, anywhere. */
export const STATE_BOUND_ROLES: ReadonlySet<Role> = new Set(['state-system', 'counselor', 'data-admin']);

/** Roles that never see a child's identity, whatever a route declares. */
export const NO_PII_ROLES: ReadonlySet<Role> = new Set(['help-desk', 'federal']);

export type AccessDecision =
  | { kind: 'allow'; via: Role[]; studentParam: string | null; stateScope: string | null }
  | { kind: 'deny'; code: ErrorCode; detail: string };

export interface AccessInput {
  rule: AccessRequirement | undefined;
  principal: Principal | null;
  params: Record<string, unknown>;
  query: Record<string, unknown>;
  /** Writes get GW_ERR_STATE_MISMATCH for another state, reads GW_ERR_FORBIDDEN. */
  write: boolean;
}

/**
 * The whole authorization rule set except the database lookups (the student
 * disclosure grounds), decided from the declaration alone. Fails closed: a
 * route without a declaration is refused.
 * `stateScope` is the state a state-bound caller's reads must be limited to
 * (null: any state).
 */
export function decideAccess({ rule, principal, params, query, write }: AccessInput): AccessDecision {
  if (!rule)
    return { kind: 'deny', code: 'GW_ERR_FORBIDDEN', detail: 'This route declares no access rule, so it is closed.' };
  if ('public' in rule) return { kind: 'allow', via: [], studentParam: null, stateScope: null };
  if (!principal)
    return {
      kind: 'deny',
      code: 'GW_ERR_UNAUTHENTICATED',
      detail: 'Send a bearer token (POST /oauth/token) or sign in.',
    };
  let via = principal.roles.filter((r) => rule.roles.includes(r));
  if (via.length === 0)
    return { kind: 'deny', code: 'GW_ERR_FORBIDDEN', detail: `This needs one of the roles ${rule.roles.join(', ')}.` };
  // Fail closed: a role that acts for a state means nothing without one (it would otherwise see every state).
  if (!principal.state) {
    via = via.filter((r) => !STATE_BOUND_ROLES.has(r));
    if (via.length === 0)
      return {
        kind: 'deny',
        code: 'GW_ERR_FORBIDDEN',
        detail:
          'This role acts for a state, and your account or client is bound to none; ask for your state to be set.',
      };
  }
  if (rule.pii || rule.student) {
    via = via.filter((r) => !NO_PII_ROLES.has(r));
    if (via.length === 0)
      return {
        kind: 'deny',
        code: 'GW_ERR_FORBIDDEN',
        detail: 'Help desk and federal reporting roles do not see student records.',
      };
  }
  const cross = via.some((r) => rule.crossState?.includes(r) ?? false);
  const own = principal.state;
  if (rule.stateParam !== undefined) {
    const v = params[rule.stateParam];
    if (typeof v !== 'string')
      return { kind: 'deny', code: 'GW_ERR_FORBIDDEN', detail: 'The route has no state to check.' };
    if (!cross && v.toUpperCase() !== own) {
      return {
        kind: 'deny',
        code: write ? 'GW_ERR_STATE_MISMATCH' : 'GW_ERR_FORBIDDEN',
        detail: own
          ? `This client acts for ${own}, not ${v.toUpperCase()}.`
          : 'This needs a principal bound to a state.',
      };
    }
  }
  let stateScope: string | null = null;
  if (rule.stateQuery !== undefined && !cross) {
    if (!own) return { kind: 'deny', code: 'GW_ERR_FORBIDDEN', detail: 'This needs a principal bound to a state.' };
    const v = query[rule.stateQuery];
    if (typeof v === 'string' && v.toUpperCase() !== own)
      return {
        kind: 'deny',
        code: 'GW_ERR_FORBIDDEN',
        detail: `This client sees ${own} only, not ${v.toUpperCase()}.`,
      };
    stateScope = own;
  }
  return { kind: 'allow', via, studentParam: rule.student?.param ?? null, stateScope };
}

/**
 * Whether answers to this caller must hide names and birth dates: it got in only through the help-desk or federal role.
 */
export function mustMask(via: readonly Role[]): boolean {
  return via.length > 0 && via.every((r) => NO_PII_ROLES.has(r));
}
