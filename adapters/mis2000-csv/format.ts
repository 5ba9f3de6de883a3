/**
 * Canonical records → the MIS2000-style CSV: one row per enrollment (at least
 * one row per student); the i-th qualifying move rides on the i-th row.
 * Canonical codes go back through the crosswalks' preferred source codes. The
 * export carries no courses, assessments or alternate ids (see the manifest's
 * `carries`).
 */
import type { StateRecord } from '@msix/adapter-sdk/canonical';
import type { Crosswalk } from '../../mappings/index.js';
import { csvRow, isoToUsDate, type FormatContext } from '@msix/adapter-sdk';
import { ACTION_OUT, COLUMNS } from './columns.js';
import type { CsvConfig } from './parse.js';

export function createFormatter(config: CsvConfig, crosswalks: ReadonlyMap<string, Crosswalk>) {
  const date = (v: string) => (config.dateFormat === 'MM/DD/YYYY' ? isoToUsDate(v) : v);
  const cell = (col: (typeof COLUMNS)[number], v: unknown): string => {
    if (v === undefined || v === null) return '';
    switch (col.kind) {
      case 'date':
        return date(String(v));
      case 'flag':
        return v ? 'Y' : 'N';
      case 'crosswalk':
        return crosswalks.get(col.crosswalk!)!.reverse(String(v)) ?? String(v);
      default:
        return String(v);
    }
  };
  return async function* format(
    records: AsyncIterable<StateRecord> | Iterable<StateRecord>,
    _ctx: FormatContext,
  ): AsyncGenerator<Buffer> {
    yield Buffer.from(
      csvRow(
        COLUMNS.map((col) => col.name),
        config.delimiter,
      ),
      'utf8',
    );
    for await (const r of records as AsyncIterable<StateRecord>) {
      const p1 = r.parents?.find((p) => p.relationship === 'parent1') ?? r.parents?.[0];
      const p2 = r.parents?.find((p) => p.relationship === 'parent2') ?? r.parents?.[1];
      const n = Math.max(1, r.enrollments?.length ?? 0, r.qualifyingMoves?.length ?? 0);
      let out = '';
      for (let i = 0; i < n; i++) {
        const sources: Record<string, Record<string, unknown> | undefined> = {
          student: { stateStudentId: r.stateStudentId, msixId: r.msixId, action: ACTION_OUT[r.action ?? 'insert'] },
          identity: r.identity,
          parent1: p1,
          parent2: p2,
          move: r.qualifyingMoves?.[i],
          enrollment: r.enrollments?.[i],
        };
        out += csvRow(
          COLUMNS.map((col) => {
            const [group, key] = col.target.split('.') as [string, string];
            const v = sources[group]?.[key];
            return col.target === 'student.action' ? String(v) : cell(col, v);
          }),
          config.delimiter,
        );
      }
      yield Buffer.from(out, 'utf8');
    }
  };
}
