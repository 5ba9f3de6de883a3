import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { GatewayError } from '../../core/errors.js';
import { getExchange, listExchanges, type ExchangeStatus } from '../../core/ledger.js';
import { IdParam } from '../schemas.js';
import { assertStateVisible, effectiveState, maskForCaller } from '../plugins/auth.js';

export const ExchangeSchema = Type.Object(
  {
    id: Type.String(),
    direction: Type.String(),
    kind: Type.String(),
    stateCode: Type.String(),
    status: Type.String(),
    traceId: Type.String(),
    clientId: Type.Union([Type.String(), Type.Null()]),
    parentId: Type.Union([Type.String(), Type.Null()]),
    msixId: Type.Union([Type.String(), Type.Null()]),
    counts: Type.Record(Type.String(), Type.Number()),
    summary: Type.Record(Type.String(), Type.Unknown()),
    error: Type.Unknown(),
    createdAt: Type.String(),
    updatedAt: Type.String(),
    completedAt: Type.Union([Type.String(), Type.Null()]),
  },
  { $id: 'Exchange' },
);

/** The exchange ledger: what arrived from which state, what was rejected and why, what is queued or failed. */
export async function exchangeRoutes(app: FastifyInstance): Promise<void> {
  app.get<{ Params: { id: string } }>(
    '/api/v1/exchanges/:id',
    {
      config: {
        access: {
          roles: ['help-desk', 'data-admin', 'state-system', 'admin'],
          stateQuery: 'state',
          crossState: ['help-desk', 'admin'],
        },
      },
      schema: {
        tags: ['exchanges'],
        summary: 'One ledger entry',
        params: IdParam,
        response: { 200: Type.Ref('Exchange') },
      },
    },
    async (request) => {
      const ex = await getExchange(app.ctx.db, request.params.id);
      if (!ex) throw new GatewayError('GW_ERR_NOT_FOUND', `No exchange ${request.params.id}.`);
      assertStateVisible(request, ex.stateCode, `exchange ${request.params.id}`);
      return maskForCaller(request, ex);
    },
  );
  app.get<{ Querystring: { state?: string; status?: ExchangeStatus; kind?: string; limit?: number; before?: string } }>(
    '/api/v1/exchanges',
    {
      config: {
        access: {
          roles: ['help-desk', 'data-admin', 'state-system', 'admin'],
          stateQuery: 'state',
          crossState: ['help-desk', 'admin'],
        },
      },
      schema: {
        tags: ['exchanges'],
        summary: 'Search the ledger, newest first',
        querystring: Type.Object({
          state: Type.Optional(Type.String({ pattern: '^[A-Z]{2}$' })),
          status: Type.Optional(Type.String()),
          kind: Type.Optional(Type.String()),
          limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500 })),
          before: Type.Optional(Type.String({ format: 'date-time' })),
        }),
        response: { 200: Type.Object({ items: Type.Array(Type.Ref('Exchange')) }) },
      },
    },
    async (request) => ({
      items: maskForCaller(
        request,
        await listExchanges(app.ctx.db, { ...request.query, stateCode: effectiveState(request, request.query.state) }),
      ),
    }),
  );
}
