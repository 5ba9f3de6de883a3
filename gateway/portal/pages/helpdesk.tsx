import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { installedAdapters, publicDisabled } from '../../../adapters/registry.js';
import { countLedger, ledgerKeyPairIssue, readExchange, searchLedger, type Exchange } from '../../../core/ledger.js';
import { DELIVERY_STATUSES } from '../../../core/exchange/delivery/deliveries.js';
import { HELP_DESK_ACTIONABLE } from '../../../core/exchange/helpdesk.js';
import {
  countDeliveriesSeen,
  readDelivery,
  searchDeliveries,
  type DeliveryView,
} from '../../../core/exchange/views.js';
import { statusBoard } from '../../../core/status.js';
import { BullJobQueue } from '../../../runtime/queue.js';
import { createAjv, toFieldIssues } from '@msix/adapter-sdk/canonical';
import { scopeOf } from '../../plugins/auth.js';
import { CancelBody, cancelNow, DELIVERIES_ACT, DELIVERIES_READ, retryNow } from '../../routes/exchange-deliveries.js';
import { LEDGER_KEYS, LEDGER_READ } from '../../routes/exchanges.js';
import { IdParam } from '../../schemas.js';
import { Field, Select, fieldErrors, type FieldErrors } from '../forms.js';
import { PageQuery, PageStatus, Pagination, pageHref, pageCaption, paged, toLastPage, type Paged } from '../paging.js';
import { Alert, Csrf, DataTable, FilterForm, Page, sendPage, type Viewer, formatTime } from '../html.js';
import { PAGES } from '../menu.js';
import { viewerOf } from '../plugin.js';

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
const statusOptions = (list: readonly string[]) => [['', 'Any status'] as const, ...list.map((s) => [s, s] as const)];

/** What each ledger key must look like, in words, shown next to a field the API's schema refuses. */
const LEDGER_KEY_HELP: Record<string, string> = {
  msixId: 'An MSIX id is 12 digits and does not start with 0, for example 838375569666',
  exchangeId: "An exchange id is 36 characters like 5be70378-57bc-4f25-929b-d9ca57a9aa69, as on an exchange's page",
  requestId: "A record request id is 36 characters like 6f3bb26e-837a-46c5-ae7e-b5f04410d891, as on the request's page",
  recordState: 'A state is two letters, for example TX',
  stateStudentId: 'A state student id has at most 60 characters',
  fileName: 'A file name has at most 255 characters',
  from: 'A date as YYYY-MM-DD, for example 2026-09-01 (a real day of the calendar)',
  to: 'A date as YYYY-MM-DD, for example 2026-12-31 (a real day of the calendar)',
};

/**
 * The exchange ledger page: the filter form (kept as filled in, each problem next to its field), then one page of
 * exchanges with where it stands ("Page 2 of 7") and the pages around it. No row shows a child's name or birth date:
 * the help desk searches by business keys only (docs/security.md, minimum necessary).
 */
function LedgerPage(p: {
  viewer: Viewer;
  values: Record<string, string | undefined>;
  status: string | undefined;
  errors?: FieldErrors;
  list?: { items: Exchange[]; at: Paged; filtered: boolean; href: (page: number) => string };
}) {
  const v = p.values;
  const e = p.errors ?? {};
  const l = p.list;
  return (
    <Page title="Ledger" viewer={p.viewer} path={PAGES.ledger.href}>
      <h1>Exchange ledger</h1>
      <p>
        Every file, API call and message to or from a state, newest first. Narrow it by any key below; a student is
        found by MSIX id or by a state's own student id, never by name.
      </p>
      {Object.keys(e).length > 0 ? (
        <Alert kind="error" heading="Check the search">
          <p>Fix the fields marked below and search again. Nothing was searched.</p>
        </Alert>
      ) : null}
      <FilterForm action={PAGES.ledger.href}>
        <Field name="state" label="State" value={v.state} error={e.state} hint="The exchange's state, two letters" />
        <Select name="status" label="Status" options={statusOptions(EXCHANGE_STATUSES)} value={p.status} />
        <Field name="kind" label="Kind" value={v.kind} hint="For example records, file, record-request" />
        <Field name="msixId" label="MSIX id" value={v.msixId} error={e.msixId} inputmode="numeric" hint="12 digits" />
        <Field
          name="recordState"
          label="Student's state"
          value={v.recordState}
          error={e.recordState}
          hint="The state that gave the student id"
        />
        <Field
          name="stateStudentId"
          label="State student id"
          value={v.stateStudentId}
          error={e.stateStudentId}
          hint="With the student's state"
        />
        <Field
          name="exchangeId"
          label="Exchange id"
          value={v.exchangeId}
          error={e.exchangeId}
          hint="With its child rows"
        />
        <Field name="requestId" label="Record request id" value={v.requestId} error={e.requestId} />
        <Field name="fileName" label="File name" value={v.fileName} error={e.fileName} hint="As the state named it" />
        <Field name="from" label="From" type="date" value={v.from} error={e.from} />
        <Field name="to" label="To" type="date" value={v.to} error={e.to} />
      </FilterForm>
      {l ? (
        <section aria-labelledby="ledger-results" class="margin-top-4">
          <h2 id="ledger-results">Exchanges</h2>
          <PageStatus paged={l.at} shown={l.items.length} noun="exchanges" one="exchange" />
          <DataTable
            caption={`Exchanges, newest first${pageCaption(l.at)}`}
            head={['Created', 'State', 'Direction', 'Kind', 'Status']}
            empty={
              l.filtered
                ? 'No exchange matches these filters. Clear a field or widen the dates, then search again.'
                : 'Nothing has been exchanged yet: files and calls from the states appear here as they arrive.'
            }
            rows={l.items.map((x) => (
              <tr data-exchange={x.id}>
                <td>
                  <a href={`/portal/exchanges/${x.id}`}>{formatTime(x.createdAt)}</a>
                </td>
                <td>{x.stateCode}</td>
                <td>{x.direction}</td>
                <td>{x.kind}</td>
                <td>{x.status}</td>
              </tr>
            ))}
          />
          <Pagination paged={l.at} shown={l.items.length} noun="exchanges" href={l.href} />
        </section>
      ) : null}
    </Page>
  );
}

/**
 * The help desk's pages: deliveries (find a failed one by MSIX id, state or
 * status, and retry it) and the ledger (exchanges with their parent and
 * child rows). Everything goes through the API's use cases with the request's
 * Scope, which masks names, birth dates and raw values for the help desk.
 */
export const helpDeskPages: FastifyPluginAsyncTypebox = async (app) => {
  const { db } = app.ctx;
  // Adapters that did not load (a broken ADAPTERS entry): files for them fail, so the status board and the
  // deliveries page say so first.
  const { disabled } = await installedAdapters(app.ctx.config.ADAPTERS);
  const brokenAdapters = disabled.length ? (
    <Alert kind="warning">
      <p>
        {disabled.length === 1 ? 'One adapter' : `${disabled.length} adapters`} did not load; files that need{' '}
        {disabled.length === 1 ? 'it' : 'them'} fail until it is fixed:
      </p>
      <ul data-broken-adapters>
        {disabled.map(publicDisabled).map((d) => (
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
      config: { access: DELIVERIES_READ },
      schema: {
        hide: true,
        querystring: Type.Object({
          // Loose here and checked below, so a mistyped filter is shown next to its field rather than as an error
          // page.
          state: Type.Optional(Type.String({ maxLength: 40 })),
          status: Type.Optional(Type.String({ maxLength: 20 })),
          msixId: Type.Optional(Type.String({ maxLength: 40 })),
          retried: Type.Optional(Type.String({ maxLength: 40 })),
          cancelled: Type.Optional(Type.String({ maxLength: 40 })),
          ...PageQuery,
        }),
      },
    },
    async (request, reply) => {
      const viewer = viewerOf(request);
      const q = request.query;
      const msixId = q.msixId?.replace(/\D/g, '') || undefined;
      const status = DELIVERY_STATUSES.find((s) => s === q.status);
      const state = q.state && /^[A-Za-z]{2}$/.test(q.state.trim()) ? q.state.trim().toUpperCase() : undefined;
      const errors: FieldErrors = {
        ...(q.msixId?.trim() && msixId?.length !== 12 ? { msixId: LEDGER_KEY_HELP.msixId! } : {}),
        ...(q.state?.trim() && !state ? { state: LEDGER_KEY_HELP.recordState! } : {}),
      };
      const invalid = Object.keys(errors).length > 0;
      const filter = {
        ...(state ? { stateCode: state } : {}),
        ...(status ? { status } : {}),
        ...(msixId && msixId.length === 12 ? { msixId } : {}),
      };
      // A mistyped filter searches nothing (rather than everything without it): the form says what to fix.
      const count = invalid ? { total: 0, capped: false } : await countDeliveriesSeen(db, scopeOf(request), filter);
      const at = paged(q.page, count);
      if (!at) return toLastPage(reply, PAGES.deliveries.href, q, count);
      const items = invalid
        ? []
        : await searchDeliveries(db, scopeOf(request), { ...filter, limit: at.size, offset: at.offset });
      const href = (n: number) => pageHref(PAGES.deliveries.href, q, n, ['retried', 'cancelled']);
      const mayAct = viewer.roles.some((r) => r === 'help-desk' || r === 'admin');
      return sendPage(
        reply,
        <Page title="Deliveries" viewer={viewer} path={PAGES.deliveries.href}>
          <h1>Deliveries</h1>
          <p>
            Messages the gateway sends to the states (record answers, move notices), newest first. A delivery that
            failed can be tried again or cancelled here; find one by the child's MSIX id, the state or its status.
          </p>
          {brokenAdapters}
          {q.retried ? (
            <Alert kind="success">
              <p>Delivery {q.retried} is queued for a fresh round of attempts.</p>
            </Alert>
          ) : null}
          {q.cancelled ? (
            <Alert kind="success">
              <p>Delivery {q.cancelled} is cancelled; the messages queued behind it go on.</p>
            </Alert>
          ) : null}
          {invalid ? (
            <Alert kind="error" heading="Check the search">
              <p>Fix the fields marked below and search again. Nothing was searched.</p>
            </Alert>
          ) : null}
          <FilterForm action={PAGES.deliveries.href}>
            <Field name="msixId" label="MSIX id" value={q.msixId} error={errors.msixId} inputmode="numeric" />
            <Field name="state" label="Receiving state" value={q.state} error={errors.state} hint="Two letters" />
            <Select name="status" label="Status" options={statusOptions(DELIVERY_STATUSES)} value={status} />
          </FilterForm>
          {invalid ? null : (
            <>
              <PageStatus paged={at} shown={items.length} noun="deliveries" one="delivery" />
              <DataTable
                scroll
                caption={`Deliveries, newest first, no message contents${pageCaption(at)}`}
                head={[
                  'Created',
                  'Kind',
                  'To',
                  'MSIX id',
                  'Status',
                  'Attempts',
                  'Next attempt',
                  'Last error',
                  'Action',
                ]}
                empty={
                  Object.keys(filter).length > 0
                    ? 'No delivery matches these filters. Clear a field or choose another status, then search again.'
                    : 'No delivery yet: messages to the states appear here when the gateway sends them.'
                }
                rows={items.map((d) => (
                  <tr data-delivery={d.id}>
                    <td>{formatTime(d.createdAt)}</td>
                    <td>{d.kind}</td>
                    <td>{d.to}</td>
                    <td>{d.msixId ?? ''}</td>
                    <td data-testid="delivery-status">{d.status}</td>
                    <td>{d.attempts}</td>
                    <td>{formatTime(d.nextAttemptAt)}</td>
                    <td>{d.lastError ?? ''}</td>
                    <td>
                      {mayAct && HELP_DESK_ACTIONABLE.includes(d.status) ? (
                        <form method="post" action={`${PAGES.deliveries.href}/${d.id}/retry`}>
                          <Csrf viewer={viewer} />
                          <button class="usa-button usa-button--secondary" type="submit">
                            Retry
                          </button>
                        </form>
                      ) : null}
                      {mayAct && HELP_DESK_ACTIONABLE.includes(d.status) ? (
                        <a href={`${PAGES.deliveries.href}/${d.id}/cancel`} aria-label={`Cancel delivery ${d.id}`}>
                          Cancel…
                        </a>
                      ) : null}
                    </td>
                  </tr>
                ))}
              />
              <Pagination paged={at} shown={items.length} noun="deliveries" href={href} />
            </>
          )}
        </Page>,
        invalid ? 400 : 200,
      );
    },
  );

  app.post(
    `${PAGES.deliveries.href}/:id/retry`,
    // The same declaration as POST /api/v1/deliveries/{id}/retry.
    { config: { access: DELIVERIES_ACT }, schema: { hide: true, params: IdParam } },
    async (request, reply) => {
      const d = await retryNow(app, request, request.params.id);
      const back = new URLSearchParams({ retried: d.id, ...(d.msixId ? { msixId: d.msixId } : {}) });
      return reply.redirect(`${PAGES.deliveries.href}?${back}`, 303);
    },
  );

  const checkLedgerKeys = createAjv().compile(Type.Object(LEDGER_KEYS));
  app.get(
    PAGES.ledger.href,
    {
      // The same declaration as GET /api/v1/exchanges.
      config: { access: LEDGER_READ },
      schema: {
        hide: true,
        querystring: Type.Object({
          state: Type.Optional(Type.String({ maxLength: 2 })),
          status: Type.Optional(Type.String({ maxLength: 20 })),
          kind: Type.Optional(Type.String({ maxLength: 40 })),
          // The API's business keys and period, taken as typed here and checked below with the API's schema, so a
          // mistyped key is shown next to its field, with the form as it was filled in (an empty field is no filter).
          ...Object.fromEntries(
            Object.keys(LEDGER_KEYS).map((k) => [k, Type.Optional(Type.String({ maxLength: 300 }))]),
          ),
          ...PageQuery,
        }),
      },
    },
    async (request, reply) => {
      const viewer = viewerOf(request);
      const q = request.query as Record<string, string | undefined>;
      const state = q.state && /^[A-Za-z]{2}$/.test(q.state.trim()) ? q.state.trim().toUpperCase() : undefined;
      const status = EXCHANGE_STATUSES.includes(q.status ?? '') ? q.status : undefined;
      const keys: Record<string, string> = Object.fromEntries(
        Object.keys(LEDGER_KEYS).flatMap((k) => {
          const v = q[k]?.trim();
          return v ? [[k, k === 'recordState' ? v.toUpperCase() : v]] : [];
        }),
      );
      const errors: FieldErrors = {};
      if (q.state?.trim() && !state) errors.state = 'A state is two letters, for example TX';
      if (!checkLedgerKeys(keys))
        for (const i of toFieldIssues(checkLedgerKeys.errors, keys)) {
          const name = i.path.split('/').at(-1) ?? '';
          errors[name] ??= LEDGER_KEY_HELP[name] ?? [i.message, i.fix].filter(Boolean).join('. ');
        }
      const pair = ledgerKeyPairIssue(keys);
      if (pair) Object.assign(errors, fieldErrors([pair]));
      const form = { ...q, ...(state ? { state } : {}) };
      if (Object.keys(errors).length > 0)
        return sendPage(reply, <LedgerPage viewer={viewer} values={form} errors={errors} status={status} />, 400);
      const filter = {
        ...(state ? { stateCode: state } : {}),
        ...(status ? { status: status as never } : {}),
        ...(q.kind?.trim() ? { kind: q.kind.trim() } : {}),
        ...keys,
      };
      const count = await countLedger(db, scopeOf(request), filter);
      const at = paged(q.page, count);
      if (!at) return toLastPage(reply, PAGES.ledger.href, q, count);
      const items = await searchLedger(db, scopeOf(request), { ...filter, limit: at.size, offset: at.offset });
      return sendPage(
        reply,
        <LedgerPage
          viewer={viewer}
          values={form}
          status={status}
          list={{ items, at, filtered: Object.keys(filter).length > 0, href: (n) => pageHref(PAGES.ledger.href, q, n) }}
        />,
      );
    },
  );

  app.get(
    '/portal/exchanges/:id',
    {
      // The same declaration as GET /api/v1/exchanges/{id}.
      config: { access: LEDGER_READ },
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
            <li>Created {formatTime(x.createdAt)}</li>
            <li>Completed {formatTime(x.completedAt) || 'not yet'}</li>
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
  const cancelPage = (viewer: Viewer, d: DeliveryView, values: { reason?: string }, error?: string) => (
    <Page title="Cancel a delivery" viewer={viewer} path={PAGES.deliveries.href}>
      <h1>Cancel delivery {d.id}</h1>
      <p>
        {`${d.kind} to ${d.to}${d.msixId ? ` for MSIX ${d.msixId}` : ''}, ${d.status} after ${d.attempts} attempts. `}
        Cancelling sets it aside for good; the messages queued behind it go on. The state can ask again.
      </p>
      <form method="post" action={`${PAGES.deliveries.href}/${d.id}/cancel`} class="usa-form usa-form--large">
        <Csrf viewer={viewer} />
        <Field name="reason" label="Why" value={values.reason} error={error} required />
        <button class="usa-button usa-button--secondary" type="submit">
          Cancel the delivery
        </button>
      </form>
      <p>
        <a href={PAGES.deliveries.href}>Back to deliveries</a>
      </p>
    </Page>
  );
  const checkCancel = createAjv().compile(CancelBody);

  app.get(
    `${PAGES.deliveries.href}/:id/cancel`,
    // The same roles as POST /api/v1/deliveries/{id}/cancel.
    { config: { access: DELIVERIES_ACT }, schema: { hide: true, params: IdParam } },
    async (request, reply) => {
      const d = await readDelivery(db, scopeOf(request), request.params.id);
      return sendPage(reply, cancelPage(viewerOf(request), d, {}));
    },
  );

  app.post(
    `${PAGES.deliveries.href}/:id/cancel`,
    { config: { access: DELIVERIES_ACT }, schema: { hide: true, params: IdParam } },
    async (request, reply) => {
      const form = (request.body ?? {}) as Record<string, string>;
      const body = { reason: (form.reason ?? '').trim() };
      if (!checkCancel(body)) {
        const d = await readDelivery(db, scopeOf(request), request.params.id);
        const errors = fieldErrors(toFieldIssues(checkCancel.errors, body));
        return sendPage(reply, cancelPage(viewerOf(request), d, body, errors.reason), 400);
      }
      const d = await cancelNow(app, request, request.params.id, body.reason);
      const back = new URLSearchParams({ cancelled: d.id, ...(d.msixId ? { msixId: d.msixId } : {}) });
      return reply.redirect(`${PAGES.deliveries.href}?${back}`, 303);
    },
  );

  app.get(
    PAGES.status.href,
    { config: { access: { roles: PAGES.status.roles } }, schema: { hide: true } },
    async (request, reply) => {
      const viewer = viewerOf(request);
      const board = await statusBoard(db, new Date());
      const queues = app.ctx.queue instanceof BullJobQueue ? await app.ctx.queue.counts().catch(() => null) : null;
      const rate = (r: number | null) => (r === null ? '' : `${Math.round(r * 100)}%`);
      const find = (state: string, status: string) =>
        `${PAGES.deliveries.href}?${new URLSearchParams({ state, status })}`;
      return sendPage(
        reply,
        <Page title="Status board" viewer={viewer} path={PAGES.status.href}>
          <h1>Status board</h1>
          {brokenAdapters}
          <section aria-labelledby="alerts-h" data-testid="alerts">
            <h2 id="alerts-h">Alerts</h2>
            {board.alerts.length === 0 ? (
              <p>No open problem.</p>
            ) : (
              <ul class="usa-list">
                {board.alerts.map((a) => (
                  <li data-alert={a.key}>
                    <strong>{a.kind.replace(/-/g, ' ')}</strong>: {a.message}
                  </li>
                ))}
              </ul>
            )}
          </section>
          <h2>States</h2>
          <DataTable
            stacked
            testid="states"
            caption="Per state: submissions (records accepted / rejected), deliveries, the receiver"
            head={[
              'State',
              'Last submission',
              '24 h',
              '7 days',
              'Rejected (7 days)',
              'Pending',
              'Late',
              'Dead',
              'Receiver',
              'Last delivered',
            ]}
            empty="No state has exchanged anything yet."
            rows={board.states.map((s) => (
              <tr data-state={s.stateCode}>
                <th scope="row">{s.stateCode}</th>
                <td>{formatTime(s.lastSubmissionAt) || 'never'}</td>
                <td>{`${s.accepted24h} / ${s.rejected24h}`}</td>
                <td>{`${s.accepted7d} / ${s.rejected7d}`}</td>
                <td>{rate(s.rejectionRate7d)}</td>
                <td>{s.deliveriesPending}</td>
                <td>{s.deliveriesLate ? <a href={find(s.stateCode, 'retrying')}>{s.deliveriesLate}</a> : 0}</td>
                <td data-testid="dead">
                  {s.deliveriesDead ? <a href={find(s.stateCode, 'dead')}>{s.deliveriesDead}</a> : 0}
                </td>
                <td>{s.receiver === 'ok' ? 'ok' : `${s.receiver}: ${s.receiverError ?? ''}`}</td>
                <td>{formatTime(s.lastDeliveredAt) || 'never'}</td>
              </tr>
            ))}
          />
          <h2>Queues</h2>
          {queues ? (
            <DataTable
              stacked
              caption="Jobs by queue"
              head={['Queue', 'Waiting', 'Active', 'Delayed', 'Failed']}
              empty="No queue."
              rows={Object.entries(queues).map(([name, c]) => (
                <tr>
                  <th scope="row">{name}</th>
                  <td>{c.waiting ?? 0}</td>
                  <td>{c.active ?? 0}</td>
                  <td>{c.delayed ?? 0}</td>
                  <td>{c.failed ?? 0}</td>
                </tr>
              ))}
            />
          ) : (
            <p>The queues do not answer.</p>
          )}
        </Page>,
      );
    },
  );
};
