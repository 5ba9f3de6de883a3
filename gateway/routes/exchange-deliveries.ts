import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { GatewayError } from '../../core/errors.js';
import { failingCircuits } from '../../core/exchange/delivery/circuit.js';
import { enqueueFollowUps } from '../../core/exchange/delivery/deliver.js';
import { DELIVERY_STATUSES, getDelivery, type Delivery } from '../../core/exchange/delivery/deliveries.js';
import { cancelDelivery, retryDelivery, type HelpDeskResult } from '../../core/exchange/helpdesk.js';
import { deliveryView, readDelivery, searchDeliveries } from '../../core/exchange/views.js';
import { actorOf, scopeOf } from '../plugins/auth.js';
import { IdParam, BeforeId, PageLimit } from '../schemas.js';
import { enqueueDeliveries } from './exchange-shared.js';

/** Why a delivery is set aside; the portal's cancel form is checked with it too. */
export const CancelBody = Type.Object(
  { reason: Type.String({ minLength: 3, maxLength: 500 }) },
  { additionalProperties: false },
);

/** Who reads the delivery list (the API's and the help desk page's): a state-bound caller sees its own state's. */
export const DELIVERIES_READ = {
  roles: ['help-desk', 'admin', 'state-system', 'data-admin'] as const,
  stateQuery: 'state',
  crossState: ['help-desk', 'admin'] as const,
};
/** Who retries or cancels a delivery (the API and the help desk's pages). */
export const DELIVERIES_ACT = { roles: ['help-desk', 'admin'] as const };

function outcome(r: HelpDeskResult, id: string): Delivery {
  if (r.kind === 'not-found') throw new GatewayError('GW_ERR_NOT_FOUND', `No delivery ${id}.`);
  if (r.kind === 'conflict') throw new GatewayError('GW_ERR_CONFLICT', r.reason);
  return r.delivery;
}

/**
 * The help desk's view of outbound messages: what is queued, held behind an
 * earlier message, retrying, delivered or dead, with every attempt; retry and
 * cancel; and which receivers are failing. No message bodies (student data).
 */
export const exchangeDeliveryRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/api/v1/deliveries',
    {
      config: { access: DELIVERIES_READ },
      schema: {
        tags: ['exchange'],
        summary: 'Deliveries, newest first (dead, held and retrying are the worklists)',
        querystring: Type.Object({
          state: Type.Optional(Type.String({ pattern: '^[A-Za-z]{2}$' })),
          status: Type.Optional(Type.Union(DELIVERY_STATUSES.map((s) => Type.Literal(s)))),
          kind: Type.Optional(Type.String({ maxLength: 40 })),
          msixId: Type.Optional(Type.String({ pattern: '^[0-9]{12}$' })),
          limit: Type.Optional(PageLimit()),
          before: Type.Optional(Type.String({ format: 'date-time' })),
          beforeId: Type.Optional(BeforeId),
        }),
      },
    },
    async (request) => {
      const { state, ...rest } = request.query;
      return {
        items: await searchDeliveries(app.ctx.db, scopeOf(request), {
          ...rest,
          ...(state ? { stateCode: state } : {}),
        }),
      };
    },
  );

  app.get(
    '/api/v1/deliveries/:id',
    {
      config: { access: { roles: ['help-desk', 'admin', 'state-system', 'data-admin'] } },
      schema: { tags: ['exchange'], summary: 'One delivery with every attempt', params: IdParam },
    },
    async (request) => {
      return readDelivery(app.ctx.db, scopeOf(request), request.params.id);
    },
  );

  app.post(
    '/api/v1/deliveries/:id/retry',
    {
      config: { access: DELIVERIES_ACT },
      schema: {
        tags: ['exchange'],
        summary: 'Send a dead (or waiting) delivery again now, with a fresh round of attempts',
        params: IdParam,
      },
    },
    async (request, reply) => {
      const d = await retryNow(app, request, request.params.id);
      return reply.code(202).send(deliveryView(d));
    },
  );

  app.post(
    '/api/v1/deliveries/:id/cancel',
    {
      config: { access: DELIVERIES_ACT },
      schema: {
        tags: ['exchange'],
        summary: 'Set a delivery aside for good, so the messages behind it can flow',
        params: IdParam,
        body: CancelBody,
      },
    },
    async (request) => deliveryView(await cancelNow(app, request, request.params.id, request.body.reason)),
  );

  app.get(
    '/api/v1/exchange/receivers',
    {
      config: { access: { roles: ['help-desk', 'admin'] } },
      schema: {
        tags: ['exchange'],
        summary: 'Receiving systems that are failing: since when, the last error, when the next probe goes',
      },
    },
    async () => ({ items: await failingCircuits(app.ctx.db) }),
  );
};

/** The help desk's cancel, for the API and the portal: set aside for good, the messages queued behind it released. */
export async function cancelNow(
  app: FastifyInstance,
  request: FastifyRequest,
  id: string,
  reason: string,
): Promise<Delivery> {
  const r = await cancelDelivery(app.ctx.db, id, actorOf(request), reason, request.id);
  const d = outcome(r, id);
  const released = 'released' in r ? (r.released ?? []) : [];
  const next = (await Promise.all(released.map((x) => getDelivery(app.ctx.db, x)))).filter(
    (x): x is Delivery => x !== null,
  );
  await enqueueDeliveries(app, request, next);
  return d;
}

/** The help desk's retry, for the API and the portal: a fresh round of attempts, the first one queued now. */
export async function retryNow(app: FastifyInstance, request: FastifyRequest, id: string): Promise<Delivery> {
  const d = outcome(await retryDelivery(app.ctx.db, id, actorOf(request), request.id), id);
  await enqueueFollow(app, request, [{ ...d, reason: `r${Date.now()}` }]);
  return d;
}

async function enqueueFollow(
  app: FastifyInstance,
  request: FastifyRequest,
  list: (Delivery & { reason: string })[],
): Promise<void> {
  const now = Date.now();
  await enqueueFollowUps(
    { queue: app.ctx.queue, log: request.log },
    list.map((d) => ({ deliveryId: d.id, traceId: d.traceId, reason: d.reason, at: now })),
    now,
  );
}
