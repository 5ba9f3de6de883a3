/**
 * The Ed-Fi surface: resources under `/data/v3` (ODS/API clients) and `/data`
 * (Data Management Service clients), the migrant extension, discovery,
 * metadata and change queries, all answering errors in the Ed-Fi
 * problem-details shape. Registered in gateway/app.ts with one line.
 */
import type { FastifyInstance } from 'fastify';
import { registerEdfiProblemHandlers } from './problems.js';
import { resourceRoutes } from './resources.js';
import { consolidatedRoutes } from './consolidated.js';
import { discoveryRoutes } from './discovery.js';
import { changeQueryRoutes } from './change-queries.js';

export async function edfiPlugin(app: FastifyInstance): Promise<void> {
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
}
