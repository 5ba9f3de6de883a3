import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { ledgerKeyPairIssue, readExchange, searchLedger, type ExchangeStatus } from '../../core/ledger.js';
import { IdParam, BeforeId, PageLimit } from '../schemas.js';
import { scopeOf } from '../plugins/auth.js';
import { GatewayError } from '../../core/errors.js';

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

const DATE_ONLY = '^[0-9]{4}-[0-9]{2}-[0-9]{2}$';
/**
 * The ledger's business keys (issue 14: the help desk searches by them), the same for GET /api/v1/exchanges and the
 * help desk's ledger page: the child's MSIX id, an exchange (with its child rows), a record request, a submitted
 * file's name, and a period of creation dates.
 */
export const LEDGER_KEYS = {
  msixId: Type.Optional(Type.String({ pattern: '^[1-9][0-9]{11}$', description: 'The child (12 digits).' })),
  exchangeId: Type.Optional(Type.String({ format: 'uuid', description: 'An exchange and its child rows.' })),
  requestId: Type.Optional(Type.String({ format: 'uuid', description: "A record request's exchange." })),
  fileName: Type.Optional(Type.String({ minLength: 1, maxLength: 255, description: 'A file as the state named it.' })),
  // `format: 'date'` as well as the shape: 2026-13-01 has the shape but is no day (the database refused it).
  from: Type.Optional(
    Type.String({ pattern: DATE_ONLY, format: 'date', description: 'Created on or after (YYYY-MM-DD).' }),
  ),
  to: Type.Optional(
    Type.String({ pattern: DATE_ONLY, format: 'date', description: 'Created on or before (YYYY-MM-DD).' }),
  ),
  recordState: Type.Optional(
    Type.String({
      pattern: '^[A-Z]{2}$',
      description: 'The state whose student id `stateStudentId` is (two letters).',
    }),
  ),
  stateStudentId: Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 60,
      description:
        "A state's own id of the child, with `recordState`: the exchanges that carried that record and every " +
        'exchange about the child it is linked to.',
    }),
  ),
};

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
          beforeId: Type.Optional(BeforeId),
          ...LEDGER_KEYS,
        }),
        response: { 200: Type.Object({ items: Type.Array(Type.Ref('Exchange')) }) },
      },
    },
    async (request) => {
      const { state, status, ...rest } = request.query;
      const pair = ledgerKeyPairIssue(rest);
      if (pair) throw new GatewayError('GW_ERR_VALIDATION', pair.message, { issues: [pair] });
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
