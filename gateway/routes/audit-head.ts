import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { auditHead } from '../../core/security/audit-chain.js';

const Hash = Type.String({ pattern: '^[0-9a-f]{64}$' });
const Checkpoint = Type.Object({ throughSeq: Type.Integer(), throughHash: Hash });

/**
 * The audit chain's head, published: anyone may keep copies (a monitor, a state, an auditor) and later check with
 * `npm run audit-trail -- verify --anchor seq:hash` that nothing up to it was changed or removed. It is a sequence
 * number and a hash: it tells nothing about any child, so it needs no credentials.
 */
export const auditHeadRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/api/v1/audit/head',
    {
      config: { access: { public: true } },
      schema: {
        tags: ['security'],
        summary: 'The newest audit event’s seq and hash (the anchor to verify the trail against)',
        response: {
          200: Type.Object({
            seq: Type.Integer(),
            hash: Hash,
            at: Type.Union([Type.String(), Type.Null()]),
            checkpoint: Type.Union([Checkpoint, Type.Null()]),
          }),
        },
      },
    },
    async (_request, reply) => {
      reply.header('cache-control', 'no-store');
      return auditHead(app.ctx.db);
    },
  );
};
