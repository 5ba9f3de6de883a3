import { describe, expect, it } from 'vitest';
import { parse } from 'csv-parse/sync';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fromBytes } from '@msix/adapter-sdk';
import { DEFAULT_ADAPTERS_DIR, loadAdapters } from '../../adapters/registry.js';
import { ReportBuilder, renderReportCsv, renderReportSummary } from '../../core/ingest/report.js';

async function reportFor(file: string, ctx = {}) {
  const reg = await loadAdapters({ only: ['msix-typed'] });
  const b = new ReportBuilder({ adapter: 'msix-typed', fileName: file });
  for await (const ev of reg
    .get('msix-typed')!
    .parse(fromBytes(readFileSync(join(DEFAULT_ADAPTERS_DIR, 'msix-typed', 'fixtures', file))), ctx))
    b.add(ev);
  return b.build();
}

describe('ingest report', () => {
  it(
    'says for every record whether it was applied, and for every problem where, what, which rule and how ' +
      'to fix it',
    async () => {
      const r = await reportFor('invalid/truncated.msix');
      expect(r.complete).toBe(true);
      expect(r.counts).toMatchObject({ read: 2, applied: 1, rejected: 1, fileErrors: 1 });
      expect(r.records.map((x) => [x.studentKey, x.status])).toEqual([
        ['TX1', 'applied'],
        ['TX2', 'rejected'],
      ]);
      const rows = parse(renderReportCsv(r), { columns: true }) as Record<string, string>[];
      expect(Object.keys(rows[0]!)).toEqual([
        'recordNumber',
        'studentKey',
        'part',
        'line',
        'action',
        'status',
        'severity',
        'path',
        'sourceField',
        'value',
        'rule',
        'message',
        'fix',
      ]);
      expect(rows[0]).toMatchObject({ status: 'file', severity: 'error', rule: 'truncated' });
      expect(rows.find((x) => x.studentKey === 'TX1')).toMatchObject({ status: 'applied', action: 'insert' });
      expect(rows.find((x) => x.studentKey === 'TX2')).toMatchObject({
        status: 'rejected',
        rule: 'truncated',
        line: '9',
      });
      expect(renderReportSummary(r)).toContain('applied 1, rejected 1');
    },
  );

  it('quotes the value as sent, the source field and line', async () => {
    const r = await reportFor('invalid/impossible-dates.msix');
    const issue = r.records[1]!.issues[0]!;
    expect(issue).toMatchObject({
      path: '/identity/birthDate',
      value: '20120230',
      rule: 'format',
      sourceField: 'DEM.birthDate',
      line: 7,
      fix: 'Send a real calendar date as YYYYMMDD.',
    });
  });

  it('records a store rejection of a record that parsed', () => {
    const b = new ReportBuilder();
    b.add(
      { kind: 'ok', record: { stateStudentId: 'X1', action: 'delete' }, warnings: [], source: { recordNumber: 1 } },
      {
        applied: false,
        issues: [{ path: '/stateStudentId', rule: 'notFound', message: 'no stored record to delete' }],
      },
    );
    b.add({ kind: 'end', summary: {} });
    const r = b.build();
    expect(r.counts).toMatchObject({ read: 1, applied: 0, rejected: 1 });
    expect(r.records[0]).toMatchObject({
      status: 'rejected',
      action: 'delete',
      issues: [{ severity: 'error', rule: 'notFound' }],
    });
  });

  it('writes a cell a spreadsheet would run as a formula as text (issue 13 finding 9)', () => {
    const b = new ReportBuilder();
    const attacks = ['=HYPERLINK("https://evil.example","x")', '@SUM(1+1)', '+1', '-2', '\tcmd'];
    b.add({
      kind: 'invalid',
      issues: attacks.map((value) => ({ path: '/identity/firstName', rule: 'pattern', message: 'bad', value })),
      source: { recordNumber: 1, studentKey: '=1+1' },
    });
    b.add({ kind: 'end', summary: {} });
    const csv = renderReportCsv(b.build());
    const rows = parse(csv, { columns: true }) as Record<string, string>[];
    expect(rows.map((r) => r.value)).toEqual(attacks.map((a) => `'${a}`));
    expect(rows[0]!.studentKey).toBe("'=1+1");
    for (const line of csv.split('\r\n'))
      for (const cell of parse(line)[0] ?? []) expect(cell).not.toMatch(/^[=+\-@\t]/);
  });
});
