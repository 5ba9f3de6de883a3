import { appendAudit } from '../../audit.js';
import type { ErrorCode } from '../../errors.js';
import { getState } from '../../states.js';
import type { Db } from '../../store/db.js';
import { getStudent } from '../../students.js';
import type { Delivery } from '../delivery/deliveries.js';
import { createDepartureNotice, type Notice } from './notices.js';
import type { Requester } from '../requests/request-flow.js';

export interface DepartureRequest {
  msixId: string;
  toState: string;
  /** 'YYYY-MM-DD', when the family said. */
  expectedArrival?: string | null;
  comment?: string | null;
}

export type DepartureResult =
  | { kind: 'sent'; notice: Notice; delivery: Delivery; created: true }
  | { kind: 'already'; notice: Notice; created: false }
  | { kind: 'refused'; code: ErrorCode; detail: string };

/**
 * A manual departure notice: the state the child is leaving tells the state
 * the child is going to, which then receives the consolidated record (and its
 * counselors may read it). Only a state holding an active record of the child
 * may send one, to another state that takes part in the exchange. Refusals
 * and sends are audited.
 */
export async function sendDepartureNotice(
  db: Db,
  who: Requester,
  req: DepartureRequest,
  traceId: string,
  today = new Date().toISOString().slice(0, 10),
): Promise<DepartureResult> {
  const actor = { id: who.subject, state: who.state, roles: who.roles };
  const refuse = async (code: ErrorCode, detail: string, msixId: string | null): Promise<DepartureResult> => {
    await appendAudit(db, {
      actor,
      action: 'departure-notice.refused',
      outcome: 'denied',
      msixId,
      reason: detail,
      traceId,
      details: { code, toState: req.toState },
    });
    return { kind: 'refused', code, detail };
  };
  const to = req.toState.toUpperCase();
  const dest = await getState(db, to);
  if (!dest?.enabled) return refuse('GW_ERR_UNKNOWN_STATE', `State '${to}' does not take part in the exchange.`, null);
  if (to === who.state) return refuse('GW_ERR_VALIDATION', 'A departure notice goes to another state.', null);
  let s = await getStudent(db, req.msixId);
  if (s && 'mergedInto' in s) s = await getStudent(db, s.mergedInto);
  if (!s || 'mergedInto' in s) return refuse('GW_ERR_UNKNOWN_STUDENT', `No student with MSIX id ${req.msixId}.`, null);
  const student = s.student;
  if (!student.records.some((r) => r.stateCode === who.state) || !student.states.includes(who.state)) {
    return refuse(
      'GW_ERR_NOT_ENTITLED',
      `${who.state} holds no active record of this student, so it cannot announce the student's departure.`,
      student.msixId,
    );
  }
  return db.transaction(async (tx) => {
    const r = await createDepartureNotice(tx, {
      msixId: student.msixId,
      fromState: who.state,
      toState: to,
      expectedArrival: req.expectedArrival ?? null,
      comment: req.comment ?? null,
      createdBy: who.subject,
      student,
      traceId,
      today,
    });
    if (!r.created || !r.delivery) return { kind: 'already', notice: r.notice, created: false };
    await appendAudit(tx, {
      actor,
      action: 'departure-notice.sent',
      msixId: student.msixId,
      reason: `departure notice ${r.notice.id} to ${to}`,
      traceId,
      details: {
        noticeId: r.notice.id,
        deliveryId: r.delivery.id,
        toState: to,
        expectedArrival: req.expectedArrival ?? null,
      },
    });
    return { kind: 'sent', notice: r.notice, delivery: r.delivery, created: true };
  });
}
