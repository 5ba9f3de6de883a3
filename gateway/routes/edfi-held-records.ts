import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { listHeldRecords } from '../../core/edfi/held.js';
import { StateCodeSchema } from '@msix/adapter-sdk/canonical';
import { scopeOf } from '../plugins/auth.js';
import { PageLimit, PageOffset } from '../schemas.js';

const HeldIssue = Type.Object({
  path: Type.String({ description: 'JSON path in the Ed-Fi document ($.firstName).' }),
  rule: Type.String(),
  message: Type.String(),
  fix: Type.Optional(Type.String()),
  severity: Type.Optional(Type.Union([Type.Literal('error'), Type.Literal('warning')])),
  resource: Type.String({ description: 'The Ed-Fi resource of the document the issue is in.' }),
  documentId: Type.String(),
});

const HeldRecord = Type.Object({
  stateCode: Type.String(),
  studentUniqueId: Type.String(),
  issues: Type.Array(HeldIssue),
  heldAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
});

/**
 * Ed-Fi students whose canonical record is held back (issue 16 item 2): their documents were stored, but the MSIX
 * record built from them breaks a canonical rule, so it is not matched until a later write corrects it. A state's
 * data administrators see their own state's; national administrators every state's. Every read is audited.
 */
export const edfiHeldRecordRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/api/v1/edfi/held-records',
    {
      config: { access: { roles: ['data-admin', 'admin'] } },
      schema: {
        tags: ['ed-fi'],
        summary: 'Ed-Fi students whose MSIX record is held back, with the issues to correct',
        querystring: Type.Object({
          state: Type.Optional(StateCodeSchema),
          offset: PageOffset({ default: 0 }),
          limit: PageLimit(50, { default: 50 }),
        }),
        response: { 200: Type.Object({ items: Type.Array(HeldRecord), total: Type.Integer() }) },
      },
    },
    async (request) => {
      const scope = scopeOf(request);
      const { state, offset, limit } = request.query;
      const page = await listHeldRecords(app.ctx.db, scope, { ...(state ? { stateCode: state } : {}), offset, limit });
      await scope.audit.disclosed({
        action: 'edfi.held-records.read',
        fields: ['studentUniqueId', 'issues'],
        reason: 'held-back Ed-Fi records listed for correction',
        details: { students: page.items.map((h) => `${h.stateCode}:${h.studentUniqueId}`), total: page.total },
      });
      return page;
    },
  );
};
