import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { ComponentChildren } from 'preact';
import {
  childCounts,
  dataQuality,
  deadlines,
  mobility,
  worklistAging,
  type DataQuality,
  type Deadlines,
  type Mobility,
  type WorklistAging,
} from '../../../core/reports.js';
import { lagTolerantDb } from '../../context.js';
import { scopeOf } from '../../plugins/auth.js';
import { type MORE_REPORTS, PeriodQuery, periodOf } from '../../routes/reports.js';
import { createAjv, toFieldIssues } from '@msix/adapter-sdk/canonical';
import type { FastifyReply } from 'fastify';
import { Type, type Static } from 'typebox';
import { BarChart } from '../charts.js';
import { Field, type FieldErrors } from '../forms.js';
import { Alert, DataTable, FilterForm, Page, sendPage, type Viewer } from '../html.js';
import { PAGES } from '../menu.js';
import { viewerOf } from '../plugin.js';

type ReportName = 'child-counts' | keyof typeof MORE_REPORTS;

/** The reports' titles, in the order of the side menu every report page shows. */
const TITLES: Record<ReportName, string> = {
  'child-counts': 'Child counts',
  mobility: 'Mobility between states',
  'data-quality': 'Data quality',
  'worklist-aging': 'Worklist aging',
  deadlines: 'Deadlines met',
};
const pageOf = (name: ReportName) => (name === 'child-counts' ? PAGES.reports.href : `${PAGES.reports.href}/${name}`);
const apiOf = (name: ReportName) => `/api/v1/reports/${name}`;

/** A suppressed cell as the pages show it. */
const shown = (v: number | null, suppressBelow: number) => (v === null ? `fewer than ${suppressBelow}` : String(v));
const percent = (r: number | null) => (r === null ? '' : `${Math.round(r * 1000) / 10}%`);

/**
 * The frame of every report page: the reports' side menu, the title, the period (the list pages' filter layout),
 * the report, and the same numbers as JSON and CSV.
 */
function ReportPage(p: {
  viewer: Viewer;
  name: ReportName;
  period: { from: string; to: string };
  intro: ComponentChildren;
  children: ComponentChildren;
  errors?: FieldErrors;
}) {
  const e = p.errors ?? {};
  // Only the period: the pages pass their whole report as `period`, and its rows must not ride along in the links.
  const qs = new URLSearchParams({ from: p.period.from, to: p.period.to });
  return (
    <Page title={TITLES[p.name]} viewer={p.viewer} path={PAGES.reports.href}>
      <div class="grid-row grid-gap">
        <nav class="desktop:grid-col-3 portal-noprint" aria-label="Reports">
          <ul class="usa-sidenav">
            {(Object.keys(TITLES) as ReportName[]).map((n) => (
              <li class="usa-sidenav__item">
                <a
                  href={`${pageOf(n)}?${qs}`}
                  class={n === p.name ? 'usa-current' : undefined}
                  aria-current={n === p.name ? 'page' : undefined}
                >
                  {TITLES[n]}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <div class="desktop:grid-col-9">
          <h1>{TITLES[p.name]}</h1>
          {p.intro ? <p class="usa-intro">{p.intro}</p> : null}
          {Object.keys(e).length > 0 ? (
            <Alert kind="error" heading="Check the period">
              <p>Fix the dates marked below and choose Show again.</p>
            </Alert>
          ) : null}
          <FilterForm action={pageOf(p.name)} submit="Show">
            <Field name="from" label="From" type="date" value={p.period.from} error={e.from} />
            <Field name="to" label="To" type="date" value={p.period.to} error={e.to} />
          </FilterForm>
          {p.children}
          <p>
            The same numbers: <a href={`${apiOf(p.name)}?${qs}`}>JSON</a> ·{' '}
            <a href={`${apiOf(p.name)}?${qs}&format=csv`}>CSV</a>
          </p>
        </div>
      </div>
    </Page>
  );
}

/** Horizontal bars (hidden from screen readers, which read the table beside them). */
function Bars(p: { rows: { label: string; value: number | null }[] }) {
  const max = Math.max(1, ...p.rows.map((r) => r.value ?? 0));
  return (
    <figure aria-hidden="true" class="margin-0">
      {p.rows.map((r) => (
        <div>
          <span class="display-inline-block width-5">{r.label}</span>
          {r.value === null ? (
            <span class="portal-muted">suppressed</span>
          ) : (
            <span class="portal-bar" style={{ width: `${Math.round((r.value / max) * 16)}rem` }} />
          )}
        </div>
      ))}
    </figure>
  );
}

/** How many moves the mobility chart draws: the largest ones; the table beside it has every pair. */
const MOBILITY_CHART_PAIRS = 20;

/**
 * The mobility report as bars, one per pair of states (the largest first, suppressed pairs after them as outlines),
 * beside the matrix table that holds every number.
 */
function MobilityChart(p: { m: Mobility }) {
  const { m } = p;
  const pairs = m.cells
    .filter((c) => c.fromState !== c.toState)
    .sort(
      (a, b) =>
        (b.children ?? -1) - (a.children ?? -1) ||
        `${a.fromState}${a.toState}`.localeCompare(`${b.fromState}${b.toState}`),
    );
  if (pairs.length === 0) return null;
  const drawn = pairs.slice(0, MOBILITY_CHART_PAIRS);
  return (
    <figure class="margin-0">
      <BarChart
        testid="mobility-chart"
        title="Chart of children by move between states; the numbers are in the table beside it."
        suppressBelow={m.suppressBelow}
        groups={drawn.map((c) => ({
          label: `${c.fromState} → ${c.toState}`,
          bars: [{ label: 'children', value: c.children }],
        }))}
      />
      <figcaption class="portal-muted">
        {pairs.length > drawn.length
          ? `The ${drawn.length} largest of ${pairs.length} moves between states; the table has them all.`
          : 'Children by move between states, the largest first.'}
      </figcaption>
    </figure>
  );
}

function MobilityTable(p: { m: Mobility }) {
  const { m } = p;
  const at = (from: string, to: string) => m.cells.find((c) => c.fromState === from && c.toState === to);
  return (
    <div class="usa-table-container--scrollable" tabindex={0}>
      <table class="usa-table usa-table--compact" id="mobility">
        <caption>Children by the state they left (rows) and the state they arrived in (columns)</caption>
        <thead>
          <tr>
            <th scope="col">From \ to</th>
            {m.states.map((s) => (
              <th scope="col">{s}</th>
            ))}
          </tr>
        </thead>
        <tbody>
          {m.states.length === 0 ? (
            <tr>
              <td>No move between states in the period.</td>
            </tr>
          ) : (
            m.states.map((from) => (
              <tr>
                <th scope="row">{from}</th>
                {m.states.map((to) => {
                  const c = at(from, to);
                  const text = from === to ? '—' : c ? shown(c.children, m.suppressBelow) : '0';
                  return <td data-cell={`${from}-${to}`}>{text}</td>;
                })}
              </tr>
            ))
          )}
        </tbody>
      </table>
    </div>
  );
}

function QualityTable(p: { q: DataQuality }) {
  const { q } = p;
  return (
    <DataTable
      stacked
      id="data-quality"
      caption="Records by state: accepted and rejected; rejected records of state files missing a field or invalid"
      head={['State', 'Submissions', 'Accepted', 'Rejected', 'Rejected share', 'Missing', 'Invalid', 'Top causes']}
      empty="Nothing was received in the period."
      rows={q.rows.map((r) => (
        <tr data-state={r.state}>
          <th scope="row">{r.state}</th>
          <td>{r.submissions}</td>
          <td>{shown(r.accepted, q.suppressBelow)}</td>
          <td>{shown(r.rejected, q.suppressBelow)}</td>
          <td>{percent(r.rejectionRate)}</td>
          <td>{shown(r.missing, q.suppressBelow)}</td>
          <td>{shown(r.invalid, q.suppressBelow)}</td>
          <td>
            {r.causes.length ? (
              <ul class="usa-list usa-list--unstyled">
                {r.causes.map((c) => (
                  <li>
                    <code>{c.path}</code> {c.rule}: {shown(c.records, q.suppressBelow)}
                  </li>
                ))}
              </ul>
            ) : (
              'none'
            )}
          </td>
        </tr>
      ))}
    />
  );
}

function AgingTable(p: { a: WorklistAging }) {
  const { a } = p;
  return (
    <DataTable
      stacked
      id="worklist-aging"
      caption="Near matches still open, by how long they have waited; decisions in the period"
      head={['State', ...a.buckets.map((b) => `Open ${b}`), 'Decided', 'Mean days to decision']}
      empty="No near match is open or was decided in the period."
      rows={a.rows.map((r) => (
        <tr data-state={r.state}>
          <th scope="row">{r.state}</th>
          {r.open.map((o) => (
            <td>{shown(o, a.suppressBelow)}</td>
          ))}
          <td>{shown(r.decided, a.suppressBelow)}</td>
          <td>{r.meanDaysToDecision ?? ''}</td>
        </tr>
      ))}
    />
  );
}

function DeadlineTable(p: { d: Deadlines }) {
  const { d } = p;
  return (
    <DataTable
      stacked
      id="deadlines"
      caption="Record requests (by the state that asked) and deliveries (by the state they go to)"
      head={['State', 'What', 'Total', 'On time', 'Late', 'Overdue', 'Given up', 'On time of due']}
      empty="No record request or delivery with a deadline in the period."
      rows={d.rows.map((r) => (
        <tr data-state={r.state} data-kind={r.kind}>
          <th scope="row">{r.state}</th>
          <td>{r.kind === 'deliveries' ? 'Deliveries' : 'Record requests'}</td>
          <td>{shown(r.total, d.suppressBelow)}</td>
          <td>{shown(r.onTime, d.suppressBelow)}</td>
          <td>{shown(r.late, d.suppressBelow)}</td>
          <td>{shown(r.overdue, d.suppressBelow)}</td>
          <td>{shown(r.givenUp, d.suppressBelow)}</td>
          <td>{percent(r.onTimeRate)}</td>
        </tr>
      ))}
    />
  );
}

/** The period fields as typed: loose here, checked by `readPeriod` so a problem shows next to its field. */
const PeriodForm = Type.Object({
  from: Type.Optional(Type.String({ maxLength: 40 })),
  to: Type.Optional(Type.String({ maxLength: 40 })),
});
const checkPeriod = createAjv().compile(PeriodQuery);
const DATE_HELP = 'A date as YYYY-MM-DD, a real day of the calendar, for example 2026-09-01';

/**
 * The period a report page asks for, checked with the API's schema and rule, or the problems by field (with the
 * values as typed, which the form shows again).
 */
function readPeriod(
  q: Static<typeof PeriodForm>,
): { period: { from: string; to: string } } | { errors: FieldErrors; values: { from: string; to: string } } {
  const v = {
    ...(q.from?.trim() ? { from: q.from.trim() } : {}),
    ...(q.to?.trim() ? { to: q.to.trim() } : {}),
  };
  const values = { from: v.from ?? '', to: v.to ?? '' };
  if (!checkPeriod(v)) {
    const errors: FieldErrors = {};
    for (const i of toFieldIssues(checkPeriod.errors, v)) errors[i.path.split('/').at(-1) ?? 'from'] = DATE_HELP;
    return { errors, values };
  }
  try {
    return { period: periodOf(v) };
  } catch {
    return { errors: { to: 'The period ends before it starts: choose a To date on or after the From date' }, values };
  }
}

/** A report page whose period needs fixing: the form with each problem next to its date, and no numbers (400). */
function periodProblem(
  reply: FastifyReply,
  viewer: Viewer,
  name: ReportName,
  asked: { errors: FieldErrors; values: { from: string; to: string } },
) {
  return sendPage(
    reply,
    <ReportPage viewer={viewer} name={name} period={asked.values} intro="" errors={asked.errors}>
      {null}
    </ReportPage>,
    400,
  );
}

/**
 * Reports for federal and state staff: each page reads the same use case and numbers as its API route
 * (`/api/v1/reports/<name>`, JSON and CSV), with a chart where one helps and the numbers in a table beside it.
 * Aggregates only: no child is named anywhere, and cells under 5 children are suppressed.
 */
export const reportPages: FastifyPluginAsyncTypebox = async (app) => {
  const access = { access: { roles: PAGES.reports.roles } };
  app.get(
    PAGES.reports.href,
    { config: access, schema: { hide: true, querystring: PeriodForm } },
    async (request, reply) => {
      const viewer = viewerOf(request);
      const asked = readPeriod(request.query);
      if ('errors' in asked) return periodProblem(reply, viewer, 'child-counts', asked);
      const c = await childCounts(lagTolerantDb(app.ctx), scopeOf(request), asked.period);
      return sendPage(
        reply,
        <ReportPage
          viewer={viewer}
          name="child-counts"
          period={c}
          intro={
            `Children with a qualifying arrival from ${c.from} to ${c.to}, by the state they arrived in. ` +
            `Counts under ${c.suppressBelow} are suppressed.`
          }
        >
          <div class="portal-chart">
            <Bars rows={c.rows.map((r) => ({ label: r.state, value: r.children }))} />
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
        </ReportPage>,
      );
    },
  );

  const intro = (what: string, suppressBelow: number) =>
    `${what} Cells of 1 to ${suppressBelow - 1} are suppressed (shown as “fewer than ${suppressBelow}”).`;
  app.get(
    `${PAGES.reports.href}/mobility`,
    { config: access, schema: { hide: true, querystring: PeriodForm } },
    async (request, reply) => {
      const asked = readPeriod(request.query);
      if ('errors' in asked) return periodProblem(reply, viewerOf(request), 'mobility', asked);
      const m = await mobility(lagTolerantDb(app.ctx), scopeOf(request), asked.period);
      const what = `Children whose qualifying move from one state to another arrived from ${m.from} to ${m.to}.`;
      return sendPage(
        reply,
        <ReportPage viewer={viewerOf(request)} name="mobility" period={m} intro={intro(what, m.suppressBelow)}>
          <div class="portal-chart">
            <MobilityChart m={m} />
            <MobilityTable m={m} />
          </div>
        </ReportPage>,
      );
    },
  );
  app.get(
    `${PAGES.reports.href}/data-quality`,
    { config: access, schema: { hide: true, querystring: PeriodForm } },
    async (request, reply) => {
      const asked = readPeriod(request.query);
      if ('errors' in asked) return periodProblem(reply, viewerOf(request), 'data-quality', asked);
      const q = await dataQuality(lagTolerantDb(app.ctx), scopeOf(request), asked.period);
      const what = `What the states sent from ${q.from} to ${q.to}: records accepted, and why records were rejected.`;
      return sendPage(
        reply,
        <ReportPage viewer={viewerOf(request)} name="data-quality" period={q} intro={intro(what, q.suppressBelow)}>
          <div class="portal-chart">
            <Bars rows={q.rows.map((r) => ({ label: r.state, value: r.rejected }))} />
            <p class="portal-muted">Rejected records by state.</p>
          </div>
          <QualityTable q={q} />
        </ReportPage>,
      );
    },
  );
  app.get(
    `${PAGES.reports.href}/worklist-aging`,
    { config: access, schema: { hide: true, querystring: PeriodForm } },
    async (request, reply) => {
      const asked = readPeriod(request.query);
      if ('errors' in asked) return periodProblem(reply, viewerOf(request), 'worklist-aging', asked);
      const a = await worklistAging(lagTolerantDb(app.ctx), scopeOf(request), asked.period);
      const what = `Near matches waiting for a data administrator now, and those decided from ${a.from} to ${a.to}.`;
      return sendPage(
        reply,
        <ReportPage viewer={viewerOf(request)} name="worklist-aging" period={a} intro={intro(what, a.suppressBelow)}>
          <div class="portal-chart">
            {a.rows.length ? (
              <figure class="margin-0">
                <BarChart
                  testid="aging-chart"
                  title="Chart of open near matches by state and time waiting; the numbers are in the table beside it."
                  series={a.buckets}
                  suppressBelow={a.suppressBelow}
                  groups={a.rows.map((r) => ({
                    label: r.state,
                    bars: r.open.map((v, i) => ({ label: a.buckets[i] ?? '', value: v })),
                  }))}
                />
                <figcaption class="portal-muted">Open near matches by state and how long they have waited.</figcaption>
              </figure>
            ) : null}
            <AgingTable a={a} />
          </div>
        </ReportPage>,
      );
    },
  );
  app.get(
    `${PAGES.reports.href}/deadlines`,
    { config: access, schema: { hide: true, querystring: PeriodForm } },
    async (request, reply) => {
      const asked = readPeriod(request.query);
      if ('errors' in asked) return periodProblem(reply, viewerOf(request), 'deadlines', asked);
      const d = await deadlines(lagTolerantDb(app.ctx), scopeOf(request), asked.period);
      const what = `Record requests made and deliveries due from ${d.from} to ${d.to}: done by their deadline or not.`;
      return sendPage(
        reply,
        <ReportPage viewer={viewerOf(request)} name="deadlines" period={d} intro={intro(what, d.suppressBelow)}>
          <DeadlineTable d={d} />
        </ReportPage>,
      );
    },
  );
};
