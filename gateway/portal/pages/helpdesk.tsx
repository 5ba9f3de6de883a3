import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { installedAdapters } from '../../../adapters/registry.js';
import { readExchange, searchLedger } from '../../../core/ledger.js';
import { searchDeliveries } from '../../../core/exchange/views.js';
import { scopeOf } from '../../plugins/auth.js';
import { retryNow } from '../../routes/exchange-deliveries.js';
import { IdParam } from '../../schemas.js';
import { Field, Select } from '../forms.js';
import { Alert, Csrf, Page, sendPage } from '../html.js';
import { PAGES } from '../menu.js';
import { viewerOf } from '../plugin.js';

const DELIVERY_STATUSES = ['queued', 'held', 'sending', 'retrying', 'delivered', 'dead', 'cancelled', 'expired'];
const EXCHANGE_STATUSES = [
  'received',
  'processing',
  'completed',
  'completed_with_errors',
  'rejected',
  'failed',
  'queued',
  'delivered',
  'dead',
];
const when = (iso: string | null | undefined) => (iso ? `${iso.slice(0, 19).replace('T', ' ')} UTC` : '');
const statusOptions = (list: string[]) => [['', 'Any status'] as const, ...list.map((s) => [s, s] as const)];

/**
 * The help desk's pages: deliveries (find a failed one by MSIX id, state or
 * status, and retry it) and the ledger (exchanges with their parent and
 * child rows). Everything goes through the API's use cases with the request's
 * Scope, which masks names, birth dates and raw values for the help desk.
 */
export const helpDeskPages: FastifyPluginAsyncTypebox = async (app) => {
  const { db } = app.ctx;
  // Adapters that did not load (a broken ADAPTERS entry): files for them fail, so the board says so first.
  const { disabled } = await installedAdapters(app.ctx.config.ADAPTERS);
  const brokenAdapters = disabled.length ? (
    <Alert kind="warning">
      <p>
        {disabled.length === 1 ? 'One adapter' : `${disabled.length} adapters`} did not load; files that need{' '}
        {disabled.length === 1 ? 'it' : 'them'} fail until it is fixed:
      </p>
      <ul data-broken-adapters>
        {disabled.map((d) => (
          <li>
            <strong>{d.id}</strong> ({d.stage}): {d.reason}
          </li>
        ))}
      </ul>
    </Alert>
  ) : null;

  app.get(
    PAGES.deliveries.href,
    {
      // The same declaration as GET /api/v1/deliveries.
      config: {
        access: {
          roles: ['help-desk', 'admin', 'state-system', 'data-admin'],
          stateQuery: 'state',
          crossState: ['help-desk', 'admin'],
        },
      },
      schema: {
        hide: true,
        querystring: Type.Object({
          state: Type.Optional(Type.String({ maxLength: 2 })),
          status: Type.Optional(Type.String({ maxLength: 20 })),
          msixId: Type.Optional(Type.String({ maxLength: 20 })),
          retried: Type.Optional(Type.String({ maxLength: 40 })),
        }),
      },
    },
    async (request, reply) => {
      const viewer = viewerOf(request);
      const q = request.query;
      const msixId = q.msixId?.replace(/\D/g, '') || undefined;
      const status = DELIVERY_STATUSES.includes(q.status ?? '') ? q.status : undefined;
      const state = q.state && /^[A-Za-z]{2}$/.test(q.state) ? q.state.toUpperCase() : undefined;
      const items = await searchDeliveries(db, scopeOf(request), {
        ...(state ? { stateCode: state } : {}),
        ...(status ? { status: status as never } : {}),
        ...(msixId && msixId.length === 12 ? { msixId } : {}),
        limit: 100,
      });
      const mayRetry = viewer.roles.some((r) => r === 'help-desk' || r === 'admin');
      return sendPage(
        reply,
        <Page title="Deliveries" viewer={viewer} path={PAGES.deliveries.href}>
          <h1>Deliveries</h1>
          {brokenAdapters}
          {q.retried ? (
            <Alert kind="success">
              <p>Delivery {q.retried} is queued for a fresh round of attempts.</p>
            </Alert>
          ) : null}
          <form method="get" action={PAGES.deliveries.href} class="usa-form usa-form--large">
            <div class="grid-row grid-gap">
              <div class="tablet:grid-col-4">
                <Field name="msixId" label="MSIX id" value={q.msixId} inputmode="numeric" />
              </div>
              <div class="tablet:grid-col-4">
                <Field name="state" label="Receiving state" value={q.state} hint="Two letters" />
              </div>
              <div class="tablet:grid-col-4">
                <Select name="status" label="Status" options={statusOptions(DELIVERY_STATUSES)} value={status} />
              </div>
            </div>
            <button class="usa-button" type="submit">
              Search
            </button>
          </form>
          <div class="usa-table-container--scrollable" tabindex={0}>
            <table class="usa-table usa-table--striped usa-table--compact">
              <caption>Deliveries, newest first (no message contents)</caption>
              <thead>
                <tr>
                  <th scope="col">Created</th>
                  <th scope="col">Kind</th>
                  <th scope="col">To</th>
                  <th scope="col">MSIX id</th>
                  <th scope="col">Status</th>
                  <th scope="col">Attempts</th>
                  <th scope="col">Last error</th>
                  <th scope="col">Action</th>
                </tr>
              </thead>
              <tbody>
                {items.length === 0 ? (
                  <tr>
                    <td colSpan={8}>No delivery matches.</td>
                  </tr>
                ) : (
                  items.map((d) => (
                    <tr data-delivery={d.id}>
                      <td>{when(d.createdAt)}</td>
                      <td>{d.kind}</td>
                      <td>{d.to}</td>
                      <td>{d.msixId ?? ''}</td>
                      <td data-testid="delivery-status">{d.status}</td>
                      <td>{d.attempts}</td>
                      <td>{d.lastError ?? ''}</td>
                      <td>
                        {mayRetry && ['dead', 'retrying', 'expired'].includes(d.status) ? (
                          <form method="post" action={`${PAGES.deliveries.href}/${d.id}/retry`}>
                            <Csrf viewer={viewer} />
                            <button class="usa-button usa-button--secondary" type="submit">
                              Retry
                            </button>
                          </form>
                        ) : null}
                      </td>
                    </tr>
                  ))
                )}
              </tbody>
            </table>
          </div>
        </Page>,
      );
    },
  );

  app.post(
    `${PAGES.deliveries.href}/:id/retry`,
    // The same declaration as POST /api/v1/deliveries/{id}/retry.
    { config: { access: { roles: ['help-desk', 'admin'] } }, schema: { hide: true, params: IdParam } },
    async (request, reply) => {
      const d = await retryNow(app, request, request.params.id);
      const back = new URLSearchParams({ retried: d.id, ...(d.msixId ? { msixId: d.msixId } : {}) });
      return reply.redirect(`${PAGES.deliveries.href}?${back}`, 303);
    },
  );

  app.get(
    PAGES.ledger.href,
    {
      // The same declaration as GET /api/v1/exchanges.
      config: {
        access: {
          roles: ['help-desk', 'admin', 'state-system', 'data-admin'],
          stateQuery: 'state',
          crossState: ['help-desk', 'admin'],
        },
      },
      schema: {
        hide: true,
        querystring: Type.Object({
          state: Type.Optional(Type.String({ maxLength: 2 })),
          status: Type.Optional(Type.String({ maxLength: 20 })),
          kind: Type.Optional(Type.String({ maxLength: 40 })),
        }),
      },
    },
    async (request, reply) => {
      const viewer = viewerOf(request);
      const q = request.query;
      const state = q.state && /^[A-Za-z]{2}$/.test(q.state) ? q.state.toUpperCase() : undefined;
      const status = EXCHANGE_STATUSES.includes(q.status ?? '') ? q.status : undefined;
      const items = await searchLedger(db, scopeOf(request), {
        ...(state ? { stateCode: state } : {}),
        ...(status ? { status: status as never } : {}),
        ...(q.kind ? { kind: q.kind } : {}),
        limit: 100,
      });
      return sendPage(
        reply,
        <Page title="Ledger" viewer={viewer} path={PAGES.ledger.href}>
          <h1>Exchange ledger</h1>
          <form method="get" action={PAGES.ledger.href} class="usa-form usa-form--large">
            <div class="grid-row grid-gap">
              <div class="tablet:grid-col-4">
                <Field name="state" label="State" value={q.state} hint="Two letters" />
              </div>
              <div class="tablet:grid-col-4">
                <Select name="status" label="Status" options={statusOptions(EXCHANGE_STATUSES)} value={status} />
              </div>
              <div class="tablet:grid-col-4">
                <Field name="kind" label="Kind" value={q.kind} hint="For example records, file, record-request" />
              </div>
            </div>
            <button class="usa-button" type="submit">
              Search
            </button>
          </form>
          <table class="usa-table usa-table--striped usa-table--compact">
            <caption>Exchanges, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Created</th>
                <th scope="col">State</th>
                <th scope="col">Direction</th>
                <th scope="col">Kind</th>
                <th scope="col">Status</th>
              </tr>
            </thead>
            <tbody>
              {items.map((x) => (
                <tr>
                  <td>
                    <a href={`/portal/exchanges/${x.id}`}>{when(x.createdAt)}</a>
                  </td>
                  <td>{x.stateCode}</td>
                  <td>{x.direction}</td>
                  <td>{x.kind}</td>
                  <td>{x.status}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </Page>,
      );
    },
  );

  app.get(
    '/portal/exchanges/:id',
    {
      // The same declaration as GET /api/v1/exchanges/{id}.
      config: { access: { roles: ['help-desk', 'admin', 'state-system', 'data-admin'] } },
      schema: { hide: true, params: IdParam },
    },
    async (request, reply) => {
      const viewer = viewerOf(request);
      const x = await readExchange(db, scopeOf(request), request.params.id);
      // The parent is named by id, which is not student data: the ledger tree stays followable when masked.
      const parent = x.parentId && /^[0-9a-f-]{36}$/i.test(x.parentId) ? x.parentId : null;
      return sendPage(
        reply,
        <Page title="Exchange" viewer={viewer} path={PAGES.ledger.href}>
          <h1>Exchange {x.kind}</h1>
          <ul class="usa-list">
            <li>
              {x.direction} · state {x.stateCode} · status <strong>{x.status}</strong>
            </li>
            <li>Created {when(x.createdAt)}</li>
            <li>Completed {when(x.completedAt) || 'not yet'}</li>
            <li>Trace id {x.traceId}</li>
            {parent ? (
              <li>
                Part of <a href={`/portal/exchanges/${parent}`}>exchange {parent}</a>
              </li>
            ) : null}
          </ul>
          <h2>Counts</h2>
          <table class="usa-table usa-table--compact">
            <caption>Records by outcome</caption>
            <thead>
              <tr>
                <th scope="col">Outcome</th>
                <th scope="col">Records</th>
              </tr>
            </thead>
            <tbody>
              {Object.entries(x.counts).map(([k, n]) => (
                <tr>
                  <td>{k}</td>
                  <td>{n}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <h2>Summary</h2>
          <pre class="font-mono-xs">{JSON.stringify({ summary: x.summary, error: x.error }, null, 2)}</pre>
        </Page>,
      );
    },
  );
};
