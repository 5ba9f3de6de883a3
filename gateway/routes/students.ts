import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { GatewayError } from '../../core/errors.js';
import { readStudent } from '../../core/students.js';
import { scopeOf } from '../plugins/auth.js';
import { MsixIdParam, msixIdIssue } from '../schemas.js';

/** The consolidated record of one child across states. Every read is an audited disclosure. */
export const studentRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/api/v1/students/:msixId',
    {
      config: {
        access: {
          roles: ['counselor', 'data-admin', 'state-system', 'admin'],
          student: { param: 'msixId' },
          pii: true,
        },
      },
      schema: {
        tags: ['students'],
        summary: 'The consolidated student record',
        params: MsixIdParam,
        response: {
          200: Type.Ref('Student'),
          301: Type.Null({ description: 'Merged into another student: Location names it.' }),
        },
      },
    },
    async (request, reply) => {
      const { msixId } = request.params;
      const bad = msixIdIssue(msixId, 'params:/msixId');
      if (bad) throw new GatewayError('GW_ERR_VALIDATION', bad.detail, { issues: [bad.issue] });
      const r = await readStudent(app.ctx.db, scopeOf(request), msixId);
      if (r.kind === 'merged') return reply.code(301).header('location', `/api/v1/students/${r.into}`).send();
      return reply.header('etag', `"${r.version}"`).send(r.student);
    },
  );
};
