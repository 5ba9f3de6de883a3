import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { availableChangeVersions } from '../../core/edfi/store.js';
import { READ_ROLES } from './resources.js';

/** `GET /changeQueries/v1/availableChangeVersions`: the window of change versions a client can sync from. */
export const changeQueryRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/changeQueries/v1/availableChangeVersions',
    {
      config: { access: { roles: READ_ROLES } },
      schema: { tags: ['ed-fi'], summary: 'Oldest and newest Ed-Fi change versions' },
    },
    async () => availableChangeVersions(app.ctx.db),
  );
};
