/**
 * The exchange engine's messages (move notices, record answers) as SIF events: a StudentRecordExchange naming the
 * state's own student, the record to read and what happened. The same object goes on a SIF queue and, for a state
 * whose endpoint is SIF, to its own provider's events connector.
 */
import type { Db } from '../store/db.js';
import type { MessageEnvelope } from '../exchange/messages.js';
import { writeCollectionXml, type SifElement } from '../../mappings/sif/tree.js';
import { consolidatedRefId } from './consolidated.js';
import { derivedRefId } from './refid.js';
import { studentRefsByStateId } from './store.js';

/** The service whose events carry the exchange engine's messages. */
export const EXCHANGE_SERVICE = 'StudentRecordExchanges';

/** The StudentRecordExchange an engine message becomes: whose child, which records to read, what happened. */
export async function exchangeEventTree(db: Db, m: MessageEnvelope): Promise<SifElement> {
  const data = m.data as Record<string, unknown>;
  const ids = Array.isArray(data.yourStudentIds) ? (data.yourStudentIds as string[]) : [];
  const [studentRef] = await studentRefsByStateId(db, m.to, ids);
  const academic = m.msixId && data.role !== 'departed' ? await consolidatedRefId(db, m.msixId) : null;
  const facts: [string, unknown][] = [
    ['MessageKind', m.kind],
    ['MsixId', m.msixId],
    ['NoticeId', data.noticeId],
    ['Role', data.role],
    ['FromState', data.fromState],
    ['ToState', data.toState],
    ['Sequence', m.sequence],
  ];
  return exchangeObject({
    refId: derivedRefId(`msix:message:${m.id}`),
    ...(ids[0] ? { stateProvinceId: ids[0] } : {}),
    studentRef,
    child: m.msixId ?? m.id,
    academic,
    facts,
  });
}

/**
 * A StudentRecordExchange, whether an engine message's event or a record request read back: the child's
 * StudentPersonal (the state's own when known, else one derived from `child`), the consolidated academic record when
 * it may be shown, and the facts as extended elements (those without a value left out).
 */
export function exchangeObject(o: {
  refId: string;
  stateProvinceId?: string;
  studentRef?: string | null | undefined;
  child: string;
  academic: string | null;
  facts: readonly [string, unknown][];
}): SifElement {
  return {
    '@RefId': o.refId,
    ...(o.stateProvinceId ? { StateProvinceId: o.stateProvinceId } : {}),
    ...(o.studentRef ? { StudentPersonalRefId: o.studentRef } : {}),
    Records: {
      StudentDemographicRecordRefId: o.studentRef ?? derivedRefId(`msix:StudentPersonal:${o.child}`),
      ...(o.academic ? { StudentAcademicRecordRefId: o.academic } : {}),
    },
    SIF_ExtendedElements: {
      SIF_ExtendedElement: o.facts
        .filter(([, v]) => v !== undefined && v !== null && v !== '')
        .map(([k, v]) => ({ '@Name': k, '#text': String(v) })),
    },
  };
}

/** The event body as XML: a StudentRecordExchanges collection of one. */
export async function exchangeEventXml(db: Db, m: MessageEnvelope): Promise<string> {
  return writeCollectionXml(EXCHANGE_SERVICE, 'StudentRecordExchange', [await exchangeEventTree(db, m)]);
}
