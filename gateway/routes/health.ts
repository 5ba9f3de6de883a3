import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { installedAdapters, publicDisabled } from '../../adapters/registry.js';

const Check = Type.Object({
  status: Type.Union([Type.Literal('up'), Type.Literal('down')]),
  detail: Type.Optional(Type.String()),
});

const Ready = Type.Object({
  status: Type.String(),
  /** The dependencies that did not answer, so the operator sees at once which one is down. */
  down: Type.Array(Type.Union([Type.Literal('postgres'), Type.Literal('redis')])),
  checks: Type.Object({ postgres: Check, redis: Check }),
  /**
   * Adapters: the ones that loaded, and the ones that did not (a broken ADAPTERS entry) with the reason. A broken
   * adapter does not make the gateway unready: the other adapters and the API still work.
   */
  adapters: Type.Object({
    loaded: Type.Array(Type.String()),
    disabled: Type.Array(Type.Object({ id: Type.String(), stage: Type.String(), reason: Type.String() })),
  }),
});

/**
 * Liveness (the process answers) and readiness (Postgres and Redis answer); `/health` answers as the Ed-Fi ODS/API's
 * does (ASP.NET health checks: `Healthy` or, with 503, `Unhealthy`, as text), for the Ed-Fi tools that probe it.
 * Readiness details also say which adapters loaded and which did not, with the reason (no server paths: it is public).
 */
export const healthRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const registry = await installedAdapters(app.ctx.config.ADAPTERS);
  const adapters = {
    loaded: [...registry.adapters.keys()],
    disabled: registry.disabled.map(publicDisabled),
  };
  const check = async () => {
    const [postgres, redis] = await Promise.all([
      app.ctx.db.query('SELECT 1').then(
        () => ({ status: 'up' as const }),
        (e: Error) => ({ status: 'down' as const, detail: e.message }),
      ),
      app.ctx.queue
        .ping()
        .then((up) => (up ? { status: 'up' as const } : { status: 'down' as const, detail: 'no PONG within 1 s' })),
    ]);
    const down = [
      ...(postgres.status === 'down' ? ['postgres' as const] : []),
      ...(redis.status === 'down' ? ['redis' as const] : []),
    ];
    return { postgres, redis, down };
  };
  app.get(
    '/health',
    {
      config: { access: { public: true }, overloadExempt: true },
      schema: {
        tags: ['health'],
        summary: 'Healthy or Unhealthy, as the Ed-Fi ODS/API answers',
        response: { 200: Type.String(), 503: Type.String() },
      },
    },
    async (_req, reply) => {
      const { down } = await check();
      if (down.length) reply.header('retry-after', '5');
      return reply
        .code(down.length ? 503 : 200)
        .type('text/plain; charset=utf-8')
        .send(down.length ? 'Unhealthy' : 'Healthy');
    },
  );
  app.get(
    '/health/live',
    {
      config: { access: { public: true }, overloadExempt: true },
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
      config: { access: { public: true }, overloadExempt: true },
      schema: {
        tags: ['health'],
        summary: 'Postgres and Redis answer',
        response: {
          200: Ready,
          503: Ready,
        },
      },
    },
    async (_req, reply) => {
      const { postgres, redis, down } = await check();
      const ok = down.length === 0;
      if (!ok) reply.header('retry-after', '5');
      return reply.code(ok ? 200 : 503).send({
        status: ok ? 'ready' : `not ready: ${down.join(' and ')} down`,
        down,
        checks: { postgres, redis },
        adapters,
      });
    },
  );
};
