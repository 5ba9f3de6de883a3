import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { GatewayError } from '../../core/errors.js';
import type { RecordRequest } from '../../core/exchange/requests/requests.js';
import { getRequest, getRequestAnswer } from '../../core/exchange/requests/requests.js';
import { auditDisclosure } from '../plugins/auth.js';
import { PURPOSES, searchFirst, takeRecordRequest, toRequestInput } from './exchange-requests.js';

const PURPOSE_NS = 'uri://msix-gateway/RecordRequestPurposeDescriptor#';

/**
 * The record request as an Ed-Fi extension resource body (Ed-Fi field names; `secondLastSurname` for the maternal
 * surname).
 */
const EdfiRequestBody = Type.Object(
  {
    msixId: Type.Optional(Type.String()),
    firstName: Type.Optional(Type.String({ maxLength: 75 })),
    middleName: Type.Optional(Type.String({ maxLength: 75 })),
    lastSurname: Type.Optional(Type.String({ maxLength: 75 })),
    secondLastSurname: Type.Optional(Type.String({ maxLength: 75 })),
    birthDate: Type.Optional(Type.String({ format: 'date' })),
    birthSexDescriptor: Type.Optional(Type.String({ maxLength: 306 })),
    purposeDescriptor: Type.String({ maxLength: 306, description: `${PURPOSE_NS}{${PURPOSES.join('|')}}` }),
    stateAbbreviations: Type.Optional(
      Type.Array(Type.String({ pattern: '^[A-Za-z]{2}$' }), { minItems: 1, maxItems: 60, uniqueItems: true }),
    ),
    deadlineSeconds: Type.Optional(Type.Integer({ minimum: 1, maximum: 2_592_000 })),
  },
  { additionalProperties: false },
);

const edfiId = (id: string): string => id.replace(/-/g, '');
const uuidOf = (id: string): string =>
  /^[0-9a-f]{32}$/i.test(id)
    ? `${id.slice(0, 8)}-${id.slice(8, 12)}-${id.slice(12, 16)}-${id.slice(16, 20)}-${id.slice(20)}`
    : id;

function edfiView(r: RecordRequest): Record<string, unknown> {
  return {
    id: edfiId(r.id),
    msixId: r.msixId,
    requestingStateAbbreviation: r.requestingState,
    purposeDescriptor: `${PURPOSE_NS}${r.purpose}`,
    requestStatus: r.status,
    deadline: r.deadlineAt,
    reason: r.reason,
    sources: r.sources.map((s) => ({ stateAbbreviation: s.stateCode, mode: s.mode, status: s.status })),
    _lastModifiedDate: r.updatedAt,
  };
}

/**
 * The Ed-Fi-style face of record requests, for state systems that speak only
 * Ed-Fi: `POST /data/v3/migrant/recordRequests` (201 with the answer's
 * location, or 202 while live states are asked) and `GET …/{id}` (with the
 * answer for the requesting state, audited). Same core, same rules, same
 * coded refusals as `/api/v1/record-requests`.
 */
export const exchangeEdfiRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.post(
    '/data/v3/migrant/recordRequests',
    {
      config: { access: { roles: ['state-system', 'counselor', 'data-admin'], pii: true } },
      schema: {
        tags: ['exchange'],
        summary: "Ask for a child's records (Ed-Fi extension resource)",
        body: EdfiRequestBody,
      },
    },
    async (request, reply) => {
      const b = request.body;
      const purpose = b.purposeDescriptor.startsWith(PURPOSE_NS)
        ? b.purposeDescriptor.slice(PURPOSE_NS.length)
        : b.purposeDescriptor;
      if (!(PURPOSES as readonly string[]).includes(purpose)) {
        throw new GatewayError('GW_ERR_VALIDATION', 'Unknown purposeDescriptor.', {
          issues: [
            {
              path: '/purposeDescriptor',
              value: b.purposeDescriptor,
              rule: 'descriptor',
              message: 'is not a record request purpose',
              fix: `Use ${PURPOSE_NS}enrollment (or ${PURPOSES.join(', ')}).`,
            },
          ],
        });
      }
      if (b.firstName || b.lastSurname || b.birthDate) throw searchFirst('/firstName');
      const input = toRequestInput({
        ...(b.msixId ? { msixId: b.msixId } : {}),
        purpose: purpose as (typeof PURPOSES)[number],
        ...(b.stateAbbreviations ? { states: b.stateAbbreviations } : {}),
        ...(b.deadlineSeconds ? { deadlineSeconds: b.deadlineSeconds } : {}),
      });
      const res = await takeRecordRequest(app, request, input);
      if (res.kind === 'refused')
        throw new GatewayError(res.code, res.detail, { extra: { requestId: edfiId(res.request.id) } });
      return reply
        .code(res.kind === 'answered' ? 201 : 202)
        .header('location', `/data/v3/migrant/recordRequests/${edfiId(res.request.id)}`)
        .send();
    },
  );

  app.get(
    '/data/v3/migrant/recordRequests/:id',
    {
      config: { access: { roles: ['state-system', 'counselor', 'data-admin'], pii: true } },
      schema: {
        tags: ['exchange'],
        summary: 'A record request and, once answered, the answer (Ed-Fi extension resource)',
        params: Type.Object({ id: Type.String() }),
      },
    },
    async (request) => {
      const r = await getRequest(app.ctx.db, uuidOf(request.params.id));
      if (!r || r.requestingState !== request.principal?.state)
        throw new GatewayError('GW_ERR_NOT_FOUND', 'The referenced recordRequest does not exist.');
      const answer = await getRequestAnswer(app.ctx.db, r.id);
      if (!answer) {
        request.disclosureAudited = true;
        return edfiView(r);
      }
      await auditDisclosure(request, {
        action: 'record-request.answer-read',
        msixId: r.msixId,
        recordIds: answer.student.records.map((x) => x.recordId),
        fields: ['*'],
        reason: `record request ${r.id} from ${r.requestingState} (${r.purpose})`,
        details: { requestId: r.id, surface: 'edfi' },
      });
      return { ...edfiView(r), studentRecord: answer };
    },
  );
};
