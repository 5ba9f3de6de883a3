import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { GatewayError } from '../../core/errors.js';
import { readStudent } from '../../core/students.js';
import { scopeOf } from '../plugins/auth.js';
import { isMsixId } from '../../specs/ids.js';
import { MsixIdParam } from '../schemas.js';

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
      if (!/^\d{12}$/.test(msixId)) {
        throw new GatewayError('GW_ERR_VALIDATION', 'An MSIX id is 12 digits.', {
          issues: [
            {
              path: 'params:/msixId',
              value: msixId,
              rule: 'pattern',
              message: 'is not 12 digits',
              fix: 'Check the id: it is 12 digits with no spaces or dashes.',
            },
          ],
        });
      }
      if (!isMsixId(msixId)) {
        throw new GatewayError('GW_ERR_VALIDATION', 'The MSIX id fails its check digit: it was probably mistyped.', {
          issues: [
            {
              path: 'params:/msixId',
              value: msixId,
              rule: 'checkDigit',
              message: 'check digit does not match',
              fix: 'Re-read the id from the source document; two digits may be swapped.',
            },
          ],
        });
      }
      const r = await readStudent(app.ctx.db, scopeOf(request), msixId);
      if (r.kind === 'merged') return reply.code(301).header('location', `/api/v1/students/${r.into}`).send();
      return reply.header('etag', `"${r.version}"`).send(r.student);
    },
  );
};
