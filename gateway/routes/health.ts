import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';

const Check = Type.Object({
  status: Type.Union([Type.Literal('up'), Type.Literal('down')]),
  detail: Type.Optional(Type.String()),
});

/** Liveness (the process answers) and readiness (Postgres and Redis answer). */
export const healthRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/health/live',
    {
      config: { access: { public: true } },
      schema: {
        tags: ['health'],
        summary: 'The process is up',
        response: { 200: Type.Object({ status: Type.Literal('up') }) },
      },
    },
    async () => ({ status: 'up' as const }),
  );
  app.get(
    '/health/ready',
    {
      config: { access: { public: true } },
      schema: {
        tags: ['health'],
        summary: 'Postgres and Redis answer',
        response: {
          200: Type.Object({ status: Type.String(), checks: Type.Object({ postgres: Check, redis: Check }) }),
          503: Type.Object({ status: Type.String(), checks: Type.Object({ postgres: Check, redis: Check }) }),
        },
      },
    },
    async (_req, reply) => {
      const postgres = await app.ctx.db.query('SELECT 1').then(
        () => ({ status: 'up' as const }),
        (e: Error) => ({ status: 'down' as const, detail: e.message }),
      );
      const redis = (await app.ctx.queue.ping())
        ? { status: 'up' as const }
        : { status: 'down' as const, detail: 'no PONG within 1 s' };
      const ok = postgres.status === 'up' && redis.status === 'up';
      return reply.code(ok ? 200 : 503).send({ status: ok ? 'ready' : 'not ready', checks: { postgres, redis } });
    },
  );
};
