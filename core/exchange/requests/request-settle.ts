import type { StateRecord, MsixId } from '@msix/adapter-sdk/canonical';
import type { ConsolidationOptions } from '../../consolidate.js';
import { updateExchange, type ExchangeStatus } from '../../ledger.js';
import type { Db } from '../../store/db.js';
import { getStudent, linkedRecords } from '../../students.js';
import { buildAnswer, requestOutcome, type LiveAnswer, type RequestOutcome } from './answer.js';
import { createDelivery, type Delivery } from '../delivery/deliveries.js';
import type { RecordRequestId } from '../ids.js';
import {
  FINAL_REQUEST,
  setRequestStatus,
  setSourceResult,
  sourcesWithRecords,
  type RequestStatus,
} from './requests.js';

const LEDGER: Record<Exclude<RequestOutcome, 'waiting'>, ExchangeStatus> = {
  answered: 'completed',
  partly_answered: 'completed_with_errors',
  expired: 'failed',
  failed: 'failed',
};

/**
 * Finishes a request once every live source has answered, failed, or run out
 * of time: merges the fresh records into the child's stored ones, stores the
 * answer, and creates the record-response delivery to the requesting state
 * (in the per-student order of that state's messages). Runs in the caller's
 * transaction; the request row lock makes it happen once. Returns the
 * delivery to enqueue, or null while the request still waits.
 */
export async function settleRequest(
  tx: Db,
  opts: { consolidation: ConsolidationOptions },
  requestId: string,
  now: Date,
): Promise<Delivery | null> {
  const r = await tx.query<{
    id: string;
    exchange_id: string;
    requesting_state: string;
    msix_id: string | null;
    purpose: string;
    status: RequestStatus;
    deadline_at: Date | string;
    trace_id: string;
  }>(
    'SELECT id, exchange_id, requesting_state, msix_id, purpose, status, deadline_at, trace_id FROM ' +
      'record_requests WHERE id = $1 FOR UPDATE',
    [requestId],
  );
  const req = r.rows[0];
  if (!req || FINAL_REQUEST.has(req.status) || !req.msix_id) return null;
  const deadlinePassed = now.getTime() >= new Date(req.deadline_at).getTime();
  let sources = await sourcesWithRecords(tx, requestId);
  if (deadlinePassed && sources.some((s) => s.status === 'pending')) {
    for (const s of sources.filter((x) => x.status === 'pending')) {
      await setSourceResult(
        tx,
        requestId,
        s.state_code,
        'expired',
        null,
        `no answer from ${s.state_code} before the deadline`,
      );
      if (s.delivery_id) {
        const d = await tx.query<{ exchange_id: string }>(
          `UPDATE deliveries SET status = 'expired', last_error = 'the request deadline passed', lease_until = NULL,
           updated_at = now()
           WHERE id = $1 AND status NOT IN ('delivered', 'dead', 'cancelled', 'expired') RETURNING exchange_id`,
          [s.delivery_id],
        );
        if (d.rows[0])
          await updateExchange(tx, d.rows[0].exchange_id, {
            status: 'failed',
            error: { reason: 'the request deadline passed' },
          });
      }
    }
    sources = await sourcesWithRecords(tx, requestId);
  }
  const outcome = requestOutcome(sources, deadlinePassed);
  if (outcome === 'waiting') return null;

  const msixId = req.msix_id as MsixId;
  const s = await getStudent(tx, msixId);
  const createdAt = s && 'student' in s ? s.student.createdAt : now.toISOString();
  const stored = (await linkedRecords(tx, msixId)).filter((x) => x.status === 'active');
  const live: LiveAnswer[] = sources
    .filter((x) => x.mode === 'live')
    .map((x) => ({
      stateCode: x.state_code,
      status: x.status,
      records: (Array.isArray(x.record) ? x.record : []) as StateRecord[],
      detail: x.detail,
    }));
  const answer = buildAnswer({
    msixId,
    stored,
    live,
    states: sources.map((x) => x.state_code),
    opts: opts.consolidation,
    now: now.toISOString(),
    createdAt,
  });
  const d = await createDelivery(tx, {
    stateCode: req.requesting_state,
    kind: 'record-response',
    msixId,
    ordered: true,
    traceId: req.trace_id,
    requestId: req.id as RecordRequestId,
    parentExchangeId: req.exchange_id,
    data: { requestId: req.id, status: outcome, answer },
    summary: { requestId: req.id, requestStatus: outcome },
    disclosure: {
      fields: ['*'],
      recordIds: answer.student.records.map((x) => x.recordId),
      reason: `record request ${req.id} from ${req.requesting_state} (${req.purpose})`,
    },
  });
  await setRequestStatus(tx, req.id, outcome, { answer, answerDeliveryId: d.id });
  await updateExchange(tx, req.exchange_id, {
    status: LEDGER[outcome],
    summary: {
      requestStatus: outcome,
      answerDeliveryId: d.id,
      sources: answer.sources.map((x) => `${x.stateCode}:${x.mode}:${x.status}`),
    },
  });
  return d;
}
