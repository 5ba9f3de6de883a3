import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type, type Static } from 'typebox';
import { childCounts, type ChildCounts } from '../../core/reports.js';
import { GatewayError } from '../../core/errors.js';
import { csvText } from '@msix/adapter-sdk/csv';
import { scopeOf } from '../plugins/auth.js';
import { lagTolerantDb } from '../context.js';

/** Who reads reports: federal reporting (nothing else), national administrators, and a state's data administrator. */
export const REPORT_ROLES = ['federal', 'admin', 'data-admin'] as const;

const DATE = '^[0-9]{4}-[0-9]{2}-[0-9]{2}$';
export const PeriodQuery = Type.Object({
  from: Type.Optional(Type.String({ pattern: DATE, description: 'First day (YYYY-MM-DD); default: a year ago.' })),
  to: Type.Optional(Type.String({ pattern: DATE, description: 'Last day (YYYY-MM-DD); default: today.' })),
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
};
