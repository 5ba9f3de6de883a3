import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { readStudent } from '../../core/students.js';
import { isMsixId } from '@msix/adapter-sdk/canonical';
import { scopeOf } from '../plugins/auth.js';
import { dataValidationFailed } from './problems.js';

export const consolidatedRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/migrant/consolidatedStudents/:msixId',
    {
      config: {
        access: {
          roles: ['state-system', 'counselor', 'data-admin', 'admin'],
          student: { param: 'msixId' },
          pii: true,
        },
      },
      schema: {
        tags: ['ed-fi'],
        summary: 'The consolidated cross-state record of one child (Ed-Fi extension)',
        params: Type.Object({ msixId: Type.String({ description: '12-digit MSIX id.' }) }),
      },
    },
    async (request, reply) => {
      const { msixId } = request.params;
      if (!isMsixId(msixId)) {
        throw dataValidationFailed({
          '$.msixId': [
            /^\d{12}$/.test(msixId)
              ? 'msixId fails its check digit: two digits may be swapped.'
              : 'msixId must be 12 digits.',
          ],
        });
      }
      const r = await readStudent(app.ctx.db, scopeOf(request), msixId, { surface: 'edfi' });
      const base = request.url.startsWith('/data/v3/') ? '/data/v3' : '/data';
      if (r.kind === 'merged')
        return reply.code(301).header('location', `${base}/migrant/consolidatedStudents/${r.into}`).send();
      return reply
        .header('etag', `"${r.version}"`)
        .type('application/json')
        .send({ id: msixId, ...r.student });
    },
  );
};
