/**
 * Writing canonical records as an NGS export (the gateway answers a state's requests with it). Consecutive
 * children with the same parents and moves are written as one family, the way NGS groups siblings; any other
 * child gets a family block of its own. Only a family and one child are held at a time.
 */
import { isoToUsDate, type FormatContext, type StateRecord } from '@msix/adapter-sdk';
import type { NgsConfig } from './index.js';
import {
  CHILD_COLUMNS,
  DATE_KEYS,
  ENROLLMENT_COLUMNS,
  FLAG_KEYS,
  FORMAT_NAME,
  FORMAT_VERSION,
  MOVE_COLUMNS,
  PARENT_SLOTS,
} from './layout.js';

export async function* format(
  records: AsyncIterable<StateRecord> | Iterable<StateRecord>,
  ctx: FormatContext,
  config: NgsConfig,
): AsyncGenerator<Buffer> {
  const date = (iso: string) => (config.dateFormat === 'MM/DD/YYYY' ? isoToUsDate(iso) : iso);
  const cell = (key: string, v: unknown) =>
    v === undefined || v === null
      ? ''
      : DATE_KEYS.has(key)
        ? date(String(v))
        : FLAG_KEYS.has(key)
          ? v
            ? 'Y'
            : 'N'
          : String(v);
  const cells = (keys: readonly string[], o: Record<string, unknown> | undefined) => keys.map((k) => cell(k, o?.[k]));
  let header = false;
  let familyKey: string | undefined;
  let families = 0;
  let children = 0;
  for await (const r of records) {
    if (!header) {
      header = true;
      const now = (ctx.now ?? new Date().toISOString()).slice(0, 10);
      yield Buffer.from(`H|${FORMAT_NAME}|${FORMAT_VERSION}|${ctx.stateCode ?? r.stateCode}|${date(now)}\n`);
    }
    const key = JSON.stringify([r.parents ?? [], r.qualifyingMoves ?? []]);
    const out: string[] = [];
    if (key !== familyKey) {
      familyKey = key;
      families++;
      const id = `F${String(families).padStart(6, '0')}`;
      const slot = (rel: string, i: number) =>
        r.parents?.find((p) => p.relationship === rel) ??
        (i === 0 ? r.parents?.find((p) => !p.relationship) : undefined);
      const names = PARENT_SLOTS.flatMap((rel, i) => [slot(rel, i)?.firstName ?? '', slot(rel, i)?.lastName ?? '']);
      out.push(['F', id, ...names].join('|'));
      for (const m of r.qualifyingMoves ?? [])
        out.push(['Q', id, ...cells(MOVE_COLUMNS, m as Record<string, unknown>)].join('|'));
    }
    const id = `F${String(families).padStart(6, '0')}`;
    children++;
    out.push(['C', id, r.stateStudentId, ...cells(CHILD_COLUMNS, r.identity as Record<string, unknown>)].join('|'));
    for (const e of r.enrollments ?? [])
      out.push(['E', r.stateStudentId, ...cells(ENROLLMENT_COLUMNS, e as Record<string, unknown>)].join('|'));
    yield Buffer.from(`${out.join('\n')}\n`);
  }
  if (!header) {
    const now = (ctx.now ?? new Date().toISOString()).slice(0, 10);
    yield Buffer.from(`H|${FORMAT_NAME}|${FORMAT_VERSION}|${ctx.stateCode ?? ''}|${date(now)}\n`);
  }
  yield Buffer.from(`T|${families}|${children}\n`);
}
