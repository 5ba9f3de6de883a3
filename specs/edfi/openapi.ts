/**
 * The OpenAPI documents of the Ed-Fi surface, one per section as the ODS/API
 * publishes them (`/metadata/data/v3/resources/swagger.json`, `…/descriptors/…`),
 * built from the same TypeBox schemas that validate writes, so the published
 * contract and the enforced one cannot drift apart.
 */
import { RESOURCES, type ResourceDef } from './catalog.js';
import { DESCRIPTOR_LISTS, descriptorResourceName } from './descriptors.js';

type Json = Record<string, unknown>;

/** A plain-JSON copy of a schema, with JSON Schema details OpenAPI 3.0 spells differently. */
function toOpenApi(schema: unknown): Json {
  return JSON.parse(JSON.stringify(schema), (_k, v: unknown) => {
    if (v && typeof v === 'object' && !Array.isArray(v) && (v as Json).format === 'iso-date-time')
      return { ...(v as Json), format: 'date-time' };
    return v;
  }) as Json;
}

const componentName = (def: ResourceDef) =>
  `${def.project === 'tpdm' ? 'tpdm' : 'edFi'}_${def.entity.charAt(0).toLowerCase()}${def.entity.slice(1)}`;
/** `/ed-fi/students`, `/tpdm/candidates`. */
const pathOf = (def: ResourceDef) => `/${def.project ?? 'ed-fi'}/${def.name}`;

const problem = (description: string) => ({
  description,
  content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/problemDetails' } } },
});

const PROBLEM_SCHEMA = {
  type: 'object',
  properties: {
    type: { type: 'string' },
    title: { type: 'string' },
    status: { type: 'integer' },
    detail: { type: 'string' },
    correlationId: { type: 'string' },
    validationErrors: { type: 'object', additionalProperties: { type: 'array', items: { type: 'string' } } },
    errors: { type: 'array', items: { type: 'string' } },
    code: { type: 'string', description: 'The gateway error code (GW_ERR_…).' },
  },
};

const PAGING = [
  { name: 'offset', in: 'query', schema: { type: 'integer', minimum: 0, default: 0 }, description: 'Items to skip.' },
  {
    name: 'limit',
    in: 'query',
    schema: { type: 'integer', minimum: 0, maximum: 500, default: 25 },
    description: 'Items to return (at most 500).',
  },
  {
    name: 'totalCount',
    in: 'query',
    schema: { type: 'boolean', default: false },
    description: 'Send the Total-Count header.',
  },
  {
    name: 'minChangeVersion',
    in: 'query',
    schema: { type: 'integer', minimum: 0 },
    description: 'Only items changed at or after this change version.',
  },
  {
    name: 'maxChangeVersion',
    in: 'query',
    schema: { type: 'integer', minimum: 0 },
    description: 'Only items changed at or before this change version.',
  },
];

function queryParameters(def: ResourceDef): Json[] {
  const props = (def.schema as unknown as { properties: Record<string, Json> }).properties;
  const out: Json[] = def.identity.map((f) => ({
    name: f.name,
    in: 'query',
    schema: { type: 'string' },
    description: `Natural-key field (${f.path.join('.')}).`,
  }));
  for (const [name, s] of Object.entries(props)) {
    if (['string', 'integer', 'number', 'boolean'].includes(String(s.type)) && !out.some((p) => p.name === name)) {
      out.push({
        name,
        in: 'query',
        schema: {
          type: s.type,
          ...(s.format ? { format: s.format === 'iso-date-time' ? 'date-time' : s.format } : {}),
        },
      });
    }
  }
  return out;
}

function resourcePaths(def: ResourceDef): Record<string, Json> {
  const ref = { $ref: `#/components/schemas/${componentName(def)}` };
  const item = { name: 'id', in: 'path', required: true, schema: { type: 'string' } };
  const tags = [def.name];
  return {
    [pathOf(def)]: {
      get: {
        tags,
        operationId: `get${def.entity}s`,
        summary: `Query ${def.name}`,
        description: def.description,
        parameters: [...PAGING, ...queryParameters(def)],
        responses: {
          200: {
            description: 'The items (possibly none).',
            headers: { 'Total-Count': { schema: { type: 'integer' } } },
            content: { 'application/json': { schema: { type: 'array', items: ref } } },
          },
          400: problem('Bad query parameters.'),
          401: problem('Not authenticated.'),
          403: problem('Not authorized.'),
        },
      },
      post: {
        tags,
        operationId: `post${def.entity}`,
        summary: `Create or update a ${def.entity} by its natural key`,
        requestBody: { required: true, content: { 'application/json': { schema: ref } } },
        responses: {
          200: { description: 'Updated: an item with this natural key existed.' },
          201: { description: 'Created. Location and ETag headers name it.' },
          400: problem('Invalid data (validationErrors by JSON path), or an id in the body.'),
          403: problem("Not this state's to write."),
          409: problem('A referenced item does not exist (urn:ed-fi:api:data-conflict:unresolved-reference).'),
          412: problem('If-None-Match: * and the item exists.'),
          415: problem('Not JSON.'),
        },
      },
    },
    [`${pathOf(def)}/{id}`]: {
      get: {
        tags,
        operationId: `get${def.entity}ById`,
        parameters: [item, { name: 'If-None-Match', in: 'header', schema: { type: 'string' } }],
        responses: {
          200: { description: 'The item, with its ETag.', content: { 'application/json': { schema: ref } } },
          304: { description: 'Not modified since the ETag given.' },
          403: problem("Another state's item."),
          404: problem('No such item.'),
        },
      },
      put: {
        tags,
        operationId: `put${def.entity}`,
        parameters: [item, { name: 'If-Match', in: 'header', schema: { type: 'string' } }],
        requestBody: { required: true, content: { 'application/json': { schema: ref } } },
        responses: {
          204: { description: 'Replaced.' },
          400: problem('Invalid data, id mismatch, or a changed natural key.'),
          403: problem("Another state's item."),
          404: problem('No such item.'),
          409: problem('Unresolved reference.'),
          412: problem('The ETag in If-Match is not current.'),
        },
      },
      delete: {
        tags,
        operationId: `delete${def.entity}ById`,
        parameters: [item, { name: 'If-Match', in: 'header', schema: { type: 'string' } }],
        responses: {
          204: { description: 'Deleted.' },
          403: problem("Another state's item."),
          404: problem('No such item.'),
          409: problem('Still referenced (urn:ed-fi:api:data-conflict:dependent-item-exists).'),
          412: problem('The ETag in If-Match is not current.'),
        },
      },
    },
    [`${pathOf(def)}/keyChanges`]: {
      get: {
        tags,
        operationId: `keyChanges${def.entity}s`,
        summary: `${def.name} natural-key changes (none: PUT cannot change a key here)`,
        parameters: PAGING,
        responses: {
          200: {
            description: 'Always an empty array.',
            content: { 'application/json': { schema: { type: 'array', items: { type: 'object' } } } },
          },
        },
      },
    },
    [`${pathOf(def)}/deletes`]: {
      get: {
        tags,
        operationId: `deletes${def.entity}s`,
        summary: `${def.name} deleted in a change-version window`,
        parameters: PAGING,
        responses: {
          200: {
            description: 'Deleted items: id, changeVersion and keyValues.',
            content: {
              'application/json': { schema: { type: 'array', items: { $ref: '#/components/schemas/trackedDelete' } } },
            },
          },
        },
      },
    },
  };
}

function component(def: ResourceDef): Json {
  const s = toOpenApi(def.schema);
  return {
    ...s,
    description: def.description,
    properties: {
      id: { type: 'string', description: 'Server-assigned id; never sent on POST.' },
      ...(s.properties as Json),
      _etag: { type: 'string', readOnly: true },
      _lastModifiedDate: { type: 'string', format: 'date-time', readOnly: true },
    },
    'x-ed-fi-natural-key': def.identity.map((f) => f.path.join('.')),
  };
}

/** The resources section (`resources-spec.json` in the DMS, `resources/swagger.json` in the ODS/API). */
export function resourcesOpenApi(serverUrl: string, version: string): Json {
  return {
    openapi: '3.0.3',
    info: {
      title: 'MSIX gateway: Ed-Fi Resource API (Data Standard 5.2 subset)',
      version,
      description:
        'The Ed-Fi resources a state system sends migrant student records through. Every write becomes ' +
        "part of the state's canonical MSIX record of the child.",
    },
    servers: [{ url: serverUrl }],
    paths: Object.assign({}, ...RESOURCES.map(resourcePaths)),
    components: {
      schemas: {
        ...Object.fromEntries(RESOURCES.map((d) => [componentName(d), component(d)])),
        problemDetails: PROBLEM_SCHEMA,
        trackedDelete: {
          type: 'object',
          properties: { id: { type: 'string' }, changeVersion: { type: 'integer' }, keyValues: { type: 'object' } },
        },
      },
      securitySchemes: {
        oauth2_client_credentials: {
          type: 'oauth2',
          flows: { clientCredentials: { tokenUrl: '/oauth/token', scopes: {} } },
        },
      },
    },
    security: [{ oauth2_client_credentials: [] }],
  };
}

/** The descriptors section: one read-only collection per descriptor list. */
export function descriptorsOpenApi(serverUrl: string, version: string): Json {
  const paths: Record<string, Json> = {};
  for (const l of DESCRIPTOR_LISTS.values()) {
    const name = descriptorResourceName(l.name);
    paths[`/ed-fi/${name}`] = {
      get: {
        tags: [name],
        operationId: `get${l.name}s`,
        summary: `${l.name} values (${l.values.length}, namespace ${l.namespace})`,
        parameters: PAGING.slice(0, 3),
        responses: {
          200: {
            description: 'The values.',
            content: {
              'application/json': { schema: { type: 'array', items: { $ref: '#/components/schemas/descriptor' } } },
            },
          },
        },
      },
    };
    paths[`/ed-fi/${name}/{id}`] = {
      get: {
        tags: [name],
        operationId: `get${l.name}ById`,
        parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
        responses: {
          200: {
            description: 'One value.',
            content: { 'application/json': { schema: { $ref: '#/components/schemas/descriptor' } } },
          },
          404: problem('No such value.'),
        },
      },
    };
  }
  return {
    openapi: '3.0.3',
    info: { title: 'MSIX gateway: Ed-Fi Descriptors API (Data Standard 5.2 lists, read-only)', version },
    servers: [{ url: serverUrl }],
    paths,
    components: {
      schemas: {
        descriptor: {
          type: 'object',
          properties: {
            id: { type: 'string' },
            codeValue: { type: 'string' },
            namespace: { type: 'string' },
            shortDescription: { type: 'string' },
            description: { type: 'string' },
          },
        },
        problemDetails: PROBLEM_SCHEMA,
      },
    },
  };
}

/** The load order (`/metadata/data/v3/dependencies`): every resource after the ones it references. */
export function dependencies(): { resource: string; order: number; operations: string[] }[] {
  const descriptors = [...DESCRIPTOR_LISTS.values()].map((l) => ({
    resource: `/ed-fi/${descriptorResourceName(l.name)}`,
    order: 1,
    operations: [] as string[],
  }));
  return [
    ...descriptors,
    ...RESOURCES.map((r) => ({ resource: pathOf(r), order: r.order + 2, operations: ['Create', 'Update'] })),
  ];
}
