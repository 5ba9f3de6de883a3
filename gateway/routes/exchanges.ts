import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { readExchange, searchLedger, type ExchangeStatus } from '../../core/ledger.js';
import { IdParam, PageLimit } from '../schemas.js';
import { scopeOf } from '../plugins/auth.js';

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

/** Who reads the ledger (the API and the help desk's ledger pages): a state-bound caller sees its own state's. */
export const LEDGER_READ = {
  roles: ['help-desk', 'data-admin', 'state-system', 'admin'] as const,
  stateQuery: 'state',
  crossState: ['help-desk', 'admin'] as const,
};

/** The exchange ledger: what arrived from which state, what was rejected and why, what is queued or failed. */
export const exchangeRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/api/v1/exchanges/:id',
    {
      config: { access: LEDGER_READ },
      schema: {
        tags: ['exchanges'],
        summary: 'One ledger entry',
        params: IdParam,
        response: { 200: Type.Ref('Exchange') },
      },
    },
    async (request) => {
      return readExchange(app.ctx.db, scopeOf(request), request.params.id);
    },
  );
  app.get(
    '/api/v1/exchanges',
    {
      config: { access: LEDGER_READ },
      schema: {
        tags: ['exchanges'],
        summary: 'Search the ledger, newest first',
        querystring: Type.Object({
          state: Type.Optional(Type.String({ pattern: '^[A-Z]{2}$' })),
          status: Type.Optional(Type.String()),
          kind: Type.Optional(Type.String()),
          limit: Type.Optional(PageLimit()),
          before: Type.Optional(Type.String({ format: 'date-time' })),
        }),
        response: { 200: Type.Object({ items: Type.Array(Type.Ref('Exchange')) }) },
      },
    },
    async (request) => {
      const { state, status, ...rest } = request.query;
      return {
        items: await searchLedger(app.ctx.db, scopeOf(request), {
          ...rest,
          ...(status ? { status: status as ExchangeStatus } : {}),
          ...(state ? { stateCode: state } : {}),
        }),
      };
    },
  );
};
