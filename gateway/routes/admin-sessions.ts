import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { GatewayError } from '../../core/errors.js';
import { listSessions, revokeSession, revokeSubjectSessions } from '../../core/security/sessions.js';
import { auditDisclosure, scopeOf } from '../plugins/auth.js';
import { PageLimit } from '../schemas.js';

const Nullable = <T extends ReturnType<typeof Type.String>>(s: T) => Type.Union([s, Type.Null()]);
const SessionView = Type.Object({
  id: Type.String(),
  subject: Type.String(),
  name: Nullable(Type.String()),
  state: Nullable(Type.String()),
  roles: Type.Array(Type.String()),
  createdAt: Type.String(),
  expiresAt: Type.String(),
  lastSeenAt: Type.String(),
  revokedAt: Nullable(Type.String()),
  revokedBy: Nullable(Type.String()),
  ip: Nullable(Type.String()),
});
const admin = { access: { roles: ['admin'] as const } };

/**
 * Sign-in sessions for national administrators: who is signed in, and ending
 * one session or every session of a person at once (an account suspended, a
 * device lost). Each revocation is on the audit trail.
 */
export const adminSessionRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { db } = app.ctx;

  app.get(
    '/api/v1/admin/sessions',
    {
      config: admin,
      schema: {
        tags: ['security'],
        summary: "Sign-in sessions, newest first (all, or one person's; live ones with active=true)",
        querystring: Type.Object({
          subject: Type.Optional(Type.String({ minLength: 1, maxLength: 300 })),
          active: Type.Optional(Type.Boolean()),
          limit: Type.Optional(PageLimit()),
        }),
        response: { 200: Type.Object({ items: Type.Array(SessionView) }) },
      },
    },
    async (request) => ({ items: await listSessions(db, request.query) }),
  );

  app.post(
    '/api/v1/admin/sessions/:id/revoke',
    {
      config: admin,
      schema: {
        tags: ['security'],
        summary: 'End one session now, on every gateway',
        params: Type.Object({ id: Type.String({ maxLength: 36 }) }),
        response: { 200: SessionView },
      },
    },
    async (request) => {
      const by = scopeOf(request).principal.subject;
      const s = await revokeSession(db, request.params.id, by);
      if (!s) throw new GatewayError('GW_ERR_NOT_FOUND', `No live session ${request.params.id}.`);
      await auditDisclosure(request, {
        action: 'session.revoked',
        fields: [],
        reason: `revoked by ${by}`,
        details: { session: s.id, subject: s.subject },
      });
      return s;
    },
  );

  app.post(
    '/api/v1/admin/sessions/revoke',
    {
      config: admin,
      schema: {
        tags: ['security'],
        summary: 'End every live session of one person',
        body: Type.Object({ subject: Type.String({ minLength: 1, maxLength: 300 }) }, { additionalProperties: false }),
        response: { 200: Type.Object({ subject: Type.String(), revoked: Type.Integer() }) },
      },
    },
    async (request) => {
      const by = scopeOf(request).principal.subject;
      const revoked = await revokeSubjectSessions(db, request.body.subject, by);
      await auditDisclosure(request, {
        action: 'session.revoked',
        fields: [],
        reason: `every session of ${request.body.subject}, by ${by}`,
        details: { subject: request.body.subject, count: revoked },
      });
      return { subject: request.body.subject, revoked };
    },
  );
};
