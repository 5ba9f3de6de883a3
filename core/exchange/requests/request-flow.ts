import type { MsixId } from '@msix/adapter-sdk/canonical';
import { appendAudit, type Actor } from '../../audit.js';
import type { ConsolidationInput, ConsolidationOptions } from '../../consolidate.js';
import type { ErrorCode } from '../../errors.js';
import { createExchange, updateExchange } from '../../ledger.js';
import type { Db } from '../../store/db.js';
import { getStudent, linkedRecords } from '../../students.js';
import { buildAnswer, type RecordAnswer } from './answer.js';
import { createDelivery, type Delivery } from '../delivery/deliveries.js';
import { liveSources } from '../endpoints.js';
import {
  getRequest,
  insertRequest,
  insertSource,
  setRequestStatus,
  setSourceDelivery,
  type RecordRequest,
  type RequestStatus,
} from './requests.js';
import type { SourceQuery } from './source-connector.js';

/** Who asks: a state's system or a person at a state. */
export interface Requester {
  state: string;
  subject: string;
  clientId: string | null;
  roles: string[];
}

export interface RequestInput {
  /** The child; a person without a ground finds it first by a national search (core/exchange/requests/search.ts). */
  msixId: string;
  /** Why the records are needed (enrollment, placement, credit accrual…): recorded in the audit trail. */
  purpose: string;
  /** Only these states' records (each must hold one); default: every state holding a record of the child. */
  states?: string[];
  /** Answer within this many seconds (bounded by the configured maximum). */
  deadlineSeconds?: number;
}

export type Entitlement = (
  msixId: string,
) => Promise<{ kind: 'granted'; basis: string; reason: string } | { kind: 'denied'; reason: string }>;

export interface RequestDeps {
  db: Db;
  consolidation: ConsolidationOptions;
  deadline: { defaultSeconds: number; maxSeconds: number };
  /** Whether the requesting state may see a child it names by MSIX id (record, notice, earlier request). */
  entitle: Entitlement;
  /**
   * Policy (EXCHANGE_ASK_ALL_LIVE_STATES): also ask every other state configured as a live source, holding no record
   * of the child, by minimised demographics. Off or absent: only states holding the child are asked.
   */
  askAllLiveStates?: boolean;
  now?: () => Date;
}

export type CreateResult =
  | { kind: 'answered'; request: RecordRequest; answer: RecordAnswer }
  | { kind: 'waiting'; request: RecordRequest; queries: Delivery[] }
  | { kind: 'refused'; code: ErrorCode; detail: string; request: RecordRequest };

const actorOf = (r: Requester): Actor => ({ id: r.subject, state: r.state, roles: r.roles });

type Plan =
  | { kind: 'refuse'; code: ErrorCode; detail: string; msixId: string | null }
  | {
      kind: 'plan';
      msixId: MsixId;
      basis: string;
      reason: string;
      createdAt: string;
      stored: ConsolidationInput[];
      states: string[];
      live: Map<string, SourceQuery>;
    };

/** Follows merges to the surviving student (a mistyped or merged id answers with the child it became). */
async function liveStudent(db: Db, msixId: string): Promise<{ msixId: MsixId; createdAt: string } | null> {
  let id = msixId;
  for (let hops = 0; hops < 4; hops++) {
    const s = await getStudent(db, id);
    if (!s) return null;
    if ('mergedInto' in s) {
      id = s.mergedInto;
      continue;
    }
    return { msixId: s.student.msixId as MsixId, createdAt: s.student.createdAt };
  }
  return null;
}

/**
 * The least of a child's identity that lets a state find it: first name, first surname and birth date, from the
 * child's most recently updated record (no MSIX id, no other state's student id, no sex, parents or school).
 */
function minimisedDemographics(stored: readonly ConsolidationInput[]): SourceQuery | null {
  const newest = [...stored].sort((a, b) => b.updatedAt.localeCompare(a.updatedAt))[0];
  const id = newest?.record.identity;
  return id ? { firstName: id.firstName, lastName1: id.lastName1, birthDate: id.birthDate } : null;
}

/** Every state configured as a live source, but these. */
async function otherLiveSources(db: Db, but: readonly string[]): Promise<string[]> {
  const r = await db.query<{ state_code: string }>(
    `SELECT state_code FROM exchange_endpoints WHERE source IS NOT NULL AND NOT (state_code = ANY($1::text[]))
     ORDER BY state_code`,
    [but],
  );
  return r.rows.map((x) => x.state_code);
}

/**
 * Resolves the child, checks the ground, and plans where each state's part comes from. Reads only. Only states
 * holding an active record of the child are asked (issue 13 finding 8): a requester never chooses which states learn
 * a child's identity, and a live query to them carries the state's own student id, never demographics. By policy
 * (`askAllLiveStates`, issue 13 deliverable 2) every other live-source state is asked too, with minimised
 * demographics only; never when the requester names states.
 */
async function plan(deps: RequestDeps, input: RequestInput, requester: string): Promise<Plan> {
  const s = await liveStudent(deps.db, input.msixId);
  if (!s)
    return {
      kind: 'refuse',
      code: 'GW_ERR_UNKNOWN_STUDENT',
      detail: 'No student with this MSIX id.',
      msixId: null,
    };
  const g = await deps.entitle(s.msixId);
  if (g.kind === 'denied') {
    return {
      kind: 'refuse',
      code: 'GW_ERR_NOT_ENTITLED',
      msixId: s.msixId,
      detail:
        'Your state has no enrolled record or notice for this student, and you have not chosen it in a ' +
        'national search. Search by demographics (POST /api/v1/student-searches) from the enrollment you ' +
        'hold, or ask the state that sent the child for a departure notice.',
    };
  }
  const stored = (await linkedRecords(deps.db, s.msixId)).filter((r) => r.status === 'active');
  const holding = [...new Set(stored.map((r) => r.stateCode))];
  const named = input.states?.map((x) => x.toUpperCase());
  const notHolding = named?.filter((st) => !holding.includes(st)) ?? [];
  if (notHolding.length)
    return {
      kind: 'refuse',
      code: 'GW_ERR_NOT_HELD',
      msixId: s.msixId,
      detail:
        `${notHolding.join(', ')} hold${notHolding.length === 1 ? 's' : ''} no record of this student, so ` +
        'the gateway does not ask them: only states holding the child are asked. Leave out states to ask ' +
        'every state that holds a record.',
    };
  const asked = named ? [...new Set(named)] : holding;
  const sources = await liveSources(deps.db, asked);
  const live = new Map<string, SourceQuery>();
  for (const st of asked) {
    const held = stored.find((r) => r.stateCode === st)!;
    if (sources.has(st)) live.set(st, { stateStudentId: held.stateStudentId });
  }
  const states = [...asked];
  const demographics = deps.askAllLiveStates && !named ? minimisedDemographics(stored) : null;
  if (demographics)
    for (const st of await otherLiveSources(deps.db, [...holding, requester])) {
      live.set(st, demographics);
      states.push(st);
    }
  return {
    kind: 'plan',
    msixId: s.msixId,
    basis: g.basis,
    reason: g.reason,
    createdAt: s.createdAt,
    stored,
    states,
    live,
  };
}

/**
 * Takes a record request: finds the child by MSIX id (following merges),
 * checks that the requester has a ground to see the child, and plans each
 * state's part. When the store holds everything the answer is built at once;
 * when a state keeps its records at home, a live query goes to it (a
 * delivery, with retries and a deadline) and the request waits. A refusal is
 * recorded (ledger, request row, audit) with its coded reason. The caller
 * enqueues the returned queries after this returns.
 */
export async function createRecordRequest(
  deps: RequestDeps,
  who: Requester,
  input: RequestInput,
  traceId: string,
): Promise<CreateResult> {
  const now = deps.now?.() ?? new Date();
  const seconds = Math.min(
    Math.max(1, input.deadlineSeconds ?? deps.deadline.defaultSeconds),
    deps.deadline.maxSeconds,
  );
  const deadlineAt = new Date(now.getTime() + seconds * 1000).toISOString();
  const lookup = 'msix-id' as const;
  const p = await plan(deps, input, who.state);
  const at = now.toISOString();

  return deps.db.transaction(async (tx) => {
    const ex = await createExchange(tx, {
      direction: 'inbound',
      kind: 'record-request',
      stateCode: who.state,
      status: 'received',
      traceId,
      clientId: who.clientId,
      msixId: p.msixId,
      summary: { lookup, purpose: input.purpose, deadlineAt },
    });
    const base = {
      exchangeId: ex.id,
      requestingState: who.state,
      requestedBy: who.subject,
      clientId: who.clientId,
      lookup,
      purpose: input.purpose,
      deadlineAt,
      traceId,
    };
    if (p.kind === 'refuse') {
      const id = await insertRequest(tx, {
        ...base,
        msixId: p.msixId,
        status: 'failed',
        reason: `${p.code}: ${p.detail}`,
        history: [
          { status: 'received', at },
          { status: 'failed', at },
        ],
      });
      await updateExchange(tx, ex.id, {
        status: 'rejected',
        error: { code: p.code, detail: p.detail },
        summary: { requestId: id, requestStatus: 'failed' },
      });
      await appendAudit(tx, {
        actor: actorOf(who),
        action: 'record-request.refused',
        outcome: 'denied',
        msixId: p.msixId,
        reason: p.detail,
        traceId,
        details: { requestId: id, code: p.code, lookup, purpose: input.purpose },
      });
      return { kind: 'refused', code: p.code, detail: p.detail, request: (await getRequest(tx, id))! };
    }

    const waiting = p.live.size > 0;
    const history: { status: RequestStatus; at: string }[] = [
      { status: 'received', at },
      { status: 'routed', at },
    ];
    const id = await insertRequest(tx, {
      ...base,
      msixId: p.msixId,
      status: waiting ? 'waiting' : 'routed',
      history: waiting ? [...history, { status: 'waiting', at }] : history,
    });
    for (const st of p.states) {
      const held = p.stored.find((r) => r.stateCode === st);
      await insertSource(tx, id, {
        stateCode: st,
        mode: p.live.has(st) ? 'live' : 'store',
        status: p.live.has(st) ? 'pending' : 'answered',
        stateStudentId: held?.stateStudentId ?? null,
      });
    }

    if (!waiting) {
      const answer = buildAnswer({
        msixId: p.msixId,
        stored: p.stored,
        live: [],
        states: p.states,
        opts: deps.consolidation,
        now: at,
        createdAt: p.createdAt,
      });
      await setRequestStatus(tx, id, 'answered', { answer });
      await updateExchange(tx, ex.id, {
        status: 'completed',
        summary: { requestId: id, requestStatus: 'answered', sources: answer.sources.length },
      });
      await appendAudit(tx, {
        actor: actorOf(who),
        action: 'record-request.answered',
        msixId: p.msixId,
        recordIds: p.stored.filter((r) => p.states.includes(r.stateCode)).map((r) => r.recordId),
        fields: ['*'],
        reason: `record request ${id} (${input.purpose}): ${p.reason}`,
        traceId,
        details: { requestId: id, basis: p.basis, lookup },
      });
      return { kind: 'answered', request: (await getRequest(tx, id))!, answer };
    }

    const queries: Delivery[] = [];
    for (const [st, query] of p.live) {
      const d = await createDelivery(tx, {
        stateCode: st,
        kind: 'record-query',
        msixId: p.msixId,
        ordered: false,
        traceId,
        requestId: id,
        parentExchangeId: ex.id,
        deadlineAt,
        data: { requestId: id, requestingState: who.state, query },
        summary: { requestId: id, requestingState: who.state },
        disclosure: {
          fields: 'stateStudentId' in query ? ['stateStudentId'] : ['firstName', 'lastName1', 'birthDate'],
          reason: `live query for record request ${id} from ${who.state}`,
        },
      });
      await setSourceDelivery(tx, id, st, d.id);
      queries.push(d);
    }
    await updateExchange(tx, ex.id, {
      status: 'processing',
      summary: { requestId: id, requestStatus: 'waiting', waitingOn: [...p.live.keys()] },
    });
    await appendAudit(tx, {
      actor: actorOf(who),
      action: 'record-request.accepted',
      msixId: p.msixId,
      reason: `record request ${id} (${input.purpose}): ${p.reason}`,
      traceId,
      details: { requestId: id, basis: p.basis, lookup, waitingOn: [...p.live.keys()] },
    });
    return { kind: 'waiting', request: (await getRequest(tx, id))!, queries };
  });
}
