/**
 * The `migrant` extension of the Ed-Fi surface: the consolidated record of a
 * child across every state (`/data/v3/migrant/consolidatedStudents/{msixId}`),
 * for callers the disclosure rules let see that child. Every read is audited.
 */
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { getStudent } from '../../core/students.js';
import { isMsixId } from '../../specs/ids.js';
import { auditDisclosure } from '../plugins/auth.js';
import { dataValidationFailed, notFound } from './problems.js';

export async function consolidatedRoutes(app: FastifyInstance): Promise<void> {
  app.get<{ Params: { msixId: string } }>(
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
      const found = await getStudent(app.ctx.db, msixId);
      if (!found) throw notFound();
      const base = request.url.startsWith('/data/v3/') ? '/data/v3' : '/data';
      if ('mergedInto' in found)
        return reply.code(301).header('location', `${base}/migrant/consolidatedStudents/${found.mergedInto}`).send();
      await auditDisclosure(request, {
        action: 'student.read',
        msixId,
        recordIds: found.student.records.map((r) => r.recordId),
        fields: ['*'],
        details: { surface: 'edfi' },
      });
      return reply
        .header('etag', `"${found.version}"`)
        .type('application/json')
        .send({ id: msixId, ...found.student });
    },
  );
}
