import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { GatewayError } from '../../core/errors.js';
import { grounds } from '../../core/security/scope.js';
import { maskExplanation } from '../../core/matching-store/explanation.js';
import { studentLinks } from '../../core/matching-store/student-links.js';
import { isMsixId } from '@msix/adapter-sdk/canonical';
import { auditDisclosure, scopeOf } from '../plugins/auth.js';
import { MsixIdParam } from '../schemas.js';

/**
 * Why each state record sits under a student: link type, score, rules
 * version and the per-field contributions, plus the link history. The help
 * desk sees fields, levels and weights with the values masked; a data
 * administrator sees the values for students with a record in their state.
 */
export const matchingExplanationRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/api/v1/students/:msixId/links',
    {
      config: { access: { roles: ['data-admin', 'help-desk', 'admin'] } },
      schema: {
        tags: ['matching'],
        summary: 'The linked records of a student and why each was linked',
        description:
          'Each linked record with its link type (new, auto, manual), score, rules version and per-field ' +
          'contributions; the link history; open reviews. Values are masked for the help desk.',
        params: MsixIdParam,
      },
    },
    async (request, reply) => {
      const { msixId } = request.params;
      if (!isMsixId(msixId))
        throw new GatewayError('GW_ERR_VALIDATION', 'An MSIX id is 12 digits with a valid check digit.');
      const scope = scopeOf(request);
      const { masked } = scope;
      const p = scope.principal;
      if (!masked && p.state && !scope.via.includes('admin')) {
        const g = await grounds(app.ctx.db, scope, msixId);
        if (g.kind === 'denied')
          throw new GatewayError(
            'GW_ERR_FORBIDDEN',
            `Student ${msixId} has no record of ${p.state}; a data administrator sees the links of their ` +
              `state's students.`,
          );
      }
      const res = await studentLinks(app.ctx.db, msixId);
      if (res.kind === 'not-found') throw new GatewayError('GW_ERR_NOT_FOUND', `No student with MSIX id ${msixId}.`);
      if (res.kind === 'merged') return reply.code(301).header('location', `/api/v1/students/${res.into}/links`).send();
      const links = res.links.map((l) => ({
        ...l,
        explanation: masked ? maskExplanation(l.explanation) : l.explanation,
      }));
      if (!masked) {
        await auditDisclosure(request, {
          action: 'student.links.read',
          msixId,
          recordIds: res.links.map((l) => l.recordId),
          fields: ['identity'],
          reason: 'match explanation',
        });
      }
      return {
        msixId: res.msixId,
        status: res.status,
        masked,
        links,
        history: res.history,
        openReviews: res.openReviewIds.map((id) => `/api/v1/match-reviews/${id}`),
      };
    },
  );
};
