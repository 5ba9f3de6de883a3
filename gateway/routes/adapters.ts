import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { checkConfig, type LoadedAdapter } from '@msix/adapter-sdk';
import { installedAdapters, publicDisabled, servesState } from '../../adapters/registry.js';
import { GatewayError } from '../../core/errors.js';
import { chooseStateAdapter, getState, stateAdapterChoice } from '../../core/states.js';
import { StateParam } from '../schemas.js';
import { requireState } from './records.js';

const Installed = Type.Object({
  id: Type.String(),
  version: Type.String(),
  description: Type.String(),
  states: Type.Array(Type.String()),
  formats: Type.Array(Type.Object({ name: Type.String(), extensions: Type.Array(Type.String()) })),
  sdk: Type.Integer(),
  /** `built-in`, or the ADAPTERS entry it was installed from. */
  from: Type.String(),
  configSchema: Type.Record(Type.String(), Type.Unknown()),
});
const Disabled = Type.Object({ id: Type.String(), stage: Type.String(), reason: Type.String() });
const Choice = Type.Object({
  adapter: Type.Union([Type.String(), Type.Null()]),
  config: Type.Unknown(),
});

/**
 * Installed adapters, and each state's choice of the adapter (and its configuration) that reads its files when an
 * upload names none. A state's administrator changes the choice without a rebuild or a restart.
 */
export const adapterRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const registry = await installedAdapters(app.ctx.config.ADAPTERS);
  const describe = (a: LoadedAdapter) => ({
    id: a.manifest.id,
    version: a.manifest.version,
    description: a.manifest.description,
    states: a.manifest.states,
    formats: a.manifest.formats.map((f) => ({ name: f.name, extensions: f.extensions })),
    sdk: a.manifest.sdk,
    from: registry.sources.get(a.manifest.id)?.from ?? 'built-in',
    configSchema: a.manifest.configSchema,
  });

  app.get(
    '/api/v1/adapters',
    {
      config: { access: { roles: ['admin', 'help-desk', 'data-admin', 'state-system'] } },
      schema: {
        tags: ['records'],
        summary: 'Installed adapters, and the ones that did not load with the reason',
        response: { 200: Type.Object({ installed: Type.Array(Installed), disabled: Type.Array(Disabled) }) },
      },
    },
    async () => ({
      installed: [...registry.adapters.values()].map(describe),
      disabled: registry.disabled.map(publicDisabled),
    }),
  );

  app.get(
    '/api/v1/states/:state/adapter',
    {
      config: {
        access: {
          roles: ['admin', 'help-desk', 'data-admin', 'state-system'],
          stateParam: 'state',
          crossState: ['admin', 'help-desk'],
        },
      },
      schema: {
        tags: ['records'],
        summary: "The adapter that reads this state's files when an upload names none",
        params: StateParam,
        response: { 200: Choice },
      },
    },
    async (request) => {
      const code = await requireState(app, request.params.state);
      const state = await getState(app.ctx.db, code);
      return state ? stateAdapterChoice(state) : { adapter: null, config: {} };
    },
  );

  app.put(
    '/api/v1/states/:state/adapter',
    {
      config: { access: { roles: ['admin', 'data-admin'], stateParam: 'state', crossState: ['admin'] } },
      schema: {
        tags: ['records'],
        summary: "Choose the adapter, and its configuration, for this state's files",
        description:
          'adapter: an installed adapter that serves the state (GET /api/v1/adapters); config: checked against ' +
          "the adapter's configSchema. Uploads that name no adapter then use it, and every file the adapter reads " +
          'for the state is read with this configuration.',
        params: StateParam,
        body: Type.Object(
          {
            adapter: Type.String({ pattern: '^[a-z][a-z0-9-]{1,40}$' }),
            config: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
          },
          { additionalProperties: false },
        ),
        response: { 200: Choice },
      },
    },
    async (request) => {
      const code = await requireState(app, request.params.state);
      const { adapter: id, config = {} } = request.body;
      const adapter = registry.get(id);
      if (!adapter) {
        const found = registry.disabled.find((d) => d.id === id);
        const off = found && publicDisabled(found);
        throw new GatewayError(
          'GW_ERR_VALIDATION',
          off ? `Adapter ${id} did not load.` : `No adapter ${id} is installed.`,
          {
            issues: [
              {
                path: '/adapter',
                value: id,
                rule: 'installed',
                message: off
                  ? `adapter ${id} is disabled (${off.stage}): ${off.reason}`
                  : `no adapter ${id} is installed`,
                fix: `Choose one of: ${[...registry.adapters.keys()].join(', ')}.`,
              },
            ],
          },
        );
      }
      if (!servesState(adapter, code))
        throw new GatewayError('GW_ERR_VALIDATION', `Adapter ${id} does not serve ${code}.`, {
          issues: [
            {
              path: '/adapter',
              value: id,
              rule: 'servesState',
              message: `adapter ${id} serves ${adapter.manifest.states.join(', ')}`,
              fix: `Choose an adapter that serves ${code}.`,
            },
          ],
        });
      const checked = checkConfig(adapter.manifest, config);
      if (checked.kind === 'error')
        throw new GatewayError('GW_ERR_VALIDATION', `The configuration does not fit adapter ${id}.`, {
          issues: [{ path: '/config', rule: 'configSchema', message: checked.reason, fix: 'Follow configSchema.' }],
        });
      await chooseStateAdapter(app.ctx.db, code, id, config);
      return { adapter: id, config };
    },
  );
};
