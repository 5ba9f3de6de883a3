import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type, type Static } from 'typebox';
import {
  childCounts,
  dataQuality,
  deadlines,
  mobility,
  worklistAging,
  type ChildCounts,
  type DataQuality,
  type Deadlines,
  type Mobility,
  type WorklistAging,
} from '../../core/reports.js';
import type { Scope } from '../../core/security/scope.js';
import type { Db } from '../../core/store/db.js';
import { GatewayError } from '../../core/errors.js';
import { csvText } from '@msix/adapter-sdk/csv';
import { scopeOf } from '../plugins/auth.js';
import { lagTolerantDb } from '../context.js';

/** Who reads reports: federal reporting (nothing else), national administrators, and a state's data administrator. */
export const REPORT_ROLES = ['federal', 'admin', 'data-admin'] as const;

const DATE = '^[0-9]{4}-[0-9]{2}-[0-9]{2}$';
export const PeriodQuery = Type.Object({
  // `format: 'date'` as well as the shape: 2026-13-01 has the shape but is no day.
  from: Type.Optional(
    Type.String({ pattern: DATE, format: 'date', description: 'First day (YYYY-MM-DD); default: a year ago.' }),
  ),
  to: Type.Optional(
    Type.String({ pattern: DATE, format: 'date', description: 'Last day (YYYY-MM-DD); default: today.' }),
  ),
});

/** The period a report covers: as asked, or the last twelve months. */
export function periodOf(q: Static<typeof PeriodQuery>, now = new Date()): { from: string; to: string } {
  const to = q.to ?? now.toISOString().slice(0, 10);
  const from = q.from ?? new Date(now.getTime() - 365 * 86_400_000).toISOString().slice(0, 10);
  if (from > to)
    throw new GatewayError('GW_ERR_VALIDATION', 'The period ends before it starts.', {
      issues: [
        { path: 'querystring:/from', value: from, rule: 'order', message: 'is after to', fix: 'Swap from and to.' },
      ],
    });
  return { from, to };
}

/** The child counts as CSV: the same numbers as the page and the JSON, suppressed cells empty. */
export function childCountsCsv(c: ChildCounts): string {
  return csvText([
    ['state', 'children', 'suppressed', 'from', 'to'],
    ...c.rows.map((r) => [r.state, r.children === null ? '' : String(r.children), String(r.suppressed), c.from, c.to]),
    ['total', c.total === null ? '' : String(c.total), String(c.total === null), c.from, c.to],
  ]);
}

/** A suppressed cell in CSV: empty, as in the child counts. */
const n = (v: number | null) => (v === null ? '' : String(v));

/** Mobility as CSV: one line per pair of states, suppressed cells empty. */
export function mobilityCsv(m: Mobility): string {
  return csvText([
    ['from_state', 'to_state', 'children', 'suppressed', 'from', 'to'],
    ...m.cells.map((c) => [c.fromState, c.toState, n(c.children), String(c.children === null), m.from, m.to]),
  ]);
}

/** Data quality as CSV: one line per state, then one per state and cause. */
export function dataQualityCsv(q: DataQuality): string {
  const head = ['state', 'path', 'rule', 'submissions', 'accepted', 'rejected', 'rejection_rate', 'missing', 'invalid'];
  return csvText([
    [...head, 'from', 'to'],
    ...q.rows.flatMap((r) => [
      [r.state, '', '', String(r.submissions), n(r.accepted), n(r.rejected), n(r.rejectionRate), n(r.missing)].concat([
        n(r.invalid),
        q.from,
        q.to,
      ]),
      ...r.causes.map((c) => [r.state, c.path, c.rule, '', '', n(c.records), '', '', '', q.from, q.to]),
    ]),
  ]);
}

/** Worklist aging as CSV: one line per state, open reviews by bucket. */
export function worklistAgingCsv(a: WorklistAging): string {
  return csvText([
    ['state', ...a.buckets.map((b) => `open ${b}`), 'decided', 'mean_days_to_decision', 'as_of', 'from', 'to'],
    ...a.rows.map((r) => [r.state, ...r.open.map(n), n(r.decided), n(r.meanDaysToDecision), a.asOf, a.from, a.to]),
  ]);
}

/** Deadlines as CSV: one line per state and kind. */
export function deadlinesCsv(d: Deadlines): string {
  return csvText([
    ['state', 'kind', 'total', 'on_time', 'late', 'overdue', 'given_up', 'on_time_rate', 'from', 'to'],
    ...d.rows.map((r) =>
      [r.state, r.kind, n(r.total), n(r.onTime), n(r.late), n(r.overdue), n(r.givenUp), n(r.onTimeRate)].concat([
        d.from,
        d.to,
      ]),
    ),
  ]);
}

/**
 * The reports beside the child counts, each a use case of core/reports.ts, its CSV and its name in URLs: the API
 * route (`/api/v1/reports/<name>`) and the portal's page (`/portal/reports/<name>`) read the same.
 */
export const MORE_REPORTS = {
  mobility: {
    summary: 'Children moving between states in the period (state-to-state matrix)',
    run: mobility,
    csv: mobilityCsv,
  },
  'data-quality': {
    summary: 'Records rejected by state, missing and invalid fields, rejection causes',
    run: dataQuality,
    csv: dataQualityCsv,
  },
  'worklist-aging': {
    summary: 'Open near matches by state and age, decisions in the period',
    run: worklistAging,
    csv: worklistAgingCsv,
  },
  deadlines: {
    summary: 'Record requests and deliveries done by their deadline, late, overdue or given up',
    run: deadlines,
    csv: deadlinesCsv,
  },
} as const satisfies Record<
  string,
  {
    summary: string;
    run: (db: Db, scope: Scope, period: { from: string; to: string }) => Promise<object>;
    csv: (report: never) => string;
  }
>;

/**
 * Federal and state reports (aggregates only; cells under 5 children
 * suppressed). The portal's report page reads the same use case.
 */
export const reportRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/api/v1/reports/child-counts',
    {
      config: { access: { roles: REPORT_ROLES } },
      schema: {
        tags: ['reports'],
        summary: 'Children with a qualifying arrival in the period, by state (cells under 5 suppressed)',
        querystring: Type.Object({ ...PeriodQuery.properties, format: Type.Optional(Type.Literal('csv')) }),
      },
    },
    async (request, reply) => {
      const counts = await childCounts(lagTolerantDb(app.ctx), scopeOf(request), periodOf(request.query));
      if (request.query.format === 'csv')
        return reply
          .type('text/csv; charset=utf-8')
          .header('content-disposition', `attachment; filename="child-counts-${counts.from}-${counts.to}.csv"`)
          .send(childCountsCsv(counts));
      return counts;
    },
  );

  for (const [name, report] of Object.entries(MORE_REPORTS)) {
    app.get(
      `/api/v1/reports/${name}`,
      {
        config: { access: { roles: REPORT_ROLES } },
        schema: {
          tags: ['reports'],
          summary: `${report.summary} (cells under 5 suppressed)`,
          querystring: Type.Object({ ...PeriodQuery.properties, format: Type.Optional(Type.Literal('csv')) }),
        },
      },
      async (request, reply) => {
        const period = periodOf(request.query);
        const result = await report.run(lagTolerantDb(app.ctx), scopeOf(request), period);
        if (request.query.format === 'csv')
          return reply
            .type('text/csv; charset=utf-8')
            .header('content-disposition', `attachment; filename="${name}-${period.from}-${period.to}.csv"`)
            .send((report.csv as (r: typeof result) => string)(result));
        return result;
      },
    );
  }
};
