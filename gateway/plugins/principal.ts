import type { Principal } from '../../core/principal.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the authentication hook; absent on public routes. */
    principal?: Principal;
    /** Why a disclosure of student data is allowed (the request, notice or link), recorded in the audit trail. */
    disclosureReason?: string;
  }
}
