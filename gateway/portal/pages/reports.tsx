import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { childCounts } from '../../../core/reports.js';
import { scopeOf } from '../../plugins/auth.js';
import { lagTolerantDb } from '../../context.js';
import { PeriodQuery, periodOf } from '../../routes/reports.js';
import { Field } from '../forms.js';
import { Page, sendPage } from '../html.js';
import { PAGES } from '../menu.js';
import { viewerOf } from '../plugin.js';

/**
 * Reports for federal and state staff: the same use case and numbers as
 * GET /api/v1/reports/child-counts (and its CSV), as a chart with the numbers
 * in a table beside it. Aggregates only: no child is named anywhere.
 */
export const reportPages: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    PAGES.reports.href,
    { config: { access: { roles: PAGES.reports.roles } }, schema: { hide: true, querystring: PeriodQuery } },
    async (request, reply) => {
      const viewer = viewerOf(request);
      const c = await childCounts(lagTolerantDb(app.ctx), scopeOf(request), periodOf(request.query));
      const max = Math.max(1, ...c.rows.map((r) => r.children ?? 0));
      const qs = new URLSearchParams({ from: c.from, to: c.to });
      return sendPage(
        reply,
        <Page title="Reports" viewer={viewer} path={PAGES.reports.href}>
          <h1>Child counts</h1>
          <p class="usa-intro">
            Children with a qualifying arrival from {c.from} to {c.to}, by the state they arrived in. Counts under{' '}
            {c.suppressBelow} are suppressed.
          </p>
          <form method="get" action={PAGES.reports.href} class="usa-form">
            <div class="grid-row grid-gap">
              <div class="tablet:grid-col-6">
                <Field name="from" label="From" type="date" value={c.from} />
              </div>
              <div class="tablet:grid-col-6">
                <Field name="to" label="To" type="date" value={c.to} />
              </div>
            </div>
            <button class="usa-button" type="submit">
              Show
            </button>
          </form>
          <div class="portal-chart">
            <figure aria-hidden="true" class="margin-0">
              {c.rows.map((r) => (
                <div>
                  <span class="display-inline-block width-5">{r.state}</span>
                  {r.children === null ? (
                    <span class="portal-muted">suppressed</span>
                  ) : (
                    <span class="portal-bar" style={{ width: `${Math.round((r.children / max) * 16)}rem` }} />
                  )}
                </div>
              ))}
            </figure>
            <table class="usa-table usa-table--compact" id="child-counts">
              <caption>Children by state</caption>
              <thead>
                <tr>
                  <th scope="col">State</th>
                  <th scope="col">Children</th>
                </tr>
              </thead>
              <tbody>
                {c.rows.map((r) => (
                  <tr>
                    <th scope="row">{r.state}</th>
                    <td>{r.children === null ? `fewer than ${c.suppressBelow} (suppressed)` : r.children}</td>
                  </tr>
                ))}
                <tr>
                  <th scope="row">Total</th>
                  <td data-testid="total">{c.total === null ? 'suppressed' : c.total}</td>
                </tr>
              </tbody>
            </table>
          </div>
          <p>
            The same numbers: <a href={`/api/v1/reports/child-counts?${qs}`}>JSON</a> ·{' '}
            <a href={`/api/v1/reports/child-counts?${qs}&format=csv`}>CSV</a>
          </p>
        </Page>,
      );
    },
  );
};
