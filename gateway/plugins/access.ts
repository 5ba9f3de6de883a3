import type { Role } from '../../core/principal.js';

/**
 * What a route needs, declared next to the route in `config.access`, so that
 * authorization lives in one place (the auth plugin enforces it) and the
 * authorization matrix test can be generated from the declarations.
 *
 * - `public`: no authentication (health, docs, discovery, token endpoint).
 * - `roles`: any of these roles may call the route.
 * - `stateParam`: the route parameter holding a state code; a principal bound
 *   to a state may act only on its own state (roles in `crossState` excepted).
 * - `stateQuery`: the query parameter that filters a list by state; a
 *   state-bound caller may name only its own state, and the route limits the
 *   list with `effectiveState(request, …)` (roles in `crossState` excepted).
 * - `student`: the route discloses a consolidated student; the counselor rule
 *   (a record in their state, or a request or notice naming it) applies.
 * - `schemes`: Authorization schemes besides Bearer that the route accepts
 *   (e.g. `SIF_HMACSHA256`, `Basic` for SIF), each registered once with
 *   `registerAuthScheme`. Bearer tokens and the session cookie always work.
 * - `pii`: the route answers with student PII: help desk and federal reporting
 *   never pass, whatever `roles` says; answers are audited (auditDisclosure).
 *
 * Enforced by gateway/plugins/auth.ts; a route without a declaration is refused.
 */
export type AccessRule =
  | { public: true }
  | {
      roles: readonly Role[];
      stateParam?: string;
      stateQuery?: string;
      crossState?: readonly Role[];
      student?: { param: string };
      pii?: boolean;
      schemes?: readonly string[];
    };

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: AccessRule;
  }
}
