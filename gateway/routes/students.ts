import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { GatewayError } from '../../core/errors.js';
import { getStudent } from '../../core/students.js';
import { auditDisclosure } from '../plugins/auth.js';
import { isMsixId } from '../../specs/ids.js';
import { MsixIdParam } from '../schemas.js';

/** The consolidated record of one child across states. Every read is an audited disclosure. */
export async function studentRoutes(app: FastifyInstance): Promise<void> {
  app.get<{ Params: { msixId: string } }>(
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
        response: { 200: Type.Ref('Student') },
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
      const found = await getStudent(app.ctx.db, msixId);
      if (!found) throw new GatewayError('GW_ERR_NOT_FOUND', `No student with MSIX id ${msixId}.`);
      if ('mergedInto' in found)
        return reply.code(301).header('location', `/api/v1/students/${found.mergedInto}`).send();
      await auditDisclosure(request, {
        action: 'student.read',
        msixId,
        recordIds: found.student.records.map((r) => r.recordId),
        fields: ['*'],
      });
      return reply.header('etag', `"${found.version}"`).send(found.student);
    },
  );
}
