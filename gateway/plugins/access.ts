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
 * - `student`: the route discloses a consolidated student; the counselor rule
 *   (a record in their state, or a request or notice naming it) applies.
 */
export type AccessRule =
  | { public: true }
  | { roles: readonly Role[]; stateParam?: string; crossState?: readonly Role[]; student?: { param: string }; pii?: boolean };

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: AccessRule;
  }
}
