/**
 * Canonical records → the typed-record file. The header carries totals, so
 * the body is buffered (as encoded lines, not records) until the totals are
 * known; answering a request is a handful of students, and even 40,000
 * students buffer to about 60 MB.
 */
import type { StateRecord } from '@msix/adapter-sdk/canonical';
import { isoToYmd, type FormatContext } from '@msix/adapter-sdk';
import { ACTION_OUT, CHILD_FIELDS, RELATIONSHIP_OUT, escapeField, type ChildType, type FieldDef } from './layout.js';

function out(def: FieldDef, value: unknown): string {
  if (value === undefined || value === null) return '';
  switch (def.kind) {
    case 'date':
      return isoToYmd(String(value));
    case 'flag':
      return value ? 'Y' : 'N';
    case 'decimal':
      return (value as number).toFixed(2);
    case 'monthYear': {
      const s = String(value);
      return `${s.slice(5, 7)}${s.slice(0, 4)}`;
    }
    default:
      return escapeField(String(value));
  }
}

function childLine(type: ChildType, srid: string, rid: number, obj: Record<string, unknown>): string {
  const vals = CHILD_FIELDS[type].map((def) => {
    let v = def.key ? obj[def.key] : undefined;
    if (type === 'PAR' && def.key === 'relationship' && typeof v === 'string')
      v = RELATIONSHIP_OUT[v as keyof typeof RELATIONSHIP_OUT];
    return out(def, v);
  });
  return [type, srid, String(rid).padStart(3, '0'), ...vals].join('|');
}

/** `2024-01-15T09:30:00.000Z` → `20240115093000000`. */
function stamp(iso: string): string {
  return iso
    .replace(/[-:TZ.]/g, '')
    .slice(0, 17)
    .padEnd(17, '0');
}

export async function* format(
  records: AsyncIterable<StateRecord> | Iterable<StateRecord>,
  ctx: FormatContext,
): AsyncGenerator<Buffer> {
  const body: Buffer[] = [];
  let students = 0;
  let recordCount = 0;
  let state = ctx.stateCode?.toUpperCase();
  let minDate: string | undefined;
  let maxDate: string | undefined;
  const seeDate = (d: string | undefined) => {
    if (!d) return;
    if (!minDate || d < minDate) minDate = d;
    if (!maxDate || d > maxDate) maxDate = d;
  };
  let batch: string[] = [];
  for await (const r of records as AsyncIterable<StateRecord>) {
    students++;
    state ??= r.stateCode;
    const srid = String(students).padStart(7, '0');
    batch.push(
      [
        'STU',
        srid,
        r.stateCode,
        escapeField(r.stateStudentId),
        r.stateStudentIdType ?? '',
        ACTION_OUT[r.action ?? 'insert'],
        r.msixId ?? '',
      ].join('|'),
    );
    batch.push(childLine('DEM', srid, 1, r.identity as Record<string, unknown>));
    const lists: [ChildType, unknown[] | undefined][] = [
      ['ALT', r.alternateIds],
      ['PAR', r.parents],
      ['QMV', r.qualifyingMoves],
      ['ENR', r.enrollments],
      ['CRS', r.courses],
      ['ASM', r.assessments],
    ];
    for (const [type, list] of lists) {
      list?.forEach((o, i) => {
        batch.push(childLine(type, srid, i + 1, o as Record<string, unknown>));
      });
    }
    r.enrollments?.forEach((e) => {
      seeDate(e.enrollmentDate);
      seeDate(e.withdrawalDate);
    });
    for (const m of r.qualifyingMoves ?? []) seeDate(m.qualifyingArrivalDate);
    recordCount += batch.length;
    body.push(Buffer.from(`${batch.join('\n')}\n`, 'utf8'));
    batch = [];
  }
  const now = ctx.now ?? new Date().toISOString();
  const today = now.slice(0, 10);
  const begin = minDate ?? today;
  let end = maxDate && maxDate > begin ? maxDate : today > begin ? today : undefined;
  if (!end) {
    const d = new Date(`${begin}T00:00:00Z`);
    d.setUTCDate(d.getUTCDate() + 1);
    end = d.toISOString().slice(0, 10);
  }
  const headerFields = [
    'HDR',
    state ?? '',
    stamp(now),
    String(students).padStart(8, '0'),
    String(recordCount).padStart(9, '0'),
    isoToYmd(begin),
    isoToYmd(end),
  ];
  yield Buffer.from(`${headerFields.join('|')}\n`, 'utf8');
  for (const b of body) yield b;
}
