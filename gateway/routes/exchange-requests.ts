import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type, type Static } from 'typebox';
import { GatewayError } from '../../core/errors.js';
import {
  createRecordRequest,
  type CreateResult,
  type RequestInput,
} from '../../core/exchange/requests/request-flow.js';
import {
  readRequest,
  readRequestAnswer,
  searchRequests,
  type RecordRequest,
} from '../../core/exchange/requests/requests.js';
import { grounds } from '../../core/security/scope.js';
import { Identity, Parent, isMsixId } from '@msix/adapter-sdk/canonical';
import { scopeOf } from '../plugins/auth.js';
import { IdParam, BeforeId, PageLimit } from '../schemas.js';
import { enqueueDeliveries, stateCaller } from './exchange-shared.js';

export const PURPOSES = [
  'enrollment',
  'placement',
  'course-history',
  'credit-accrual',
  'graduation',
  'services',
  'other',
] as const;

export const RequestBody = Type.Object(
  {
    msixId: Type.Optional(Type.String({ description: "The child's MSIX id, when known." })),
    demographics: Type.Optional(
      Type.Object(
        { identity: Identity, parents: Type.Optional(Type.Array(Parent, { maxItems: 4 })) },
        {
          additionalProperties: false,
          description:
            'Refused: a child not known by MSIX id is found by a national search (POST /api/v1/student-searches).',
        },
      ),
    ),
    purpose: Type.Union(
      [
        Type.Literal('enrollment'),
        Type.Literal('placement'),
        Type.Literal('course-history'),
        Type.Literal('credit-accrual'),
        Type.Literal('graduation'),
        Type.Literal('services'),
        Type.Literal('other'),
      ],
      { description: 'Why the records are needed (kept in the audit trail).' },
    ),
    states: Type.Optional(
      Type.Array(Type.String({ pattern: '^[A-Za-z]{2}$' }), {
        minItems: 1,
        maxItems: 60,
        uniqueItems: true,
        description: "Only these states' records, each holding one (default: every state holding one).",
      }),
    ),
    deadlineSeconds: Type.Optional(
      Type.Integer({ minimum: 1, description: 'Answer within this many seconds (bounded by the configured maximum).' }),
    ),
  },
  { additionalProperties: false },
);
type RequestBodyT = Static<typeof RequestBody>;

const Source = Type.Object({
  stateCode: Type.String(),
  mode: Type.String(),
  status: Type.String(),
  deliveryId: Type.Union([Type.String(), Type.Null()]),
  detail: Type.Union([Type.String(), Type.Null()]),
  answeredAt: Type.Union([Type.String(), Type.Null()]),
});
const RequestView = Type.Object({
  id: Type.String(),
  status: Type.String(),
  requestingState: Type.String(),
  lookup: Type.String(),
  msixId: Type.Union([Type.String(), Type.Null()]),
  purpose: Type.String(),
  reason: Type.Union([Type.String(), Type.Null()]),
  deadlineAt: Type.String(),
  createdAt: Type.String(),
  completedAt: Type.Union([Type.String(), Type.Null()]),
  history: Type.Array(Type.Object({ status: Type.String(), at: Type.String() })),
  sources: Type.Array(Source),
  answerDeliveryId: Type.Union([Type.String(), Type.Null()]),
  links: Type.Record(Type.String(), Type.String()),
  answer: Type.Optional(Type.Unknown()),
});

export function requestView(r: RecordRequest, base = '/api/v1/record-requests'): Static<typeof RequestView> {
  return {
    id: r.id,
    status: r.status,
    requestingState: r.requestingState,
    lookup: r.lookup,
    msixId: r.msixId,
    purpose: r.purpose,
    reason: r.reason,
    deadlineAt: r.deadlineAt,
    createdAt: r.createdAt,
    completedAt: r.completedAt,
    history: r.history,
    sources: r.sources,
    answerDeliveryId: r.answerDeliveryId,
    links: { self: `${base}/${r.id}`, answer: `${base}/${r.id}/answer`, exchange: `/api/v1/exchanges/${r.exchangeId}` },
  };
}

/** The refusal of a record request by demographics: that is a national search now (issue 13 finding 1). */
export function searchFirst(path: string): GatewayError {
  return new GatewayError('GW_ERR_VALIDATION', 'A record request names the child by MSIX id.', {
    issues: [
      {
        path,
        rule: 'searchFirst',
        message: 'a lookup by demographics is a national search',
        fix:
          'Find the child with POST /api/v1/student-searches (purpose and attestation), choose the candidate, ' +
          'then ask here with the MSIX id the choice gives.',
      },
    ],
  });
}

/** Checks the body beyond its schema and turns it into the core input. */
export function toRequestInput(body: RequestBodyT): RequestInput {
  if (body.demographics) throw searchFirst('/demographics');
  if (!body.msixId)
    throw new GatewayError('GW_ERR_VALIDATION', 'A record request names the child by MSIX id.', {
      issues: [{ path: '/msixId', rule: 'required', message: 'is required', fix: 'Send the MSIX id.' }],
    });
  if (!isMsixId(body.msixId)) {
    throw new GatewayError(
      'GW_ERR_VALIDATION',
      'The MSIX id is not 12 digits with a valid check digit: it was probably mistyped.',
      {
        issues: [
          {
            path: '/msixId',
            value: body.msixId,
            rule: 'checkDigit',
            message: 'is not a valid MSIX id',
            fix: 'Re-read the id from the source document; two digits may be swapped.',
          },
        ],
      },
    );
  }
  return {
    msixId: body.msixId,
    purpose: body.purpose,
    ...(body.states ? { states: body.states.map((s) => s.toUpperCase()) } : {}),
    ...(body.deadlineSeconds ? { deadlineSeconds: body.deadlineSeconds } : {}),
  };
}

/** Runs a record request for the calling state; shared by the canonical route and the Ed-Fi-style one. */
export async function takeRecordRequest(
  app: FastifyInstance,
  request: FastifyRequest,
  input: RequestInput,
): Promise<CreateResult> {
  const who = stateCaller(request);
  const { db, config } = app.ctx;
  const res = await createRecordRequest(
    {
      db,
      consolidation: { requiredCredits: config.GRADUATION_CREDITS },
      deadline: {
        defaultSeconds: config.EXCHANGE_REQUEST_DEADLINE_SECONDS,
        maxSeconds: config.EXCHANGE_REQUEST_MAX_DEADLINE_SECONDS,
      },
      entitle: (msixId) => grounds(db, scopeOf(request), msixId),
      askAllLiveStates: config.EXCHANGE_ASK_ALL_LIVE_STATES,
    },
    { state: who.state, subject: who.subject, clientId: who.clientId, roles: who.roles },
    input,
    request.id,
  );
  // The core wrote the audit event of this disclosure (or refusal); the safety net must not add a generic one.
  request.disclosureAudited = true;
  if (res.kind === 'waiting') await enqueueDeliveries(app, request, res.queries, { deadlineFor: true });
  return res;
}

function answerRequest(
  reply: FastifyReply,
  res: CreateResult,
  view: (r: RecordRequest) => Record<string, unknown>,
  location: (id: string) => string,
): FastifyReply {
  if (res.kind === 'refused')
    throw new GatewayError(res.code, res.detail, {
      extra: { requestId: res.request.id, links: { self: location(res.request.id) } },
    });
  reply.header('location', location(res.request.id));
  if (res.kind === 'answered') return reply.code(201).send({ ...view(res.request), answer: res.answer });
  return reply.code(202).send(view(res.request));
}

/**
 * Record requests between states: a state asks for a child's records by MSIX
 * id or by demographics; the answer comes from the store at once, or after
 * the live states answer (202, then the answer is delivered and readable here).
 */
export const exchangeRequestRoutes: FastifyPluginAsyncTypebox = async (app) => {
  // No addSchema here: in a child context it would replace the gateway's ajv (with the code-set keywords) by fastify's
  // default.

  app.post(
    '/api/v1/record-requests',
    {
      config: { access: { roles: ['state-system', 'counselor', 'data-admin'], pii: true } },
      schema: {
        tags: ['exchange'],
        summary: "Ask for a child's records",
        description:
          'By msixId (a child without a ground is found first by POST /api/v1/student-searches). 201 ' +
          'with the answer when the consolidated store holds everything; 202 when a state that keeps its ' +
          'records at home must be asked: the answer is then delivered to your state and readable at ' +
          'links.answer. Refusals (unknown child, no ground to see the child, a state holding no record) ' +
          'are problem details with a GW_ERR code and are audited.',
        body: RequestBody,
        response: { 201: RequestView, 202: RequestView },
      },
    },
    async (request, reply) => {
      const res = await takeRecordRequest(app, request, toRequestInput(request.body));
      return answerRequest(reply, res, requestView, (id) => `/api/v1/record-requests/${id}`);
    },
  );

  app.get(
    '/api/v1/record-requests/:id',
    {
      config: { access: { roles: ['state-system', 'counselor', 'data-admin', 'help-desk', 'admin'] } },
      schema: {
        tags: ['exchange'],
        summary: 'Where a record request stands (no student data)',
        params: IdParam,
        response: { 200: RequestView },
      },
    },
    async (request) => {
      return requestView(await readRequest(app.ctx.db, scopeOf(request), request.params.id));
    },
  );

  app.get(
    '/api/v1/record-requests/:id/answer',
    {
      config: { access: { roles: ['state-system', 'counselor', 'data-admin'], pii: true } },
      schema: {
        tags: ['exchange'],
        summary: 'The answer to a record request (the requesting state only; audited)',
        params: IdParam,
      },
    },
    async (request) => {
      const { request: r, answer } = await readRequestAnswer(app.ctx.db, scopeOf(request), request.params.id);
      return { ...requestView(r), answer };
    },
  );

  app.get(
    '/api/v1/record-requests',
    {
      config: {
        access: {
          roles: ['state-system', 'counselor', 'data-admin', 'help-desk', 'admin'],
          stateQuery: 'state',
          crossState: ['help-desk', 'admin'],
        },
      },
      schema: {
        tags: ['exchange'],
        summary: 'Record requests, newest first (a state sees its own)',
        querystring: Type.Object({
          state: Type.Optional(Type.String({ pattern: '^[A-Za-z]{2}$' })),
          status: Type.Optional(
            Type.Union(
              ['received', 'routed', 'waiting', 'answered', 'partly_answered', 'expired', 'failed'].map((s) =>
                Type.Literal(s),
              ),
            ),
          ),
          msixId: Type.Optional(Type.String({ pattern: '^[0-9]{12}$' })),
          limit: Type.Optional(PageLimit()),
          before: Type.Optional(Type.String({ format: 'date-time' })),
          beforeId: Type.Optional(BeforeId),
        }),
        response: { 200: Type.Object({ items: Type.Array(RequestView) }) },
      },
    },
    async (request) => {
      const { state, ...rest } = request.query;
      const items = await searchRequests(app.ctx.db, scopeOf(request), {
        ...rest,
        ...(state ? { requestingState: state } : {}),
      });
      return { items: items.map((r) => requestView(r)) };
    },
  );
};
