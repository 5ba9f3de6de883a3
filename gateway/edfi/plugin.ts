import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { registerEdfiProblemHandlers } from './problems.js';
import { resourceRoutes } from './resources.js';
import { consolidatedRoutes } from './consolidated.js';
import { discoveryRoutes } from './discovery.js';
import { changeQueryRoutes } from './change-queries.js';

export const edfiPlugin: FastifyPluginAsyncTypebox = async (app) => {
  for (const prefix of ['/data/v3', '/data']) {
    await app.register(
      async (scope) => {
        registerEdfiProblemHandlers(scope, { notFound: true });
        await scope.register(resourceRoutes);
        await scope.register(consolidatedRoutes);
      },
      { prefix },
    );
  }
  await app.register(async (scope) => {
    registerEdfiProblemHandlers(scope, { notFound: false });
    await scope.register(discoveryRoutes);
    await scope.register(changeQueryRoutes);
  });
};
