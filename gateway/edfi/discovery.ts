import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
/**
 * Ed-Fi discovery and metadata: the root document (`GET /`), `/metadata`
 * with one OpenAPI document per section, and the load order. Public, as in
 * the ODS/API. `GET /` coexists with a browser landing: a caller that asks for
 * HTML (and not JSON) is sent to the API documentation instead.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { dependencies, descriptorsOpenApi, resourcesOpenApi } from '../../specs/edfi/openapi.js';

export const GATEWAY_VERSION = '0.1.0';
const open = { access: { public: true as const } };
const tags = ['ed-fi'];

/** Absolute base URL: PUBLIC_URL when configured, else what the caller used. */
function origin(app: FastifyInstance, request: FastifyRequest): string {
  const configured = app.ctx.config.PUBLIC_URL.replace(/\/+$/, '');
  return configured || `${request.protocol}://${request.host}`;
}

const wantsHtml = (request: FastifyRequest): boolean => {
  const accept = String(request.headers.accept ?? '');
  return /text\/html/i.test(accept) && !/application\/json/i.test(accept);
};

export const discoveryRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/',
    {
      config: open,
      schema: { tags, summary: 'Ed-Fi discovery document (browsers asking for HTML are sent to the portal)' },
    },
    async (request, reply) => {
      if (wantsHtml(request)) return reply.code(303).header('location', '/portal').send();
      const o = origin(app, request);
      return {
        version: '7.3',
        applicationName: 'MSIX gateway Ed-Fi API',
        informationalVersion: GATEWAY_VERSION,
        suite: '3',
        build: GATEWAY_VERSION,
        apiMode: 'Multi-State',
        dataModels: [
          {
            name: 'Ed-Fi',
            version: '5.2.0',
            informationalVersion: 'Ed-Fi Data Standard 5.2.0: the resources that carry migrant student records',
          },
          { name: 'migrant', version: '1.0.0', informationalVersion: 'MSIX gateway extension: consolidatedStudents' },
        ],
        urls: {
          dependencies: `${o}/metadata/data/v3/dependencies`,
          openApiMetadata: `${o}/metadata/`,
          oauth: `${o}/oauth/token`,
          oauthTokenIntrospection: `${o}/oauth/token_info`,
          dataManagementApi: `${o}/data/v3/`,
          changeQueries: `${o}/changeQueries/v1/`,
        },
      };
    },
  );

  const sections = (o: string) => [
    { name: 'Resources', endpointUri: `${o}/metadata/data/v3/resources/swagger.json`, prefix: '' },
    { name: 'Descriptors', endpointUri: `${o}/metadata/data/v3/descriptors/swagger.json`, prefix: '' },
  ];
  for (const url of ['/metadata', '/metadata/']) {
    app.get(
      url,
      { config: open, schema: { tags, summary: 'OpenAPI documents of the Ed-Fi surface, per section' } },
      async (request) => sections(origin(app, request)),
    );
  }
  app.get(
    '/metadata/data/v3/resources/swagger.json',
    { config: open, schema: { tags, summary: 'OpenAPI: Ed-Fi resources' } },
    async (request) => resourcesOpenApi(`${origin(app, request)}/data/v3`, GATEWAY_VERSION),
  );
  app.get(
    '/metadata/data/v3/descriptors/swagger.json',
    { config: open, schema: { tags, summary: 'OpenAPI: Ed-Fi descriptors' } },
    async (request) => descriptorsOpenApi(`${origin(app, request)}/data/v3`, GATEWAY_VERSION),
  );
  app.get(
    '/metadata/data/v3/dependencies',
    { config: open, schema: { tags, summary: 'The order to load resources in' } },
    async () => dependencies(),
  );

  // The Data Management Service ("Ed-Fi API v8") names the same documents differently.
  app.get(
    '/metadata/specifications',
    { config: open, schema: { tags, summary: 'OpenAPI documents (DMS naming)' } },
    async (request) => {
      const o = origin(app, request);
      return [
        { name: 'Resources', endpointUri: `${o}/metadata/specifications/resources-spec.json`, prefix: '' },
        { name: 'Descriptors', endpointUri: `${o}/metadata/specifications/descriptors-spec.json`, prefix: '' },
      ];
    },
  );
  app.get(
    '/metadata/specifications/resources-spec.json',
    { config: open, schema: { tags, summary: 'OpenAPI: Ed-Fi resources (DMS path)' } },
    async (request) => resourcesOpenApi(`${origin(app, request)}/data`, GATEWAY_VERSION),
  );
  app.get(
    '/metadata/specifications/descriptors-spec.json',
    { config: open, schema: { tags, summary: 'OpenAPI: Ed-Fi descriptors (DMS path)' } },
    async (request) => descriptorsOpenApi(`${origin(app, request)}/data`, GATEWAY_VERSION),
  );
  app.get(
    '/metadata/dependencies',
    { config: open, schema: { tags, summary: 'The order to load resources in (DMS path)' } },
    async () => dependencies(),
  );
};
