import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { GatewayError } from '../../core/errors.js';
import { sendDepartureNotice } from '../../core/exchange/notices/departure.js';
import { listDeliveries } from '../../core/exchange/delivery/deliveries.js';
import { readNotice, searchNotices, type Notice } from '../../core/exchange/notices/notices.js';
import { deliveryView } from '../../core/exchange/views.js';
import { isMsixId } from '@msix/adapter-sdk/canonical';
import { scopeOf } from '../plugins/auth.js';
import { IdParam, BeforeId, PageLimit } from '../schemas.js';
import { enqueueDeliveries, stateCaller } from './exchange-shared.js';

/** The departure notice body; the portal's form is checked with it too. */
export const DepartureBody = Type.Object(
  {
    msixId: Type.String({ description: "The child's MSIX id." }),
    toState: Type.String({ pattern: '^[A-Za-z]{2}$', description: 'Where the child is going.' }),
    expectedArrivalDate: Type.Optional(Type.String({ format: 'date' })),
    comment: Type.Optional(
      Type.String({ maxLength: 500, description: 'For the receiving school (no health details).' }),
    ),
  },
  { additionalProperties: false },
);

function noticeView(n: Notice): Record<string, unknown> {
  return {
    id: n.id,
    kind: n.kind,
    msixId: n.msixId,
    fromState: n.fromState,
    toState: n.toState,
    enrollment: n.enrollment,
    expectedArrival: n.expectedArrival,
    createdBy: n.createdBy,
    createdAt: n.createdAt,
    links: {
      self: `/api/v1/notices/${n.id}`,
      ...(n.exchangeId ? { exchange: `/api/v1/exchanges/${n.exchangeId}` } : {}),
    },
  };
}

/**
 * Move and departure notices. Move notices are made by the worker from the
 * student events outbox; a state sends a departure notice here when a child
 * leaves for another state. Each notice fans out into deliveries.
 */
export const exchangeNoticeRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.post(
    '/api/v1/departure-notices',
    {
      config: { access: { roles: ['state-system', 'counselor', 'data-admin'] } },
      schema: {
        tags: ['exchange'],
        summary: 'Tell another state a child is on the way',
        description:
          'Sent by the state the child leaves (it must hold an active record of the child). The ' +
          'receiving state gets the consolidated record through its channel, and its counselors may read ' +
          'it. Sending the same notice again (same child, states and expected arrival) returns the first ' +
          'one (200).',
        body: DepartureBody,
      },
    },
    async (request, reply) => {
      const res = await departAsAsked(app, request, request.body);
      return reply
        .code(res.created ? 201 : 200)
        .header('location', `/api/v1/notices/${res.notice.id}`)
        .send(noticeView(res.notice));
    },
  );

  app.get(
    '/api/v1/notices/:id',
    {
      config: { access: { roles: ['state-system', 'counselor', 'data-admin', 'help-desk', 'admin'] } },
      schema: { tags: ['exchange'], summary: 'A move or departure notice and its deliveries', params: IdParam },
    },
    async (request) => {
      const n = await readNotice(app.ctx.db, scopeOf(request), request.params.id);
      const deliveries = await listDeliveries(app.ctx.db, { noticeId: n.id, limit: 10 });
      return { ...noticeView(n), deliveries: deliveries.map(deliveryView) };
    },
  );

  app.get(
    '/api/v1/notices',
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
        summary: 'Notices, newest first (a state sees those it sent or received)',
        querystring: Type.Object({
          state: Type.Optional(Type.String({ pattern: '^[A-Za-z]{2}$' })),
          msixId: Type.Optional(Type.String({ pattern: '^[0-9]{12}$' })),
          kind: Type.Optional(Type.Union([Type.Literal('move'), Type.Literal('departure')])),
          limit: Type.Optional(PageLimit()),
          before: Type.Optional(Type.String({ format: 'date-time' })),
          beforeId: Type.Optional(BeforeId),
        }),
      },
    },
    async (request) => {
      const items = await searchNotices(app.ctx.db, scopeOf(request), request.query);
      return { items: items.map(noticeView) };
    },
  );
};

/** Sends a departure notice as the caller asked (the API route and the portal's form): refusals become problems. */
export async function departAsAsked(
  app: FastifyInstance,
  request: FastifyRequest,
  b: { msixId: string; toState: string; expectedArrivalDate?: string | undefined; comment?: string | undefined },
) {
  const who = stateCaller(request);
  if (!isMsixId(b.msixId)) {
    throw new GatewayError('GW_ERR_VALIDATION', 'The MSIX id is not valid.', {
      issues: [
        {
          path: '/msixId',
          value: b.msixId,
          rule: 'checkDigit',
          message: 'is not a valid MSIX id',
          fix: 'Re-read the id; two digits may be swapped.',
        },
      ],
    });
  }
  const res = await sendDepartureNotice(
    app.ctx.db,
    { state: who.state, subject: who.subject, clientId: who.clientId, roles: who.roles },
    {
      msixId: b.msixId,
      toState: b.toState,
      expectedArrival: b.expectedArrivalDate ?? null,
      comment: b.comment ?? null,
    },
    request.id,
  );
  if (res.kind === 'refused') throw new GatewayError(res.code, res.detail);
  if (res.kind === 'sent') await enqueueDeliveries(app, request, [res.delivery]);
  return res;
}
