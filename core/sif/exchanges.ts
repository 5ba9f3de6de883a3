/**
 * StudentRecordExchanges a consumer writes: a record request. The object names the child (StudentPersonalRefId of the
 * writer's own StudentPersonal, or the MSIX id as `SIF_ExtendedElement Name="MsixId"`) and why (`Purpose`, and
 * optionally `States`, comma-separated, and `DeadlineSeconds`); the gateway runs it through the exchange's record
 * request flow (core/exchange/requests) like any other surface, and serves the request back as a
 * StudentRecordExchange whose RefId is the request id: its status in the extended elements and, once answered,
 * `Records/StudentAcademicRecordRefId`, the consolidated academic record the answer opened, readable by RefId.
 */
import type { Db } from '../store/db.js';
import type { RecordRequest } from '../exchange/requests/requests.js';
import type { SifElement, SifValue } from '../../mappings/sif/tree.js';
import { consolidatedRefId, msixIdOfStudentPersonal } from './consolidated.js';
import { normalizeRefId } from './refid.js';
import { exchangeObject } from './events.js';
import { findSifObject } from './store.js';

/** What a StudentRecordExchange asks for, as sent (the gateway checks purpose and MSIX id as for every surface). */
export interface ExchangeAsk {
  msixId?: string;
  studentRef?: string;
  purpose?: string;
  states?: string[];
  deadlineSeconds?: number;
}

const members = (v: SifValue | SifValue[] | undefined): SifValue[] =>
  v === undefined ? [] : Array.isArray(v) ? v : [v];

/** The extended elements of an object by name (the text of each). */
function extended(tree: SifElement): Map<string, string> {
  const out = new Map<string, string>();
  for (const block of members(tree.SIF_ExtendedElements))
    if (typeof block === 'object')
      for (const e of members(block.SIF_ExtendedElement))
        if (typeof e === 'object' && typeof e['@Name'] === 'string' && typeof e['#text'] === 'string')
          out.set(e['@Name'], e['#text'].trim());
  return out;
}

/** Reads what a StudentRecordExchange asks for. */
export function askOf(tree: SifElement): ExchangeAsk {
  const x = extended(tree);
  const ref = tree.StudentPersonalRefId;
  const deadline = Number(x.get('DeadlineSeconds'));
  return {
    ...(x.get('MsixId') ? { msixId: x.get('MsixId')! } : {}),
    ...(typeof ref === 'string' && ref.trim() ? { studentRef: ref.trim() } : {}),
    ...(x.get('Purpose') ? { purpose: x.get('Purpose')! } : {}),
    ...(x.get('States')
      ? {
          states: x
            .get('States')!
            .split(',')
            .map((s) => s.trim().toUpperCase())
            .filter(Boolean),
        }
      : {}),
    ...(Number.isInteger(deadline) && deadline > 0 ? { deadlineSeconds: deadline } : {}),
  };
}

/**
 * The MSIX id of the child a StudentPersonalRefId names: only a StudentPersonal of the writer's own state, once
 * matched. `not-found`: no such StudentPersonal of the state; `unmatched`: not matched yet.
 */
export async function msixIdOfRef(
  db: Db,
  stateCode: string,
  rawRef: string,
): Promise<{ kind: 'ok'; msixId: string } | { kind: 'not-found' } | { kind: 'unmatched' }> {
  const refId = normalizeRefId(rawRef);
  const sp = refId ? await findSifObject(db, refId) : null;
  if (sp?.object !== 'StudentPersonal' || sp.stateCode !== stateCode) return { kind: 'not-found' };
  const msixId = await msixIdOfStudentPersonal(db, sp);
  return msixId ? { kind: 'ok', msixId } : { kind: 'unmatched' };
}

/** A request id as a RefId (32 upper-case hex digits) and back. */
export const refIdOfRequest = (id: string): string => id.replaceAll('-', '').toUpperCase();
export const requestIdOfRef = (raw: string): string | null => {
  const r = normalizeRefId(raw);
  return r
    ? `${r.slice(0, 8)}-${r.slice(8, 12)}-${r.slice(12, 16)}-${r.slice(16, 20)}-${r.slice(20)}`.toLowerCase()
    : null;
};

/**
 * A record request as a StudentRecordExchange. `answered`: the answer was read (and audited) by the caller, so the
 * consolidated record's RefId may be shown.
 */
export async function exchangeTreeOfRequest(
  db: Db,
  r: RecordRequest,
  opts: { studentRef?: string | null; answered: boolean },
): Promise<SifElement> {
  const academic = opts.answered && r.msixId ? await consolidatedRefId(db, r.msixId) : null;
  const facts: [string, unknown][] = [
    ['MessageKind', 'record-request'],
    ['MsixId', r.msixId],
    ['Purpose', r.purpose],
    ['RequestStatus', r.status],
    ['Reason', r.reason],
    ['Deadline', r.deadlineAt],
    ['States', r.sources.map((s) => `${s.stateCode}:${s.status}`).join(',') || undefined],
  ];
  return exchangeObject({
    refId: refIdOfRequest(r.id),
    studentRef: opts.studentRef,
    child: r.msixId ?? r.id,
    academic,
    facts,
  });
}
